import {
  checkName,
  columnDefinition,
  createTableStatements,
  resourceContexts,
  specNames,
  sqlIdent,
  uniqueName,
  type FieldContext,
  type FieldSpec,
  type ResourceSpec,
} from './resources.js';

/**
 * Schema evolution: the difference between the resources a project was
 * generated with and the resources it is upgraded to, as the ALTER
 * statements of a new migration. An already generated migration is never
 * edited; a new resource gets its own create-table migration (the template's),
 * so only changes to existing tables are computed here.
 */

/** One change to an existing table, and the SQL that applies and reverts it. */
export interface TableChange {
  /** The resource's singular snake_case name. */
  resource: string;
  /** Short summary for the migration id and the plan: `add_note`, `drop_legacy`, `check_status`. */
  summary: string;
  up: string[];
  down: string[];
}

/** The result of comparing two specs: the changes, or the reasons they cannot be made (one line each). */
export interface SchemaDiff {
  changes: TableChange[];
  problems: string[];
}

/** Options of diffSchemas. */
export interface DiffOptions {
  /** Allows dropping columns and tables, whose data is lost (`--allow-data-loss`). */
  allowDataLoss: boolean;
}

/**
 * Compares the resources before and after an edit (both already valid specs)
 * and returns the table changes in declaration order. Refused changes are
 * reported as problems, each one line saying what to do instead: a type
 * change, narrowing a limit or an enum, a required field added without a
 * default, making an optional field required, a new ref target, a changed
 * plural, and (without allowDataLoss) removing a field or a resource.
 */
export function diffSchemas(before: readonly ResourceSpec[], after: readonly ResourceSpec[], options: DiffOptions): SchemaDiff {
  const changes: TableChange[] = [];
  const problems: string[] = [];
  const oldContexts = new Map(resourceContexts(before).map((r) => [r.snake, r]));
  const newContexts = new Map(resourceContexts(after).map((r) => [r.snake, r]));
  const afterNames = new Set(after.map((r) => r.name));
  for (const old of before) {
    if (afterNames.has(old.name)) continue;
    const table = sqlIdent(specNames(old).snakes);
    if (!options.allowDataLoss) {
      problems.push(`removing resource ${old.name} drops table ${table} and its rows: pass --allow-data-loss to do it`);
      continue;
    }
    const recreate = oldContexts.get(old.name);
    changes.push({
      resource: old.name,
      summary: 'drop',
      up: [`DROP TABLE ${table};`],
      down: recreate ? createTableStatements(recreate) : [],
    });
  }
  for (const next of after) {
    const old = before.find((r) => r.name === next.name);
    if (!old) continue;
    const oldCtx = oldContexts.get(old.name)!;
    const newCtx = newContexts.get(next.name)!;
    const table = newCtx.table;
    if (oldCtx.snakes !== newCtx.snakes) {
      problems.push(`resource ${next.name}: changing the plural renames table ${oldCtx.table} to ${table}; keep the plural "${oldCtx.snakes}"`);
      continue;
    }
    const up: string[] = [];
    const down: string[] = [];
    const summary: string[] = [];
    const where = (f: string) => `field ${next.name}.${f}`;
    for (const f of old.fields) {
      if (next.fields.some((n) => n.name === f.name)) continue;
      const ctx = oldCtx.fields.find((c) => c.name === f.name)!;
      if (!options.allowDataLoss) {
        problems.push(`removing ${where(f.name)} drops column ${ctx.column} and its data: pass --allow-data-loss to do it`);
        continue;
      }
      up.push(`ALTER TABLE ${table} DROP COLUMN ${ctx.column};`);
      // The column comes back nullable: its old values are gone, so NOT NULL could not hold.
      down.unshift(`ALTER TABLE ${table} ADD COLUMN ${columnDefinition({ ...ctx, optional: true, unique: false }, oldCtx.snakes)};`, ...(ctx.indexSQL ? [ctx.indexSQL] : []));
      summary.push(`drop_${f.name}`);
    }
    for (const f of next.fields) {
      const ctx = newCtx.fields.find((c) => c.name === f.name)!;
      const prev = old.fields.find((o) => o.name === f.name);
      if (!prev) {
        if (!f.optional && f.default === undefined) {
          problems.push(`${where(f.name)} is required and has no default, so rows already in ${table} would have no value: give it a default or make it optional`);
          continue;
        }
        up.push(`ALTER TABLE ${table} ADD COLUMN ${columnDefinition(ctx, newCtx.snakes)};`);
        if (ctx.indexSQL) up.push(ctx.indexSQL);
        down.unshift(`ALTER TABLE ${table} DROP COLUMN ${ctx.column};`);
        summary.push(`add_${f.name}`);
        continue;
      }
      const prevCtx = oldCtx.fields.find((c) => c.name === f.name)!;
      const fieldProblem = changedField(prev, f, where(f.name));
      if (fieldProblem) {
        problems.push(fieldProblem);
        continue;
      }
      const before0 = up.length;
      if (prevCtx.optional && !ctx.optional) {
        problems.push(`${where(f.name)}: making an optional field required fails on rows that hold null; fill them in your own migration first, then declare it required`);
        continue;
      }
      if (!prevCtx.optional && ctx.optional) {
        up.push(`ALTER TABLE ${table} ALTER COLUMN ${ctx.column} DROP NOT NULL;`);
        down.unshift(`ALTER TABLE ${table} ALTER COLUMN ${ctx.column} SET NOT NULL;`);
      }
      if (prevCtx.sqlDefault !== ctx.sqlDefault) {
        up.push(defaultStatement(table, ctx));
        down.unshift(defaultStatement(table, prevCtx));
      }
      if (prevCtx.sqlCheck !== ctx.sqlCheck) {
        const name = checkName(newCtx.snakes, f.name);
        up.push(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}${ctx.sqlCheck ? `, ADD CONSTRAINT ${name} CHECK (${ctx.sqlCheck})` : ''};`);
        down.unshift(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}${prevCtx.sqlCheck ? `, ADD CONSTRAINT ${name} CHECK (${prevCtx.sqlCheck})` : ''};`);
      }
      if (prevCtx.unique !== ctx.unique) {
        const name = uniqueName(newCtx.snakes, f.name);
        const add = `ALTER TABLE ${table} ADD CONSTRAINT ${name} UNIQUE (${ctx.column});`;
        const drop = `ALTER TABLE ${table} DROP CONSTRAINT ${name};`;
        up.push(ctx.unique ? add : drop);
        down.unshift(ctx.unique ? drop : add);
      }
      if (up.length > before0) summary.push(`alter_${f.name}`);
    }
    if (up.length > 0) changes.push({ resource: next.name, summary: summary.join('_'), up, down });
  }
  return { changes, problems };
}

/** Why a field's change cannot be applied by an ALTER, or undefined when it can. */
function changedField(prev: FieldSpec, next: FieldSpec, where: string): string | undefined {
  if (prev.type !== next.type) {
    return `${where}: changing its type from ${prev.type} to ${next.type} is not supported; add a new field, copy the values in your own migration, then remove the old field with --allow-data-loss`;
  }
  if (prev.type === 'ref' && prev.ref !== next.ref) {
    return `${where}: changing the resource it refers to (${prev.ref} → ${next.ref}) is not supported; add a new ref field instead`;
  }
  if (prev.type === 'enum') {
    const dropped = (prev.values ?? []).filter((v) => !(next.values ?? []).includes(v));
    if (dropped.length) return `${where}: removing enum values (${dropped.join(', ')}) could reject rows that hold them; only adding values is supported`;
  }
  const narrower =
    (next.max !== undefined && (prev.max === undefined || next.max < prev.max)) || (next.min !== undefined && (prev.min === undefined || next.min > prev.min));
  if (narrower) {
    return `${where}: narrowing its limits (min ${prev.min ?? 'none'} → ${next.min ?? 'none'}, max ${prev.max ?? 'none'} → ${next.max ?? 'none'}) could reject rows already stored; only widening is supported`;
  }
  return undefined;
}

function defaultStatement(table: string, f: FieldContext): string {
  return f.sqlDefault === null
    ? `ALTER TABLE ${table} ALTER COLUMN ${f.column} DROP DEFAULT;`
    : `ALTER TABLE ${table} ALTER COLUMN ${f.column} SET DEFAULT ${f.sqlDefault};`;
}

/** A migration file's goose text for the changes of one upgrade: Up, then Down in reverse order. */
export function migrationText(changes: readonly TableChange[]): string {
  const up = changes.flatMap((c) => c.up);
  const down = [...changes].reverse().flatMap((c) => c.down);
  return ['-- +goose Up', ...up, '', '-- +goose Down', ...down, ''].join('\n');
}
