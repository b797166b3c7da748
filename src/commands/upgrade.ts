import { UsageError } from '../errors.js';
import type { Prompter } from '../options/resolve.js';
import type { Generator } from '../render/render.js';
import type { Ui } from '../ui/messages.js';
import { ExitCode } from '../upgrade/exit.js';
import type { TemplateSource } from '../upgrade/release.js';
import { upgrade, type UpgradeResult } from '../upgrade/upgrade.js';

/** What `create-service upgrade` takes from the command line. */
export interface UpgradeCommand {
  cwd: string;
  sets: string[];
  dryRun: boolean;
  yes: boolean;
  continue: boolean;
  abort: boolean;
  force: boolean;
  /** Changes to the recorded answers (`--answers`, `add`, `remove`), see UpgradeContext.edit. */
  edit?: (recorded: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** `--allow-data-loss`: schema changes may drop columns and tables. */
  allowDataLoss?: boolean;
  /** Run `go build ./...` after a finished upgrade (`--no-build` turns it off). */
  build: boolean;
  interactive: boolean;
  prompter: Prompter;
  ui: Ui;
  stdout: NodeJS.WritableStream;
  templates: TemplateSource;
  generator: Generator;
}

/**
 * `create-service upgrade [--set k=v ...] [--dry-run] [--yes] [--continue | --abort] [--force]`.
 * Exit 0 when done (or nothing to do), 1 when it stopped with conflicts or the result does not build, 2 for bad input.
 */
export async function upgradeCommand(cmd: UpgradeCommand): Promise<UpgradeResult> {
  if (cmd.continue && cmd.abort) throw new UsageError('--continue and --abort cannot be combined');
  const result = await upgrade({
    cwd: cmd.cwd,
    templates: cmd.templates,
    generator: cmd.generator,
    sets: cmd.sets,
    yes: cmd.yes,
    interactive: cmd.interactive,
    prompter: cmd.prompter,
    dryRun: cmd.dryRun,
    force: cmd.force,
    build: cmd.build,
    ...(cmd.edit ? { edit: cmd.edit } : {}),
    allowDataLoss: cmd.allowDataLoss === true,
    action: cmd.abort ? 'abort' : cmd.continue ? 'continue' : 'start',
    ui: cmd.ui,
    stdout: cmd.stdout,
  });
  if (result.status === 'conflicts' || result.build === 'failed') throw new ExitCode(1);
  return result;
}
