import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { Answers } from '../options/model.js';
import type { ResourceSpec } from '../options/resources.js';
import { ledgerFromPaths, type LedgerEntry } from '../render/migrations.js';
import {
  ANSWERS_SCHEMA_VERSION,
  STATE_PATH,
  STATE_SCHEMA_VERSION,
  UPGRADE_POLICIES,
  type Generator,
  type ProjectState,
  type StateFileEntry,
} from '../render/render.js';

/** One file an upgrade run writes or deletes, as recorded before the first write. */
export interface TouchedFile {
  path: string;
  /** Whether it existed before the run (then a copy is in the backup). */
  existed: boolean;
}

/** A conflict the user must look at; `content` ones hold markers until resolved. */
export interface Conflict {
  path: string;
  kind: ConflictKind;
  /** For binary and owned conflicts: where the new version was written. */
  sidecar?: string;
}

export type ConflictKind = 'content' | 'modify/delete' | 'binary' | 'owned' | 'not-a-file';

/**
 * The journal of a running upgrade, written into the state file before the
 * first write. While it is there the project is mid-upgrade: `--abort`
 * restores every touched file from the backup, `--continue` finishes.
 */
export interface InProgress {
  /** `writing`: files are being written (a kill leaves this); `conflicts`: done writing, conflicts remain. */
  phase: 'writing' | 'conflicts';
  from: { generator: Generator; answers: Answers };
  to: { generator: Generator; answers: Answers };
  /** The backup folder, relative to the project (inside .git when there is one). */
  backup: string;
  touched: TouchedFile[];
  /** Folders the run creates, shallowest first; --abort removes them when empty. */
  createdDirs: string[];
  conflicts: Conflict[];
  /** The state to record once the upgrade completes. */
  next: ProjectState;
  /** The commit holding the new pristine render (git projects only). */
  pendingBase?: string;
}

/** The state file as read: the rendered state plus the journal of an unfinished upgrade. */
export type State = ProjectState & { inProgress?: InProgress };

/**
 * Finds the generated project holding `cwd`: the nearest folder at or above
 * it with a state file. Throws UsageError when there is none.
 */
export async function findProject(cwd: string): Promise<string> {
  let dir = resolve(cwd);
  for (;;) {
    if (await stat(join(dir, STATE_PATH)).then((s) => s.isFile(), () => false)) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new UsageError(`${cwd} is not inside a generated project (no ${STATE_PATH} here or above); run this in a project made by create-service`);
}

/**
 * Reads and checks a state file. Accepts schema 1 (files with `mode`), 2
 * and 3; before 3 the migration ledger is derived from the recorded
 * `migrations/<version>_<id>.sql` files.
 * Throws UsageError when it is not a state file this version understands.
 */
export async function readState(dir: string): Promise<State> {
  const raw = await readFile(join(dir, STATE_PATH), 'utf8');
  return parseState(raw);
}

/** Parses a state file's text (see readState). */
export function parseState(raw: string): State {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${STATE_PATH} is not valid JSON (${(err as Error).message}); restore it from git`);
  }
  const bad = (why: string) => new UsageError(`${STATE_PATH} ${why}; restore it from git`);
  if (typeof data !== 'object' || data === null) throw bad('is not an object');
  const schema = data.schemaVersion;
  if (typeof schema !== 'number' || schema < 1) throw bad('has no schemaVersion');
  if (schema > STATE_SCHEMA_VERSION) {
    throw new UsageError(`${STATE_PATH} has schema version ${schema}, newer than this create-service understands (${STATE_SCHEMA_VERSION}); use a newer create-service`);
  }
  const generator = data.generator as Generator | undefined;
  if (!generator || typeof generator.name !== 'string' || typeof generator.version !== 'string') throw bad('has no generator');
  if (typeof data.answers !== 'object' || data.answers === null) throw bad('has no answers');
  const files: Record<string, StateFileEntry> = {};
  for (const [path, v] of Object.entries((data.files ?? {}) as Record<string, Record<string, unknown>>)) {
    const hash = v?.hash;
    const perm = (schema === 1 ? v?.mode : v?.perm) ?? '644';
    const policy = (v?.policy ?? 'merge') as StateFileEntry['policy'];
    if (typeof hash !== 'string' || !/^[0-9a-f]{40}$/.test(hash)) throw bad(`has no valid hash for ${path}`);
    if (typeof perm !== 'string' || !/^[0-7]{3}$/.test(perm)) throw bad(`has no valid perm for ${path}`);
    if (!UPGRADE_POLICIES.includes(policy)) throw bad(`has an unknown policy for ${path}`);
    files[path] = { hash, perm, policy };
  }
  const state: State = {
    schemaVersion: STATE_SCHEMA_VERSION,
    generator: { name: generator.name, version: generator.version },
    answersSchemaVersion: typeof data.answersSchemaVersion === 'number' ? data.answersSchemaVersion : ANSWERS_SCHEMA_VERSION,
    answers: data.answers as Answers,
    migrations: schema < 3 ? ledgerFromPaths(Object.keys(files)) : parseLedger(data.migrations, bad),
    files,
  };
  if (data.inProgress !== undefined) state.inProgress = data.inProgress as InProgress;
  return state;
}

/**
 * Checks a recorded migration ledger: positive integer versions, ascending, ids unique, `sql` (a
 * schema change's text) a string and `resource` (the spec a table was created with) a resource when present.
 */
function parseLedger(raw: unknown, bad: (why: string) => Error): LedgerEntry[] {
  if (!Array.isArray(raw)) throw bad('has no migrations list');
  const ids = new Set<string>();
  let last = 0;
  return raw.map((e: unknown) => {
    const { version, id, sql, resource } = (e ?? {}) as Record<string, unknown>;
    if (
      typeof version !== 'number' ||
      !Number.isInteger(version) ||
      version <= last ||
      typeof id !== 'string' ||
      id === '' ||
      ids.has(id) ||
      (sql !== undefined && typeof sql !== 'string') ||
      (resource !== undefined && (typeof resource !== 'object' || resource === null || !Array.isArray((resource as { fields?: unknown }).fields)))
    ) {
      throw bad(`has an invalid migrations entry ${JSON.stringify(e)} (versions ascend, ids are unique)`);
    }
    last = version;
    ids.add(id);
    return { version, id, ...(typeof sql === 'string' ? { sql } : {}), ...(resource ? { resource: resource as ResourceSpec } : {}) };
  });
}
