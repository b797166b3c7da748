import { blobId, type StateFileEntry, type UpgradePolicy } from '../render/render.js';
import type { ConflictKind } from './state.js';
import type { OurFile } from './tree.js';
import { sameText, withEol, type Eol } from './text.js';

/**
 * Pure planning: from the user's files (O), the pristine base (B) and the new
 * render (T), decide per file what the upgrade does. No disk, no git: the
 * three-way text merges that the plan asks for are run afterwards (merge.ts),
 * and the writes after that (apply.ts).
 */

/** B: what the state file records for a path, with the pristine content when it could be recovered. */
export interface BaseFile {
  entry: StateFileEntry;
  /** Undefined when the pristine content is not available (no base ref, different version). */
  content?: string;
}

/** T: the new render of a path. */
export interface TheirFile {
  content: string;
  perm: number;
  policy: UpgradePolicy;
}

export interface PlanInput {
  base: ReadonlyMap<string, BaseFile>;
  theirs: ReadonlyMap<string, TheirFile>;
  ours: ReadonlyMap<string, OurFile>;
  /** Line endings for files the upgrade adds. */
  eol: Eol;
}

/** Why a file is left as it is. */
export type UnchangedReason = 'same' | 'already-new' | 'user-only' | 'deleted' | 'seed' | 'gone';

/** One file's step. `content` is always the final text, with the line endings it will have on disk. */
export type Step =
  | { path: string; kind: 'unchanged'; why: UnchangedReason }
  | { path: string; kind: 'chmod'; perm: number }
  | { path: string; kind: 'update'; content: string; perm: number }
  | { path: string; kind: 'add'; content: string; perm: number }
  | { path: string; kind: 'delete' }
  /** The user deleted the file and the template changed it: reported, not recreated. */
  | { path: string; kind: 'skip-deleted' }
  /** Three-way (or, without base, two-way) text merge still to run; all texts LF. */
  | { path: string; kind: 'merge'; ours: string; base?: string; theirs: string; eol: Eol; perm: number; gomod: boolean }
  | { path: string; kind: 'merged'; content: string; perm: number; how: 'lines' | 'go.mod' }
  | { path: string; kind: 'conflict'; conflict: ConflictKind; content?: string; perm?: number; sidecar?: { path: string; content: string; perm: number } };

/** Where the new version of a file goes when it cannot be merged (binary, owned). */
export const SIDECAR_SUFFIX = '.create-service-new';

/** Plans every path of B ∪ T (the state file is never part of the plan). */
export function planUpgrade(input: PlanInput): Step[] {
  const paths = [...new Set([...input.base.keys(), ...input.theirs.keys()])].sort();
  return paths.map((p) => planFile(p, input.base.get(p), input.theirs.get(p), input.ours.get(p) ?? { kind: 'absent' }, input.eol));
}

/** The decision table of one path (see the README section "Upgrading a generated service"). */
export function planFile(path: string, b: BaseFile | undefined, t: TheirFile | undefined, o: OurFile, treeEol: Eol): Step {
  const policy = t?.policy ?? b?.entry.policy ?? 'merge';
  const bIsT = b !== undefined && t !== undefined && blobId(t.content) === b.entry.hash;
  const bPermIsT = b !== undefined && t !== undefined && Number.parseInt(b.entry.perm, 8) === t.perm;

  if (o.kind === 'other') {
    if ((b && !t) || (bIsT && bPermIsT)) return { path, kind: 'unchanged', why: 'user-only' };
    return { path, kind: 'conflict', conflict: 'not-a-file' };
  }

  // Seeds are written when they first appear and never touched again.
  if (policy === 'seed' && (b || o.kind === 'file')) return { path, kind: 'unchanged', why: 'seed' };

  if (b && t) {
    if (o.kind === 'absent') return bIsT ? { path, kind: 'unchanged', why: 'deleted' } : { path, kind: 'skip-deleted' };
    const perm = mergedPerm(o.perm, b.entry.perm, t.perm);
    if (bIsT) return perm === o.perm ? { path, kind: 'unchanged', why: 'same' } : { path, kind: 'chmod', perm };
    if (o.binary) return sidecar(path, t, 'binary');
    if (isBase(o, b)) return { path, kind: 'update', content: withEol(t.content, o.eol), perm };
    if (sameText(o.text!, t.content)) return perm === o.perm ? { path, kind: 'unchanged', why: 'already-new' } : { path, kind: 'chmod', perm };
    if (policy === 'owned') return sidecar(path, t, 'owned');
    return { path, kind: 'merge', ours: o.text!, base: b.content, theirs: t.content, eol: o.eol, perm, gomod: isGoMod(path) };
  }

  if (b) {
    // The new render no longer has the file (template dropped it, or an option was turned off).
    if (o.kind === 'absent') return { path, kind: 'unchanged', why: 'gone' };
    if (!o.binary && isBase(o, b)) return { path, kind: 'delete' };
    return { path, kind: 'conflict', conflict: 'modify/delete' };
  }

  // New in this render.
  const tt = t!;
  if (o.kind === 'absent') return { path, kind: 'add', content: withEol(tt.content, treeEol), perm: tt.perm };
  if (o.binary) return sidecar(path, tt, 'binary');
  if (sameText(o.text!, tt.content)) return { path, kind: 'unchanged', why: 'already-new' };
  if (policy === 'owned') return sidecar(path, tt, 'owned');
  // add/add: the user already has a file at a path the template now generates.
  return { path, kind: 'merge', ours: o.text!, theirs: tt.content, eol: o.eol, perm: o.perm, gomod: isGoMod(path) };
}

/** True when the user's file is the pristine base (by content when known, else by the recorded hash). */
function isBase(o: Extract<OurFile, { kind: 'file' }>, b: BaseFile): boolean {
  if (o.binary) return false;
  if (b.content !== undefined) return sameText(o.text!, b.content);
  return blobId(o.text!) === b.entry.hash || blobId(o.bytes) === b.entry.hash;
}

/**
 * The permission bits to write: the user's, except that a change of the
 * executable bit by the template is applied when the user kept the base's.
 */
export function mergedPerm(ours: number, basePerm: string, theirs: number): number {
  const exec = (m: number) => (m & 0o111) !== 0;
  const base = Number.parseInt(basePerm, 8);
  if (exec(ours) !== exec(base) || exec(theirs) === exec(base)) return ours;
  return exec(theirs) ? ours | ((ours & 0o444) >> 2) : ours & ~0o111;
}

function sidecar(path: string, t: TheirFile, conflict: ConflictKind): Step {
  return { path, kind: 'conflict', conflict, sidecar: { path: `${path}${SIDECAR_SUFFIX}`, content: t.content, perm: t.perm } };
}

function isGoMod(path: string): boolean {
  return path === 'go.mod' || path.endsWith('/go.mod');
}

/** Steps that change something on disk. */
export function isChange(s: Step): boolean {
  return s.kind !== 'unchanged' && s.kind !== 'skip-deleted';
}
