import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answers } from '../options/model.js';
import { migrationText, type TableChange } from '../options/schema-diff.js';
import { specNames, type ResourceSpec } from '../options/resources.js';
import { assignVersions, createTableId, duplicateVersions, gooseVersion, MIGRATIONS_DIR, type LedgerEntry, type MigrationLedger } from '../render/migrations.js';
import type { Generator, RenderedFile } from '../render/render.js';
import { renderedState, renderRelease, type TemplateSource } from './release.js';

/** The `.sql` file names in the project's migrations/ folder (the user's own included); none when it does not exist. */
export async function migrationFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(join(dir, MIGRATIONS_DIR), { withFileTypes: true });
    return entries.filter((e) => e.isFile() && e.name.endsWith('.sql')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * Renders the project in `dir` for an upgrade: ids in the recorded `ledger`
 * keep their version; ids this render adds are numbered, in render order,
 * above every version in the ledger and in the project's migrations/ folder,
 * so an option turned on later never takes a version the user's own
 * migration has. Renders twice when a new id needs a higher version than
 * the ledger alone gives it.
 */
export async function renderForProject(
  dir: string,
  source: TemplateSource,
  answers: Answers,
  generator: Generator,
  ledger: MigrationLedger,
): Promise<RenderedFile[]> {
  const first = await renderRelease(source, answers, generator, ledger);
  const known = new Set(ledger.map((e) => e.id));
  const added = renderedState(first).migrations.filter((e) => !known.has(e.id));
  if (added.length === 0) return first;
  const taken = await takenVersions(dir);
  const full = assignVersions(
    ledger,
    added.map((e) => e.id),
    taken,
  );
  const same = added.every((e) => full.some((f) => f.id === e.id && f.version === e.version));
  return same ? first : renderRelease(source, answers, generator, full);
}

/** The goose versions the project's migrations/ folder already uses (the user's own files included). */
export async function takenVersions(dir: string): Promise<number[]> {
  return (await migrationFiles(dir)).map(gooseVersion).filter((v): v is number => v !== undefined);
}

/**
 * The ledger with the spec each altered table was created with recorded on
 * its create-table entry (once recorded, never replaced), so that migration
 * keeps its generated text while the resource changes.
 */
export function withCreatedTables(ledger: MigrationLedger, before: readonly ResourceSpec[], changes: readonly TableChange[]): LedgerEntry[] {
  const altered = new Set(changes.map((c) => c.resource));
  return ledger.map((e) => {
    if (e.resource) return e;
    const spec = before.find((s) => altered.has(s.name) && e.id === createTableId(specNames(s).snakes));
    return spec ? { ...e, resource: structuredClone(spec) } : e;
  });
}

/**
 * The ledger with one more entry: the migration of a schema change (its goose
 * text in `sql`), numbered above every version in the ledger and in `taken`.
 * Its id names the tables and the change (`alter_orders_add_note`), made
 * unique with a `_2`, `_3` … suffix and cut to 60 characters.
 */
export function withSchemaChange(ledger: MigrationLedger, changes: readonly TableChange[], taken: readonly number[]): LedgerEntry[] {
  const tables = [...new Set(changes.map((c) => c.resource))];
  const stem = (tables.length === 1 ? `alter_${tables[0]}_${changes[0]!.summary}` : `alter_${tables.join('_')}`).slice(0, 60).replace(/_+$/, '');
  let id = stem;
  for (let n = 2; ledger.some((e) => e.id === id); n++) id = `${stem}_${n}`;
  const version = Math.max(0, ...ledger.map((e) => e.version), ...taken) + 1;
  return [...ledger, { version, id, sql: migrationText(changes) }];
}

/** One line per goose version two or more files of the project's migrations/ share, naming them. */
export async function duplicateMigrations(dir: string): Promise<string[]> {
  return duplicateVersions(await migrationFiles(dir)).map(({ version, files }) => {
    const named = files.map((f) => `${MIGRATIONS_DIR}/${f}`);
    return `duplicate migration version ${version}: ${named.slice(0, -1).join(', ')} and ${named.at(-1)!}`;
  });
}
