import { chmod, copyFile, lstat, mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { serializeState, STATE_PATH, type ProjectState } from '../render/render.js';
import { baseRefs, updateRefs } from './base.js';
import type { Repo } from './git.js';
import type { InProgress, State, TouchedFile } from './state.js';

/**
 * The only code that changes a project during an upgrade. The order makes
 * every interruption recoverable:
 * 1. every file the run will touch (and the state file) is copied into a
 *    backup folder (inside .git when there is one, so the tree stays as it was);
 * 2. the journal (`inProgress`, listing every touched path) is written into
 *    the state file, atomically, before the first write;
 * 3. each file is written to `<path>.create-service-tmp` and renamed into
 *    place (atomic per file);
 * 4. the run completes (new state, base ref moved, backup removed) or stops
 *    with conflicts, journal kept.
 * `abortUpgrade` puts back every touched path from the backup and the
 * pre-upgrade state file last, so it can itself be interrupted and rerun.
 */

/** One change to the project. */
export type FileWrite =
  | { path: string; kind: 'write'; content: string | Buffer; perm: number }
  | { path: string; kind: 'delete' }
  | { path: string; kind: 'chmod'; perm: number };

/** Test seam: called before each file write, so a test can simulate a crash (or a kill) part-way. */
export interface ApplyHooks {
  beforeWrite?: (path: string, index: number) => void | Promise<void>;
}

/** Where an unfinished upgrade's report lists the conflicts. */
export const REPORT_PATH = '.create-service/upgrade-report.md';

const TMP_SUFFIX = '.create-service-tmp';

/** The backup folder of a project's upgrade: private to git when possible. */
export function backupDir(dir: string, repo: Repo | undefined): string {
  if (!repo) return join(dir, '.create-service', 'upgrade-backup');
  const ref = baseRefs(repo).base.replace(/^refs\/create-service\//, '').replaceAll('/', '-');
  return join(repo.gitDir, 'create-service', `${ref}-upgrade-backup`);
}

const abs = (dir: string, path: string) => join(dir, ...path.split('/'));

/** The absolute path of a journal's backup folder. */
export function backupOf(dir: string, inProgress: Pick<InProgress, 'backup'>): string {
  return resolve(dir, ...inProgress.backup.split('/'));
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Writes a file atomically: a temporary sibling with a fixed name, then a rename. */
export async function atomicWrite(file: string, content: string | Buffer, perm: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}${TMP_SUFFIX}`;
  await writeFile(tmp, content);
  await chmod(tmp, perm);
  await rename(tmp, file);
}

/**
 * Steps 1-3 above. `journal` is the in-progress record without the fields
 * this function fills in. Returns the journal as written.
 */
export async function applyWrites(
  dir: string,
  state: State,
  journal: Omit<InProgress, 'phase' | 'backup' | 'touched' | 'createdDirs'>,
  writes: readonly FileWrite[],
  opts: { backup: string; hooks?: ApplyHooks },
): Promise<InProgress> {
  await rm(opts.backup, { recursive: true, force: true });
  await mkdir(opts.backup, { recursive: true });
  const touched: TouchedFile[] = [];
  for (const path of [...writes.map((w) => w.path), STATE_PATH]) {
    if (touched.some((t) => t.path === path)) continue;
    const from = abs(dir, path);
    const s = await lstat(from).catch(() => undefined);
    const existed = s !== undefined && s.isFile();
    if (existed) {
      const to = join(opts.backup, 'files', ...path.split('/'));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
      await chmod(to, s.mode & 0o7777);
    }
    touched.push({ path, existed });
  }
  const createdDirs: string[] = [];
  for (const w of writes) {
    if (w.kind !== 'write') continue;
    const parts = w.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!createdDirs.includes(d) && !(await exists(abs(dir, d)))) createdDirs.push(d);
    }
  }
  createdDirs.sort((a, b) => a.split('/').length - b.split('/').length);

  // Relative, so that a moved or copied project still finds its backup.
  const backup = relative(dir, opts.backup).split(sep).join('/');
  const inProgress: InProgress = { phase: 'writing', ...journal, backup, touched, createdDirs };
  await writeState(dir, { ...withoutJournal(state), inProgress });

  for (const [i, w] of writes.entries()) {
    await opts.hooks?.beforeWrite?.(w.path, i);
    const file = abs(dir, w.path);
    if (w.kind === 'delete') await rm(file, { force: true });
    else if (w.kind === 'chmod') await chmod(file, w.perm);
    else await atomicWrite(file, w.content, w.perm);
  }
  return inProgress;
}

/** Writes the state file (with or without a journal). */
export async function writeState(dir: string, state: ProjectState & { inProgress?: InProgress }): Promise<void> {
  await atomicWrite(abs(dir, STATE_PATH), serializeState(state), 0o644);
}

/** The state without its journal. */
export function withoutJournal(state: State): ProjectState {
  const { inProgress: _journal, ...rest } = state;
  return rest;
}

/**
 * Completes an upgrade: the new pristine render becomes the base, the new
 * state is recorded, the report and the backup are removed.
 */
export async function finishUpgrade(dir: string, repo: Repo | undefined, inProgress: InProgress): Promise<void> {
  if (repo && inProgress.pendingBase) {
    const refs = baseRefs(repo);
    await updateRefs(dir, { set: { [refs.base]: inProgress.pendingBase }, remove: [refs.pending] });
  }
  await rm(abs(dir, REPORT_PATH), { force: true });
  await writeState(dir, inProgress.next);
  await rm(backupOf(dir, inProgress), { recursive: true, force: true });
}

/**
 * Puts the project back exactly as it was before the upgrade started:
 * every touched file from the backup (bytes and mode), every file the run
 * created removed, every folder it created removed when empty, and the
 * state file last. Safe to rerun after an interruption.
 */
export async function abortUpgrade(dir: string, repo: Repo | undefined, inProgress: InProgress): Promise<void> {
  const restore = async (t: TouchedFile) => {
    const file = abs(dir, t.path);
    await rm(`${file}${TMP_SUFFIX}`, { force: true });
    if (!t.existed) {
      await rm(file, { force: true });
      return;
    }
    const saved = join(backupOf(dir, inProgress), 'files', ...t.path.split('/'));
    const s = await stat(saved).catch(() => undefined);
    // No copy means the backup never completed for it, so nothing was written either.
    if (!s) return;
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}${TMP_SUFFIX}`;
    await copyFile(saved, tmp);
    await chmod(tmp, s.mode & 0o7777);
    await rename(tmp, file);
  };
  for (const t of inProgress.touched) if (t.path !== STATE_PATH) await restore(t);
  for (const d of [...inProgress.createdDirs].reverse()) await rmdir(abs(dir, d)).catch(() => undefined);
  const state = inProgress.touched.find((t) => t.path === STATE_PATH);
  if (state) await restore(state);
  if (repo) await updateRefs(dir, { remove: [baseRefs(repo).pending] });
  await rm(backupOf(dir, inProgress), { recursive: true, force: true });
}
