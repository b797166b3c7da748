import { goPascal, resourceNames, type ResourceNames } from './naming.js';

export { goPascal };

/**
 * The service's domain as the user declares it: resources with typed fields
 * (the answers file's `resources`), and the template context derived from it.
 * Every layer's template reads the derived context, so a field's Go type, SQL
 * type, CHECK, JSON form and proto type are decided here once.
 */

/** The field types a resource can declare. */
export const FIELD_TYPES = ['string', 'text', 'int', 'float', 'bool', 'time', 'date', 'uuid', 'enum', 'ref'] as const;

/** One field type. */
export type FieldType = (typeof FIELD_TYPES)[number];

/** One field as declared in the answers file (snake_case name). */
export interface FieldSpec {
  name: string;
  type: FieldType;
  /** string/text: length limits in characters (runes); int/float: value limits. */
  min?: number;
  max?: number;
  /** enum: the allowed values, in declaration order. */
  values?: string[];
  /** ref: the singular name of the resource this field refers to. */
  ref?: string;
  /** Nullable; absent in JSON means null. */
  optional?: boolean;
  unique?: boolean;
  /** The value an absent field takes (JSON value of the field's type). */
  default?: string | number | boolean;
}

/** One resource as declared in the answers file. */
export interface ResourceSpec {
  /** Singular, snake_case: `order`, `line_item`. */
  name: string;
  /** Plural, snake_case; derived from `name` when absent. */
  plural?: string;
  fields: FieldSpec[];
}

/** Default length limits in characters of `string` and `text` fields without `max`. */
export const DEFAULT_MAX_LENGTH = { string: 200, text: 10_000 } as const;

/**
 * The resources of a service without `resources` in its answers: one resource
 * named by `--resource` with a required `name` (1–200 characters) and a
 * `description` (at most 2,000, empty by default), as every earlier version generated.
 */
export function defaultResources(resource: string): ResourceSpec[] {
  return [
    {
      name: resource.replaceAll('-', '_'),
      fields: [
        { name: 'name', type: 'string', min: 1, max: 200 },
        { name: 'description', type: 'text', max: 2000, default: '' },
      ],
    },
  ];
}

/** PostgreSQL's reserved key words (Appendix C, "reserved" and "reserved (can be function or type)"); such identifiers are quoted. */
const SQL_RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze from ' +
    'full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit localtime ' +
    'localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right ' +
    'select session_user similar some symmetric system_user table tablesample then to trailing true union unique user using ' +
    'variadic verbose when where window with'
  ).split(' '),
);

/** A SQL identifier as it must be written: quoted when it is a reserved word. */
export function sqlIdent(name: string): string {
  return SQL_RESERVED.has(name) ? `"${name}"` : name;
}

/** Whether a snake_case word is a PostgreSQL reserved key word. */
export function isSqlReserved(name: string): boolean {
  return SQL_RESERVED.has(name);
}

// Go keywords and predeclared identifiers: a local variable may not take these names.
const GO_UNUSABLE = new Set(
  (
    'break case chan const continue default defer else fallthrough for func go goto if import interface map package range ' +
    'return select struct switch type var any bool byte comparable complex64 complex128 error float32 float64 int int8 ' +
    'int16 int32 int64 rune string uint uint8 uint16 uint32 uint64 uintptr true false iota nil append cap clear close ' +
    'complex copy delete imag len make max min new panic print println real recover ' +
    // Packages and locals of the generated code.
    'ctx err id ids in out ok tx row rows now page limit cursor after next got want tc tt v vs req resp w r time uuid ' +
    'errors strings fmt json http domain service cache memory postgres redis slog context'
  ).split(' '),
);

/** Lower camel case with initialisms (`customer_id` → `customerID`, `url` → `url`). */
export function goCamel(snake: string): string {
  const [first = '', ...rest] = snake.split('_').filter(Boolean);
  return first + goPascal(rest.join('_'));
}

/** A Go local variable name for a snake_case name, renamed when it would shadow a keyword, builtin or package (`type` → `typeValue`). */
export function goLocal(snake: string): string {
  const camel = goCamel(snake);
  return GO_UNUSABLE.has(camel) ? `${camel}Value` : camel;
}

/** Everything templates know about one field (see templates/README.md, "Resources"). */
export interface FieldContext {
  /** snake_case: the JSON name, SQL column (unquoted) and proto field name. */
  name: string;
  json: string;
  /** The SQL column as written in statements (quoted when reserved). */
  column: string;
  /** Go exported field name with initialisms: `CustomerID`. */
  Go: string;
  /** Go local variable name, never a keyword or builtin: `customerID`, `typeValue`. */
  local: string;
  /** Words for prose: `customer id`. */
  title: string;
  type: FieldType;
  optional: boolean;
  unique: boolean;
  /** Whether `default` was declared. */
  hasDefault: boolean;
  /** Type flags for `{{#if}}`. */
  is: Record<FieldType, boolean>;
  /** string, text or enum: held in a Go string. */
  isStringy: boolean;
  /** enum, bool and ref fields: lists filter on them by equality. */
  filterable: boolean;
  /** The Go type in the domain (`*T` when optional): string, int64, float64, bool, time.Time, uuid.UUID. */
  goType: string;
  /** The Go type without the pointer. */
  goBase: string;
  /** A Go expression of `default` in goBase, or null. */
  goDefault: string | null;
  /** Whether `default` is its type's zero value ("", 0, false): an absent field then needs no assignment. */
  defaultIsZero: boolean;
  /** string/text: length limits in characters; int/float: value limits; null when none. */
  min: number | null;
  max: number | null;
  /** Go constant names of the limits (`MaxOrderNoteLength`, `MinOrderTotalCents`), null when no limit. */
  minConst: string | null;
  maxConst: string | null;
  /** enum values with their Go constant names (`OrderStatusPaid`). */
  values: { value: string; Go: string }[];
  /** ref: the resource referred to (its names), else null. */
  ref: (ResourceNames & { table: string }) | null;
  /** PostgreSQL column type: text, bigint, double precision, boolean, timestamptz, date, uuid. */
  sqlType: string;
  /** The column's CHECK expression (limits, enum values), or null. */
  sqlCheck: string | null;
  /** A SQL literal of `default`, or null. */
  sqlDefault: string | null;
  /** The column's line in CREATE TABLE, aligned like the migration template's table (columnDefinition). */
  definition: string;
  /** ref: the CREATE INDEX statement on the column (refIndex), else null. */
  indexSQL: string | null;
  /** The JSON literal of `default`, or null. */
  jsonDefault: string | null;
  /** Proto3 type: string, int64, double, bool, google.protobuf.Timestamp. */
  protoType: string;
  /**
   * Whether the proto field needs presence (`optional`): an optional field, a default a zero value
   * cannot stand for, or a required int, float or bool, whose zero is a valid value and so cannot mean unset.
   */
  protoOptional: boolean;
  /** OpenAPI schema type and format (format null when none). */
  openapiType: string;
  openapiFormat: string | null;
  /**
   * Two different valid values for tests, as Go expressions of goBase
   * (`"aaaaaa"`, `int64(42)`, `time.Date(…)`) and as JSON literals; null for
   * a ref, whose value must be a row the test creates.
   */
  sample: { go: string; json: string } | null;
  sample2: { go: string; json: string } | null;
}

/** Everything templates know about one resource: its names (naming.ResourceNames) plus its table and fields. */
export interface ResourceContext extends ResourceNames {
  /** The SQL table as written in statements: the plural snake_case, quoted when reserved. */
  table: string;
  fields: FieldContext[];
  /** The enum, bool and ref fields, on which lists filter. */
  filters: FieldContext[];
  /** The ref fields. */
  refs: FieldContext[];
  /** The fields a unique constraint covers. */
  uniques: FieldContext[];
  /** Every (resource, field) whose ref points at this resource: deleting a referenced row is a conflict. */
  referencedBy: { resource: ResourceNames & { table: string }; field: { name: string; column: string; Go: string } }[];
  /** Whether any field is a time or date (the service normalises them to the database's precision). */
  hasTimes: boolean;
  /** Position in the declaration order, from 0. */
  index: number;
}

/** The names of a resource spec, honouring an explicit plural. */
export function specNames(spec: ResourceSpec): ResourceNames {
  const names = resourceNames(spec.name);
  if (!spec.plural) return names;
  const plural = resourceNames(spec.plural);
  return { ...names, names: plural.name, Names: plural.Name, snakes: plural.snake, kebabs: plural.kebab, titles: plural.title };
}

/**
 * Derives the template context of every resource from the declared specs
 * (already validated: names unique, refs resolvable, limits consistent).
 * Returns one ResourceContext per spec, in declaration order.
 */
export function resourceContexts(specs: readonly ResourceSpec[]): ResourceContext[] {
  const named = specs.map((s) => ({ spec: s, names: specNames(s) }));
  const byName = new Map(named.map((n) => [n.spec.name, { ...n.names, table: sqlIdent(n.names.snakes) }]));
  const contexts = named.map(({ spec, names }, index): ResourceContext => {
    const fields = spec.fields.map((f) => fieldContext(f, names, byName));
    return {
      ...names,
      table: sqlIdent(names.snakes),
      fields,
      filters: fields.filter((f) => f.filterable),
      refs: fields.filter((f) => f.is.ref),
      uniques: fields.filter((f) => f.unique),
      referencedBy: [],
      hasTimes: fields.some((f) => f.is.time || f.is.date),
      index,
    };
  });
  for (const r of contexts) {
    for (const f of r.refs) {
      const target = contexts.find((c) => c.snake === f.ref?.snake);
      target?.referencedBy.push({ resource: { ...r, table: r.table }, field: { name: f.name, column: f.column, Go: f.Go } });
    }
  }
  return contexts;
}

const GO_BASE: Record<FieldType, string> = {
  string: 'string',
  text: 'string',
  enum: 'string',
  int: 'int64',
  float: 'float64',
  bool: 'bool',
  time: 'time.Time',
  date: 'time.Time',
  uuid: 'uuid.UUID',
  ref: 'uuid.UUID',
};

const SQL_TYPE: Record<FieldType, string> = {
  string: 'text',
  text: 'text',
  enum: 'text',
  int: 'bigint',
  float: 'double precision',
  bool: 'boolean',
  time: 'timestamptz',
  date: 'date',
  uuid: 'uuid',
  ref: 'uuid',
};

const PROTO_TYPE: Record<FieldType, string> = {
  string: 'string',
  text: 'string',
  enum: 'string',
  int: 'int64',
  float: 'double',
  bool: 'bool',
  time: 'google.protobuf.Timestamp',
  date: 'string',
  uuid: 'string',
  ref: 'string',
};

const OPENAPI: Record<FieldType, [string, string | null]> = {
  string: ['string', null],
  text: ['string', null],
  enum: ['string', null],
  int: ['integer', 'int64'],
  float: ['number', 'double'],
  bool: ['boolean', null],
  time: ['string', 'date-time'],
  date: ['string', 'date'],
  uuid: ['string', 'uuid'],
  ref: ['string', 'uuid'],
};

function fieldContext(f: FieldSpec, owner: ResourceNames, byName: Map<string, ResourceNames & { table: string }>): FieldContext {
  const Go = goPascal(f.name);
  const column = sqlIdent(f.name);
  const stringy = f.type === 'string' || f.type === 'text' || f.type === 'enum';
  const lengthy = f.type === 'string' || f.type === 'text';
  const max = lengthy ? (f.max ?? DEFAULT_MAX_LENGTH[f.type as 'string' | 'text']) : (f.max ?? null);
  const min = lengthy ? (f.min ?? (f.optional || f.default !== undefined ? null : 1)) : (f.min ?? null);
  const is = Object.fromEntries(FIELD_TYPES.map((t) => [t, t === f.type])) as Record<FieldType, boolean>;
  const values = (f.values ?? []).map((v) => ({ value: v, Go: `${owner.Name}${Go}${goPascal(v.replace(/[^a-z0-9_]/gi, '_').toLowerCase())}` }));
  const base = GO_BASE[f.type];
  const zeroDefault = f.default === '' || f.default === 0 || f.default === false;
  const [openapiType, openapiFormat] = OPENAPI[f.type];
  const ctx: FieldContext = {
    name: f.name,
    json: f.name,
    column,
    Go,
    local: goLocal(f.name),
    title: f.name.replaceAll('_', ' '),
    type: f.type,
    optional: f.optional === true,
    unique: f.unique === true,
    hasDefault: f.default !== undefined,
    is,
    isStringy: stringy,
    filterable: f.type === 'enum' || f.type === 'bool' || f.type === 'ref',
    goType: f.optional ? `*${base}` : base,
    goBase: base,
    goDefault: f.default === undefined ? null : goLiteral(f),
    defaultIsZero: zeroDefault,
    min,
    max,
    // A length minimum of 1 is the "is required" rule, which needs no constant.
    minConst: min === null || (lengthy && min <= 1) ? null : lengthy ? `Min${owner.Name}${Go}Length` : `Min${owner.Name}${Go}`,
    maxConst: max === null ? null : lengthy ? `Max${owner.Name}${Go}Length` : `Max${owner.Name}${Go}`,
    values,
    ref: f.type === 'ref' && f.ref ? (byName.get(f.ref) ?? null) : null,
    sqlType: SQL_TYPE[f.type],
    sqlCheck: sqlCheck(f, column, min, max),
    sqlDefault: f.default === undefined ? null : sqlLiteral(f),
    jsonDefault: f.default === undefined ? null : JSON.stringify(f.default),
    protoType: PROTO_TYPE[f.type],
    protoOptional:
      f.optional === true ||
      (f.default !== undefined && !zeroDefault) ||
      (f.default === undefined && (f.type === 'int' || f.type === 'float' || f.type === 'bool')),
    openapiType,
    openapiFormat,
    sample: sampleOf(f, min, max, 0),
    sample2: sampleOf(f, min, max, 1),
    definition: '',
    indexSQL: null,
  };
  ctx.definition = columnDefinition(ctx, owner.snakes, true);
  ctx.indexSQL = ctx.is.ref ? refIndex(ctx, owner.snakes) : null;
  return ctx;
}

/**
 * The column's definition as CREATE TABLE and ADD COLUMN write it: name, type,
 * NOT NULL, DEFAULT, CHECK, then the named UNIQUE and FOREIGN KEY constraints
 * (PostgreSQL's own default names, `<table>_<column>_key`/`_fkey`, so later
 * ALTERs can name them). With pad, the name and type are aligned as in the
 * migration template's table.
 */
export function columnDefinition(f: FieldContext, tableSnakes: string, pad = false): string {
  const constraints: string[] = [];
  if (!f.optional) constraints.push('NOT NULL');
  if (f.sqlDefault !== null) constraints.push(`DEFAULT ${f.sqlDefault}`);
  if (f.sqlCheck !== null) constraints.push(`CHECK (${f.sqlCheck})`);
  if (f.unique) constraints.push(`CONSTRAINT ${uniqueName(tableSnakes, f.name)} UNIQUE`);
  if (f.ref) constraints.push(`CONSTRAINT ${sqlIdent(`${tableSnakes}_${f.name}_fkey`)} REFERENCES ${f.ref.table} (id) ON DELETE RESTRICT`);
  const align = (s: string, width: number) => (pad ? s.padEnd(width) : s);
  return [align(f.column, 11), constraints.length ? align(f.sqlType, 11) : f.sqlType, ...constraints].join(' ');
}

/** The index on a ref column, `(column, id)`: it serves the foreign key's check on delete and the filtered list's keyset pages. */
export function refIndex(f: FieldContext, tableSnakes: string): string {
  return `CREATE INDEX ${indexName(tableSnakes, f.name)} ON ${sqlIdent(tableSnakes)} (${f.column}, id);`;
}

/** A resource's table and ref indexes, one statement each (the create-table migration's Up, on one line per statement). */
export function createTableStatements(r: ResourceContext): string[] {
  const columns = ['id uuid PRIMARY KEY', ...r.fields.map((f) => columnDefinition(f, r.snakes)), 'created_at timestamptz NOT NULL', 'updated_at timestamptz NOT NULL'];
  return [`CREATE TABLE ${r.table} (${columns.join(', ')});`, ...r.refs.map((f) => refIndex(f, r.snakes))];
}

/** PostgreSQL's own name for a column's CHECK constraint (`<table>_<column>_check`), as CREATE TABLE gives it. */
export function checkName(table: string, column: string): string {
  return sqlIdent(`${table}_${column}_check`);
}

/** PostgreSQL's own name for a column's UNIQUE constraint (`<table>_<column>_key`). */
export function uniqueName(table: string, column: string): string {
  return sqlIdent(`${table}_${column}_key`);
}

/** The name of the index on a ref column (`<table>_<column>_idx`). */
export function indexName(table: string, column: string): string {
  return sqlIdent(`${table}_${column}_idx`);
}

function sampleOf(f: FieldSpec, min: number | null, max: number | null, which: 0 | 1): { go: string; json: string } | null {
  const clamp = (n: number) => Math.min(max ?? n, Math.max(min ?? n, n));
  const str = (s: string) => ({ go: JSON.stringify(s), json: JSON.stringify(s) });
  switch (f.type) {
    case 'string':
    case 'text':
      return str((which === 0 ? 'a' : 'b').repeat(clamp(6)));
    case 'enum': {
      const vs = f.values ?? [];
      return str(vs[which === 0 ? 0 : vs.length - 1] ?? '');
    }
    case 'int': {
      const n = clamp(which === 0 ? 42 : 7);
      return { go: `int64(${n})`, json: String(n) };
    }
    case 'float': {
      const n = clamp(which === 0 ? 1.5 : 2.25);
      return { go: `float64(${n})`, json: String(n) };
    }
    case 'bool':
      return { go: String(which === 0), json: String(which === 0) };
    case 'time':
      return which === 0
        ? { go: 'time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)', json: '"2026-01-02T03:04:05.123456Z"' }
        : { go: 'time.Date(2027, 6, 7, 8, 9, 10, 0, time.UTC)', json: '"2027-06-07T08:09:10Z"' };
    case 'date':
      return which === 0
        ? { go: 'time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)', json: '"2026-01-02"' }
        : { go: 'time.Date(2027, 6, 7, 0, 0, 0, 0, time.UTC)', json: '"2027-06-07"' };
    case 'uuid':
      return which === 0
        ? { go: 'uuid.MustParse("0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e5f")', json: '"0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e5f"' }
        : { go: 'uuid.MustParse("0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e60")', json: '"0190d6b4-7a59-7c1e-9b7e-3f2a1c0d4e60"' };
    case 'ref':
      return null;
  }
}

function sqlCheck(f: FieldSpec, column: string, min: number | null, max: number | null): string | null {
  if (f.type === 'enum') return `${column} IN (${(f.values ?? []).map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')})`;
  const subject = f.type === 'string' || f.type === 'text' ? `char_length(${column})` : column;
  if (f.type !== 'string' && f.type !== 'text' && f.type !== 'int' && f.type !== 'float') return null;
  if (min !== null && max !== null) return `${subject} BETWEEN ${min} AND ${max}`;
  if (min !== null) return `${subject} >= ${min}`;
  if (max !== null) return `${subject} <= ${max}`;
  return null;
}

function goLiteral(f: FieldSpec): string {
  const v = f.default;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

function sqlLiteral(f: FieldSpec): string {
  const v = f.default;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return `'${String(v).replaceAll("'", "''")}'`;
}
