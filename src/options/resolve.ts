import { resolve as resolvePath } from 'node:path';
import { UsageError } from '../errors.js';
import { checkValue, flagName, optionByKey, OPTIONS, PRESETS, type Answers, type OptionDecl, type RawAnswers } from './model.js';

/**
 * The questions the resolver may ask. Production code passes @inquirer/prompts;
 * tests pass a fake that records questions and returns canned answers.
 */
export interface Prompter {
  input(q: { message: string; default?: string; validate?: (value: string) => string | true }): Promise<string>;
  select(q: { message: string; choices: { value: string; name: string; description?: string }[]; default?: string }): Promise<string>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
  checkbox(q: { message: string; choices: { value: string; name: string; description?: string; checked?: boolean }[] }): Promise<string[]>;
}

/** Everything resolution looks at. No field is read from the environment here: the caller decides. */
export interface ResolveInput {
  /** The positional directory argument, if given. */
  directory?: string;
  /** What a relative directory is relative to, so that `.` defaults the name to the current folder's. */
  cwd?: string;
  /** Values given as flags (only those the user typed). */
  flags: RawAnswers;
  /** Parsed answers file, if --answers was given. */
  answersFile?: RawAnswers;
  /** --preset, if given. */
  preset?: string;
  /** --yes: take defaults instead of asking or failing. */
  yes: boolean;
  /** Whether prompting is allowed (see isInteractive). */
  interactive: boolean;
  /** Asked only when `interactive` is true. */
  prompter?: Prompter;
}

/** The outcome: where to generate, and a complete, valid set of answers. */
export interface Resolved {
  directory: string;
  answers: Answers;
}

/**
 * Prompts are allowed only when stdin is a TTY, CI is not set and --yes is
 * absent (the create-vite / create-next-app rule).
 */
export function isInteractive(input: { stdinIsTTY: boolean; env: Readonly<Record<string, string | undefined>>; yes: boolean }): boolean {
  const ci = input.env.CI;
  return input.stdinIsTTY && (ci === undefined || ci === '' || ci === 'false' || ci === '0') && !input.yes;
}

/** The keys an answers file may hold: every option key, plus `$schema`. */
export function answerKeys(): string[] {
  return (OPTIONS as readonly OptionDecl[]).map((o) => o.key);
}

/**
 * Checks the shape of a parsed answers file: an object whose keys are option
 * keys. Throws UsageError naming the valid keys otherwise.
 */
export function checkAnswersFile(data: unknown, file: string): RawAnswers {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UsageError(`answers file ${file}: expected a JSON object with keys ${answerKeys().join(', ')}`);
  }
  const out: RawAnswers = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === '$schema') continue;
    if (!answerKeys().includes(key)) {
      throw new UsageError(`answers file ${file}: unknown key "${key}" (valid: ${answerKeys().join(', ')})`);
    }
    const stringList = Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (typeof value !== 'string' && typeof value !== 'boolean' && !stringList) {
      throw new UsageError(`answers file ${file}: "${key}" must be a string, a boolean or a list of strings`);
    }
    // Checked here, where the file is known, so the error names the file and its key, not a flag.
    const checked = checkValue(optionByKeyOrThrow(key), value, `"${key}"`);
    if (!checked.ok) throw new UsageError(`answers file ${file}: ${checked.error}`);
    out[key] = value;
  }
  return out;
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
  let preset: RawAnswers = {};
  if (input.preset !== undefined) {
    const p = (PRESETS as unknown as Record<string, { answers: RawAnswers }>)[input.preset];
    if (!p) throw new UsageError(`unknown preset "${input.preset}" (valid: ${Object.keys(PRESETS).join(', ')})`);
    preset = p.answers;
  }

  // Explicit values, highest precedence first, each checked now.
  const given: Record<string, string | boolean | string[]> = {};
  for (const o of OPTIONS as readonly OptionDecl[]) {
    for (const source of [input.flags, input.answersFile ?? {}, preset]) {
      if (!(o.key in source)) continue;
      const checked = checkValue(o, source[o.key]);
      if (!checked.ok) throw new UsageError(checked.error);
      given[o.key] = checked.value;
      break;
    }
  }

  const ask = input.interactive && input.prompter ? input.prompter : undefined;
  let directory = input.directory ?? (typeof given.name === 'string' ? given.name : undefined);
  if (directory === undefined) {
    if (!ask) throw new UsageError('missing directory: create-service <directory> [options] (or --name <name>)');
    directory = await ask.input({
      message: 'Directory for the new service',
      default: 'my-service',
      validate: (v) => (v.trim() === '' ? 'a directory is required' : true),
    });
  }

  if (!ask && !input.yes) {
    const missing = (OPTIONS as readonly OptionDecl[]).filter((o) => o.required && !(o.key in given));
    if (missing.length > 0) {
      throw new UsageError(
        `missing options: ${missing.map(flagName).join(', ')} (give them as flags, use --preset or --answers, or --yes to take the defaults)`,
      );
    }
  }

  const answers: Record<string, string | boolean | string[]> = {};
  for (const o of OPTIONS as readonly OptionDecl[]) {
    if (o.key in given) {
      answers[o.key] = given[o.key]!;
      continue;
    }
    const fallback: string | boolean | readonly string[] =
      o.type === 'string' ? o.default({ directory: input.cwd === undefined ? directory : resolvePath(input.cwd, directory), answers }) : o.default;
    const value = ask ? await askFor(ask, o, fallback) : fallback;
    const checked = checkValue(o, value);
    if (!checked.ok) {
      throw new UsageError(
        o.type === 'string' && !ask
          ? `cannot derive a valid ${o.key} from directory "${directory}" (${checked.error}); pass --${o.key} <${o.valueName}>`
          : checked.error,
      );
    }
    answers[o.key] = checked.value;
  }
  return { directory, answers: answers as Answers };
}

async function askFor(p: Prompter, o: OptionDecl, fallback: string | boolean | readonly string[]): Promise<string | boolean | string[]> {
  switch (o.type) {
    case 'list':
      return p.checkbox({
        message: o.prompt,
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
