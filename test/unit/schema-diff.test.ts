import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffSchemas, migrationText } from '../../src/options/schema-diff.js';
import { createTableStatements, resourceContexts, type ResourceSpec } from '../../src/options/resources.js';
import { PG } from '../support/services.js';

const customer: ResourceSpec = {
  name: 'customer',
  fields: [
    { name: 'email', type: 'string', max: 320, unique: true },
    { name: 'vip', type: 'bool', default: false },
  ],
};
const order: ResourceSpec = {
  name: 'order',
  fields: [
    { name: 'customer_id', type: 'ref', ref: 'customer' },
    { name: 'status', type: 'enum', values: ['pending', 'paid'], default: 'pending' },
    { name: 'total_cents', type: 'int', min: 0 },
    { name: 'legacy', type: 'string', optional: true },
  ],
};
const v1 = [customer, order];

function withOrder(change: (o: ResourceSpec) => ResourceSpec): ResourceSpec[] {
  return [customer, change(structuredClone(order))];
}

describe('diffSchemas refuses what an ALTER cannot do safely, one line each', () => {
  it.each([
    [
      'a type change',
      withOrder((o) => ({ ...o, fields: o.fields.map((f) => (f.name === 'total_cents' ? { ...f, type: 'float' as const } : f)) })),
      'field order.total_cents: changing its type from int to float is not supported; add a new field, copy the values in your own migration, then remove the old field with --allow-data-loss',
    ],
    [
      'a required field without a default',
      withOrder((o) => ({ ...o, fields: [...o.fields, { name: 'placed_at', type: 'time' as const }] })),
      'field order.placed_at is required and has no default, so rows already in orders would have no value: give it a default or make it optional',
    ],
    [
      'removing a field',
      withOrder((o) => ({ ...o, fields: o.fields.filter((f) => f.name !== 'legacy') })),
      'removing field order.legacy drops column legacy and its data: pass --allow-data-loss to do it',
    ],
    [
      'removing an enum value',
      withOrder((o) => ({ ...o, fields: o.fields.map((f) => (f.name === 'status' ? { ...f, values: ['pending'] } : f)) })),
      'field order.status: removing enum values (paid) could reject rows that hold them; only adding values is supported',
    ],
    [
      'narrowing a limit',
      [{ ...customer, fields: [{ ...customer.fields[0]!, max: 100 }, customer.fields[1]!] }, order],
      'field customer.email: narrowing its limits (min none → none, max 320 → 100) could reject rows already stored; only widening is supported',
    ],
    [
      'making an optional field required',
      withOrder((o) => ({ ...o, fields: o.fields.map((f) => (f.name === 'legacy' ? { ...f, optional: false, default: 'x' } : f)) })),
      'field order.legacy: making an optional field required fails on rows that hold null; fill them in your own migration first, then declare it required',
    ],
    ['removing a resource', [customer], 'removing resource order drops table orders and its rows: pass --allow-data-loss to do it'],
    ['changing the plural', withOrder((o) => ({ ...o, plural: 'purchases' })), 'resource order: changing the plural renames table orders to purchases; keep the plural "orders"'],
  ])('%s', (_what, after, line) => {
    const diff = diffSchemas(v1, after, { allowDataLoss: false });
    expect(diff.problems).toEqual([line]);
    expect(diff.changes).toEqual([]);
  });

  it('a ref added later gets the constraint names and the (column, id) index that a create-table migration gives it', () => {
    const referrer = { name: 'referrer_id', type: 'ref' as const, ref: 'customer', optional: true };
    const after = withOrder((o) => ({ ...o, fields: [...o.fields, referrer] }));
    const added = diffSchemas(v1, after, { allowDataLoss: false }).changes[0]!;
    expect(added.up).toEqual([
      'ALTER TABLE orders ADD COLUMN referrer_id uuid CONSTRAINT orders_referrer_id_fkey REFERENCES customers (id) ON DELETE RESTRICT;',
      'CREATE INDEX orders_referrer_id_idx ON orders (referrer_id, id);',
    ]);
    const created = createTableStatements(resourceContexts(after)[1]!);
    expect(created[0]).toContain(', referrer_id uuid CONSTRAINT orders_referrer_id_fkey REFERENCES customers (id) ON DELETE RESTRICT,');
    expect(created).toContain(added.up[1]);
  });

  it('an unchanged spec has no changes and no problems', () => {
    expect(diffSchemas(v1, structuredClone(v1), { allowDataLoss: false })).toEqual({ changes: [], problems: [] });
  });
});

// The generated SQL is checked by running it: v1's tables, a row, then the
// migration up and down on a scratch schema of the real PostgreSQL.
describe('diffSchemas migrations run on PostgreSQL', () => {
  const schema = `schema_diff_${process.pid}`;
  const psql = (sql: string) =>
    execa('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtX', '-c', `SET search_path TO ${schema}; ${sql}`]);
  const createTables = (specs: ResourceSpec[]) =>
    resourceContexts(specs)
      .flatMap(createTableStatements)
      .join('\n');
  const goose = (text: string, part: 'Up' | 'Down') => {
    const [, up = '', down = ''] = text.split(/-- \+goose (?:Up|Down)\n/);
    return part === 'Up' ? up : down;
  };

  beforeAll(async () => {
    await execa('psql', ['-h', PG.host, '-U', PG.user, '-d', 'postgres', '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`]);
  });
  afterAll(async () => {
    await execa('psql', ['-h', PG.host, '-U', PG.user, '-d', 'postgres', '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
  });

  it('adds, widens and (with --allow-data-loss) drops, keeping the rows, and Down restores the shape', async () => {
    await psql(createTables(v1));
    await psql(
      "INSERT INTO customers VALUES ('0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e5f', 'a@example.com', false, now(), now());" +
        "INSERT INTO orders VALUES ('0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e60', '0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e5f', 'paid', 5, 'old', now(), now());",
    );
    const v2 = withOrder((o) => ({
      ...o,
      fields: [
        ...o.fields
          .filter((f) => f.name !== 'legacy')
          .map((f) => (f.name === 'status' ? { ...f, values: ['pending', 'paid', 'shipped'] } : f.name === 'total_cents' ? { ...f, min: -10 } : f)),
        { name: 'note', type: 'text' as const, optional: true },
        { name: 'priority', type: 'int' as const, default: 3, min: 1, max: 5 },
        { name: 'referrer_id', type: 'ref' as const, ref: 'customer', optional: true },
      ],
    }));
    const diff = diffSchemas(v1, v2, { allowDataLoss: true });
    expect(diff.problems).toEqual([]);
    expect(diff.changes.map((c) => c.summary)).toEqual(['drop_legacy_alter_status_alter_total_cents_add_note_add_priority_add_referrer_id']);
    const text = migrationText(diff.changes);
    await psql(goose(text, 'Up'));
    const { stdout: row } = await psql('SELECT status, total_cents, note IS NULL, priority FROM orders');
    expect(row).toBe('paid|5|t|3');
    await psql("UPDATE orders SET status = 'shipped', total_cents = -10, note = 'n'");
    await expect(psql('UPDATE orders SET priority = 9')).rejects.toThrow(/orders_priority_check/);
    await psql("UPDATE orders SET status = 'paid', total_cents = 0");
    await psql(goose(text, 'Down'));
    const { stdout: columns } = await psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'orders'");
    expect(columns).toBe('id,customer_id,status,total_cents,created_at,updated_at,legacy');
    await expect(psql("UPDATE orders SET status = 'shipped'")).rejects.toThrow(/orders_status_check/);
  });
});
