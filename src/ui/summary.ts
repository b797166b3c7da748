import { OPTIONS, type Answers, type OptionDecl } from '../options/model.js';

/**
 * The resolved answers as rows of a two-column table, in model order, with
 * the file count last: what the summary before writing and --dry-run show.
 */
export function summaryRows(answers: Answers, files: number, directory: string): string[] {
  const view = answers as unknown as Record<string, string | boolean | readonly string[]>;
  const rows: [string, string][] = (OPTIONS as readonly OptionDecl[])
    .filter((o) => view[o.key] !== undefined)
    .map((o) => {
      // resources: their names.
      const v = o.type === 'resources' ? (view[o.key] as unknown as { name: string }[]).map((r) => r.name) : view[o.key];
      return [o.key, Array.isArray(v) ? (v.length === 0 ? 'none' : v.join(', ')) : typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)];
    });
  rows.push(['files', `${files} in ${directory}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}
