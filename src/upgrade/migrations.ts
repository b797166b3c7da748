import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Answers } from '../options/model.js';
import { assignVersions, duplicateVersions, gooseVersion, MIGRATIONS_DIR, type MigrationLedger } from '../render/migrations.js';
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
  const taken = (await migrationFiles(dir)).map(gooseVersion).filter((v): v is number => v !== undefined);
  const full = assignVersions(
    ledger,
    added.map((e) => e.id),
    taken,
  );
  const same = added.every((e) => full.some((f) => f.id === e.id && f.version === e.version));
  return same ? first : renderRelease(source, answers, generator, full);
}

/** One line per goose version two or more files of the project's migrations/ share, naming them. */
export async function duplicateMigrations(dir: string): Promise<string[]> {
  return duplicateVersions(await migrationFiles(dir)).map(({ version, files }) => {
    const named = files.map((f) => `${MIGRATIONS_DIR}/${f}`);
    return `duplicate migration version ${version}: ${named.slice(0, -1).join(', ')} and ${named.at(-1)!}`;
  });
}
