import { answersSchema, describeOptions, fileFlags, PRESETS, type RawAnswers } from '../options/model.js';

/**
 * `create-service options [--json] [--schema] [--answers FILE]`: every option
 * with its key, flag, type, choices, default and description; --schema prints
 * the JSON Schema of the answers file instead, and --answers the flags that
 * give the same answers as that (already checked) file, on one line.
 */
export function printOptions(out: NodeJS.WritableStream, opts: { json: boolean; schema: boolean; answers?: RawAnswers }): void {
  if (opts.answers) {
    out.write(`${fileFlags(opts.answers)}\n`);
    return;
  }
  if (opts.schema) {
    out.write(`${JSON.stringify(answersSchema(), null, 2)}\n`);
    return;
  }
  const options = describeOptions();
  if (opts.json) {
    out.write(`${JSON.stringify(options, null, 2)}\n`);
    return;
  }
  for (const o of options) {
    const values = o.choices ? o.choices.join(' | ') : o.excludes ? 'spec (repeatable)' : o.type;
    const shown = o.excludes ? `none (one --${o.excludes})` : String(o.default);
    out.write(`${o.flag.padEnd(14)} ${values.padEnd(30)} default: ${shown}\n  ${o.description}\n`);
  }
  out.write('\npresets (--preset):\n');
  for (const [name, p] of Object.entries(PRESETS)) out.write(`  ${name.padEnd(9)} ${p.description}\n`);
}
