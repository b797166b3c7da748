import fs from 'fs-extra';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { RenderedFile } from '../render/render.js';

/**
 * The only module that writes a generated project to disk.
 *
 * Everything is first written into a temporary sibling directory of the
 * target (same file system, so renames are atomic), then moved into place:
 * - a target that does not exist, or is empty, becomes the staged directory
 *   by one rename;
 * - a target that holds only harmless files (.git, .DS_Store, .idea, LICENSE,
 *   *.iml), or any files with `force`, receives each staged file by rename;
 *   a file it replaces is kept aside until the end, and if any move fails
 *   every moved file is rolled back and every replaced file restored.
 * A crash or interrupt therefore leaves either the old tree or the new one
 * (plus, at worst, a `.<name>.create-service-*` staging directory), never a
 * half-written project. Nothing outside the generated paths is touched or
 * deleted.
 */

/** Files a target directory may already hold without --force (after create-next-app). */
const HARMLESS = [/^\.git$/, /^\.DS_Store$/, /^\.idea$/, /^LICENSE(\..*)?$/, /^.*\.iml$/, /^\.gitkeep$/, /^Thumbs\.db$/];

/** What the target directory looks like before writing. */
export type TargetState = { kind: 'missing' } | { kind: 'empty' } | { kind: 'harmless'; entries: string[] } | { kind: 'occupied'; entries: string[] };

/** Looks at the target without changing it. Throws UsageError if it is a file. */
export async function inspectTarget(dir: string): Promise<TargetState> {
  return readdir(dir).then(classify, (err: unknown) => unreadable(dir, err));
}

/** inspectTarget for a prompt's validator, which cannot wait. */
export function inspectTargetSync(dir: string): TargetState {
  try {
    return classify(readdirSync(dir));
  } catch (err) {
    return unreadable(dir, err);
  }
}

function classify(entries: string[]): TargetState {
  if (entries.length === 0) return { kind: 'empty' };
  if (entries.every((e) => HARMLESS.some((re) => re.test(e)))) return { kind: 'harmless', entries };
  return { kind: 'occupied', entries: entries.sort() };
}

function unreadable(dir: string, err: unknown): TargetState {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { kind: 'missing' };
  if (code === 'ENOTDIR') throw new UsageError(`${dir} exists and is not a directory`);
  throw err;
}

/**
 * Refuses an occupied target unless `force` is set. Throws UsageError
 * (exit 2) naming what is in the way; call before any slow work.
 */
export function checkTarget(dir: string, state: TargetState, force: boolean): void {
  if (state.kind !== 'occupied' || force) return;
  const shown = state.entries.slice(0, 5).join(', ') + (state.entries.length > 5 ? ', ...' : '');
  throw new UsageError(`directory ${dir} is not empty (${shown}); choose another directory or pass --force to write over generated paths`);
}

/** Test seam: called before each move into place, so a test can simulate a crash part-way. */
export interface WriteHooks {
  beforeMove?: (path: string, index: number) => void | Promise<void>;
}

/**
 * Writes `files` into `dir` atomically as described above. Returns the
 * absolute target path. Throws UsageError for an occupied target without
 * `force`; any other failure leaves the target as it was.
 */
export async function writeProject(dir: string, files: readonly RenderedFile[], opts: { force: boolean; hooks?: WriteHooks }): Promise<string> {
  const target = resolve(dir);
  const state = await inspectTarget(target);
  checkTarget(dir, state, opts.force);

  const parent = dirname(target);
  await fs.mkdirp(parent);
  const stage = await mkdtemp(join(parent, `.${basename(target)}.create-service-`));
  // mkdtemp makes a 0700 directory; the project itself gets the usual mode.
  const staged = join(stage, 'project');
  try {
    await fs.mkdirp(staged);
    for (const f of files) {
      const p = join(staged, ...f.path.split('/'));
      await fs.outputFile(p, f.content, { mode: f.mode });
      await fs.chmod(p, f.mode); // outputFile's mode is filtered by the umask
    }
    if (state.kind === 'missing' || state.kind === 'empty') {
      if (state.kind === 'empty') await rmdir(target);
      await rename(staged, target);
      return target;
    }
    await moveEach(staged, target, files, opts.hooks);
    return target;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

async function moveEach(stage: string, target: string, files: readonly RenderedFile[], hooks?: WriteHooks): Promise<void> {
  const backup = join(stage, '.replaced');
  const moved: { path: string; backedUp: boolean }[] = [];
  // Directories this write created in the target, removed again on rollback.
  const createdDirs: string[] = [];
  try {
    for (const [i, f] of files.entries()) {
      await hooks?.beforeMove?.(f.path, i);
      const from = join(stage, ...f.path.split('/'));
      const to = join(target, ...f.path.split('/'));
      const exists = await stat(to).then(
        (s) => {
          if (s.isDirectory()) throw new UsageError(`cannot write ${f.path}: a directory is in the way`);
          return true;
        },
        () => false,
      );
      if (exists) {
        const keep = join(backup, ...f.path.split('/'));
        await fs.mkdirp(dirname(keep));
        await rename(to, keep);
      }
      moved.push({ path: f.path, backedUp: exists });
      const created = await mkdir(dirname(to), { recursive: true });
      if (created !== undefined) createdDirs.push(created);
      await rename(from, to);
    }
  } catch (err) {
    for (const m of moved.reverse()) {
      const to = join(target, ...m.path.split('/'));
      await rm(to, { force: true });
      if (m.backedUp) await rename(join(backup, ...m.path.split('/')), to);
    }
    for (const d of createdDirs.reverse()) await rm(d, { recursive: true, force: true });
    throw err;
  }
}
