import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { answersSchema, describeOptions, fileFlags } from '../../src/options/model.js';
import { checkAnswersFile } from '../../src/options/resolve.js';
import { parseResourceFlag, printResourceFlag, resourcesFromFlags, TAKES, validateResources } from '../../src/options/resource-spec.js';
import { FIELD_TYPES, type FieldSpec, type FieldType, type ResourceSpec } from '../../src/options/resources.js';
import { ISSUE, ISSUE_FLAGS } from './issue-spec.js';

const one = (fields: unknown[], extra: Record<string, unknown> = {}) => [{ name: 'thing', fields, ...extra }];
const field = (f: Record<string, unknown>) => one([{ name: 'f', ...f }]);

describe('validateResources', () => {
  it("accepts the issue's exact JSON, and so do the answers-file schema and checkAnswersFile", () => {
    expect(validateResources(ISSUE.resources)).toEqual([]);
    const validate = new Ajv2020({ allErrors: true, strictTypes: false }).compile(answersSchema());
    expect(validate(ISSUE), JSON.stringify(validate.errors)).toBe(true);
    expect(checkAnswersFile(ISSUE, 'a.json')).toEqual(ISSUE);
  });

  it('accepts test/support/specs/shop.json (every type and modifier, reserved words, person → people)', () => {
    const shop = JSON.parse(readFileSync(new URL('../support/specs/shop.json', import.meta.url), 'utf8')) as { resources: unknown };
    expect(validateResources(shop.resources)).toEqual([]);
  });

  const VALID = 'valid: string, text, int, float, bool, time, date, uuid, enum, ref';
  // Every bad spec → its exact line.
  it.each<[string, unknown, string[]]>([
    ['not an array', { name: 'x' }, ['"resources" must be an array of resources, e.g. [{"name": "customer", "fields": [{"name": "email", "type": "string"}]}]']],
    ['empty', [], ['"resources" needs at least one resource (leave it out for the single example resource of --resource)']],
    ['unknown type', field({ type: 'strin' }), [`thing.f: unknown type "strin" (${VALID})`]],
    ['missing type', field({}), [`thing.f: missing "type" (${VALID})`]],
    ['unknown field key', field({ type: 'int', maximum: 3 }), ['thing.f: unknown key "maximum" (valid: name, type, min, max, values, ref, optional, unique, default)']],
    ['unknown resource key', one([{ name: 'f', type: 'int' }], { table: 'x' }), ['resource "thing": unknown key "table" (valid: name, plural, fields)']],
    ['no fields', one([]), ['resource "thing": "fields" must be a non-empty array of fields, e.g. [{"name": "email", "type": "string"}]']],
    [
      'ref to a missing resource',
      [{ name: 'customer', fields: [{ name: 'email', type: 'string' }] }, { name: 'order', fields: [{ name: 'buyer_id', type: 'ref', ref: 'custmer' }] }],
      ['order.buyer_id: ref "custmer" names no earlier resource; tables are created in declaration order, so a ref names a resource declared before it (valid: customer)'],
    ],
    [
      'ref to a later resource',
      [{ name: 'order', fields: [{ name: 'customer_id', type: 'ref', ref: 'customer' }] }, { name: 'customer', fields: [{ name: 'email', type: 'string' }] }],
      ['order.customer_id: ref "customer" names no earlier resource; tables are created in declaration order, so a ref names a resource declared before it (valid: none yet)'],
    ],
    [
      'a cycle: each refers to the other',
      [
        { name: 'author', fields: [{ name: 'book_id', type: 'ref', ref: 'book' }] },
        { name: 'book', fields: [{ name: 'author_id', type: 'ref', ref: 'author' }] },
      ],
      ['author.book_id: ref "book" names no earlier resource; tables are created in declaration order, so a ref names a resource declared before it (valid: none yet)'],
    ],
    ['a required ref to its own resource', field({ type: 'ref', ref: 'thing' }), ['thing.f: a ref to its own resource must be optional (the first thing has nothing to refer to)']],
    ['ref without a target', field({ type: 'ref' }), ['thing.f: type ref needs "ref", the name of an earlier resource (valid: none yet)']],
    ['ref on another type', field({ type: 'int', ref: 'thing' }), ['thing.f: "ref" applies only to type ref, not int']],
    [
      'duplicate resource',
      [{ name: 'thing', fields: [{ name: 'a', type: 'int' }] }, { name: 'thing', fields: [{ name: 'b', type: 'int' }] }],
      [
        'resource "thing": "thing" is already the name or plural of resource "thing"; resource names and plurals must all differ',
        'resource "thing": "things" is already the name or plural of resource "thing"; resource names and plurals must all differ',
      ],
    ],
    ['duplicate field', one([{ name: 'a', type: 'int' }, { name: 'a', type: 'bool' }]), ['thing.a: declared twice; field names must differ']],
    ['two fields with one Go name', one([{ name: 'url', type: 'string' }, { name: 'u_r_l', type: 'string' }]), ['thing.u_r_l: its Go name URL is also that of thing.url; rename one']],
    ['a field named like a gRPC getter of another', one([{ name: 'kind', type: 'string' }, { name: 'get_kind', type: 'string' }]), ['thing.get_kind: its Go name GetKind is the gRPC getter of thing.kind; rename one']],
    ...(['id', 'created_at', 'updated_at'].map((n) => [`declared ${n}`, one([{ name: n, type: 'string' }]), [`thing.${n}: id, created_at, updated_at are always there; do not declare them`]]) as [string, unknown, string[]][]),
    ['min > max', field({ type: 'int', min: 10, max: 1 }), ['thing.f: min 10 is greater than max 1']],
    ['min > the default max', field({ type: 'string', min: 300 }), ['thing.f: min 300 is greater than max 200 (the default max of string; give a larger "max")']],
    ['min on bool', field({ type: 'bool', min: 1 }), ['thing.f: "min" applies to string, text, int, float, not bool']],
    ['max on time', field({ type: 'time', max: 1 }), ['thing.f: "max" applies to string, text, int, float, not time']],
    ['fractional length', field({ type: 'string', max: 2.5 }), ['thing.f: "max" must be an integer']],
    ['zero max length', field({ type: 'string', max: 0 }), ['thing.f: "max" is a length in characters: at least 1']],
    ['int beyond JSON precision', field({ type: 'int', max: 2 ** 60 }), ['thing.f: "max" must be an integer between -9007199254740991 and 9007199254740991 (JSON numbers beyond are not exact)']],
    ['enum without values', field({ type: 'enum' }), ['thing.f: enum needs "values", a list of at least two distinct strings, e.g. ["pending", "paid"]']],
    ['enum with empty values', field({ type: 'enum', values: [] }), ['thing.f: enum needs "values", a list of at least two distinct strings, e.g. ["pending", "paid"]']],
    ['enum value twice', field({ type: 'enum', values: ['a', 'b', 'a'] }), ['thing.f: enum value "a" is listed twice']],
    ['enum values with one Go constant', field({ type: 'enum', values: ['in-progress', 'in_progress'] }), ['thing.f: enum values "in-progress" and "in_progress" give the same Go constant; make them differ in letters or digits']],
    ['enum value with a space', field({ type: 'enum', values: ['on hold', 'done'] }), ['thing.f: enum value "on hold": use letters, digits, _ - and ., starting with a letter or digit']],
    ['values on a string', field({ type: 'string', values: ['a'] }), ['thing.f: "values" applies only to enum, not string']],
    ['default outside the enum', field({ type: 'enum', values: ['pending', 'paid'], default: 'gone' }), ['thing.f: default "gone" is not one of the values (valid: pending, paid)']],
    ['default of the wrong JSON type', field({ type: 'int', default: '3' }), ['thing.f: "default" must be a number']],
    ['fractional int default', field({ type: 'int', default: 1.5 }), ['thing.f: "default" must be an integer']],
    ['bool default a string', field({ type: 'bool', default: 'false' }), ['thing.f: "default" must be true or false']],
    ['default below min', field({ type: 'int', min: 5, default: 1 }), ['thing.f: default 1 is outside 5..∞']],
    ['string default too long', field({ type: 'string', max: 3, default: 'four' }), ['thing.f: default "four" has 4 characters, outside 0..3']],
    ...(['time', 'date', 'uuid', 'ref'].map((t) => [
      `default on ${t}`,
      field({ type: t, default: 'x', ...(t === 'ref' ? { ref: 'thing', optional: true } : {}) }),
      [
        t === 'ref'
          ? 'thing.f: "default" applies to string, text, int, float, bool, enum, not ref'
          : `thing.f: "default" applies to string, text, int, float, bool, enum, not ${t}`,
      ],
    ]) as [string, unknown, string[]][]),
    [
      'optional with default',
      field({ type: 'string', optional: true, default: 'x' }),
      ['thing.f: "optional" and "default" exclude each other (an absent optional field is null; an absent field with a default takes it); keep one'],
    ],
    ...(['bool', 'float', 'enum', 'text'].map((t) => [
      `unique on ${t}`,
      field({ type: t, unique: true, ...(t === 'enum' ? { values: ['a', 'b'] } : {}), ...(t === 'ref' ? { ref: 'thing', optional: true } : {}) }),
      [`thing.f: "unique" applies to string, uuid, not ${t}${t === 'text' ? ' (too long for an index; use string with a max)' : ''}`],
    ]) as [string, unknown, string[]][]),
    ['optional not a boolean', field({ type: 'int', optional: 'yes' }), ['thing.f: "optional" must be true or false']],
    ['resource not snake_case', [{ name: 'LineItem', fields: [{ name: 'a', type: 'int' }] }], ['resource "LineItem": names are snake_case (lower-case words joined by _, starting with a letter, 2 to 63 characters), e.g. customer or line_item']],
    ['kebab-case resource', [{ name: 'line-item', fields: [{ name: 'a', type: 'int' }] }], ['resource "line-item": names are snake_case (lower-case words joined by _, starting with a letter, 2 to 63 characters), e.g. customer or line_item']],
    ['field not snake_case', one([{ name: 'totalCents', type: 'int' }]), ['thing.totalCents: names are snake_case (lower-case words joined by _, starting with a letter, at most 63 characters), e.g. email or customer_id']],
    ['plural equal to singular (derived)', [{ name: 'sheep', fields: [{ name: 'a', type: 'int' }] }], ['resource "sheep": the plural is the same word as the singular; give a distinct "plural" (e.g. "sheep_list")']],
    ['plural equal to singular (given)', one([{ name: 'a', type: 'int' }], { plural: 'thing' }), ['resource "thing": the plural is the same word as the singular; give a distinct "plural" (e.g. "thing_list")']],
    ['plural not snake_case', one([{ name: 'a', type: 'int' }], { plural: 'Things' }), ['resource "thing": "plural" must be snake_case like the name, e.g. "things"']],
    [
      'a plural that is another resource',
      [{ name: 'person', fields: [{ name: 'a', type: 'int' }] }, { name: 'people', plural: 'people_list', fields: [{ name: 'a', type: 'int' }] }],
      ['resource "people": "people" is already the name or plural of resource "person"; resource names and plurals must all differ'],
    ],
    [
      'enum constants of two fields that coincide',
      one([
        { name: 'status', type: 'enum', values: ['paid_late', 'open'] },
        { name: 'status_paid', type: 'enum', values: ['late', 'early'] },
      ]),
      ['thing.status_paid: generates the Go identifier ThingStatusPaidLate, as thing.status does; rename one'],
    ],
    ['a resource named like a domain type', [{ name: 'validation_error', fields: [{ name: 'a', type: 'int' }] }], ['resource "validation_error": generates the Go identifier ValidationError, which the generated code declares itself; choose another name']],
    ['a field named like a generated method', one([{ name: 'validate', type: 'bool' }]), ['thing.validate: its Go name Validate is a method of the generated types (String, Reset, Descriptor, ProtoMessage, ProtoReflect, Validate, Normalize); choose another name']],
  ])('%s', (_, spec, lines) => {
    expect(validateResources(spec)).toEqual(lines);
  });

  it('allows an optional ref to its own resource (a tree)', () => {
    expect(validateResources(field({ type: 'ref', ref: 'thing', optional: true }))).toEqual([]);
  });

  it('names every problem of a spec, one line each, and the CLI joins them in one usage line', () => {
    const bad = [
      { name: 'customer', fields: [{ name: 'email', type: 'strin' }] },
      { name: 'order', fields: [{ name: 'status', type: 'enum', values: ['a', 'c'], default: 'b' }, { name: 'n', type: 'int', min: 2, max: 1 }] },
    ];
    expect(validateResources(bad)).toHaveLength(3);
    expect(() => checkAnswersFile({ resources: bad }, 'a.json')).toThrow(
      new UsageError(
        `answers file a.json: customer.email: unknown type "strin" (${VALID}); order.status: default "b" is not one of the values (valid: a, c); order.n: min 2 is greater than max 1`,
      ),
    );
  });

  it('refuses resource together with resources in an answers file', () => {
    expect(() => checkAnswersFile({ resource: 'item', ...ISSUE }, 'a.json')).toThrow(
      new UsageError('answers file a.json: "resource" and "resources" exclude each other (the declared resources replace the single example resource); drop "resource"'),
    );
  });
});

describe('reserved words as names', () => {
  // The issue's SQL words, Go keywords and predeclared identifiers. As fields, all but `string` are accepted: the column
  // is quoted when SQL reserves it, the Go field is exported (Order, Type, Func) and the Go local renamed (typeValue),
  // and protoc takes keywords as field names (buf v1.73 builds a message with all of them); `string` is refused because
  // protoc-gen-go renames a field String to String_ (the message's String method). As resources, those whose lower-camel form is a Go keyword or
  // predeclared identifier (a Go variable name) are refused; SQL words are fine because the table is the quoted plural.
  const words = ['order', 'user', 'group', 'type', 'select', 'default', 'func', 'map', 'range', 'chan', 'string', 'len', 'error'];
  const acceptedResources = ['order', 'user', 'group'];

  it.each(words.filter((w) => w !== 'string'))('%s as a field name is accepted', (w) => {
    expect(validateResources(one([{ name: w, type: 'string' }]))).toEqual([]);
  });

  it.each(words)('%s as a resource name is accepted only when it is no Go word', (w) => {
    const problems = validateResources([{ name: w, fields: [{ name: 'a', type: 'int' }] }]);
    if (acceptedResources.includes(w)) expect(problems).toEqual([]);
    else {
      expect(problems).toEqual([
        `resource "${w}": "${w}" is a Go keyword, predeclared identifier or a name the generated code uses; choose another noun (e.g. ${w}_record)`,
      ]);
    }
  });

  it('refuses a resource named like a package or local of the generated code (the --resource rule)', () => {
    expect(validateResources([{ name: 'service', fields: [{ name: 'a', type: 'int' }] }])).toEqual([
      'resource "service": "service" is a Go keyword, predeclared identifier or a name the generated code uses; choose another noun (e.g. service_record)',
    ]);
  });

  it.each(['string', 'reset', 'descriptor'])('refuses the field %s, whose Go name is a method protoc-gen-go generates', (w) => {
    const Go = w.charAt(0).toUpperCase() + w.slice(1);
    expect(validateResources(one([{ name: w, type: 'int' }]))).toEqual([
      `thing.${w}: its Go name ${Go} is a method of the generated types (String, Reset, Descriptor, ProtoMessage, ProtoReflect, Validate, Normalize); choose another name`,
    ]);
  });
});

describe('the --resource-spec flag form', () => {
  it("parses the issue's spec from two flags, and prints it back", () => {
    const parsed = resourcesFromFlags(ISSUE_FLAGS);
    expect(parsed).toEqual({ ok: true, value: ISSUE.resources });
    expect(ISSUE.resources.map((r) => printResourceFlag(r as unknown as ResourceSpec))).toEqual(ISSUE_FLAGS);
    // One flag may also carry several resources, separated by ;.
    expect(parseResourceFlag(ISSUE_FLAGS.join(';'))).toEqual(ISSUE.resources);
  });

  it('ignores white space around separators', () => {
    expect(parseResourceFlag(' customer : email = string ( max = 320 , unique ) , vip=bool ; order:n=int')).toEqual([
      { name: 'customer', fields: [{ name: 'email', type: 'string', max: 320, unique: true }, { name: 'vip', type: 'bool' }] },
      { name: 'order', fields: [{ name: 'n', type: 'int' }] },
    ]);
  });

  it('takes string defaults as JSON strings (commas, quotes, the empty string) or bare words', () => {
    expect(parseResourceFlag('a_b:x=string(default=""),y=text(default="a, (b); \\"c\\""),z=string(default=hello world)')[0]!.fields).toEqual([
      { name: 'x', type: 'string', default: '' },
      { name: 'y', type: 'text', default: 'a, (b); "c"' },
      { name: 'z', type: 'string', default: 'hello world' },
    ]);
  });

  it.each<[string, string]>([
    ['customer', 'at column 9 of "customer": expected : and the fields of resource "customer" (or /plural), found the end'],
    ['customer:', 'at column 10 of "customer:": expected a field name (snake_case), found the end'],
    ['customer:email', 'at column 15 of "customer:email": expected = and the type of field "email", found the end'],
    ['customer:email=strin', 'at column 16 of "customer:email=strin": expected a type (string, text, int, float, bool, time, date, uuid, enum, ref), found "strin"'],
    ['customer:email=string(max=320,unique', 'at column 37 of "customer:email=string(max=320,unique": expected , or ), found the end'],
    ['customer:email=string(maxi=3)', 'at column 23 of "customer:email=string(maxi=3)": expected optional, unique, min=, max= or default=, found "maxi=3)"'],
    ['customer:email=string(max=x)', 'at column 27 of "customer:email=string(max=x)": expected a number after max=, found "x)"'],
    ['customer:vip=bool(default=no)', 'at column 27 of "customer:vip=bool(default=no)": expected true or false, found "no)"'],
    ['customer:n=int(unique,unique)', 'at column 23 of "customer:n=int(unique,unique)": unique is given twice, found "unique)"'],
    ['customer:s=enum()', 'at column 17 of "customer:s=enum()": expected the enum values, separated by |, found ")"'],
    ['customer:s=enum(a|)', 'at column 19 of "customer:s=enum(a|)": expected an enum value after |, found ")"'],
    ['customer:s=string(default="abc)', 'at column 27 of "customer:s=string(default=\\"abc)": expected a closing " of the string, found "\\"abc)"'],
    ['customer:a=int b=int', 'at column 16 of "customer:a=int b=int": expected , and another field, or ; and another resource, found "b=int"'],
  ])('%s: a syntax error names the column and what was expected', (text, message) => {
    expect(resourcesFromFlags([text])).toEqual({ ok: false, problems: [`--resource-spec ${message}`] });
  });

  it('checks a parsed spec with the same validation as the answers file', () => {
    expect(resourcesFromFlags(['order:customer_id=ref(customer)'])).toEqual({
      ok: false,
      problems: ['order.customer_id: ref "customer" names no earlier resource; tables are created in declaration order, so a ref names a resource declared before it (valid: none yet)'],
    });
  });

  it('parse ∘ print is the identity on random valid specs (seeded)', () => {
    const nameArb = fc.constantFrom('customer', 'order', 'line_item', 'person', 'user', 'group', 'invoice', 'tag', 'box', 'city');
    const fieldNameArb = fc.constantFrom('email', 'type', 'select', 'default', 'order', 'total_cents', 'note', 'placed_at', 'url', 'x1', 'customer_id', 'len', 'map');
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '"', '\\', ',', '(', ')', ';', '|', ' ', '=', ':', '😀', "'"), maxLength: 8 });
    const fieldArb = (earlier: string[], owner: string) =>
      fc.record({ type: fc.constantFrom(...FIELD_TYPES), name: fieldNameArb, n: fc.integer({ min: -1000, max: 1000 }), m: fc.nat(1000), f: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), s: text, flags: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), values: fc.uniqueArray(fc.constantFrom('a', 'b2', 'in-progress', 'x.y', 'Paid', 'z_z'), { minLength: 1, maxLength: 4 }), pick: fc.nat() }).map(
        ({ type, name, n, m, f, s, flags, values, pick }): FieldSpec => {
          const out: FieldSpec = { name, type };
          const [limMin, limMax, optional, unique, withDefault] = flags;
          if (type === 'string' || type === 'text') {
            if (limMax) out.max = Math.max(1, m + [...s].length);
            if (limMin) out.min = 0;
          } else if (type === 'int') {
            if (limMin) out.min = n;
            if (limMax) out.max = n + m;
          } else if (type === 'float') {
            if (limMin) out.min = f;
            if (limMax) out.max = f + m;
          }
          if (type === 'enum') out.values = values;
          if (type === 'ref') out.ref = [...earlier, owner][pick % (earlier.length + 1)];
          if (optional || out.ref === owner) out.optional = true;
          if (unique && (TAKES.unique as readonly FieldType[]).includes(type)) out.unique = true;
          if (withDefault && !out.optional && (TAKES.default as readonly FieldType[]).includes(type)) {
            out.default = type === 'bool' ? flags[5]! : type === 'enum' ? values[pick % values.length]! : type === 'int' ? (out.min ?? n) : type === 'float' ? (out.min ?? f) : s;
          }
          return out;
        },
      );
    const specArb = fc.uniqueArray(nameArb, { minLength: 1, maxLength: 4 }).chain((names) =>
      fc.tuple(
        ...names.map((name, i) =>
          fc.record({
            fields: fc.uniqueArray(fieldArb(names.slice(0, i), name), { minLength: 1, maxLength: 6, selector: (f) => f.name }),
            plural: fc.option(fc.constantFrom(`${name}_list`, `all_${name}s`), { nil: undefined }),
          }).map(({ fields, plural }): ResourceSpec => ({ name, ...(plural ? { plural } : {}), fields })),
        ),
      ),
    );
    let checked = 0;
    fc.assert(
      fc.property(specArb, (specs) => {
        fc.pre(validateResources(specs).length === 0);
        checked++;
        const printed = specs.map(printResourceFlag);
        expect(resourcesFromFlags(printed)).toEqual({ ok: true, value: specs });
        // One flag per resource or all of them in one, joined by ;.
        expect(parseResourceFlag(printed.join(';'))).toEqual(specs);
      }),
      { seed: 12, numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('keeps -0 and a default with a single quote exact, through the printer and a POSIX shell', () => {
    const spec: ResourceSpec = { name: 'thing', fields: [{ name: 'f', type: 'float', min: -0 }, { name: 's', type: 'string', default: "it's (a) \"test\"; |" }] };
    expect(parseResourceFlag(printResourceFlag(spec))).toEqual([spec]);
    const line = fileFlags({ resources: [spec] });
    const words = JSON.parse(execFileSync('sh', ['-c', `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${line}`], { encoding: 'utf8' })) as string[];
    expect(words).toEqual(['--resource-spec', printResourceFlag(spec)]);
  });

  it('options --answers prints flags that give the same answers file back (resources included, shell-quoted)', () => {
    const flags = fileFlags({ name: 'shop', db: 'memory', metrics: false, deploy: [], ...(ISSUE as unknown as { resources: ResourceSpec[] }) });
    expect(flags).toBe(`--name shop --resource-spec '${ISSUE_FLAGS[0]}' --resource-spec '${ISSUE_FLAGS[1]}' --db memory --no-metrics --deploy none`);
  });
});

describe('options --json', () => {
  it('lists resources with its flag, the field types and the option it excludes', () => {
    expect(describeOptions().find((o) => o.key === 'resources')).toMatchObject({
      key: 'resources',
      flag: '--resource-spec',
      type: 'resources',
      default: [],
      fieldTypes: [...FIELD_TYPES],
      excludes: 'resource',
    });
  });
});
