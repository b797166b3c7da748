import { execa, type ResultPromise } from 'execa';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/fixtures.js';
import { freePort, freshDatabase } from '../support/services.js';

/**
 * Schema evolution on a real database (issue 12): generate v1, migrate up and
 * store rows through the API; `add field` (optional, and required with a
 * default) and `add resource` (with a ref to the first) through the CLI with
 * the user's edits in the touched files; migrate the same database up; the
 * old rows are intact, the new field is settable, the new resource works;
 * every new migration goes down again.
 */

const CLI = join(ROOT, 'bin', 'create-service.js');
const MINUTES = 60_000;
type Json = Record<string, unknown>;

describe.sequential('schema evolution: add field, add resource, on a live PostgreSQL database', () => {
  const work = mkdtempSync(join(tmpdir(), 'cs-evolution-'));
  const dir = join(work, 'inventory');
  let db: { url: string; drop: () => Promise<void> };
  const ids: string[] = [];

  const cli = (args: string[]) => execa('node', [CLI, ...args], { cwd: dir, all: true, reject: false, env: { CI: 'true' } });
  const git = (args: string[]) => execa('git', args, { cwd: dir });
  const bin = join(dir, 'bin', 'inventory');
  const build = async () => {
    const r = await execa('go', ['build', '-o', bin, './cmd/inventory'], { cwd: dir, all: true, reject: false, env: { GOFLAGS: '-buildvcs=false' } });
    expect(r.exitCode, r.all).toBe(0);
  };
  const migrate = (cmd: 'up' | 'down') => execa(bin, ['migrate', cmd], { cwd: dir, all: true, reject: false, env: { DATABASE_URL: db.url } });
  const psql = async (sql: string) => (await execa('psql', [db.url, '-tAXc', sql])).stdout.trim();

  /** Runs the service against the database while fn calls it. */
  async function serving(fn: (call: (method: string, path: string, body?: Json) => Promise<{ status: number; json: Json }>) => Promise<void>): Promise<void> {
    const [http, admin] = [await freePort(), await freePort()];
    const proc: ResultPromise = execa(bin, [], {
      cwd: dir,
      all: true,
      reject: false,
      env: { DATABASE_URL: db.url, HTTP_ADDR: `127.0.0.1:${http}`, ADMIN_ADDR: `127.0.0.1:${admin}`, MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn', DRAIN_DELAY: '0s' },
    });
    const base = `http://127.0.0.1:${http}`;
    const call = async (method: string, path: string, body?: Json) => {
      const r = await fetch(`${base}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}) });
      const text = await r.text();
      return { status: r.status, json: (text ? JSON.parse(text) : {}) as Json };
    };
    try {
      for (let i = 0; ; i++) {
        const up = await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false);
        if (up) break;
        if (i > 200) throw new Error('the service did not become ready');
        await new Promise((r) => setTimeout(r, 100));
      }
      await fn(call);
    } finally {
      proc.kill('SIGTERM');
      await proc;
    }
  }

  beforeAll(async () => {
    db = await freshDatabase('cs_evolution');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('v1: generated, migrated, two items stored through the API', async () => {
    const answers = join(work, 'answers.json');
    writeFileSync(
      answers,
      JSON.stringify({ name: 'inventory', module: 'example.com/inventory', db: 'postgres', cache: 'none', metrics: false, tracing: false, deploy: ['docker'], ci: 'none' }),
    );
    const r = await execa('node', [CLI, dir, '--answers', answers, '--yes'], { cwd: work, all: true, reject: false, env: { CI: 'true' } });
    expect(r.exitCode, r.all).toBe(0);
    await build();
    expect((await migrate('up')).exitCode).toBe(0);
    await serving(async (call) => {
      for (const name of ['first', 'second']) {
        const created = await call('POST', '/v1/items', { name, description: `the ${name} one` });
        expect(created.status, JSON.stringify(created.json)).toBe(201);
        ids.push(created.json.id as string);
      }
    });
  }, 10 * MINUTES);

  it('add field: a new migration, never an edited one, and the user edit in a touched file survives', async () => {
    const domainFile = join(dir, 'internal/domain/item.go');
    appendFileSync(domainFile, '\n// IsNamed reports whether the item has a name (a user addition).\nfunc (i Item) IsNamed() bool { return i.Name != "" }\n');
    await git(['commit', '-qam', 'user: IsNamed']);
    const before = readFileSync(join(dir, 'migrations/00001_create_items.sql'), 'utf8');

    const refused = await cli(['add', 'field', 'item', 'sku=string(max=40)', '--yes']);
    expect(refused.exitCode, refused.all).toBe(2);
    expect(refused.all).toContain('field item.sku is required and has no default');

    const r = await cli(['add', 'field', 'item', 'priority=int(min=1,max=5,default=3),note=text(optional)', '--yes']);
    expect(r.exitCode, r.all).toBe(0);
    expect(readFileSync(join(dir, 'migrations/00001_create_items.sql'), 'utf8'), 'the generated migration is never edited').toBe(before);
    expect(readdirSync(join(dir, 'migrations')).filter((f) => f.endsWith('.sql'))).toEqual(['00001_create_items.sql', '00002_alter_item_add_priority_add_note.sql']);
    const domain = readFileSync(domainFile, 'utf8');
    expect(domain).toContain('func (i Item) IsNamed() bool');
    expect(domain).toMatch(/Priority\s+int64/);
    await git(['add', '-A']);
    await git(['commit', '-qm', 'add priority and note']);
  }, 10 * MINUTES);

  it('add resource with a ref to the first: its own create-table migration', async () => {
    const r = await cli(['add', 'resource', 'tag:label=string(max=40),item_id=ref(item)', '--yes']);
    expect(r.exitCode, r.all).toBe(0);
    expect(readdirSync(join(dir, 'migrations')).filter((f) => f.endsWith('.sql'))).toEqual([
      '00001_create_items.sql',
      '00002_alter_item_add_priority_add_note.sql',
      '00003_create_tags.sql',
    ]);
    await git(['add', '-A']);
    await git(['commit', '-qm', 'add tags']);
    const check = await cli(['check']);
    expect(check.exitCode, check.all).toBe(0);
  }, 10 * MINUTES);

  it('the same database migrates up; old rows intact, the new field settable, the new resource works', async () => {
    await build();
    const up = await migrate('up');
    expect(up.exitCode, up.all).toBe(0);
    await serving(async (call) => {
      const old = await call('GET', `/v1/items/${ids[0]}`);
      expect(old.status).toBe(200);
      expect(old.json).toMatchObject({ id: ids[0], name: 'first', description: 'the first one', priority: 3, note: null });
      const put = await call('PUT', `/v1/items/${ids[0]}`, { name: 'first', description: 'the first one', priority: 5, note: 'set after the upgrade' });
      expect(put.status, JSON.stringify(put.json)).toBe(200);
      expect(put.json).toMatchObject({ priority: 5, note: 'set after the upgrade' });
      expect((await call('PUT', `/v1/items/${ids[0]}`, { name: 'first', priority: 9 })).status, 'the new CHECK holds').toBe(422);
      const tag = await call('POST', '/v1/tags', { label: 'fragile', item_id: ids[1] });
      expect(tag.status, JSON.stringify(tag.json)).toBe(201);
      const dangling = await call('POST', '/v1/tags', { label: 'lost', item_id: '0190a6f0-0000-7000-8000-000000000000' });
      expect(dangling.status).toBe(422);
      expect(JSON.stringify(dangling.json)).toContain('item_id');
      expect((await call('DELETE', `/v1/items/${ids[1]}`)).status, 'a referenced item cannot go').toBe(409);
      expect((await call('DELETE', `/v1/tags/${tag.json.id as string}`)).status).toBe(204);
    });
  }, 10 * MINUTES);

  it('each new migration goes down, leaving the v1 rows', async () => {
    expect((await migrate('down')).exitCode).toBe(0);
    expect(await psql("SELECT to_regclass('tags') IS NULL")).toBe('t');
    expect((await migrate('down')).exitCode).toBe(0);
    expect(await psql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name IN ('priority', 'note')")).toBe('0');
    expect(await psql('SELECT name FROM items ORDER BY id')).toBe('first\nsecond');
  }, 5 * MINUTES);
});
