import { describe, expect, it } from 'vitest';
import { assignVersions, duplicateVersions, gooseVersion, ledgerFromPaths, migrationId, numberMigrations } from '../../src/render/migrations.js';
import { blobId } from '../../src/render/render.js';
import { parseState } from '../../src/upgrade/state.js';

const file = (path: string, folder: string) => ({ file: { path, content: `-- ${path}` }, folder });

describe('migration ids and versions', () => {
  it('reads the id of migrations/<id>.sql and nothing else', () => {
    expect(migrationId('migrations/create_items.sql')).toBe('create_items');
    expect(migrationId('migrations/embed.go')).toBeUndefined();
    expect(migrationId('internal/migrations/x.sql')).toBeUndefined();
    expect(migrationId('migrations/sub/x.sql')).toBeUndefined();
  });

  it('refuses a template that names its own version, or an id that is not snake_case', () => {
    expect(() => migrationId('migrations/00002_create_outbox.sql')).toThrow(
      'template migrations/00002_create_outbox.sql names a migration version; name it migrations/create_outbox.sql, the ledger numbers it',
    );
    expect(() => migrationId('migrations/Create-Items.sql')).toThrow(/lower snake_case/);
  });

  it('reads goose versions from file names', () => {
    expect(gooseVersion('00002_add_price.sql')).toBe(2);
    expect(gooseVersion('20240101120000_add_price.sql')).toBe(20240101120000);
    expect(gooseVersion('add_price.sql')).toBeUndefined();
  });
});

describe('assignVersions', () => {
  it('keeps recorded versions and numbers new ids above the ledger and every taken version', () => {
    const ledger = [
      { version: 1, id: 'create_items' },
      { version: 3, id: 'create_outbox' },
    ];
    expect(assignVersions(ledger, ['create_items', 'create_outbox'])).toEqual(ledger);
    expect(assignVersions(ledger, ['create_items', 'a', 'b'], [2, 7])).toEqual([...ledger, { version: 8, id: 'a' }, { version: 9, id: 'b' }]);
    // An id that is gone from the render keeps its entry: its version is never handed out again.
    expect(assignVersions(ledger, ['c'])).toEqual([...ledger, { version: 4, id: 'c' }]);
  });
});

describe('numberMigrations', () => {
  it('numbers a new project 1..n: folders in render order, create_* first within a folder', () => {
    const r = numberMigrations([
      file('migrations/embed.go', 'db/postgres'),
      file('migrations/create_customers.sql', 'db/postgres'),
      file('migrations/create_orders.sql', 'db/postgres'),
      file('migrations/claim_outbox_rows.sql', 'queue/outbox'),
      file('migrations/create_outbox.sql', 'queue/outbox'),
      file('README.md', 'base'),
    ]);
    expect(r.files.map((f) => f.path)).toEqual([
      'migrations/embed.go',
      'migrations/00001_create_customers.sql',
      'migrations/00002_create_orders.sql',
      'migrations/00004_claim_outbox_rows.sql',
      'migrations/00003_create_outbox.sql',
      'README.md',
    ]);
    expect(r.files[1]!.content).toBe('-- migrations/create_customers.sql');
    expect(r.ledger.map((e) => `${e.version}:${e.id}`)).toEqual(['1:create_customers', '2:create_orders', '3:create_outbox', '4:claim_outbox_rows']);
  });

  it('with a ledger: recorded ids keep their file names, new ones go above', () => {
    const r = numberMigrations([file('migrations/create_items.sql', 'db/postgres'), file('migrations/create_outbox.sql', 'queue/outbox')], [
      { version: 1, id: 'create_items' },
      { version: 5, id: 'gone' },
    ]);
    expect(r.files.map((f) => f.path)).toEqual(['migrations/00001_create_items.sql', 'migrations/00006_create_outbox.sql']);
    expect(r.ledger).toEqual([
      { version: 1, id: 'create_items' },
      { version: 5, id: 'gone' },
      { version: 6, id: 'create_outbox' },
    ]);
  });
});

describe('duplicateVersions', () => {
  it('groups the files that share a version, ignoring unversioned ones', () => {
    expect(duplicateVersions(['00002_create_outbox.sql', '00001_a.sql', '2_b.sql', '00002_add_price.sql', 'notes.sql', '00003_c.sql'])).toEqual([
      { version: 2, files: ['00002_add_price.sql', '00002_create_outbox.sql', '2_b.sql'] },
    ]);
    expect(duplicateVersions(['00001_a.sql', '00002_b.sql'])).toEqual([]);
  });
});

describe('the ledger in the state file', () => {
  const entry = { hash: blobId('x'), perm: '644', policy: 'merge' };
  const V1 = { name: 'create-service', version: '1.0.0' };

  it('derives it from the recorded file names of a schema 2 state', () => {
    expect(ledgerFromPaths(['migrations/00003_claim_outbox_rows.sql', 'migrations/embed.go', 'migrations/00001_create_items.sql', 'README.md'])).toEqual([
      { version: 1, id: 'create_items' },
      { version: 3, id: 'claim_outbox_rows' },
    ]);
    const files = { 'migrations/00001_create_items.sql': entry, 'migrations/00002_create_outbox.sql': entry, 'go.mod': entry };
    const s = parseState(JSON.stringify({ schemaVersion: 2, generator: V1, answers: {}, files }));
    expect(s.migrations).toEqual([
      { version: 1, id: 'create_items' },
      { version: 2, id: 'create_outbox' },
    ]);
    expect(s.schemaVersion).toBe(3);
  });

  it('reads a schema 3 ledger and refuses a broken one', () => {
    const state = (migrations: unknown) => JSON.stringify({ schemaVersion: 3, generator: V1, answers: {}, migrations, files: {} });
    expect(parseState(state([{ version: 1, id: 'a' }, { version: 4, id: 'b' }])).migrations).toEqual([
      { version: 1, id: 'a' },
      { version: 4, id: 'b' },
    ]);
    expect(() => parseState(state(undefined))).toThrow(/has no migrations list/);
    expect(() => parseState(state([{ version: 2, id: 'a' }, { version: 2, id: 'b' }]))).toThrow(/invalid migrations entry \{"version":2,"id":"b"\}/);
    expect(() => parseState(state([{ version: 1, id: 'a' }, { version: 2, id: 'a' }]))).toThrow(/invalid migrations entry/);
    expect(() => parseState(state([{ version: 1.5, id: 'a' }]))).toThrow(/invalid migrations entry/);
  });
});
