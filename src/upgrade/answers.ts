import { UsageError } from '../errors.js';
import { checkValue, OPTIONS, optionByKey, type Answers, type OptionDecl, type RawAnswers } from '../options/model.js';
import { resolveAnswers, type Prompter } from '../options/resolve.js';
import type { ResourceSpec } from '../options/resources.js';
import { ANSWERS_SCHEMA_VERSION, resourceSpecs } from '../render/render.js';

/**
 * Parses `--set key=value` arguments into raw answers, checking every key and
 * value against the option model before anything else happens. Booleans take
 * true/false (also on/off, yes/no, 1/0). Throws UsageError (exit 2).
 */
export function parseSets(sets: readonly string[]): RawAnswers {
  const out: RawAnswers = {};
  const keys = (OPTIONS as readonly OptionDecl[]).map((o) => o.key).join(', ');
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got "${s}" (keys: ${keys})`);
    const key = s.slice(0, eq).trim();
    const text = s.slice(eq + 1).trim();
    const o = optionByKey(key);
    if (!o) throw new UsageError(`--set: unknown option "${key}" (valid: ${keys})`);
    let value: string | boolean = text;
    if (o.type === 'boolean') {
      const b = { true: true, on: true, yes: true, '1': true, false: false, off: false, no: false, '0': false }[text.toLowerCase()];
      if (b === undefined) throw new UsageError(`--set ${key}: invalid value "${text}" (expected true or false)`);
      value = b;
    }
    const checked = checkValue(o, value);
    if (!checked.ok) throw new UsageError(`--set ${key}: ${checked.error}`);
    out[key] = checked.value;
  }
  return out;
}

/** The answers an upgrade renders with, and what changed on the way. */
export interface UpgradeAnswers {
  answers: Answers;
  /** Recorded keys this version no longer knows (dropped). */
  dropped: string[];
  /** Options this version added (prompted for, or defaulted). */
  added: string[];
}

/**
 * The answers of an upgrade: the recorded ones, overridden by `--set`, with
 * options added since the recorded version asked for at a terminal or
 * defaulted otherwise (under --yes or CI). A recorded value this version
 * rejects must be replaced with --set. Throws UsageError.
 */
export async function upgradeAnswers(input: {
  recorded: Readonly<Record<string, unknown>>;
  answersSchemaVersion: number;
  sets: RawAnswers;
  directory: string;
  yes: boolean;
  interactive: boolean;
  prompter?: Prompter;
}): Promise<UpgradeAnswers> {
  if (input.answersSchemaVersion > ANSWERS_SCHEMA_VERSION) {
    throw new UsageError(`the recorded answers have schema version ${input.answersSchemaVersion}, newer than this create-service reads; use a newer create-service`);
  }
  const recorded: RawAnswers = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(input.recorded)) {
    const o = optionByKey(key);
    if (!o) {
      dropped.push(key);
      continue;
    }
    if (key in input.sets) continue;
    const checked = checkValue(o, value);
    if (!checked.ok) throw new UsageError(`recorded answer ${key}=${JSON.stringify(value)} is no longer valid (${checked.error}); choose one with --set ${key}=<value>`);
    recorded[key] = checked.value;
  }
  // `resources` is absent by design when a project has the single example resource: not a new option.
  const added = (OPTIONS as readonly OptionDecl[])
    .filter((o) => o.type !== 'resources')
    .map((o) => o.key)
    .filter((k) => !(k in input.recorded) && !(k in input.sets));
  const { answers } = await resolveAnswers({
    directory: input.directory,
    flags: input.sets,
    flagStyle: 'set',
    base: recorded,
    yes: input.yes || !input.interactive,
    interactive: input.interactive && !input.yes,
    prompter: input.prompter,
  });
  return { answers, dropped, added };
}

/** `cache: redis → none, tracing: true → false`; empty when nothing changed. */
export function describeAnswerChanges(from: Readonly<Record<string, unknown>>, to: Answers): string {
  const view = to as unknown as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined ? '(new)' : Array.isArray(v) ? (v.length === 0 ? 'none' : v.join(',')) : String(v));
  return (OPTIONS as readonly OptionDecl[])
    .filter((o) => JSON.stringify(from[o.key]) !== JSON.stringify(view[o.key]))
    .map((o) =>
      o.type === 'resources'
        ? `resources: ${resourcesChange(resourceSpecs(from as unknown as Answers), resourceSpecs(to))}`
        : `${o.key}: ${show(from[o.key])} → ${show(view[o.key])}`,
    )
    .join(', ');
}

/** `+customer, order +note -legacy`: resources added or removed, and the fields added or removed per resource. */
function resourcesChange(before: readonly ResourceSpec[], after: readonly ResourceSpec[]): string {
  const parts: string[] = [];
  for (const r of before) if (!after.some((a) => a.name === r.name)) parts.push(`-${r.name}`);
  for (const r of after) {
    const old = before.find((b) => b.name === r.name);
    if (!old) {
      parts.push(`+${r.name}`);
      continue;
    }
    const fields = [
      ...r.fields.filter((f) => !old.fields.some((o) => o.name === f.name)).map((f) => `+${f.name}`),
      ...old.fields.filter((f) => !r.fields.some((n) => n.name === f.name)).map((f) => `-${f.name}`),
      ...r.fields.filter((f) => old.fields.some((o) => o.name === f.name && JSON.stringify(o) !== JSON.stringify(f))).map((f) => `~${f.name}`),
    ];
    if (fields.length > 0) parts.push(`${r.name} ${fields.join(' ')}`);
  }
  return parts.length > 0 ? parts.join(', ') : 'unchanged';
}
