import type { ResourceSpec } from '../options/resources.js';

/**
 * Migration numbering. Templates name migrations without a version
 * (`migrations/create_outbox.sql.hbs`); the render gives each rendered
 * `migrations/<id>.sql` its goose version from the migration ledger, the
 * list of `{ version, id }` the state file records. An id keeps its version
 * forever (a generated migration is never renamed), and a version is never
 * reused, even after its id is gone (an option turned off).
 */

/**
 * One migration the generator numbered: its id (`create_outbox`) and its goose
 * version (`2`). A schema change (src/options/schema-diff.ts) also records its
 * goose text in `sql`: it comes from no template, and the render writes it as is.
 * A resource's create-table migration records in `resource` the spec its table
 * was created with once a later change alters the table, so that migration
 * keeps rendering as it was generated.
 */
export interface LedgerEntry {
  version: number;
  id: string;
  sql?: string;
  resource?: ResourceSpec;
}

/** The id of a resource's create-table migration: `create_<plural>`. */
export function createTableId(plural: string): string {
  return `create_${plural}`;
}

/** Every migration id the generator ever numbered in a project, ordered by version. */
export type MigrationLedger = readonly LedgerEntry[];

/** The folder of the generated project goose reads (its embed.go embeds `*.sql`). */
export const MIGRATIONS_DIR = 'migrations';

/** Digits of a version in a file name: `00002_create_outbox.sql`. */
const VERSION_WIDTH = 5;

/** A migration id: what follows the version in its file name. */
const ID = /^[a-z0-9][a-z0-9_]*$/;

/** goose's file name: a numeric version, `_`, the rest. */
const VERSIONED = /^(\d+)_(.+)\.sql$/;

/** A migration: a `.sql` file directly in migrations/ (the file name is captured). */
const MIGRATION_PATH = new RegExp(`^${MIGRATIONS_DIR}/([^/]+\\.sql)$`);

/**
 * The id of a rendered migration path (`migrations/create_items.sql` →
 * `create_items`), or undefined for any other path. Throws when a template
 * names the version itself (`migrations/00002_x.sql`): the ledger chooses it.
 */
export function migrationId(path: string): string | undefined {
  const name = MIGRATION_PATH.exec(path)?.[1];
  if (name === undefined) return undefined;
  const id = name.slice(0, -'.sql'.length);
  if (VERSIONED.test(name)) {
    throw new Error(`template ${path} names a migration version; name it ${MIGRATIONS_DIR}/${id.replace(/^\d+_/, '')}.sql, the ledger numbers it`);
  }
  if (!ID.test(id)) throw new Error(`template ${path}: a migration id is lower snake_case ([a-z0-9_]), not "${id}"`);
  return id;
}

/** The goose version of a file name in migrations/ (`00002_add_price.sql` → 2), or undefined when it has none. */
export function gooseVersion(name: string): number | undefined {
  const m = VERSIONED.exec(name);
  return m ? Number.parseInt(m[1]!, 10) : undefined;
}

/** The file a ledger entry names: `migrations/00002_create_outbox.sql`. */
export function migrationPath(entry: LedgerEntry): string {
  return `${MIGRATIONS_DIR}/${String(entry.version).padStart(VERSION_WIDTH, '0')}_${entry.id}.sql`;
}

/**
 * The ledger with `ids` it does not hold yet appended, in the given order,
 * each numbered one above every version in the ledger, in `taken` (versions
 * the project's migrations/ folder already uses) and before it. Ids already
 * there keep their version. Returns a new ledger ordered by version.
 */
export function assignVersions(ledger: MigrationLedger, ids: readonly string[], taken: readonly number[] = []): LedgerEntry[] {
  const out = [...ledger];
  const known = new Set(ledger.map((e) => e.id));
  let next = Math.max(0, ...ledger.map((e) => e.version), ...taken) + 1;
  for (const id of ids) {
    if (known.has(id)) continue;
    known.add(id);
    out.push({ version: next++, id });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * The render's numbering step. `items` are the rendered files with the
 * template folder of each, in render order (folders in contribution order,
 * then template path; several per template when a path placeholder expands
 * to several names). New ids are numbered in that order, except that within
 * one folder `create_*` ids come first (a table exists before a later
 * migration of the same option alters it). Returns the files with
 * `migrations/<id>.sql` renamed to their numbered path, and the ledger.
 */
export function numberMigrations<T extends { path: string }>(
  items: readonly { file: T; folder: string }[],
  ledger: MigrationLedger = [],
): { files: T[]; ledger: LedgerEntry[] } {
  const folders = [...new Set(items.map((i) => i.folder))];
  const found = items.flatMap((i) => {
    const id = migrationId(i.file.path);
    return id === undefined ? [] : [{ id, rank: [folders.indexOf(i.folder), id.startsWith('create_') ? 0 : 1] as const }];
  });
  // Array.prototype.sort is stable: equal ranks keep render order.
  found.sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
  const next = assignVersions(ledger, found.map((f) => f.id));
  const version = new Map(next.map((e) => [e.id, e]));
  const files = items.map(({ file }) => {
    const id = migrationId(file.path);
    return id === undefined ? file : { ...file, path: migrationPath(version.get(id)!) };
  });
  return { files, ledger: next };
}

/**
 * The ledger an older state file implies: its recorded files
 * `migrations/<version>_<id>.sql`, from when templates carried their version.
 */
export function ledgerFromPaths(paths: Iterable<string>): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const p of paths) {
    const m = VERSIONED.exec(MIGRATION_PATH.exec(p)?.[1] ?? '');
    if (m) out.push({ version: Number.parseInt(m[1]!, 10), id: m[2]! });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * Groups of files sharing a goose version, each sorted, in version order:
 * `names` are file names in migrations/. Files without a version are ignored.
 */
export function duplicateVersions(names: readonly string[]): { version: number; files: string[] }[] {
  const byVersion = new Map<number, string[]>();
  for (const name of names) {
    const v = gooseVersion(name);
    if (v !== undefined) byVersion.set(v, [...(byVersion.get(v) ?? []), name]);
  }
  return [...byVersion]
    .filter(([, files]) => files.length > 1)
    .sort(([a], [b]) => a - b)
    .map(([version, files]) => ({ version, files: files.sort() }));
}
