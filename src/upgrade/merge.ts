import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeGoMod } from './gomod.js';
import type { Step } from './plan.js';
import { withEol } from './text.js';

/** The labels of the three sides in conflict markers. */
export interface MergeLabels {
  /** The previous release: `create-service 0.1.0`. */
  base: string;
  /** This release: `create-service 0.2.0`. */
  theirs: string;
}

/** The outcome of a text merge: the merged text (with markers when `conflicts` > 0). */
export interface TextMerge {
  text: string;
  conflicts: number;
}

/**
 * Three-way merge of LF texts through `git merge-file -p --diff3`, labelled
 * `yours`, `<labels.base>`, `<labels.theirs>`. Without a base (the file is
 * new on both sides, or the pristine base is unavailable) the merge is
 * two-way against an empty base, without --diff3 so that git narrows the
 * conflict to the lines that differ.
 */
export async function mergeText(ours: string, base: string | undefined, theirs: string, labels: MergeLabels): Promise<TextMerge> {
  const dir = await mkdtemp(join(tmpdir(), 'create-service-merge-'));
  try {
    const [o, b, t] = [join(dir, 'ours'), join(dir, 'base'), join(dir, 'theirs')];
    await Promise.all([writeFile(o, ours), writeFile(b, base ?? ''), writeFile(t, theirs)]);
    const args = ['-c', 'merge.conflictStyle=merge', 'merge-file', '-p', ...(base === undefined ? [] : ['--diff3'])];
    args.push('-L', 'yours', '-L', base === undefined ? 'no base' : labels.base, '-L', labels.theirs, o, b, t);
    const r = await execa('git', args, { reject: false, stripFinalNewline: false, stdin: 'ignore' });
    // Exit code: the number of conflicts (0 clean); a negative status (255 here) is an error.
    if (r.exitCode === undefined || r.exitCode < 0 || r.exitCode > 127) throw new Error(`git merge-file failed: ${r.stderr.trim()}`);
    return { text: r.stdout, conflicts: r.exitCode };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the merges a plan asks for: each `merge` step becomes `merged` or a
 * `content` conflict (text with markers). A go.mod whose line merge
 * conflicts is merged semantically when that is possible.
 */
export async function runMerges(steps: readonly Step[], labels: MergeLabels): Promise<Step[]> {
  const out = [...steps];
  const pending = out.flatMap((s, i) => (s.kind === 'merge' ? [i] : []));
  // A few merges at a time: each is a short git process.
  for (let at = 0; at < pending.length; at += 4) {
    await Promise.all(pending.slice(at, at + 4).map(async (i) => (out[i] = await runMerge(out[i]!, labels))));
  }
  return out;
}

async function runMerge(s: Step, labels: MergeLabels): Promise<Step> {
  if (s.kind !== 'merge') return s;
  const m = await mergeText(s.ours, s.base, s.theirs, labels);
  if (m.conflicts === 0) return { path: s.path, kind: 'merged', content: withEol(m.text, s.eol), perm: s.perm, how: 'lines' };
  const semantic = s.gomod && s.base !== undefined ? mergeGoMod(s.ours, s.base, s.theirs) : undefined;
  if (semantic !== undefined) return { path: s.path, kind: 'merged', content: withEol(semantic, s.eol), perm: s.perm, how: 'go.mod' };
  return { path: s.path, kind: 'conflict', conflict: 'content', content: withEol(m.text, s.eol), perm: s.perm };
}

/** Conflict markers as git writes them: a `<<<<<<< ` line, later `=======`, later `>>>>>>> `. */
export function hasConflictMarkers(text: string): boolean {
  const start = text.search(/^<{7}( |\r?$)/m);
  if (start < 0) return false;
  const rest = text.slice(start);
  const mid = rest.search(/^={7}\r?$/m);
  return mid >= 0 && /^>{7}( |\r?$)/m.test(rest.slice(mid));
}
