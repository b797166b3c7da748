import { relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { STATE_PATH, type Generator } from '../render/render.js';
import { findRepo } from './git.js';
import { unifiedDiff } from './patch.js';
import { loadBase } from './pristine.js';
import type { TemplateSource } from './release.js';
import { findProject, readState } from './state.js';
import { readOurs } from './tree.js';

/** What `create-service diff` found. */
export interface ProjectDiff {
  dir: string;
  /** Unified diffs, one per changed generated file, pristine (a/) → yours (b/). */
  patches: string[];
  /** Generated files whose pristine content could not be recovered. */
  missingBase: string[];
}

/**
 * `create-service diff [path]`: the user's changes to generated files
 * against the pristine render of the recorded version and answers, with line
 * endings normalised (a CRLF checkout is not a change). `path` (a file or
 * folder, relative to `cwd`) narrows it. Reads only.
 */
export async function diffProject(ctx: { cwd: string; path?: string; templates: TemplateSource; generator: Generator }): Promise<ProjectDiff> {
  const dir = await findProject(ctx.cwd);
  const state = await readState(dir);
  let paths = Object.keys(state.files)
    .filter((p) => p !== STATE_PATH)
    .sort();
  if (ctx.path !== undefined) {
    const rel = relative(dir, resolve(ctx.cwd, ctx.path)).split(sep).join('/');
    if (rel.startsWith('..')) throw new UsageError(`${ctx.path} is outside the project ${dir}`);
    paths = paths.filter((p) => rel === '' || p === rel || p.startsWith(`${rel}/`));
    if (paths.length === 0) throw new UsageError(`${ctx.path} is not a generated file or folder of this project`);
  }
  const base = await loadBase(dir, await findRepo(dir), state, ctx.templates, ctx.generator);
  const patches: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    const b = base.get(p)!;
    const o = await readOurs(dir, p);
    if (b.content === undefined) {
      missing.push(p);
      continue;
    }
    const basePerm = Number.parseInt(b.entry.perm, 8);
    if (o.kind === 'absent') patches.push(unifiedDiff(p, b.content, undefined, { before: basePerm }));
    else if (o.kind === 'other') patches.push(`diff --git a/${p} b/${p}\n(not a regular file any more)\n`);
    else if (o.binary) patches.push(`diff --git a/${p} b/${p}\nBinary files a/${p} and b/${p} differ\n`);
    else {
      const patch = unifiedDiff(p, b.content.replaceAll('\r\n', '\n'), o.text, { before: basePerm, after: o.perm });
      if (patch) patches.push(patch);
    }
  }
  return { dir, patches, missingBase: missing };
}
