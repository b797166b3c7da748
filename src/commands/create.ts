import { readFile } from 'node:fs/promises';
import { relative, resolve as resolvePath } from 'node:path';
import { CancelledError, UsageError } from '../errors.js';
import { contributions, type RawAnswers } from '../options/model.js';
import { checkAnswersFile, resolveAnswers, type Prompter } from '../options/resolve.js';
import { quickStart } from '../render/quickstart.js';
import { renderProject, type Generator } from '../render/render.js';
import { loadTemplates } from '../render/templates.js';
import { gitInit } from '../steps/git.js';
import { recordBase } from '../upgrade/base.js';
import { generateProto } from '../steps/generate.js';
import { goModTidy } from '../steps/gomod.js';
import { StepFailed, type StepResult } from '../steps/run.js';
import { ExitCode } from '../upgrade/exit.js';
import type { Ui } from '../ui/messages.js';
import { summaryRows } from '../ui/summary.js';
import { checkTarget, inspectTarget, inspectTargetSync, writeProject } from '../write/write.js';

/** What `create-service [directory]` needs to run; tests build one with fakes. */
export interface CreateContext {
  cwd: string;
  directory?: string;
  flags: RawAnswers;
  answersPath?: string;
  preset?: string;
  yes: boolean;
  interactive: boolean;
  prompter: Prompter;
  dryRun: boolean;
  force: boolean;
  install: boolean;
  git: boolean;
  ui: Ui;
  /** Where --dry-run prints its file list. */
  stdout: NodeJS.WritableStream;
  templatesDir: string;
  generator: Generator;
}

/**
 * Generates a service: resolve answers → render in memory → write atomically
 * → optional `go mod tidy` and `git init`. Throws UsageError (exit 2) for bad
 * input before anything is written, CancelledError (exit 130) for Ctrl-C.
 */
export async function create(ctx: CreateContext): Promise<void> {
  if (ctx.directory !== undefined && !ctx.dryRun) {
    checkTarget(ctx.directory, await inspectTarget(relativeTo(ctx, ctx.directory)), ctx.force);
  }
  const answersFile = ctx.answersPath === undefined ? undefined : await readAnswersFile(relativeTo(ctx, ctx.answersPath), ctx.answersPath);
  const { directory, answers } = await withCancel(() =>
    resolveAnswers({
      directory: ctx.directory,
      cwd: ctx.cwd,
      flags: ctx.flags,
      answersFile,
      answersFileName: `answers file ${ctx.answersPath}`,
      preset: ctx.preset,
      yes: ctx.yes,
      interactive: ctx.interactive,
      prompter: ctx.prompter,
      wizard: true,
      checkDirectory: (d) => (ctx.dryRun ? true : targetProblem(d, relativeTo(ctx, d), ctx.force)),
    }),
  );
  const target = relativeTo(ctx, directory);
  if (!ctx.dryRun) checkTarget(directory, await inspectTarget(target), ctx.force);

  const templates = await loadTemplates(ctx.templatesDir, contributions(answers).templates);
  const files = renderProject(templates, answers, ctx.generator);

  if (ctx.dryRun || ctx.interactive) {
    ctx.ui.info('');
    for (const row of summaryRows(answers, files.length, directory)) ctx.ui.info(row);
    ctx.ui.info('');
  }
  if (ctx.dryRun) {
    for (const f of files) ctx.stdout.write(`${f.path}\t${Buffer.byteLength(f.content)}\n`);
    ctx.ui.info(`dry run: ${files.length} files would be written to ${directory}; nothing was written`);
    return;
  }
  if (ctx.interactive && !(await withCancel(() => ctx.prompter.confirm({ message: `Create ${answers.name} in ${directory}?`, default: true })))) {
    ctx.ui.warn('not created; nothing was written');
    throw new ExitCode(1);
  }

  await writeProject(target, files, { force: ctx.force });
  ctx.ui.done(`created ${answers.name} in ${directory} (${files.length} files)`);

  const proto = answers.transport !== 'http';
  const shown = shownPath(ctx.cwd, target);
  // A failed step leaves a complete project: say how to finish, go on with git, exit 1 at the end.
  const failed: string[] = [];
  const attempt = async (label: string, finish: string, work: () => Promise<StepResult>) => {
    try {
      report(ctx.ui, label, await ctx.ui.step(label, work));
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      failed.push(finish);
      ctx.ui.info('  the project is complete; the last lines of the output:');
      for (const l of err.tail) ctx.ui.info(`    ${l}`);
    }
  };
  // The generated gRPC code imports modules that tidy must see, so it comes first; tidy cannot succeed without it.
  if (ctx.install && proto) await attempt('buf generate', 'make generate', () => generateProto(target));
  if (ctx.install && failed.length === 0) await attempt('go mod tidy', 'go mod tidy', () => goModTidy(target));
  if (ctx.install && failed.length > 0 && !failed.includes('go mod tidy')) failed.push('go mod tidy');
  if (failed.length > 0) ctx.ui.info(`  finish with: ${shown === '.' ? '' : `cd ${shown} && `}${failed.join(' && ')}`);
  if (ctx.git) {
    report(ctx.ui, 'git init', await ctx.ui.step('git init', () => gitInit(target, `Initial commit from ${ctx.generator.name} ${ctx.generator.version}`)));
    // `upgrade` merges against this pristine render (go mod tidy has already changed go.mod on disk).
    await recordBase(target, files, `${ctx.generator.name} ${ctx.generator.version}`).catch((err: Error) =>
      ctx.ui.warn(`could not record the pristine render for \`create-service upgrade\` (${err.message}); upgrades may report files you change as conflicts`),
    );
  }
  nextSteps(ctx.ui, shown, quickStart(answers), ctx.install && failed.length === 0, proto);
  if (failed.length > 0) throw new ExitCode(1);
}

/** The target as a user would type it to get there: relative below cwd, else absolute. */
function shownPath(cwd: string, target: string): string {
  const rel = relative(cwd, target);
  return rel === '' ? '.' : rel.startsWith('..') ? target : rel;
}

/** Why the directory cannot be written to (the line checkTarget would throw), or true. */
function targetProblem(shown: string, dir: string, force: boolean): string | true {
  try {
    checkTarget(shown, inspectTargetSync(dir), force);
    return true;
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
}

function relativeTo(ctx: Pick<CreateContext, 'cwd'>, p: string): string {
  return resolvePath(ctx.cwd, p);
}

/** Reads and checks an answers file (`shown` is how error lines name it). Throws UsageError. */
export async function readAnswersFile(path: string, shown: string): Promise<RawAnswers> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UsageError(`answers file ${shown} does not exist (looked for ${path}); \`create-service options --schema\` prints the keys it may hold`);
    }
    const why = code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new UsageError(`cannot read answers file ${shown}: ${why}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the file's text, new lines included; a usage error is one line.
    throw new UsageError(`answers file ${shown} is not valid JSON: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`);
  }
  return checkAnswersFile(data, shown);
}

/** Maps @inquirer/prompts' ExitPromptError (Ctrl-C) to CancelledError. */
async function withCancel<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError' || (err as Error).name === 'AbortPromptError') throw new CancelledError();
    throw err;
  }
}

function report(ui: Ui, label: string, r: StepResult): void {
  if (r.status === 'skipped') ui.warn(`${label} skipped: ${r.reason}`);
}

/** Prints the README's Quick start commands, after `cd` and whatever the install left to do. */
function nextSteps(ui: Ui, dir: string, steps: string[], installed: boolean, proto: boolean): void {
  ui.info('');
  ui.info(ui.color.bold('Next steps:'));
  if (dir !== '.') ui.info(`  cd ${dir}`);
  if (!installed && proto) ui.info('  make generate   # the gRPC code from api/proto (buf, run by go run)');
  if (!installed) ui.info('  go mod tidy');
  for (const step of steps) ui.info(`  ${step}`);
  ui.info('README.md has the same steps under Quick start, and what to try next.');
}
