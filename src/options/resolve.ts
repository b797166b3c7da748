import { resolve as resolvePath } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { UsageError } from '../errors.js';
import {
  answersSchema,
  brokenChoiceNeeds,
  checkValue,
  defaultOf,
  flagName,
  holds,
  optionByKey,
  OPTIONS,
  PRESETS,
  requirementText,
  schemaRules,
  type Answers,
  type AnswersView,
  type Condition,
  type OptionDecl,
  type RawAnswers,
  type Requirement,
  type ResourcesOption,
} from './model.js';
import { promptResources } from './resource-prompts.js';
import { validateResources } from './resource-spec.js';
import type { ResourceSpec } from './resources.js';

/**
 * The questions the resolver may ask. Production code passes @inquirer/prompts;
 * tests pass a fake that records questions and returns canned answers.
 */
export interface Prompter {
  input(q: { message: string; default?: string; validate?: (value: string) => string | true }): Promise<string>;
  select(q: { message: string; choices: { value: string; name: string; description?: string }[]; default?: string }): Promise<string>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
  checkbox(q: {
    message: string;
    choices: { value: string; name: string; description?: string; checked?: boolean }[];
    validate?: (values: string[]) => string | true;
  }): Promise<string[]>;
}

/** Everything resolution looks at. No field is read from the environment here: the caller decides. */
export interface ResolveInput {
  /** The positional directory argument, if given. */
  directory?: string;
  /** What a relative directory is relative to, so that `.` defaults the name to the current folder's. */
  cwd?: string;
  /** Values given as flags (only those the user typed). */
  flags: RawAnswers;
  /** How error lines spell those values: as create's flags (`--mesh istio`), or as upgrade's `--set mesh=istio`. */
  flagStyle?: 'flag' | 'set';
  /** Parsed answers file, if --answers was given. */
  answersFile?: RawAnswers;
  /** How error lines name the answers file (`answers file a.json`). */
  answersFileName?: string;
  /**
   * Answers below the file and above the preset (an upgrade's recorded ones).
   * Like a preset's, such a value that cannot apply any more is turned off
   * instead of refused.
   */
  base?: RawAnswers;
  /** --preset, if given. */
  preset?: string;
  /** --yes: take defaults instead of asking or failing. */
  yes: boolean;
  /** Whether prompting is allowed (see isInteractive). */
  interactive: boolean;
  /** Asked only when `interactive` is true. */
  prompter?: Prompter;
  /**
   * The create wizard: when interactive and neither --preset nor --answers
   * was given, the first question is a preset; choosing one asks only the
   * name and the module.
   */
  wizard?: boolean;
  /** Checks a directory typed at the prompt (true, or why not), so a bad one is re-asked at once. */
  checkDirectory?: (directory: string) => string | true;
}

/** The wizard's "ask me everything" answer to its first question. */
export const CUSTOMISE = 'customise';

/** The outcome: where to generate, and a complete, valid set of answers. */
export interface Resolved {
  directory: string;
  answers: Answers;
}

/** True when the CI variable is set to anything but empty, false or 0. */
export function ciSet(env: Readonly<Record<string, string | undefined>>): boolean {
  const ci = env.CI;
  return !(ci === undefined || ci === '' || ci === 'false' || ci === '0');
}

/**
 * Prompts are allowed only when stdin is a TTY, CI is not set and --yes is
 * absent (the create-vite / create-next-app rule).
 */
export function isInteractive(input: { stdinIsTTY: boolean; env: Readonly<Record<string, string | undefined>>; yes: boolean }): boolean {
  return input.stdinIsTTY && !ciSet(input.env) && !input.yes;
}

/** The keys an answers file may hold: every option key, plus `$schema`. */
export function answerKeys(): string[] {
  return (OPTIONS as readonly OptionDecl[]).map((o) => o.key);
}

/**
 * Validates a parsed answers file against the JSON Schema that
 * `options --schema` prints (ajv, draft 2020-12), then each string with its
 * option's full validator. Every problem is named by its key, all of them in
 * one line; throws UsageError. Returns the answers without `$schema`.
 */
export function checkAnswersFile(data: unknown, file: string): RawAnswers {
  const where = `answers file ${file}`;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`${where}: expected a JSON object with keys ${answerKeys().join(', ')}`);
  }
  const record = data as Record<string, unknown>;
  const validate = (schemaValidator ??= new Ajv2020({ allErrors: true, strictTypes: false }).compile(answersSchema()));
  const problems: string[] = [];
  const add = (p: string) => {
    if (!problems.includes(p)) problems.push(p);
  };
  if (!validate(record)) {
    for (const e of validate.errors ?? []) {
      // validateResources says more, and names the resource and field.
      if (e.instancePath === '/resources' || e.instancePath.startsWith('/resources/')) continue;
      const excluded = /^#\/dependentSchemas\/([^/]+)\//.exec(e.schemaPath);
      if (excluded) {
        const o = optionByKeyOrThrow(excluded[1]!) as ResourcesOption;
        add(`"${o.excludes.key}" and "${o.key}" exclude each other (${o.excludes.because}); drop "${o.excludes.key}"`);
        continue;
      }
      const rule = /^#\/allOf\/(\d+)\//.exec(e.schemaPath);
      if (rule) {
        // One line per broken dependency rule, from its `if`; the `then` details repeat it.
        if (e.keyword !== 'if') continue;
        const r = schemaRules()[Number(rule[1])]!;
        const o = optionByKeyOrThrow(r.key);
        add(refusal(o, r.value ?? (record[r.key] as string), 'file', r.needs, where).slice(where.length + 2));
        continue;
      }
      add(schemaProblem(e, record));
    }
  }
  const out: RawAnswers = {};
  for (const [key, value] of Object.entries(record)) {
    const o = optionByKey(key);
    if (!o) continue;
    if (o.type === 'resources') for (const p of validateResources(value)) add(p);
    if (o.type === 'string' && typeof value === 'string') {
      const problem = o.validate(value);
      if (problem) {
        // The validator's words say more than "must match pattern"; they replace the schema's.
        problems.splice(0, problems.length, ...problems.filter((p) => !p.startsWith(`invalid value for "${key}"`)));
        add(`"${key}": ${problem}`);
      }
    }
    out[key] = value as string | boolean | string[] | ResourceSpec[];
  }
  if (problems.length > 0) throw new UsageError(`${where}: ${problems.join('; ')}`);
  return out;
}

let schemaValidator: ValidateFunction | undefined;

/** One ajv error as a line naming the key: `invalid value for "cache": "memcached" (valid: redis, memory, none)`. */
function schemaProblem(e: ErrorObject, record: Record<string, unknown>): string {
  if (e.keyword === 'additionalProperties') {
    return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}" (valid: ${answerKeys().join(', ')})`;
  }
  const [key = '', index] = e.instancePath.split('/').slice(1);
  const o = optionByKeyOrThrow(key);
  const value = index === undefined ? record[key] : (record[key] as unknown[])[Number(index)];
  const shown = JSON.stringify(value);
  if (e.keyword === 'uniqueItems') {
    const list = record[key] as unknown[];
    return `"${key}" lists ${JSON.stringify(list.find((v, i) => list.indexOf(v) !== i))} more than once`;
  }
  if (o.type === 'choice' || (o.type === 'list' && index !== undefined)) {
    return `invalid value for "${key}": ${shown} (valid: ${o.choices.map((c) => c.value).join(', ')})`;
  }
  if (o.type === 'list') {
    const valid = o.choices.map((c) => c.value);
    return `invalid value for "${key}": ${shown} (expected an array of ${valid.join(', ')}, e.g. ["${valid[0]}"])`;
  }
  if (o.type === 'boolean') return `invalid value for "${key}": ${shown} (expected true or false)`;
  return `invalid value for "${key}": ${shown} (expected a string${o.type === 'string' && o.schema ? ` matching ${o.schema.pattern}` : ''})`;
}

/**
 * Turns flags, an answers file, a preset, defaults and (when allowed) prompts
 * into a complete set of answers. Precedence: flag > answers file > preset >
 * prompt > default. Every given value is validated before anything is asked,
 * so a bad flag fails the same way at a terminal and in CI.
 *
 * Throws UsageError (exit 2) for an invalid value, an unknown preset, a
 * missing directory, or — when not interactive and without --yes — required
 * options that were not given (all of them named in one line).
 */
export async function resolveAnswers(input: ResolveInput): Promise<Resolved> {
  const ask = input.interactive && input.prompter ? input.prompter : undefined;
  const file = input.answersFileName ?? 'answers file';
  // Explicit values, highest precedence first, each checked now.
  const collect = (preset: RawAnswers): Given => {
    const given: Given = {};
    const layers: [RawAnswers, Source][] = [
      [input.flags, input.flagStyle ?? 'flag'],
      [input.answersFile ?? {}, 'file'],
      [input.base ?? {}, 'soft'],
      [preset, 'soft'],
    ];
    for (const o of OPTIONS as readonly OptionDecl[]) {
      for (const [layer, source] of layers) {
        if (!(o.key in layer)) continue;
        const checked = checkValue(o, layer[o.key]);
        if (!checked.ok) throw new UsageError(checked.error);
        given[o.key] = { value: checked.value, source };
        break;
      }
    }
    return given;
  };
  // Given values that are invalid or contradict each other fail before the first question;
  // one that depends on a question still to be asked is checked at that question.
  const precheck = (given: Given) => (ask ? settle({ given, file, directory: input.directory ?? '', dir: '', lenient: true }) : undefined);

  let presetName = input.preset;
  let only: readonly string[] | undefined;
  if (input.wizard && ask && presetName === undefined && input.answersFile === undefined) {
    await precheck(collect({}));
    const picked = await ask.select({ message: 'Start from', choices: presetChoices(), default: 'standard' });
    if (picked !== CUSTOMISE) {
      presetName = picked;
      only = ['name', 'module'];
    }
  }
  let preset: RawAnswers = {};
  if (presetName !== undefined) {
    const p = (PRESETS as unknown as Record<string, { answers: RawAnswers }>)[presetName];
    if (!p) throw new UsageError(`unknown preset "${presetName}" (valid: ${Object.keys(PRESETS).join(', ')})`);
    preset = p.answers;
  }
  const given = collect(preset);
  await precheck(given);

  let directory = input.directory ?? (typeof given.name?.value === 'string' ? given.name.value : undefined);
  if (directory === undefined) {
    if (!ask) throw new UsageError('missing directory: create-service <directory> [options] (or --name <name>)');
    directory = await ask.input({
      message: 'Directory for the new service',
      default: 'my-service',
      validate: (v) => (v.trim() === '' ? 'a directory is required' : (input.checkDirectory?.(v.trim()) ?? true)),
    });
    directory = directory.trim();
  }

  if (!ask && !input.yes) {
    const missing = (OPTIONS as readonly OptionDecl[]).filter((o) => o.required && !(o.key in given));
    if (missing.length > 0) {
      throw new UsageError(
        `missing options: ${missing.map(flagName).join(', ')} (give them as flags, use --preset or --answers, or --yes to take the defaults)`,
      );
    }
  }

  const dir = input.cwd === undefined ? directory : resolvePath(input.cwd, directory);
  const answers = await settle({ given, file, directory, dir, ask, only });
  return { directory, answers: answers as Answers };
}

type Source = 'flag' | 'set' | 'file' | 'soft';
type Value = string | boolean | string[] | ResourceSpec[];
type Given = Record<string, { value: Value; source: Source }>;

/**
 * Fills in every answer in model order: a given value, else (for an option
 * that can apply) a prompt or the default. An option whose `needs` does not
 * hold takes its "off" value; a flag or file value that cannot apply is a
 * UsageError. `lenient` skips requirements on answers not given yet.
 */
async function settle(c: {
  given: Given;
  file: string;
  directory: string;
  dir: string;
  ask?: Prompter;
  lenient?: boolean;
  /** The only keys that may be asked (the wizard's preset path); the others take their defaults. */
  only?: readonly string[];
}): Promise<Record<string, Value>> {
  const answers: Record<string, Value> = {};
  const known = (r: Condition) => !c.lenient || r.key in c.given;
  const refuse = (o: OptionDecl, value: Value, source: Source, r: Requirement) =>
    new UsageError(refusal(o, value, source, r, c.file));
  const step = (o: OptionDecl): { value: Value | undefined } | 'ask' => {
    const g = c.given[o.key];
    const excluder = (OPTIONS as readonly OptionDecl[]).find((x): x is ResourcesOption => x.type === 'resources' && x.excludes.key === o.key);
    if (excluder && answers[excluder.key] !== undefined) {
      const by = c.given[excluder.key];
      if (g && g.source !== 'soft' && by && by.source !== 'soft') throw new UsageError(exclusion(o, g.source, excluder, by.source, c.file));
      return { value: excluder.excludes.derive(answers[excluder.key] as ResourceSpec[]) };
    }
    // The single example resource was named: no resources to ask for.
    if (o.type === 'resources' && !g && c.given[o.excludes.key]) return { value: undefined };
    if (o.needs && !holds(o.needs, answers)) {
      if (g && g.source !== 'soft' && g.value !== o.needs.otherwise && known(o.needs)) throw refuse(o, g.value, g.source, o.needs);
      return { value: o.needs.otherwise };
    }
    if (g) {
      const broken = brokenChoiceNeeds(o, g.value, answers).filter((b) => known(b.needs));
      if (broken.length === 0) return { value: g.value };
      if (g.source !== 'soft') throw refuse(o, broken[0]!.value, g.source, broken[0]!.needs);
      const dropped = broken.map((b) => b.value);
      return {
        value: Array.isArray(g.value)
          ? (g.value as string[]).filter((v) => !dropped.includes(v))
          : (defaultOf(o as Exclude<OptionDecl, { type: 'string' | 'resources' }>, answers) as string),
      };
    }
    return 'ask';
  };
  const fallback = (o: OptionDecl) =>
    o.type === 'string' ? o.default({ directory: c.dir, answers }) : o.type === 'resources' ? undefined : (defaultOf(o, answers) as string | boolean | string[]);
  const finish = (o: OptionDecl, value: unknown, asked: boolean) => {
    // No resources declared: the single example resource, and no `resources` key (the answers stay as before resources existed).
    if (o.type === 'resources' && value === undefined) return;
    const checked = checkValue(o, value);
    if (!checked.ok) {
      throw new UsageError(
        o.type === 'string' && !asked
          ? `cannot derive a valid ${o.key} from directory "${c.directory}" (${checked.error}); pass --${o.key} <${o.valueName}>`
          : checked.error,
      );
    }
    answers[o.key] = checked.value;
  };
  for (const o of OPTIONS as readonly OptionDecl[]) {
    const s = step(o);
    if (s !== 'ask') finish(o, s.value, false);
    else if (c.lenient) {
      const value = fallback(o);
      if (value !== undefined) answers[o.key] = value;
    }
    else if (!c.ask || (c.only && !c.only.includes(o.key))) finish(o, fallback(o), false);
    else finish(o, await askFor(c.ask, o, fallback(o), promptCheck(o, answers, c.given, c.file)), true);
  }
  return answers;
}

/** The wizard's first question: the presets, the recommended one first, then "customise each option". */
function presetChoices(): { value: string; name: string; description: string }[] {
  const presets = PRESETS as unknown as Record<string, { description: string }>;
  const names = ['standard', ...Object.keys(presets).filter((n) => n !== 'standard')];
  return [
    ...names.map((n) => ({ value: n, name: n === 'standard' ? 'recommended (standard)' : n, description: presets[n]!.description })),
    { value: CUSTOMISE, name: 'customise each option', description: 'answer every question yourself' },
  ];
}

/** Checks a prompted value against the requirements it takes part in: its own values' and those of later given answers. */
function promptCheck(o: OptionDecl, answers: AnswersView, given: Given, file: string): (value: string | string[]) => string | true {
  return (value) => {
    const view = { ...answers, [o.key]: value };
    const broken = brokenChoiceNeeds(o, value, answers)[0];
    if (broken) return `${broken.value} needs ${broken.needs.anyOf.join(' or ')}${broken.needs.key === o.key ? ' too' : ''} (${broken.needs.because})`;
    for (const later of OPTIONS as readonly OptionDecl[]) {
      const g = given[later.key];
      if (!later.needs || later.needs.key !== o.key || !g || g.source === 'soft' || g.value === later.needs.otherwise) continue;
      if (!holds(later.needs, view)) return refusal(later, g.value, g.source, later.needs, file);
    }
    return true;
  };
}

/** The error line for an option given together with the one that replaces it: `--resource and --resource-spec exclude each other (…)`. */
function exclusion(o: OptionDecl, source: Source, by: ResourcesOption, bySource: Source, file: string): string {
  const spell = (x: OptionDecl, s: Source) => (s === 'flag' ? flagName(x) : s === 'set' ? `--set ${x.key}` : `"${x.key}" in ${file}`);
  return `${spell(o, source)} and ${spell(by, bySource)} exclude each other (${by.excludes.because}); drop ${spell(o, source)}`;
}

/** The error line for a value that cannot apply: `--mesh istio needs --deploy k8s or helm (why)`. */
function refusal(o: OptionDecl, value: Value, source: Source, r: Requirement, file: string): string {
  const shown = Array.isArray(value) ? value.join(',') : String(value);
  const too = r.key === o.key ? ' too' : '';
  if (source === 'flag') return `--${o.key} ${shown} needs ${requirementText(r, 'flag')}${too} (${r.because})`;
  if (source === 'set') return `--set ${o.key}=${shown} needs ${r.key} with ${r.anyOf.join(' or ')}${too} (${r.because})`;
  const subject = o.type === 'list' ? `"${o.key}" with ${JSON.stringify(shown)}` : `"${o.key}": ${JSON.stringify(value)}`;
  return `${file}: ${subject} needs ${requirementText(r, 'file')}${too} (${r.because})`;
}

async function askFor(
  p: Prompter,
  o: OptionDecl,
  fallback: string | boolean | readonly string[] | undefined,
  check: (value: string | string[]) => string | true,
): Promise<Value | undefined> {
  switch (o.type) {
    case 'resources':
      return promptResources(p, o.prompt);
    case 'list':
      return p.checkbox({
        message: o.prompt,
        validate: check,
        choices: o.choices.map((c) => ({
          value: c.value,
          name: c.value,
          description: c.description,
          checked: (fallback as readonly string[]).includes(c.value),
        })),
      });
    case 'boolean':
      return p.confirm({ message: o.prompt, default: fallback as boolean });
    case 'choice':
      return p.select({
        message: o.prompt,
        choices: o.choices.map((c) => ({ value: c.value, name: c.value, description: c.description })),
        default: fallback as string,
      });
    case 'string':
      return p.input({
        message: o.prompt,
        default: fallback as string,
        validate: (v) => o.validate(v) ?? true,
      });
  }
}

function optionByKeyOrThrow(key: string): OptionDecl {
  const o = optionByKey(key);
  if (!o) throw new Error(`no option "${key}"`);
  return o;
}
