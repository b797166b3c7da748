import { UsageError } from '../errors.js';
import { resourceNames } from './naming.js';
import {
  defaultProblem,
  fieldNameProblem,
  fieldProblems,
  limitProblem,
  pluralProblem,
  resourceNameProblem,
  TAKES,
  validateResources,
  valuesProblem,
} from './resource-spec.js';
import { DEFAULT_MAX_LENGTH, FIELD_TYPES, goPascal, specNames, type FieldSpec, type FieldType, type ResourceSpec } from './resources.js';
import type { Prompter } from './resolve.js';

const TYPE_HELP: Record<FieldType, string> = {
  string: `short text, at most ${DEFAULT_MAX_LENGTH.string} characters unless max says otherwise`,
  text: `long text, at most ${DEFAULT_MAX_LENGTH.text.toLocaleString('en')} characters unless max says otherwise`,
  int: 'a 64-bit integer',
  float: 'a 64-bit floating-point number',
  bool: 'true or false',
  time: 'an instant (RFC 3339 in JSON, microsecond precision)',
  date: 'a calendar date (YYYY-MM-DD)',
  uuid: 'a UUID',
  enum: 'one of a list of values',
  ref: 'a reference to a row of an earlier resource (a foreign key)',
};

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** A prompt validator's answer: true, or the problem without its `order.status: ` label (the question names the field). */
const answer = (problem: string | undefined): string | true => (problem === undefined ? true : problem.replace(/^[^:]*: /, ''));

/** A typed number, or undefined for a blank answer; NaN when it is not a number. */
function numberText(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return NUMBER.test(t) ? Number(t) : Number.NaN;
}

/** A typed default in the field's type, or undefined for a blank answer: strings as typed (or a JSON string in quotes, for ""). */
function defaultText(type: FieldType, text: string): string | number | boolean | undefined {
  if (text === '') return undefined;
  if (type === 'int' || type === 'float') return numberText(text);
  if (type === 'bool') return text.trim() === 'true' ? true : text.trim() === 'false' ? false : text;
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The prompt flow of the `resources` answer: whether to define resources
 * (no → undefined, the single example resource), then resources one by one
 * (name, plural) and their fields one by one (name, type, then only what the
 * type takes). Every answer is checked as it is typed by the validators of
 * resource-spec.ts, so the result is valid; throws UsageError only for a
 * clash of generated identifiers that no single answer shows.
 */
export async function promptResources(p: Prompter, message: string): Promise<ResourceSpec[] | undefined> {
  if (!(await p.confirm({ message, default: false }))) return undefined;
  const done: ResourceSpec[] = [];
  do {
    const earlier = done.map((r) => r.name);
    const name = (
      await p.input({
        message: 'Resource name (singular, snake_case)',
        validate: (v) => {
          const taken = done.find((r) => [r.name, specNames(r).snakes].includes(v.trim()));
          return taken ? `"${v.trim()}" is already the name or plural of resource "${taken.name}"` : answer(resourceNameProblem(v.trim()));
        },
      })
    ).trim();
    const derived = resourceNames(name).snakes;
    const plural = (
      await p.input({
        message: `Plural of ${name}`,
        default: derived === name ? undefined : derived,
        validate: (v) => answer(pluralProblem(name, v.trim() === derived ? undefined : v.trim())),
      })
    ).trim();
    const resource: ResourceSpec = { name, ...(plural !== derived ? { plural } : {}), fields: [] };
    do resource.fields.push(await promptField(p, resource, earlier));
    while (await p.confirm({ message: `Add another field to ${name}?`, default: false }));
    done.push(resource);
  } while (await p.confirm({ message: 'Add another resource?', default: false }));
  const problems = validateResources(done);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return done;
}

async function promptField(p: Prompter, resource: ResourceSpec, earlier: readonly string[]): Promise<FieldSpec> {
  const taken = resource.fields.map((f) => goPascal(f.name));
  const name = (
    await p.input({
      message: `Field name of ${resource.name} (snake_case)`,
      validate: (v) => {
        const problem = fieldNameProblem(v.trim(), `field "${v.trim()}"`);
        if (problem) return answer(problem);
        return taken.includes(goPascal(v.trim())) ? `${resource.name} already has a field named like "${v.trim()}"` : true;
      },
    })
  ).trim();
  const targets = [...earlier, resource.name];
  const type = (await p.select({
    message: `Type of ${resource.name}.${name}`,
    choices: FIELD_TYPES.map((t) => ({ value: t, name: t, description: TYPE_HELP[t] })),
    default: 'string',
  })) as FieldType;
  const f: FieldSpec = { name, type };
  const label = `${resource.name}.${name}`;
  if (TAKES.limits.includes(type as never)) {
    const lengthy = type === 'string' || type === 'text';
    const max = await p.input({
      message: lengthy ? `Maximum length in characters (blank: ${DEFAULT_MAX_LENGTH[type]})` : 'Maximum (blank: none)',
      validate: (v) => (numberText(v) === undefined ? true : answer(limitProblem(type, 'max', numberText(v), label))),
    });
    if (numberText(max) !== undefined) f.max = numberText(max);
    const min = await p.input({
      message: lengthy ? 'Minimum length in characters (blank: 1 when required, else 0)' : 'Minimum (blank: none)',
      validate: (v) => {
        const n = numberText(v);
        if (n === undefined) return true;
        const problem = limitProblem(type, 'min', n, label) ?? fieldProblems({ ...f, min: n }, resource.name, earlier, label)[0];
        return answer(problem);
      },
    });
    if (numberText(min) !== undefined) f.min = numberText(min);
  }
  if (type === 'enum') {
    const values = await p.input({
      message: 'Values, separated by |',
      validate: (v) => answer(valuesProblem(splitValues(v), label)),
    });
    f.values = splitValues(values);
  }
  if (type === 'ref') {
    f.ref = await p.select({
      message: `${label} refers to`,
      choices: targets.map((t) => ({ value: t, name: t, description: t === resource.name ? 'its own resource (a tree: optional)' : undefined })),
      default: targets[0],
    });
  }
  // A ref to its own resource is always optional: the first row has nothing to refer to.
  if (f.ref === resource.name || (await p.confirm({ message: `Is ${label} optional (nullable; absent means null)?`, default: false }))) f.optional = true;
  if (TAKES.unique.includes(type as never) && (await p.confirm({ message: `Must ${label} be unique?`, default: false }))) f.unique = true;
  if (TAKES.default.includes(type as never) && !f.optional) {
    const text = await p.input({
      message: `Default of ${label} (blank: none${type === 'string' || type === 'text' ? '; "" for the empty string' : ''})`,
      validate: (v) => {
        const d = defaultText(type, v);
        return d === undefined ? true : answer(defaultProblem({ ...f, default: d }, label));
      },
    });
    const d = defaultText(type, text);
    if (d !== undefined) f.default = d;
  }
  return f;
}

function splitValues(text: string): string[] {
  return text.split('|').map((v) => v.trim()).filter((v) => v !== '');
}
