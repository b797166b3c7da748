import { confirm, input, select } from '@inquirer/prompts';
import { Command, CommanderError, Option } from 'commander';
import { create } from './commands/create.js';
import { printOptions } from './commands/options.js';
import { CancelledError, UsageError } from './errors.js';
import { OPTIONS, PRESETS, type OptionDecl, type RawAnswers } from './options/model.js';
import { isInteractive, type Prompter } from './options/resolve.js';
import { GENERATOR, TEMPLATES_DIR } from './paths.js';
import { colorWanted, createUi, type Ui } from './ui/messages.js';

/** The real prompter: @inquirer/prompts on the terminal. */
const inquirer: Prompter = {
  input: (q) => input(q),
  select: (q) => select(q),
  confirm: (q) => confirm(q),
};

/** Commander flags for one option declaration; booleans get `--x` and `--no-x`. */
function flagsFor(o: OptionDecl): Option[] {
  switch (o.type) {
    case 'boolean':
      return [
        new Option(`--${o.key}`, `${o.description} (default: ${o.default ? 'on' : 'off'})`),
        new Option(`--no-${o.key}`, `turn off: ${o.key}`),
      ];
    case 'choice':
      return [new Option(`--${o.key} <${o.valueName}>`, `${o.description}: ${o.choices.map((c) => c.value).join(' | ')} (default: ${o.default})`)];
    case 'string':
      return [new Option(`--${o.key} <${o.valueName}>`, o.description)];
  }
}

/** Builds the commander program. `ui` receives progress; stdout receives machine-readable output. */
export function buildProgram(io: { ui: Ui; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string; env: NodeJS.ProcessEnv; stdinIsTTY: boolean }): Command {
  const program = new Command('create-service')
    .description('Generate a production-grade Go microservice: layered, pooled, resilient, observable, tested.')
    .argument('[directory]', 'where to create the service (must be empty or missing unless --force)')
    .version(GENERATOR.version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showSuggestionAfterError(true);

  for (const o of OPTIONS as readonly OptionDecl[]) for (const f of flagsFor(o)) program.addOption(f);
  program
    .addOption(new Option('--preset <preset>', `a named set of answers: ${Object.keys(PRESETS).join(' | ')}; explicit flags override it`))
    .addOption(new Option('--answers <file>', 'JSON answers file (keys as in `options --json`); explicit flags override it'))
    .option('-y, --yes', 'never prompt: take defaults for everything not given')
    .option('--dry-run', 'print the files that would be written (path, bytes); write nothing')
    .option('--force', 'allow a non-empty directory (writes over generated paths only, deletes nothing)')
    .option('--no-install', 'skip `go mod tidy` after generation')
    .option('--no-git', 'skip `git init` and the first commit')
    .option('--no-color', 'no colour in output (also when NO_COLOR is set)')
    .action(async (directory: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const flags: RawAnswers = {};
      for (const o of OPTIONS as readonly OptionDecl[]) {
        if (cmd.getOptionValueSource(o.key) === 'cli') flags[o.key] = opts[o.key] as string | boolean;
      }
      const yes = Boolean(opts.yes);
      await create({
        cwd: io.cwd,
        directory,
        flags,
        answersPath: opts.answers as string | undefined,
        preset: opts.preset as string | undefined,
        yes,
        interactive: isInteractive({ stdinIsTTY: io.stdinIsTTY, env: io.env, yes }),
        prompter: inquirer,
        dryRun: Boolean(opts.dryRun),
        force: Boolean(opts.force),
        install: opts.install !== false,
        git: opts.git !== false,
        ui: io.ui,
        stdout: io.stdout,
        templatesDir: TEMPLATES_DIR,
        generator: GENERATOR,
      });
    });

  program
    .command('options')
    .description('list every option: key, flag, type, choices, default, description')
    .option('--json', 'as JSON')
    .option('--schema', 'the JSON Schema of the answers file')
    .action((opts: { json?: boolean; schema?: boolean }) => printOptions(io.stdout, { json: Boolean(opts.json), schema: Boolean(opts.schema) }));

  return program;
}

/**
 * Runs the CLI with `argv` (as process.argv) and returns the exit code:
 * 0 success, 1 failure, 2 usage error, 130 interrupted.
 */
export async function main(argv: string[]): Promise<number> {
  const ui = createUi({ stream: process.stderr, color: colorWanted(argv, process.env) });
  const program = buildProgram({
    ui,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    stdinIsTTY: Boolean(process.stdin.isTTY),
  });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError || err instanceof CancelledError) {
      ui.error(err.message);
      return err.exitCode;
    }
    if ((err as Error).name === 'ExitPromptError') {
      ui.error(new CancelledError().message);
      return 130;
    }
    ui.error((err as Error).message);
    if (process.env.CREATE_SERVICE_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
