import type { Generator } from '../render/render.js';
import type { Ui } from '../ui/messages.js';
import { checkProject } from '../upgrade/check.js';
import { ExitCode } from '../upgrade/exit.js';
import type { TemplateSource } from '../upgrade/release.js';

/**
 * `create-service check`: one line on stdout per reason the project is not a
 * clean, current generated project (two migrations sharing a goose version:
 * one line per version, naming the files), and exit 1; exit 0 (and a note on
 * stderr) when there is none.
 */
export async function checkCommand(cmd: { cwd: string; ui: Ui; stdout: NodeJS.WritableStream; templates: TemplateSource; generator: Generator }): Promise<void> {
  const { reasons } = await checkProject(cmd);
  if (reasons.length === 0) {
    cmd.ui.done(`up to date with ${cmd.generator.name} ${cmd.generator.version}: no conflicts, no edited generated-only files, no duplicate migration versions, no unfinished upgrade`);
    return;
  }
  for (const r of reasons) cmd.stdout.write(`${r.message}\n`);
  throw new ExitCode(1);
}
