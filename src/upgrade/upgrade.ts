import { access, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CancelledError, UsageError } from '../errors.js';
import type { Answers } from '../options/model.js';
import { diffSchemas } from '../options/schema-diff.js';
import type { Prompter } from '../options/resolve.js';
import { resourceSpecs, serializeState, STATE_PATH, type Generator } from '../render/render.js';
import { generateProto } from '../steps/generate.js';
import { brokenFiles, goBuild } from '../steps/gobuild.js';
import { StepFailed } from '../steps/run.js';
import type { Ui } from '../ui/messages.js';
import { describeAnswerChanges, parseSets, upgradeAnswers } from './answers.js';
import { abortUpgrade, applyWrites, backupDir, backupOf, finishUpgrade, REPORT_PATH, withoutJournal, writeState, type ApplyHooks, type FileWrite } from './apply.js';
import { baseRefs, storeRender } from './base.js';
import { dirtyPaths, findRepo, type Repo } from './git.js';
import { compareSemver } from './gomod.js';
import { hasConflictMarkers, runMerges, type MergeLabels } from './merge.js';
import { conflictLine, conflictsOf, formatPlan, reportMarkdown, summarize } from './messages.js';
import { unifiedDiff } from './patch.js';
import { planUpgrade, type Step, type TheirFile } from './plan.js';
import { loadBase, missingBase } from './pristine.js';
import { renderForProject, takenVersions, withCreatedTables, withSchemaChange } from './migrations.js';
import { renderedState, renderRelease, type TemplateSource } from './release.js';
import { findProject, readState, type Conflict, type InProgress, type State } from './state.js';
import { toLf } from './text.js';
import { readAllOurs, readOurs, treeEol, type OurFile } from './tree.js';

/** What `create-service upgrade` needs; tests pass temp template sets, a fixed generator and hooks. */
export interface UpgradeContext {
  /** Where the command runs: the project or a folder inside it. */
  cwd: string;
  /** This release's templates (templates/ of the package, or a loader). */
  templates: TemplateSource;
  /** This release: name and version recorded after the upgrade. */
  generator: Generator;
  /** `--set key=value`, as typed. */
  sets: readonly string[];
  yes: boolean;
  /** Prompts allowed (a TTY, not CI, no --yes). */
  interactive: boolean;
  prompter?: Prompter;
  dryRun: boolean;
  /** Allow a dirty tree (or no git at all). */
  force: boolean;
  action: 'start' | 'continue' | 'abort';
  /**
   * Changes the recorded answers before --set applies (`upgrade --answers`,
   * `add resource`, `add field`, `remove field`); the result is checked like any answers.
   */
  edit?: (recorded: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /** Allows schema changes that drop columns or tables (`--allow-data-loss`). */
  allowDataLoss?: boolean;
  /** After a finished upgrade, run `go build ./...` and report what no longer compiles. */
  build?: boolean;
  ui: Ui;
  /** Where --dry-run prints the plan and the diff. */
  stdout: NodeJS.WritableStream;
  hooks?: ApplyHooks;
}

export type UpgradeStatus = 'up-to-date' | 'upgraded' | 'conflicts' | 'dry-run' | 'aborted' | 'declined';

/** What a run did; the command turns it into an exit code (1 for conflicts). */
export interface UpgradeResult {
  status: UpgradeStatus;
  dir: string;
  steps: Step[];
  conflicts: Conflict[];
  /** `failed` when the finished upgrade does not compile (the command then exits 1). */
  build?: 'ok' | 'failed' | 'skipped';
}

/**
 * `create-service upgrade`: re-renders the project with this release and the
 * recorded answers (plus --set), merges three-way with the user's files, and
 * writes the result through a journal; or, with --continue / --abort,
 * finishes or undoes an upgrade that stopped. Throws UsageError (exit 2,
 * nothing written) for bad input.
 */
export async function upgrade(ctx: UpgradeContext): Promise<UpgradeResult> {
  if (ctx.action !== 'start' && (ctx.sets.length > 0 || ctx.dryRun || ctx.edit)) {
    throw new UsageError(`--${ctx.action} takes no --set or --dry-run; it ${ctx.action === 'abort' ? 'undoes' : 'finishes'} the upgrade as it was started`);
  }
  const sets = parseSets(ctx.sets);
  const dir = await findProject(ctx.cwd);
  const state = await readState(dir);
  const repo = await findRepo(dir);

  if (ctx.action === 'abort') return abort(ctx, dir, repo, state);
  if (ctx.action === 'continue') return resume(ctx, dir, repo, state);
  if (state.inProgress) {
    throw new UsageError(
      `an upgrade to ${state.inProgress.to.generator.name} ${state.inProgress.to.generator.version} is unfinished; run \`create-service upgrade --continue\` to finish it or \`--abort\` to undo it`,
    );
  }
  checkGenerator(state.generator, ctx.generator);
  if (!ctx.dryRun) await checkClean(ctx, dir, repo);
  const recorded = state.answers as unknown as Record<string, unknown>;
  const resolved = await upgradeAnswers({
    recorded: ctx.edit ? ctx.edit(recorded) : recorded,
    answersSchemaVersion: state.answersSchemaVersion,
    sets,
    directory: dir,
    yes: ctx.yes,
    interactive: ctx.interactive,
    prompter: ctx.prompter,
  });
  if (resolved.dropped.length > 0) ctx.ui.warn(`recorded answers this version no longer has were dropped: ${resolved.dropped.join(', ')}`);
  return run(ctx, dir, repo, state, resolved.answers);
}

async function run(ctx: UpgradeContext, dir: string, repo: Repo | undefined, state: State, answers: Answers): Promise<UpgradeResult> {
  const before = resourceSpecs(state.answers);
  const schema = diffSchemas(before, resourceSpecs(answers), { allowDataLoss: ctx.allowDataLoss === true });
  if (schema.problems.length > 0) throw new UsageError(schema.problems.join('\n'));
  let rendered = await renderForProject(dir, ctx.templates, answers, ctx.generator, withCreatedTables(state.migrations, before, schema.changes));
  if (schema.changes.length > 0 && answers.db === 'postgres') {
    // The ALTERs run after any table this upgrade creates (a new ref may point at it).
    const ledger = withSchemaChange(renderedState(rendered).migrations, schema.changes, await takenVersions(dir));
    rendered = await renderRelease(ctx.templates, answers, ctx.generator, ledger);
  }
  const next = renderedState(rendered);
  const theirs = new Map<string, TheirFile>(
    rendered.filter((f) => f.path !== STATE_PATH).map((f) => [f.path, { content: f.content, perm: f.mode, policy: f.policy ?? 'merge' }]),
  );
  const base = await loadBase(dir, repo, state, ctx.templates, ctx.generator);
  const ours = await readAllOurs(dir, new Set([...base.keys(), ...theirs.keys()]));
  const changes = describeAnswerChanges(state.answers as unknown as Record<string, unknown>, answers);
  const labels: MergeLabels = {
    base: `${state.generator.name} ${state.generator.version}`,
    theirs: `${ctx.generator.name} ${ctx.generator.version}${changes && state.generator.version === ctx.generator.version ? ` (${changes})` : ''}`,
  };
  const steps = await runMerges(planUpgrade({ base, theirs, ours, eol: treeEol(ours.values()) }), labels);
  const conflicts = conflictsOf(steps);
  const from = `${state.generator.name} ${state.generator.version}`;
  const to = `${ctx.generator.name} ${ctx.generator.version}`;
  const missing = new Set(missingBase(base));
  const blind = steps.filter((s) => s.kind === 'conflict' && missing.has(s.path)).map((s) => s.path);
  if (blind.length > 0) {
    ctx.ui.warn(
      `the pristine ${from} of ${blind.length} file${blind.length === 1 ? '' : 's'} is not available (${shortList(blind)}): ${blind.length === 1 ? 'it is' : 'they are'} reported as conflicts, never overwritten; \`git fetch origin 'refs/create-service/*:refs/create-service/*'\` brings ${blind.length === 1 ? 'it' : 'them'} back`,
    );
  }

  if (ctx.dryRun) {
    ctx.stdout.write(`upgrade plan: ${from} → ${to}${changes ? ` (${changes})` : ''}\n`);
    ctx.stdout.write(formatPlan(steps));
    for (const s of steps) ctx.stdout.write(stepDiff(s, ours.get(s.path)));
    ctx.ui.info(`dry run: ${summarize(steps)}; nothing was written`);
    return { status: 'dry-run', dir, steps, conflicts };
  }

  const writes = toWrites(steps, ours);
  const recorded = await readFile(join(dir, STATE_PATH), 'utf8');
  if (writes.length === 0 && serializeState(next) === toLf(recorded)) {
    ctx.ui.done(`already up to date with ${to}; nothing changed`);
    return { status: 'up-to-date', dir, steps, conflicts };
  }
  if (ctx.interactive && !ctx.yes && ctx.prompter) {
    ctx.ui.info(`${from} → ${to}${changes ? ` (${changes})` : ''}:`);
    for (const line of formatPlan(steps).trimEnd().split('\n')) ctx.ui.info(`  ${line}`);
    let go: boolean;
    try {
      go = await ctx.prompter.confirm({ message: 'Apply these changes?', default: true });
    } catch (err) {
      if ((err as Error).name === 'ExitPromptError') throw new CancelledError();
      throw err;
    }
    if (!go) {
      ctx.ui.info('upgrade declined; nothing was written');
      return { status: 'declined', dir, steps, conflicts };
    }
  }

  const skipped = steps.filter((s) => s.kind === 'skip-deleted').map((s) => s.path);
  if (conflicts.length > 0) {
    writes.push({ path: REPORT_PATH, kind: 'write', content: reportMarkdown({ from, to, conflicts, skipped }), perm: 0o644 });
  }
  const pendingBase = repo ? await storeRender(dir, repo, baseRefs(repo).pending, rendered, `${to} for ${basename(dir)}`) : undefined;
  const journal = await applyWrites(
    dir,
    state,
    { from: { generator: state.generator, answers: state.answers }, to: { generator: ctx.generator, answers }, conflicts, next, ...(pendingBase ? { pendingBase } : {}) },
    writes,
    { backup: backupDir(dir, repo), hooks: ctx.hooks },
  );
  if (skipped.length > 0) ctx.ui.warn(`not recreated, as you deleted them (the new version changed them): ${shortList(skipped)}`);

  if (conflicts.length === 0) {
    await finishUpgrade(dir, repo, journal);
    ctx.ui.done(`upgraded to ${to}${changes ? ` (${changes})` : ''}: ${summarize(steps)}`);
    const generated = protoChanged(steps) ? await regenerate(ctx.ui, dir) : true;
    const build = await buildCheck(ctx, dir, [], ctx.generator);
    afterwards(ctx.ui, steps, generated);
    return { status: 'upgraded', dir, steps, conflicts, ...(build ? { build } : {}) };
  }
  await writeState(dir, { ...withoutJournal(state), inProgress: { ...journal, phase: 'conflicts' } });
  ctx.ui.warn(`upgrade to ${to}${changes ? ` (${changes})` : ''} stopped with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} (${summarize(steps)}):`);
  for (const c of conflicts) ctx.ui.warn(`  ${conflictLine(c)}`);
  ctx.ui.info(`Listed in ${REPORT_PATH}. Resolve them, then run \`create-service upgrade --continue\`; \`--abort\` restores the tree as it was.`);
  return { status: 'conflicts', dir, steps, conflicts };
}

async function resume(ctx: UpgradeContext, dir: string, repo: Repo | undefined, state: State): Promise<UpgradeResult> {
  const ip = state.inProgress;
  if (!ip) throw new UsageError('no upgrade is in progress; nothing to continue');
  if (ip.phase === 'writing') {
    // The run was interrupted while writing: go back to the pre-upgrade tree and run it again.
    if (ip.to.generator.name !== ctx.generator.name || ip.to.generator.version !== ctx.generator.version) {
      throw new UsageError(
        `the interrupted upgrade was to ${ip.to.generator.name} ${ip.to.generator.version}, but this is ${ctx.generator.version}; run \`create-service upgrade --abort\``,
      );
    }
    await requireBackup(dir, ip);
    await abortUpgrade(dir, repo, ip);
    ctx.ui.info('the interrupted upgrade was rolled back; running it again');
    return run(ctx, dir, repo, await readState(dir), ip.to.answers);
  }
  const left = await unresolved(dir, ip.conflicts);
  if (left.length > 0) throw new UsageError(`conflicts remain unresolved in ${shortList(left)}; resolve them first (or \`create-service upgrade --abort\`)`);
  await finishUpgrade(dir, repo, ip);
  ctx.ui.done(`upgrade to ${ip.to.generator.name} ${ip.to.generator.version} completed`);
  // Which files the conflicted run changed is not recorded: regenerate whenever the project has gRPC code.
  const generated = (await hasProto(dir)) ? await regenerate(ctx.ui, dir) : true;
  const kept = ip.conflicts.filter((c) => c.kind === 'modify/delete').map((c) => c.path);
  const build = await buildCheck(ctx, dir, kept, ip.to.generator);
  ctx.ui.info(
    `Review with \`git diff\`${generated ? '' : ', run `make generate` (the gRPC code is out of date)'}, run \`go mod tidy\` if go.mod changed, and commit (with .create-service/state.json).`,
  );
  return { status: 'upgraded', dir, steps: [], conflicts: [], ...(build ? { build } : {}) };
}

async function abort(ctx: UpgradeContext, dir: string, repo: Repo | undefined, state: State): Promise<UpgradeResult> {
  const ip = state.inProgress;
  if (!ip) throw new UsageError('no upgrade is in progress; nothing to abort');
  await requireBackup(dir, ip);
  await abortUpgrade(dir, repo, ip);
  ctx.ui.done('upgrade aborted: the project is exactly as it was before the upgrade started');
  return { status: 'aborted', dir, steps: [], conflicts: [] };
}

/** The conflicts of a journal that still need the user: files with markers, new versions not yet dealt with. */
export async function unresolved(dir: string, conflicts: readonly Conflict[]): Promise<string[]> {
  const left: string[] = [];
  for (const c of conflicts) {
    if (c.kind === 'content') {
      const o = await readOurs(dir, c.path);
      if (o.kind === 'file' && !o.binary && hasConflictMarkers(o.text!)) left.push(c.path);
    } else if (c.sidecar && (await readOurs(dir, c.sidecar)).kind !== 'absent') {
      left.push(c.sidecar);
    }
  }
  return left;
}

/** The backup exists wherever the journal does, unless the journal was copied (committed) elsewhere. */
async function requireBackup(dir: string, ip: InProgress): Promise<void> {
  if (!ip.touched.some((t) => t.existed)) return;
  if (await stat(backupOf(dir, ip)).then((s) => s.isDirectory(), () => false)) return;
  throw new UsageError(
    `the backup of this upgrade (${backupOf(dir, ip)}) is missing, so it cannot be undone here; restore the files with git (git checkout -- . && git clean -fd) instead`,
  );
}

function checkGenerator(recorded: Generator, running: Generator): void {
  if (recorded.name !== running.name) {
    throw new UsageError(`this project was generated by ${recorded.name}, not ${running.name}; upgrade it with ${recorded.name}`);
  }
  if (compareSemver(recorded.version, running.version) > 0) {
    throw new UsageError(
      `this project was generated by ${recorded.name} ${recorded.version}, newer than this one (${running.version}); run a newer ${recorded.name} (npx ${recorded.name}@${recorded.version} upgrade)`,
    );
  }
}

async function checkClean(ctx: UpgradeContext, dir: string, repo: Repo | undefined): Promise<void> {
  if (!repo) {
    if (!ctx.force) {
      throw new UsageError(`${dir} is not in a git repository; upgrade needs one to start from a clean tree (commit the project), or pass --force`);
    }
    ctx.ui.warn('--force: not a git repository. Without git there is no clean tree to go back to and no recorded base: review every change.');
    return;
  }
  const dirty = await dirtyPaths(dir);
  if (dirty.length === 0) return;
  if (!ctx.force) {
    throw new UsageError(`the working tree has uncommitted changes (${shortList(dirty)}); commit or stash them first, or pass --force`);
  }
  ctx.ui.warn(`--force: upgrading over ${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'} (${shortList(dirty)}); --abort restores them as they are now, but commit first next time`);
}

function toWrites(steps: readonly Step[], ours: ReadonlyMap<string, OurFile>): FileWrite[] {
  const writes: FileWrite[] = [];
  for (const s of steps) {
    switch (s.kind) {
      case 'update':
      case 'add':
      case 'merged':
        writes.push({ path: s.path, kind: 'write', content: s.content, perm: s.perm });
        break;
      case 'chmod':
        writes.push({ path: s.path, kind: 'chmod', perm: s.perm });
        break;
      case 'delete':
        writes.push({ path: s.path, kind: 'delete' });
        break;
      case 'conflict':
        if (s.content !== undefined) {
          const o = ours.get(s.path);
          writes.push({ path: s.path, kind: 'write', content: s.content, perm: s.perm ?? (o?.kind === 'file' ? o.perm : 0o644) });
        }
        if (s.sidecar) writes.push({ path: s.sidecar.path, kind: 'write', content: s.sidecar.content, perm: s.sidecar.perm });
        break;
      default:
        break;
    }
  }
  return writes;
}

/** The diff --dry-run shows for one step (user's file → what the upgrade leaves). */
function stepDiff(s: Step, o: OurFile | undefined): string {
  const before = o?.kind === 'file' && !o.binary ? o.text : undefined;
  const perm = o?.kind === 'file' ? o.perm : undefined;
  switch (s.kind) {
    case 'update':
    case 'add':
    case 'merged':
      return unifiedDiff(s.path, before, toLf(s.content), { before: perm, after: s.perm });
    case 'chmod':
      return unifiedDiff(s.path, before, before, { before: perm, after: s.perm });
    case 'delete':
      return unifiedDiff(s.path, before, undefined, { before: perm });
    case 'conflict':
      return (
        (s.content !== undefined ? unifiedDiff(s.path, before, toLf(s.content), { before: perm, after: s.perm ?? perm }) : '') +
        (s.sidecar ? unifiedDiff(s.sidecar.path, undefined, s.sidecar.content, { after: s.sidecar.perm }) : '')
      );
    default:
      return '';
  }
}

function afterwards(ui: Ui, steps: readonly Step[], generated: boolean): void {
  const gomod = steps.some((s) => (s.path === 'go.mod' || s.path.endsWith('/go.mod')) && s.kind !== 'unchanged' && s.kind !== 'skip-deleted');
  const todo = [...(generated ? [] : ['run `make generate` (the .proto files changed)']), ...(gomod ? ['run `go mod tidy` (go.mod changed)'] : [])];
  ui.info(`Review with \`git diff\`${todo.map((t) => `, ${t}`).join('')}, and commit (with .create-service/state.json).`);
}

/**
 * True when the upgrade changed what the gRPC code is generated from: a
 * .proto file or buf.gen.yaml. The generated .pb.go files are not rendered
 * files, so the upgrade regenerates them, as create does.
 */
function protoChanged(steps: readonly Step[]): boolean {
  return steps.some((s) => (s.path.endsWith('.proto') || s.path === 'buf.gen.yaml') && s.kind !== 'unchanged' && s.kind !== 'skip-deleted');
}

async function hasProto(dir: string): Promise<boolean> {
  return access(join(dir, 'buf.gen.yaml')).then(
    () => true,
    () => false,
  );
}

/**
 * With ctx.build, runs `go build ./...` in the upgraded project and reports
 * the files that no longer compile, marking those the user kept although the
 * new version no longer has them (modify/delete conflicts). Undefined when
 * not asked to build.
 */
async function buildCheck(ctx: UpgradeContext, dir: string, kept: readonly string[], to: Generator): Promise<UpgradeResult['build']> {
  if (!ctx.build) return undefined;
  try {
    const r = await ctx.ui.step('go build ./...', () => goBuild(dir));
    if (r.status === 'skipped') {
      ctx.ui.warn(`go build skipped: ${r.reason}`);
      return 'skipped';
    }
    ctx.ui.done('the upgraded project builds (go build ./...)');
    return 'ok';
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
    const files = brokenFiles(err.output);
    const named = files.map((f) => (kept.includes(f) ? `${f} (you kept it; the new version no longer has it)` : f));
    ctx.ui.error(`the upgraded project does not compile: ${shortList(named.length > 0 ? named : ['see the output below'])}`);
    for (const l of err.tail) ctx.ui.info(`    ${l}`);
    const keptBroken = files.filter((f) => kept.includes(f));
    ctx.ui.info(
      `  The upgrade to ${to.name} ${to.version} is complete; fix ${keptBroken.length > 0 ? `or delete ${keptBroken.join(', ')}` : 'these files'}, then run \`go build ./...\` (\`--no-build\` skips this check).`,
    );
    return 'failed';
  }
}

/** Runs `make generate`'s command (buf generate); false when it could not, after saying why. */
async function regenerate(ui: Ui, dir: string): Promise<boolean> {
  try {
    const r = await ui.step('buf generate', () => generateProto(dir));
    if (r.status === 'skipped') ui.warn(`buf generate skipped: ${r.reason}`);
    return r.status === 'done';
  } catch (err) {
    ui.warn((err as Error).message.split('\n')[0] ?? 'buf generate failed');
    return false;
  }
}

function shortList(paths: readonly string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? `, and ${paths.length - 5} more` : '');
}

