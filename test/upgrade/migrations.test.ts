import { execa } from 'execa';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/commands/check.js';
import { ExitCode } from '../../src/upgrade/exit.js';
import { STATE_PATH } from '../../src/render/render.js';
import { checkProject } from '../../src/upgrade/check.js';
import { readState } from '../../src/upgrade/state.js';
import { answersFor, commitAll, generate, REAL_TEMPLATES, recordingUi, runUpgrade, sink, tempDir, V1 } from './support.js';

/**
 * Migration versions (issue 12, "Evolving the schema"): an option turned on
 * later numbers its migrations above the user's own, and `check` fails when
 * two files in migrations/ share a goose version. Real templates, real git.
 */

let root: string;
let n = 0;

beforeAll(async () => {
  root = await tempDir('migrations');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const ADD_PRICE = '-- +goose Up\nALTER TABLE items ADD COLUMN price_cents bigint NOT NULL DEFAULT 0;\n\n-- +goose Down\nALTER TABLE items DROP COLUMN price_cents;\n';

/** A postgres project without a queue, and the user's own migration 2, committed. */
async function projectWithUserMigration(queue: 'none' | 'nats' = 'none'): Promise<string> {
  const parent = join(root, `p${++n}`);
  const dir = await generate(parent, await answersFor('orders', { db: 'postgres', cache: 'none', queue }), REAL_TEMPLATES, V1);
  await writeFile(join(dir, 'migrations/00002_add_price.sql'), ADD_PRICE);
  await commitAll(dir, 'add price');
  return dir;
}

async function sqlFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'migrations'))).filter((f) => f.endsWith('.sql')).sort();
}

async function checkExit(dir: string): Promise<{ code: number; out: string }> {
  const out = sink();
  try {
    await checkCommand({ cwd: dir, ui: recordingUi(), stdout: out, templates: REAL_TEMPLATES, generator: V1 });
    return { code: 0, out: out.text() };
  } catch (err) {
    if (err instanceof ExitCode) return { code: err.exitCode, out: out.text() };
    throw err;
  }
}

describe('migration versions', () => {
  it('upgrade --set queue=nats numbers both outbox migrations above the user\'s 00002, consecutively, and the plan shows the real names', async () => {
    const dir = await projectWithUserMigration();
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_add_price.sql']);
    const plan = await runUpgrade(dir, REAL_TEMPLATES, V1, { sets: ['queue=nats'], dryRun: true });
    expect(plan.stdout).toMatch(/add\s+migrations\/00003_create_outbox\.sql/);
    expect(plan.stdout).toMatch(/add\s+migrations\/00004_claim_outbox_rows\.sql/);
    const r = await runUpgrade(dir, REAL_TEMPLATES, V1, { sets: ['queue=nats'] });
    expect(r.status, r.ui.join('\n')).toBe('upgraded');
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_add_price.sql', '00003_create_outbox.sql', '00004_claim_outbox_rows.sql']);
    expect((await readState(dir)).migrations).toEqual([
      { version: 1, id: 'create_items' },
      { version: 3, id: 'create_outbox' },
      { version: 4, id: 'claim_outbox_rows' },
    ]);
    await commitAll(dir, 'queue on');
    expect((await checkExit(dir)).code).toBe(0);
    // Idempotent: the recorded versions are kept, nothing is renamed.
    expect((await runUpgrade(dir, REAL_TEMPLATES, V1)).status).toBe('up-to-date');
    // goose runs them, up, every one down, and up again, on a real database (with 00002 twice it
    // refuses: "duplicate migration version 2").
    const env = { GOFLAGS: '-buildvcs=false', TEST_DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' };
    await execa('go', ['mod', 'tidy'], { cwd: dir, env });
    const test = await execa('go', ['test', '-count=1', '-run', '^TestMigrations$', './internal/repository/postgres'], { cwd: dir, env, all: true, reject: false });
    expect(test.exitCode, test.all).toBe(0);
    expect(test.all).toMatch(/^ok\s+example\.com\/orders\/internal\/repository\/postgres/m);
  }, 10 * 60_000);

  it('an option turned off and on again keeps its versions; versions are never reused', async () => {
    const dir = await projectWithUserMigration();
    expect((await runUpgrade(dir, REAL_TEMPLATES, V1, { sets: ['queue=nats'] })).status).toBe('upgraded');
    await commitAll(dir, 'queue on');
    const off = await runUpgrade(dir, REAL_TEMPLATES, V1, { sets: ['queue=none'] });
    expect(off.status, off.ui.join('\n')).toBe('upgraded');
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_add_price.sql']);
    expect((await readState(dir)).migrations.map((m) => m.version)).toEqual([1, 3, 4]);
    await commitAll(dir, 'queue off');
    expect((await runUpgrade(dir, REAL_TEMPLATES, V1, { sets: ['queue=nats'] })).status).toBe('upgraded');
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_add_price.sql', '00003_create_outbox.sql', '00004_claim_outbox_rows.sql']);
  });

  it('a project whose state predates the ledger (schema 2) keeps its file names and gets the ledger recorded', async () => {
    const parent = join(root, `p${++n}`);
    const dir = await generate(parent, await answersFor('orders', { db: 'postgres', cache: 'none', queue: 'nats' }), REAL_TEMPLATES, V1);
    const file = join(dir, STATE_PATH);
    const { migrations, ...old } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(migrations).toHaveLength(3);
    await writeFile(file, `${JSON.stringify({ ...old, schemaVersion: 2 }, null, 2)}\n`);
    await writeFile(join(dir, 'migrations/00004_add_price.sql'), ADD_PRICE);
    await commitAll(dir, 'old state, own migration');
    expect((await checkExit(dir)).code).toBe(0);
    const r = await runUpgrade(dir, REAL_TEMPLATES, V1);
    expect(r.status, r.ui.join('\n')).toBe('upgraded');
    expect(r.steps.filter((s) => s.kind !== 'unchanged')).toEqual([]);
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_create_outbox.sql', '00003_claim_outbox_rows.sql', '00004_add_price.sql']);
    const state = JSON.parse(await readFile(file, 'utf8')) as { schemaVersion: number; migrations: unknown };
    expect(state.schemaVersion).toBe(3);
    expect(state.migrations).toEqual(migrations);
  });

  it('check fails, naming both files, when two migrations share a version', async () => {
    const dir = await projectWithUserMigration('nats');
    expect(await sqlFiles(dir)).toEqual(['00001_create_items.sql', '00002_add_price.sql', '00002_create_outbox.sql', '00003_claim_outbox_rows.sql']);
    const r = await checkExit(dir);
    expect(r).toEqual({
      code: 1,
      out: 'duplicate migration version 2: migrations/00002_add_price.sql and migrations/00002_create_outbox.sql\n',
    });
    expect((await checkProject({ cwd: dir, templates: REAL_TEMPLATES, generator: V1 })).reasons.map((x) => x.kind)).toEqual(['duplicate-migrations']);
  });
});
