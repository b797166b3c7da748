import { goReservedWord, resourceNames } from './naming.js';
import { DEFAULT_MAX_LENGTH, FIELD_TYPES, goPascal, resourceContexts, specNames, type FieldSpec, type FieldType, type ResourceSpec } from './resources.js';

/**
 * Checking, parsing and printing of the `resources` answer: the answers
 * file's JSON form, the compact flag form of `--resource-spec` and the
 * validators the prompts use. Every problem is one line that names the
 * resource or field (`order.status`), what is wrong and what is valid.
 *
 * Decisions (README "Resources"): a `ref` names an earlier resource (tables
 * are created in declaration order), or its own resource when optional (a
 * tree: the first row has no parent); `optional` and `default` exclude each
 * other; `unique` is refused on bool, float, enum and text; only string,
 * text, int, float, bool and enum take a `default`.
 */

/** Keys a resource may hold. */
export const RESOURCE_KEYS = ['name', 'plural', 'fields'] as const;
/** Keys a field may hold. */
export const FIELD_KEYS = ['name', 'type', 'min', 'max', 'values', 'ref', 'optional', 'unique', 'default'] as const;

/** The field types that take each modifier. */
export const TAKES = {
  limits: ['string', 'text', 'int', 'float'],
  // The generated tests make distinct values of these types for every row they store.
  unique: ['string', 'uuid'],
  default: ['string', 'text', 'int', 'float', 'bool', 'enum'],
} as const satisfies Record<string, readonly FieldType[]>;

/** Names every resource has and no field may declare. */
export const IMPLICIT_FIELDS = ['id', 'created_at', 'updated_at'] as const;

/** snake_case: lower-case words of letters and digits joined by single underscores, starting with a letter. */
export const SNAKE_PATTERN = '^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$';
const SNAKE = new RegExp(SNAKE_PATTERN, 'u');
/** PostgreSQL truncates identifiers beyond 63 bytes. */
const NAME_MAX = 63;
/** Enum values: letters, digits, `_`, `-` and `.`, starting with a letter or digit (the flag form needs no quoting). */
export const ENUM_VALUE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
const ENUM_VALUE = new RegExp(ENUM_VALUE_PATTERN, 'u');
// Methods of the generated Go types (protoc-gen-go's messages, the domain input): a field may not take their Go name.
const GO_METHOD_NAMES = ['String', 'Reset', 'Descriptor', 'ProtoMessage', 'ProtoReflect', 'Validate', 'Normalize'];

const list = (xs: readonly string[]) => xs.join(', ');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const takes = (what: keyof typeof TAKES, t: FieldType) => (TAKES[what] as readonly FieldType[]).includes(t);
const isFieldType = (t: unknown): t is FieldType => typeof t === 'string' && (FIELD_TYPES as readonly string[]).includes(t);

/** Why a resource name is invalid, or undefined. `label` prefixes the line (`resource "x"`). */
export function resourceNameProblem(name: unknown, label = `resource ${JSON.stringify(name)}`): string | undefined {
  if (typeof name !== 'string') return `${label}: "name" must be a string, e.g. "customer"`;
  if (!SNAKE.test(name) || name.length < 2 || name.length > NAME_MAX) {
    return `${label}: names are snake_case (lower-case words joined by _, starting with a letter, 2 to ${NAME_MAX} characters), e.g. customer or line_item`;
  }
  const reserved = goReservedWord(resourceNames(name));
  if (reserved !== undefined) {
    return `${label}: "${reserved}" is a Go keyword, predeclared identifier or a name the generated code uses; choose another noun (e.g. ${name}_record)`;
  }
  return undefined;
}

/** Why a plural (explicit, or derived when `plural` is undefined) is invalid for `name`, or undefined. */
export function pluralProblem(name: string, plural: unknown, label = `resource "${name}"`): string | undefined {
  if (plural !== undefined) {
    if (typeof plural !== 'string' || !SNAKE.test(plural) || plural.length > NAME_MAX) {
      return `${label}: "plural" must be snake_case like the name, e.g. "${resourceNames(name).snakes}"`;
    }
    const reserved = goReservedWord(resourceNames(plural));
    if (reserved !== undefined) return `${label}: plural "${plural}" is a Go keyword, predeclared identifier or a name the generated code uses`;
  }
  const snakes = typeof plural === 'string' ? plural : resourceNames(name).snakes;
  if (snakes === name) {
    return `${label}: the plural is the same word as the singular; give a distinct "plural" (e.g. "${name}_list")`;
  }
  return undefined;
}

/** Why a field name is invalid in its resource, or undefined (uniqueness is checked by validateResources). */
export function fieldNameProblem(name: unknown, label = `field ${JSON.stringify(name)}`): string | undefined {
  if (typeof name !== 'string') return `${label}: "name" must be a string, e.g. "email"`;
  if (!SNAKE.test(name) || name.length > NAME_MAX) {
    return `${label}: names are snake_case (lower-case words joined by _, starting with a letter, at most ${NAME_MAX} characters), e.g. email or customer_id`;
  }
  if ((IMPLICIT_FIELDS as readonly string[]).includes(name)) {
    return `${label}: ${list(IMPLICIT_FIELDS)} are always there; do not declare them`;
  }
  const Go = goPascal(name);
  if (GO_METHOD_NAMES.includes(Go)) {
    return `${label}: its Go name ${Go} is a method of the generated types (${list(GO_METHOD_NAMES)}); choose another name`;
  }
  if (['ID', 'CreatedAt', 'UpdatedAt'].includes(Go)) return `${label}: its Go name ${Go} is that of ${list(IMPLICIT_FIELDS)}; choose another name`;
  return undefined;
}

/** The effective length or value limits of a field: declared, else the type's defaults (as the template context derives them). */
function limitsOf(f: FieldSpec): { min: number | null; max: number | null; maxDefaulted: boolean } {
  if (f.type === 'string' || f.type === 'text') {
    const min = f.min ?? (f.optional || f.default !== undefined ? null : 1);
    return { min, max: f.max ?? DEFAULT_MAX_LENGTH[f.type], maxDefaulted: f.max === undefined };
  }
  return { min: f.min ?? null, max: f.max ?? null, maxDefaulted: false };
}

/** Why `min` or `max` (`key`) of a field of type `type` is invalid, or undefined. */
export function limitProblem(type: FieldType, key: 'min' | 'max', value: unknown, label: string): string | undefined {
  if (!takes('limits', type)) return `${label}: "${key}" applies to ${list(TAKES.limits)}, not ${type}`;
  const lengthy = type === 'string' || type === 'text';
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${label}: "${key}" must be a number`;
  if (lengthy || type === 'int') {
    if (!Number.isSafeInteger(value)) {
      return `${label}: "${key}" must be an integer${type === 'int' ? ` between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER} (JSON numbers beyond are not exact)` : ''}`;
    }
  }
  if (lengthy && value < (key === 'max' ? 1 : 0)) return `${label}: "${key}" is a length in characters: at least ${key === 'max' ? 1 : 0}`;
  return undefined;
}

/** Why the enum values are invalid, or undefined. */
export function valuesProblem(values: unknown, label: string): string | undefined {
  if (!Array.isArray(values) || values.length < 2 || !values.every((v) => typeof v === 'string')) {
    return `${label}: enum needs "values", a list of at least two distinct strings, e.g. ["pending", "paid"]`;
  }
  const bad = values.find((v) => !ENUM_VALUE.test(v));
  if (bad !== undefined) return `${label}: enum value ${JSON.stringify(bad)}: use letters, digits, _ - and ., starting with a letter or digit`;
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) return `${label}: enum value "${twice}" is listed twice`;
  const goNames = values.map((v) => goPascal(v.replace(/[^a-z0-9_]/gi, '_').toLowerCase()));
  const clash = goNames.findIndex((g, i) => goNames.indexOf(g) !== i);
  if (clash >= 0) return `${label}: enum values "${values[goNames.indexOf(goNames[clash]!)]}" and "${values[clash]}" give the same Go constant; make them differ in letters or digits`;
  return undefined;
}

/** Why a field's default is invalid (its type, limits and enum values already checked), or undefined. */
export function defaultProblem(f: FieldSpec, label: string): string | undefined {
  const v = f.default as unknown;
  if (!takes('default', f.type)) return `${label}: "default" applies to ${list(TAKES.default)}, not ${f.type}`;
  if (f.optional) {
    return `${label}: "optional" and "default" exclude each other (an absent optional field is null; an absent field with a default takes it); keep one`;
  }
  switch (f.type) {
    case 'bool':
      return typeof v === 'boolean' ? undefined : `${label}: "default" must be true or false`;
    case 'enum':
      return typeof v === 'string' && (f.values ?? []).includes(v) ? undefined : `${label}: default ${JSON.stringify(v)} is not one of the values (valid: ${list(f.values ?? [])})`;
    case 'string':
    case 'text': {
      if (typeof v !== 'string') return `${label}: "default" must be a string`;
      const { min, max } = limitsOf(f);
      const length = [...v].length;
      if ((min !== null && length < min) || (max !== null && length > max)) {
        return `${label}: default ${JSON.stringify(v)} has ${length} characters, outside ${min ?? 0}..${max}`;
      }
      return undefined;
    }
    default: {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${label}: "default" must be a number`;
      if (f.type === 'int' && !Number.isSafeInteger(v)) return `${label}: "default" must be an integer`;
      const { min, max } = limitsOf(f);
      if ((min !== null && v < min) || (max !== null && v > max)) return `${label}: default ${v} is outside ${min ?? '-∞'}..${max ?? '∞'}`;
      return undefined;
    }
  }
}

/**
 * Every problem of one field, given the resources declared before its own
 * (`earlier`) and its own resource's name. Pure; returns one line per problem.
 */
export function fieldProblems(field: unknown, owner: string, earlier: readonly string[], label: string): string[] {
  if (!isRecord(field)) return [`${label}: expected an object with "name" and "type", e.g. {"name": "email", "type": "string"}`];
  const problems: string[] = [];
  for (const key of Object.keys(field)) {
    if (!(FIELD_KEYS as readonly string[]).includes(key)) problems.push(`${label}: unknown key "${key}" (valid: ${list(FIELD_KEYS)})`);
  }
  const name = fieldNameProblem(field.name, label);
  if (name) problems.push(name);
  if (!isFieldType(field.type)) {
    problems.push(`${label}: ${field.type === undefined ? 'missing "type"' : `unknown type ${JSON.stringify(field.type)}`} (valid: ${list(FIELD_TYPES)})`);
    return problems;
  }
  const type = field.type;
  for (const key of ['optional', 'unique'] as const) {
    if (field[key] !== undefined && typeof field[key] !== 'boolean') problems.push(`${label}: "${key}" must be true or false`);
  }
  if (field.unique === true && !takes('unique', type)) {
    problems.push(`${label}: "unique" applies to ${list(TAKES.unique)}, not ${type}${type === 'text' ? ' (too long for an index; use string with a max)' : ''}`);
  }
  const limits = (['min', 'max'] as const).filter((k) => field[k] !== undefined);
  const limitLines = limits.map((k) => limitProblem(type, k, field[k], label)).filter((p): p is string => p !== undefined);
  problems.push(...new Set(limitLines));
  if (type === 'enum') {
    const p = valuesProblem(field.values, label);
    if (p) problems.push(p);
  } else if (field.values !== undefined) problems.push(`${label}: "values" applies only to enum, not ${type}`);
  if (type === 'ref') {
    const p = refProblem(field.ref, owner, earlier, field.optional === true, label);
    if (p) problems.push(p);
  } else if (field.ref !== undefined) problems.push(`${label}: "ref" applies only to type ref, not ${type}`);
  if (problems.length > 0) return problems;
  const f = field as unknown as FieldSpec;
  const { min, max, maxDefaulted } = limitsOf(f);
  if (min !== null && max !== null && min > max) {
    problems.push(`${label}: min ${min} is greater than max ${max}${maxDefaulted ? ` (the default max of ${type}; give a larger "max")` : ''}`);
  } else if (f.default !== undefined) {
    const p = defaultProblem(f, label);
    if (p) problems.push(p);
  }
  return problems;
}

/** Why a ref target is invalid: it must name an earlier resource, or the owner itself when the field is optional. */
export function refProblem(ref: unknown, owner: string, earlier: readonly string[], optional: boolean, label: string): string | undefined {
  const valid = `valid: ${earlier.length > 0 ? list(earlier) : 'none yet'}${optional ? `, ${owner}` : ''}`;
  if (typeof ref !== 'string') return `${label}: type ref needs "ref", the name of an earlier resource (${valid})`;
  if (ref === owner) {
    return optional ? undefined : `${label}: a ref to its own resource must be optional (the first ${owner} has nothing to refer to)`;
  }
  if (!earlier.includes(ref)) {
    return `${label}: ref "${ref}" names no earlier resource; tables are created in declaration order, so a ref names a resource declared before it (${valid})`;
  }
  return undefined;
}

/**
 * Every problem of a `resources` answer (parsed JSON, any shape), one line
 * each, in declaration order; empty when the spec is valid. Checks shapes,
 * names (snake_case, Go keywords and predeclared identifiers, the implicit
 * fields, duplicates), types and their modifiers, refs (to earlier resources
 * only, see refProblem), defaults, and that no two generated Go identifiers
 * coincide.
 */
export function validateResources(value: unknown): string[] {
  const example = '[{"name": "customer", "fields": [{"name": "email", "type": "string"}]}]';
  if (!Array.isArray(value)) return [`"resources" must be an array of resources, e.g. ${example}`];
  if (value.length === 0) return ['"resources" needs at least one resource (leave it out for the single example resource of --resource)'];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const earlier: string[] = [];
  value.forEach((r, i) => {
    if (!isRecord(r)) {
      problems.push(`resources[${i}]: expected an object with "name" and "fields", e.g. ${JSON.stringify({ name: 'customer', fields: [{ name: 'email', type: 'string' }] })}`);
      return;
    }
    const rname = typeof r.name === 'string' ? r.name : `resources[${i}]`;
    const label = typeof r.name === 'string' ? `resource "${r.name}"` : `resources[${i}]`;
    for (const key of Object.keys(r)) {
      if (!(RESOURCE_KEYS as readonly string[]).includes(key)) problems.push(`${label}: unknown key "${key}" (valid: ${list(RESOURCE_KEYS)})`);
    }
    const nameProblem = resourceNameProblem(r.name, label);
    if (nameProblem) problems.push(nameProblem);
    else {
      const p = pluralProblem(rname, r.plural, label);
      if (p) problems.push(p);
      else {
        const names = specNames(r as unknown as ResourceSpec);
        for (const word of new Set([names.snake, names.snakes])) {
          const other = seen.get(word);
          if (other !== undefined) problems.push(`${label}: "${word}" is already the name or plural of resource "${other}"; resource names and plurals must all differ`);
          else seen.set(word, rname);
        }
      }
    }
    if (!Array.isArray(r.fields) || r.fields.length === 0) {
      problems.push(`${label}: "fields" must be a non-empty array of fields, e.g. [{"name": "email", "type": "string"}]`);
    } else {
      const fieldNames = new Map<string, string>();
      r.fields.forEach((f: unknown, j: number) => {
        const fname = isRecord(f) && typeof f.name === 'string' ? f.name : undefined;
        const flabel = fname !== undefined ? `${rname}.${fname}` : `${rname}.fields[${j}]`;
        problems.push(...fieldProblems(f, rname, earlier, flabel));
        if (fname === undefined || !SNAKE.test(fname)) return;
        const Go = goPascal(fname);
        const other = fieldNames.get(Go);
        if (other === fname) problems.push(`${flabel}: declared twice; field names must differ`);
        else if (other !== undefined) problems.push(`${flabel}: its Go name ${Go} is also that of ${rname}.${other}; rename one`);
        else fieldNames.set(Go, fname);
      });
      for (const [Go, fname] of fieldNames) {
        const getter = Go.startsWith('Get') ? fieldNames.get(Go.slice(3)) : undefined;
        if (getter !== undefined) problems.push(`${rname}.${fname}: its Go name ${Go} is the gRPC getter of ${rname}.${getter}; rename one`);
      }
    }
    if (typeof r.name === 'string') earlier.push(r.name);
  });
  if (problems.length > 0) return problems;
  return identifierClashes(value as ResourceSpec[]);
}

/** Go and proto identifiers that two resources or fields would both declare, one line each. */
function identifierClashes(specs: readonly ResourceSpec[]): string[] {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  const claim = (ident: string, owner: string) => {
    const other = owners.get(ident);
    if (other === undefined) owners.set(ident, owner);
    else if (other !== owner) problems.push(`${owner}: generates the Go identifier ${ident}, as ${other} does; rename one`);
  };
  for (const r of resourceContexts(specs)) {
    const owner = `resource "${r.snake}"`;
    for (const ident of [r.Name, r.Names, `${r.Name}Input`, `${r.Name}Filter`, `${r.Name}Repository`, `${r.Name}Cache`, `${r.Name}Service`]) claim(ident, owner);
    for (const f of r.fields) {
      for (const c of [f.minConst, f.maxConst, ...f.values.map((v) => v.Go)]) if (c !== null) claim(c, `${r.snake}.${f.name}`);
    }
  }
  for (const ident of ['ValidationError', 'FieldError', 'ConflictError', 'ListParams', 'Option', 'Store', 'Server']) {
    const other = owners.get(ident);
    if (other !== undefined) problems.push(`${other}: generates the Go identifier ${ident}, which the generated code declares itself; choose another name`);
  }
  return problems;
}

// ---------------------------------------------------------------------------
// The flag form.
//
//   spec     := resource (';' resource)*
//   resource := name ['/' plural] ':' field (',' field)*
//   field    := name '=' type ['(' arg (',' arg)* ')']
//   arg      := 'optional' | 'unique' | 'min=' number | 'max=' number | 'default=' value
//             | values (enum, first: a|b|c) | target (ref, first: a resource name)
//   value    := a JSON string ("…"), a number, true/false, or a bare word
// e.g. customer:email=string(max=320,unique),vip=bool(default=false)
//      order/orders:customer_id=ref(customer),status=enum(pending|paid;default=pending) — see README "Resources".
// ---------------------------------------------------------------------------

/** A flag-form syntax error: the column (1-based) and what was expected there. */
export class SpecSyntaxError extends Error {
  constructor(
    readonly text: string,
    readonly column: number,
    readonly expected: string,
  ) {
    super(`at column ${column} of ${JSON.stringify(text)}: ${expected}`);
  }
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z0-9_.-]+/;

/**
 * Parses the flag form of one or more resources (separated by `;`) into
 * resource specs, without checking them beyond syntax (validateResources
 * does). Whitespace around separators is ignored. Throws SpecSyntaxError.
 */
export function parseResourceFlag(text: string): ResourceSpec[] {
  let pos = 0;
  const fail = (expected: string): never => {
    throw new SpecSyntaxError(text, pos + 1, `${expected}, found ${pos >= text.length ? 'the end' : JSON.stringify(text.slice(pos, pos + 12))}`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const eat = (c: string) => {
    skip();
    if (text[pos] !== c) return false;
    pos++;
    skip();
    return true;
  };
  const match = (re: RegExp, expected: string): string => {
    skip();
    const m = re.exec(text.slice(pos));
    if (!m) return fail(expected);
    pos += m[0].length;
    return m[0];
  };
  const name = (what: string) => match(/^[A-Za-z0-9_]+/, `expected ${what} (snake_case)`);
  const value = (type: FieldType): string | number | boolean => {
    skip();
    if (text[pos] === '"') {
      let end = pos + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return fail('expected a closing " of the string');
      const raw = text.slice(pos, end + 1);
      try {
        const parsed = JSON.parse(raw) as string;
        pos = end + 1;
        return parsed;
      } catch {
        return fail('expected a JSON string');
      }
    }
    if (type === 'int' || type === 'float') return Number(match(NUMBER, 'expected a number'));
    if (type === 'bool') {
      const w = match(/^(?:true|false)\b/, 'expected true or false');
      return w === 'true';
    }
    return match(/^[^,()";]+/, 'expected a value (a word, or a JSON string in double quotes)').trimEnd();
  };
  const field = (): FieldSpec => {
    const f = { name: name('a field name') } as FieldSpec;
    if (!eat('=')) fail(`expected = and the type of field "${f.name}"`);
    const typeStart = pos;
    const type = match(/^[a-z]+/, `expected a type (${list(FIELD_TYPES)})`);
    if (!isFieldType(type)) {
      pos = typeStart;
      fail(`expected a type (${list(FIELD_TYPES)})`);
    }
    f.type = type as FieldType;
    if (!eat('(')) return f;
    let first = true;
    do {
      skip();
      const argStart = pos;
      if (first && f.type === 'enum') {
        const values = [match(WORD, 'expected the enum values, separated by |')];
        while (eat('|')) values.push(match(WORD, 'expected an enum value after |'));
        f.values = values;
      } else if (first && f.type === 'ref') {
        f.ref = name('the resource the ref names');
      } else {
        const key = match(/^[a-z]+/, 'expected optional, unique, min=, max= or default=');
        if (key === 'optional' || key === 'unique') {
          if (f[key] !== undefined) {
            pos = argStart;
            fail(`${key} is given twice`);
          }
          f[key] = true;
        } else if (key === 'min' || key === 'max' || key === 'default') {
          if (f[key] !== undefined) {
            pos = argStart;
            fail(`${key} is given twice`);
          }
          if (!eat('=')) fail(`expected = after ${key}`);
          if (key === 'default') f.default = value(f.type);
          else f[key] = Number(match(NUMBER, `expected a number after ${key}=`));
        } else {
          pos = argStart;
          fail('expected optional, unique, min=, max= or default=');
        }
      }
      first = false;
    } while (eat(','));
    if (!eat(')')) fail('expected , or )');
    return f;
  };
  const resource = (): ResourceSpec => {
    skip();
    const r = { name: name('a resource name') } as ResourceSpec;
    if (eat('/')) r.plural = name('the plural');
    if (!eat(':')) fail(`expected : and the fields of resource "${r.name}" (or /plural)`);
    r.fields = [field()];
    while (eat(',')) r.fields.push(field());
    return r;
  };
  const out = [resource()];
  while (eat(';')) if (pos < text.length) out.push(resource());
  skip();
  if (pos < text.length) fail('expected , and another field, or ; and another resource');
  return out;
}

/** A number as the flag form writes it: JSON's form, and -0 kept. */
const number = (n: number) => (Object.is(n, -0) ? '-0' : String(n));

/** The flag form of one resource: the inverse of parseResourceFlag (for a spec without `false` modifiers). */
export function printResourceFlag(r: ResourceSpec): string {
  const field = (f: FieldSpec) => {
    const args = [
      ...(f.type === 'enum' && f.values ? [f.values.join('|')] : []),
      ...(f.type === 'ref' && f.ref !== undefined ? [f.ref] : []),
      ...(f.min !== undefined ? [`min=${number(f.min)}`] : []),
      ...(f.max !== undefined ? [`max=${number(f.max)}`] : []),
      ...(f.optional ? ['optional'] : []),
      ...(f.unique ? ['unique'] : []),
      ...(f.default !== undefined ? [`default=${typeof f.default === 'string' && f.type !== 'enum' ? JSON.stringify(f.default) : typeof f.default === 'number' ? number(f.default) : String(f.default)}`] : []),
    ];
    return `${f.name}=${f.type}${args.length > 0 ? `(${args.join(',')})` : ''}`;
  };
  return `${r.name}${r.plural !== undefined ? `/${r.plural}` : ''}:${r.fields.map(field).join(',')}`;
}

/**
 * Turns the value of `--resource-spec` flags (one string per flag) into
 * resource specs and checks them: returns the specs, or the problems (a
 * syntax error names the flag, its column and what was expected).
 */
export function resourcesFromFlags(flags: readonly string[]): { ok: true; value: ResourceSpec[] } | { ok: false; problems: string[] } {
  const specs: ResourceSpec[] = [];
  for (const text of flags) {
    try {
      specs.push(...parseResourceFlag(text));
    } catch (err) {
      if (!(err instanceof SpecSyntaxError)) throw err;
      return { ok: false, problems: [`--resource-spec ${err.message}`] };
    }
  }
  const problems = validateResources(specs);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: specs };
}

/** JSON Schema of the `resources` answer: the shape; validateResources says the rest. */
export function resourcesSchema(description: string): Record<string, unknown> {
  const name = { type: 'string', pattern: SNAKE_PATTERN, maxLength: NAME_MAX };
  const field = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'type'],
    properties: {
      name,
      type: { enum: [...FIELD_TYPES] },
      min: { type: 'number', description: `${list(TAKES.limits)}: a length in characters (string, text) or a value` },
      max: { type: 'number', description: `${list(TAKES.limits)}; string defaults to ${DEFAULT_MAX_LENGTH.string}, text to ${DEFAULT_MAX_LENGTH.text}` },
      values: { type: 'array', items: { type: 'string', pattern: ENUM_VALUE_PATTERN }, minItems: 1, uniqueItems: true, description: 'enum: the allowed values' },
      ref: { ...name, description: 'ref: an earlier resource (or its own, when optional)' },
      optional: { type: 'boolean', description: 'nullable; absent in JSON means null; excludes default' },
      unique: { type: 'boolean', description: `${list(TAKES.unique)}` },
      default: { type: ['string', 'number', 'boolean'], description: `${list(TAKES.default)}: the value an absent field takes` },
    },
  };
  return {
    type: 'array',
    minItems: 1,
    description,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'fields'],
      properties: { name: { ...name, minLength: 2 }, plural: name, fields: { type: 'array', minItems: 1, items: field } },
    },
  };
}
