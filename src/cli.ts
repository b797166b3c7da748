import { checkbox, confirm, input, select } from '@inquirer/prompts';
import { Command, CommanderError, Option } from 'commander';
import { resolve as resolvePath } from 'node:path';
import { addField, addResource, removeField, withAnswersFile } from './commands/add.js';
import { create, readAnswersFile } from './commands/create.js';
import { printOptions } from './commands/options.js';
import { checkCommand } from './commands/check.js';
import { diffCommand } from './commands/diff.js';
import { upgradeCommand, type UpgradeCommand } from './commands/upgrade.js';
import { CancelledError, UsageError } from './errors.js';
import { OPTIONS, PRESETS, type OptionDecl, type RawAnswers } from './options/model.js';
import { ciSet, isInteractive, type Prompter } from './options/resolve.js';
import { GENERATOR, TEMPLATES_DIR } from './paths.js';
import { colorWanted, createUi, type Ui } from './ui/messages.js';
import { ExitCode } from './upgrade/exit.js';

/** The real prompter: @inquirer/prompts on the terminal. */
const inquirer: Prompter = {
  input: (q) => input(q),
  select: (q) => select(q),
  confirm: (q) => confirm(q),
  checkbox: ({ validate, ...q }) => checkbox({ ...q, ...(validate ? { validate: (choices) => validate(choices.map((c) => c.value)) } : {}) }),
};

/** Commander flags for one option declaration; booleans get `--x` and `--no-x`. The help states the dependency rules. */
function flagsFor(o: OptionDecl): Option[] {
  const rules = [
    ...(o.type === 'choice' ? (o.defaultWhen ?? []).map((d) => `${d.value} with --${d.when.key} ${d.when.anyOf.join(' or ')}`) : []),
    ...(o.needs ? [`needs --${o.needs.key} ${o.needs.anyOf.join(' or ')}`] : []),
    ...(o.type === 'choice' || o.type === 'list'
      ? o.choices.filter((c) => c.needs).map((c) => `${c.value} needs ${c.needs!.key === o.key ? '' : `--${c.needs!.key} `}${c.needs!.anyOf.join(' or ')}`)
      : []),
  ];
  const dflt = (text: string) => `(default: ${[text, ...rules].join('; ')})`;
  switch (o.type) {
    case 'boolean':
      return [
        new Option(`--${o.key}`, `${o.description} ${dflt(o.default ? 'on' : 'off')}`),
        new Option(`--no-${o.key}`, `turn off: ${o.key}`),
      ];
    case 'choice':
      return [new Option(`--${o.key} <${o.valueName}>`, `${o.description}: ${o.choices.map((c) => c.value).join(' | ')} ${dflt(o.default)}`)];
    case 'list':
      return [
        new Option(
          `--${o.key} <${o.valueName}>`,
          `${o.description}: comma list of ${o.choices.map((c) => c.value).join(', ')}, or none ${dflt(o.default.join(','))}`,
        ),
      ];
    case 'string':
      return [new Option(`--${o.key} <${o.valueName}>`, o.description)];
    case 'resources':
      return [
        new Option(`${o.flag} <${o.valueName}>`, `${o.description} (repeatable; excludes --${o.excludes.key})`).argParser((v: string, prev: string[] = []) => [...prev, v]),
      ];
  }
}

/** The commander attribute that holds an option's flag value (`resourceSpec` for --resource-spec). */
function attributeOf(o: OptionDecl): string {
  return flagsFor(o)[0]!.attributeName();
}

/** Builds the commander program. `ui` receives progress; stdout receives machine-readable output. */
export function buildProgram(io: { ui: Ui; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; cwd: string; env: NodeJS.ProcessEnv; stdinIsTTY: boolean }): Command {
  const program = new Command('create-service')
    .description('Generate a production-grade Go microservice: layered, pooled, resilient, observable, tested.')
    .argument('[directory]', 'where to create the service (must be empty or missing unless --force)')
    .version(GENERATOR.version, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s) => io.ui.error(usageLine(s, 'create-service')),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    // Options after a subcommand's name belong to the subcommand (`upgrade --dry-run`).
    .enablePositionalOptions();

  for (const o of OPTIONS as readonly OptionDecl[]) for (const f of flagsFor(o)) program.addOption(f);
  program
    .addOption(new Option('--preset <preset>', `a named set of answers: ${Object.keys(PRESETS).join(' | ')}; explicit flags override it`))
    .addOption(new Option('--answers <file>', 'JSON answers file (keys as in `options --json`); explicit flags override it'))
    .option('-y, --yes', 'never prompt: take defaults for everything not given')
    .option('--dry-run', 'print the files that would be written (path, bytes); write nothing')
    .option('--force', 'allow a non-empty directory (writes over generated paths only, deletes nothing)')
    .option('--no-install', 'skip `go mod tidy` (and `buf generate` for gRPC) after generation')
    .option('--no-git', 'skip `git init` and the first commit')
    .option('--no-color', 'no colour in output (also when NO_COLOR is set)')
    .action(async (directory: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      if (directory === 'help' && !opts.force) {
        cmd.outputHelp();
        return;
      }
      // A mistyped subcommand is not a directory name (`create-service upgrdae`), unless the user insists.
      const near = directory !== undefined && !opts.force ? nearestCommand(directory, [...cmd.commands.map((c) => c.name()), 'help']) : undefined;
      if (near !== undefined) {
        throw new UsageError(
          `unknown command "${directory}" (did you mean \`${near === 'help' ? '--help' : near}\`?); to create a service in a directory of that name, pass --force or write ./${directory}; see \`create-service --help\``,
        );
      }
      const flags: RawAnswers = {};
      for (const o of OPTIONS as readonly OptionDecl[]) {
        const attribute = attributeOf(o);
        if (cmd.getOptionValueSource(attribute) === 'cli') flags[o.key] = opts[attribute] as string | boolean | string[];
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
    .option('--answers <file>', 'print the flags that give the same answers as this answers file (resources in the --resource-spec form)')
    .action(async (opts: { json?: boolean; schema?: boolean; answers?: string }) =>
      printOptions(io.stdout, {
        json: Boolean(opts.json),
        schema: Boolean(opts.schema),
        ...(opts.answers === undefined ? {} : { answers: await readAnswersFile(resolvePath(io.cwd, opts.answers), opts.answers) }),
      }),
    );

  const where = (opts: { cwd?: string }) => (opts.cwd === undefined ? io.cwd : resolvePath(io.cwd, opts.cwd));
  const cwdOption = () => new Option('--cwd <dir>', 'run in this generated project instead of the current directory');
  // What upgrade, add and remove share: the options of an upgrade run, and how they become an UpgradeCommand.
  const upgradeOptions = (c: Command, withSet: boolean) => {
    if (withSet) c.addOption(new Option('--set <key=value>', 'change an answer (repeatable), e.g. --set cache=none').argParser((v: string, prev: string[] = []) => [...prev, v]));
    return c
      .option('--dry-run', 'print the per-file plan and the diff; write nothing')
      .option('-y, --yes', 'never prompt: default new options, apply without asking')
      .option('--force', 'start even with uncommitted changes or without git (not recommended)')
      .option('--no-build', 'skip `go build ./...` after a finished upgrade (it reports what no longer compiles)')
      .addOption(cwdOption())
      .option('--no-color', 'no colour in output (also when NO_COLOR is set)');
  };
  const upgradeCmd = (opts: Record<string, unknown>): UpgradeCommand => {
    const yes = Boolean(opts.yes);
    return {
      cwd: where(opts),
      sets: (opts.set as string[] | undefined) ?? [],
      dryRun: Boolean(opts.dryRun),
      yes,
      continue: Boolean(opts.continue),
      abort: Boolean(opts.abort),
      force: Boolean(opts.force),
      build: opts.build !== false,
      allowDataLoss: Boolean(opts.allowDataLoss),
      interactive: isInteractive({ stdinIsTTY: io.stdinIsTTY, env: io.env, yes }),
      prompter: inquirer,
      ui: io.ui,
      stdout: io.stdout,
      templates: TEMPLATES_DIR,
      generator: GENERATOR,
    };
  };
  const dataLoss = () => new Option('--allow-data-loss', 'allow schema changes that drop columns or tables (their data is lost)');
  upgradeOptions(
    program.command('upgrade').description('re-render with this version and the recorded answers (plus --answers, --set), merging with your edits'),
    true,
  )
    .option('--answers <file>', 'change the recorded answers to this answers file\'s (e.g. edited resources), then --set')
    .addOption(dataLoss())
    .option('--continue', 'finish an upgrade that stopped with conflicts (refuses while markers remain)')
    .option('--abort', 'undo an unfinished upgrade: restore the tree exactly as it was')
    .action(async (opts: Record<string, unknown>) => {
      const cmd = upgradeCmd(opts);
      if (typeof opts.answers === 'string') {
        const file = (await readAnswersFile(resolvePath(io.cwd, opts.answers), opts.answers)) as Record<string, unknown>;
        cmd.edit = (recorded) => withAnswersFile(recorded, file);
      }
      await upgradeCommand(cmd);
    });

  const add = program.command('add').description('add a resource or a field: records it and upgrades (a new migration, your edits merged)');
  upgradeOptions(add.command('resource').description('add resources, in the --resource-spec form').argument('<spec>', "e.g. 'order:customer_id=ref(customer),total_cents=int(min=0)'"), false).action(
    async (spec: string, opts: Record<string, unknown>) => {
      await addResource(upgradeCmd(opts), spec);
    },
  );
  upgradeOptions(
    add.command('field').description('add fields to a resource').argument('<resource>', 'the resource, singular').argument('<fields>', "e.g. 'note=text(optional)' or 'priority=int(default=3)'"),
    false,
  ).action(async (resource: string, fields: string, opts: Record<string, unknown>) => {
    await addField(upgradeCmd(opts), resource, fields);
  });
  const remove = program.command('remove').description('remove a field: records it and upgrades (a new migration drops the column)');
  upgradeOptions(remove.command('field').description('remove a field of a resource').argument('<resource>', 'the resource, singular').argument('<field>', 'the field'), false)
    .addOption(dataLoss())
    .action(async (resource: string, field: string, opts: Record<string, unknown>) => {
      await removeField(upgradeCmd(opts), resource, field);
    });

  program
    .command('check')
    .description('for CI: exit 1 when an update is available, conflicts remain, a generated-only file was edited, two migrations share a version, or an upgrade is unfinished')
    .addOption(cwdOption())
    .option('--no-color', 'no colour in output (also when NO_COLOR is set)')
    .action((opts: { cwd?: string }) => checkCommand({ cwd: where(opts), ui: io.ui, stdout: io.stdout, templates: TEMPLATES_DIR, generator: GENERATOR }));

  program
    .command('diff')
    .description('your changes to generated files, against their pristine render')
    .argument('[path]', 'a generated file or folder')
    .addOption(cwdOption())
    .option('--no-color', 'no colour in output (also when NO_COLOR is set)')
    .action((path: string | undefined, opts: { cwd?: string }) =>
      diffCommand({ cwd: where(opts), path, ui: io.ui, stdout: io.stdout, templates: TEMPLATES_DIR, generator: GENERATOR }),
    );

  // Subcommands inherit the output settings; their errors point at their own --help.
  const configure = (c: Command, path: string): void => {
    c.configureOutput({ outputError: (s) => io.ui.error(usageLine(s, `create-service ${path}`)) });
    for (const sub of c.commands) configure(sub, `${path} ${sub.name()}`);
  };
  for (const c of program.commands) configure(c, c.name());
  return program;
}

/**
 * Commander's error text as our one usage line: `unknown option '--routr'
 * (did you mean --router?); see \`create-service --help\``.
 */
function usageLine(text: string, command: string): string {
  const s = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\(Did you mean/, '(did you mean');
  return `${s}; see \`${command} --help\``;
}

/**
 * The command a bare word is a near miss of: within one edit (two for words
 * of five letters or more), a swap of neighbours counting as one edit.
 */
export function nearestCommand(word: string, commands: readonly string[]): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/i.test(word)) return undefined;
  const limit = word.length >= 5 ? 2 : 1;
  let best: { name: string; d: number } | undefined;
  for (const name of commands) {
    const d = editDistance(word.toLowerCase(), name);
    if (d > 0 && d <= limit && (best === undefined || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Runs the CLI with `argv` (as process.argv) and returns the exit code:
 * 0 success, 1 failure, 2 usage error, 130 interrupted.
 */
export async function main(argv: string[]): Promise<number> {
  exitQuietlyWhenStdoutCloses(process.stdout);
  const ui = createUi({ stream: process.stderr, color: colorWanted(argv, process.env), ci: ciSet(process.env) });
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
    if (err instanceof ExitCode) return err.exitCode;
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message (through usageLine).
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

/**
 * Makes a closed stdout end the process quietly with 0, as a Unix filter
 * does when its reader goes away (`create-service --dry-run | head`): stdout
 * only carries listings, so once nobody reads them there is nothing left to
 * report, and nothing has been written to disk by then.
 */
function exitQuietlyWhenStdoutCloses(stdout: NodeJS.WriteStream): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}
