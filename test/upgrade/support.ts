import { Chalk } from 'chalk';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from '../../src/commands/create.js';
import type { Answers, RawAnswers } from '../../src/options/model.js';
import { resolveAnswers } from '../../src/options/resolve.js';
import type { Generator } from '../../src/render/render.js';
import type { Ui } from '../../src/ui/messages.js';
import type { ApplyHooks } from '../../src/upgrade/apply.js';
import { upgrade, type UpgradeContext, type UpgradeResult } from '../../src/upgrade/upgrade.js';
import { writeProject } from '../../src/write/write.js';
import { renderRelease } from '../../src/upgrade/release.js';

/**
 * Shared by the upgrade tests: releases as template sets in temp dirs,
 * projects generated and committed with real git, tree snapshots, and a
 * helper for the build-and-run suite (prepareUpgradedProject).
 */

/** Repository root. */
export const ROOT = new URL('../..', import.meta.url).pathname;
/** The templates of this release (other people change them; tests never depend on their exact content). */
export const REAL_TEMPLATES = join(ROOT, 'templates');

export const V1: Generator = { name: 'create-service', version: '1.0.0' };
export const V2: Generator = { name: 'create-service', version: '1.1.0' };
export const V3: Generator = { name: 'create-service', version: '1.2.0' };

// Real git, but never the developer's own configuration (autocrlf, hooks, identity).
const gitHome = join(tmpdir(), 'cs-upgrade-gitconfig');
Object.assign(process.env, {
  GIT_CONFIG_GLOBAL: join(gitHome, 'config'),
  GIT_CONFIG_NOSYSTEM: '1',
  // No sample hooks: smaller repositories to copy.
  GIT_TEMPLATE_DIR: join(gitHome, 'template'),
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'test@example.com',
});
await mkdir(join(gitHome, 'template'), { recursive: true });
await writeFile(join(gitHome, 'config'), '[init]\n\tdefaultBranch = main\n[core]\n\tautocrlf = false\n');

/** A new temp dir. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cs-up-${prefix}-`));
}

/** A template set: `folder:path` (path without .hbs) → template source. */
export type Release = Map<string, string>;

/** Writes a release as a templates/ folder and returns its path. */
export async function writeRelease(root: string, release: Release): Promise<string> {
  await rm(root, { recursive: true, force: true });
  for (const [key, source] of release) {
    const [folder, path] = key.split(':') as [string, string];
    const file = join(root, ...folder.split('/'), ...`${path}.hbs`.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, source);
  }
  await mkdir(root, { recursive: true });
  return root;
}

/**
 * Reads a templates/ folder (the real one, typically) into a release: every
 * `.hbs` file below it, keyed `<first folder>:<the rest>` (writeRelease joins
 * them back, so the split point does not matter beyond `base:`).
 */
export async function readRelease(root: string): Promise<Release> {
  const out: Release = new Map();
  for (const p of await walk(root)) {
    if (!p.endsWith('.hbs')) continue;
    const slash = p.indexOf('/');
    if (slash < 0) continue;
    out.set(`${p.slice(0, slash)}:${p.slice(slash + 1, -4)}`, await readFile(join(root, p), 'utf8'));
  }
  return out;
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(dir, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await walk(dir, p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Go-like filler: `n` small functions, distinct enough for line merges to be meaningful. */
function goBody(pkg: string, tag: string, n: number): string {
  const parts = [`// Package ${pkg} is part of {{name}} (${tag}).`, `package ${pkg}`, '', 'import "fmt"', ''];
  for (let i = 1; i <= n; i++) {
    parts.push(`// ${tag}Step${i} is step ${i} of {{resource.title}} handling.`);
    parts.push(`func ${tag}Step${i}(x int) string {`);
    parts.push(`\ty := x * ${i} + ${i * 7}`);
    parts.push(`\treturn fmt.Sprintf("${tag} ${i}: %d", y)`);
    parts.push('}', '');
  }
  return parts.join('\n');
}

/**
 * A small, fully controlled release, shaped like the real templates (same
 * folders, placeholders, a script, a seed and an owned file), so the tests
 * do not depend on templates other people are writing.
 */
export function syntheticRelease(): Release {
  const r: Release = new Map();
  r.set(
    'base:go.mod',
    [
      'module {{module}}',
      '',
      'go 1.26.0',
      '',
      'require (',
      '\tgithub.com/google/uuid v1.5.0',
      '{{#if (eq cache "redis")}}',
      '\tgithub.com/redis/go-redis/v9 v9.20.0',
      '{{/if}}',
      '\tgolang.org/x/sync v0.20.0',
      ')',
      '',
    ].join('\n'),
  );
  r.set('base:cmd/__name__/main.go', goBody('main', 'Main', 6));
  r.set('base:internal/service/__resources__.go', goBody('service', 'Service', 8));
  r.set('base:internal/service/__resources___test.go', goBody('service', 'ServiceTest', 4));
  r.set('base:internal/domain/__resource__.go', goBody('domain', 'Domain', 5));
  r.set(
    'base:internal/config/config.go',
    [
      'package config',
      '',
      '// Config of {{name}}.',
      'type Config struct {',
      '\tHTTPAddr string',
      '{{#if (eq cache "redis")}}',
      '\tRedisURL string',
      '{{/if}}',
      '{{#if metrics}}',
      '\tMetricsAddr string',
      '{{/if}}',
      '}',
      '',
      goBody('config', 'Config', 3).split('\n').slice(4).join('\n'),
    ].join('\n'),
  );
  r.set('base:scripts/dev.sh', '#!/bin/sh\nset -eu\necho "running {{name}}"\ngo run ./cmd/{{name}}\n');
  r.set('base:README.md', '# {{name}}\n\nA service made by create-service.\n\n## Running\n\n    make run\n\n## Testing\n\n    make test\n');
  r.set('base:.env.example', '{{!-- upgrade: seed --}}\nHTTP_ADDR=:8080\n{{#if (eq cache "redis")}}\nREDIS_URL=redis://localhost:6379/0\n{{/if}}\n');
  r.set('base:internal/api/api_gen.go', '{{!-- upgrade: owned --}}\n// Code generated by create-service. DO NOT EDIT.\n\npackage api\n\nconst Name = "{{name}}"\n\nconst Resource = "{{resource.kebabs}}"\n');
  r.set('router/stdlib:internal/httpapi/routes.go', goBody('httpapi', 'Routes', 4));
  r.set('router/chi:internal/httpapi/routes.go', goBody('httpapi', 'ChiRoutes', 4));
  r.set('db/postgres:internal/repository/postgres/__resource__.go', goBody('postgres', 'Postgres', 5));
  r.set('db/postgres:migrations/init.sql', '-- +goose Up\nCREATE TABLE {{resource.snakes}} (id uuid PRIMARY KEY);\n\n-- +goose Down\nDROP TABLE {{resource.snakes}};\n');
  r.set('cache/aside:internal/cache/__resource__.go', goBody('cache', 'Aside', 5));
  r.set('cache/redis:internal/cache/redis/redis.go', goBody('redis', 'Redis', 5));
  r.set('cache/redis:internal/cache/redis/redis_test.go', goBody('redis', 'RedisTest', 3));
  r.set('cache/memory:internal/cache/memory/memory.go', goBody('memory', 'Memory', 4));
  r.set('logger/slog:internal/platform/logging/backend.go', goBody('logging', 'Slog', 3));
  r.set('metrics:internal/platform/metrics/metrics.go', goBody('metrics', 'Metrics', 4));
  r.set('tracing:internal/platform/telemetry/telemetry.go', goBody('telemetry', 'Tracing', 4));
  return r;
}

/** A deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines of a template that a test may edit without breaking Handlebars. */
function editable(lines: string[], i: number): boolean {
  const l = lines[i]!;
  // The first lines are left to users (tests put their edits there, so that merges stay clean).
  if (i < 5) return false;
  if (/\{\{[#/^]|\{\{else|\{\{!/.test(l)) return false;
  // Inside a mustache spanning lines.
  const before = lines.slice(0, i).join('\n');
  return before.lastIndexOf('{{') <= before.lastIndexOf('}}');
}

/**
 * The next release of `release`, made without knowing its content: in a few
 * files (picked by `seed`) a line is inserted, one changed, one deleted; one
 * template is dropped and one added. `tag` makes the new lines unique.
 */
export function evolve(release: Release, seed: number, tag: string, opts: { drop?: boolean; add?: boolean } = {}): Release {
  const next: Release = new Map(release);
  const random = rng(seed);
  const keys = [...release.keys()].filter((k) => !k.endsWith('go.mod')).sort();
  const pick = () => keys[Math.floor(random() * keys.length)]!;
  for (let n = 0; n < Math.max(3, Math.floor(keys.length / 4)); n++) {
    const key = pick();
    const lines = next.get(key)!.split('\n');
    const spots = lines.map((_, i) => i).filter((i) => editable(lines, i));
    if (spots.length < 4) continue;
    const at = (k: number) => spots[Math.floor((k / 4) * spots.length + random() * (spots.length / 4))] ?? spots[0]!;
    const [ins, chg, del] = [at(0), at(1), at(3)];
    lines[chg] = `// ${tag}: changed line in ${key}`;
    lines.splice(del, 1);
    lines.splice(ins, 0, `// ${tag}: inserted line in ${key}`);
    next.set(key, lines.join('\n'));
  }
  if (opts.drop !== false) {
    // Not a seed: a seed the template drops stays with the user (it is never touched again).
    const droppable = keys.filter((k) => k.startsWith('base:') && !k.includes('__name__') && !k.endsWith('.sh') && !release.get(k)!.startsWith('{{!--'));
    const dropped = droppable[Math.floor(random() * 3)];
    if (dropped) next.delete(dropped);
  }
  if (opts.add !== false) next.set(`base:internal/${tag}/${tag}.go`, `// Package ${tag} arrived in a later release of {{name}}.\npackage ${tag}\n`);
  return next;
}

/** Answers from a partial set, completed as the CLI would with --yes. */
export async function answersFor(name: string, partial: Partial<Answers> = {}): Promise<Answers> {
  const { answers } = await resolveAnswers({ directory: name, flags: { name, ...partial } as RawAnswers, yes: true, interactive: false });
  return answers;
}

/** A Ui that records every line. */
export function recordingUi(): Ui & { lines: string[] } {
  const lines: string[] = [];
  const ui = {
    lines,
    title: (t: string) => void lines.push(t),
    info: (t: string) => void lines.push(t),
    done: (t: string) => void lines.push(`done: ${t}`),
    warn: (t: string) => void lines.push(`warn: ${t}`),
    error: (t: string) => void lines.push(`error: ${t}`),
    step: async <T,>(_label: string, work: () => Promise<T>) => work(),
    color: new Chalk({ level: 0 }),
  };
  return ui;
}

/** A writable that keeps what is written. */
export function sink(): NodeJS.WritableStream & { text: () => string } {
  const chunks: string[] = [];
  return {
    write: (s: string) => {
      chunks.push(String(s));
      return true;
    },
    text: () => chunks.join(''),
  } as unknown as NodeJS.WritableStream & { text: () => string };
}

/**
 * Generates a project with `create` (no go mod tidy; git init, first commit
 * and the base ref), from a release folder. Returns the project dir.
 */
export async function generate(parent: string, answers: Answers, templatesDir: string, generator: Generator, opts: { git?: boolean } = {}): Promise<string> {
  const flags: RawAnswers = { ...(answers as unknown as RawAnswers) };
  await create({
    cwd: parent,
    directory: answers.name,
    flags,
    yes: true,
    interactive: false,
    prompter: undefined as never,
    dryRun: false,
    force: false,
    install: false,
    git: opts.git !== false,
    ui: recordingUi(),
    stdout: sink(),
    templatesDir,
    generator,
  });
  return join(parent, answers.name);
}

/** Writes a fresh render (no git) into `dir`: what "generate(vN)" produces, for comparison. */
export async function freshTree(dir: string, answers: Answers, templatesDir: string, generator: Generator): Promise<Map<string, FileSnap>> {
  await writeProject(dir, await renderRelease(templatesDir, answers, generator), { force: false });
  return snapshot(dir);
}

/** Runs git in dir. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: dir })).stdout;
}

/** Stages and commits everything (a user's commit). */
export async function commitAll(dir: string, message = 'user edits'): Promise<void> {
  await git(dir, 'add', '-A');
  await execa('git', ['commit', '-q', '--no-verify', '--allow-empty', '-m', message], { cwd: dir });
}

/** What a tree holds at one path. */
export interface FileSnap {
  mode: number;
  sha: string;
  bytes: Buffer;
}

/** Every file below dir except .git: mode and content. */
export async function snapshot(dir: string): Promise<Map<string, FileSnap>> {
  const out = new Map<string, FileSnap>();
  async function rec(rel: string): Promise<void> {
    for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (p === '.git') continue;
      if (e.isDirectory()) {
        await rec(p);
        continue;
      }
      const bytes = await readFile(join(dir, p));
      const s = await lstat(join(dir, p));
      out.set(p, { mode: s.mode & 0o777, sha: createHash('sha1').update(bytes).digest('hex'), bytes });
    }
  }
  await rec('');
  return out;
}

/** One hash of a whole tree (paths, modes, contents, and empty folders). */
export async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha1');
  async function rec(rel: string): Promise<void> {
    for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (p === '.git') continue;
      const s = await lstat(join(dir, p));
      if (e.isDirectory()) {
        h.update(`d ${p}\n`);
        await rec(p);
      } else h.update(`f ${p} ${(s.mode & 0o777).toString(8)} ${createHash('sha1').update(await readFile(join(dir, p))).digest('hex')}\n`);
    }
  }
  await rec('');
  return h.digest('hex');
}

/** One hash of a snapshot (paths, modes, contents; not empty folders). */
export function snapshotHash(snap: Map<string, FileSnap>): string {
  const h = createHash('sha1');
  for (const [p, f] of snap) h.update(`${p} ${f.mode.toString(8)} ${f.sha}\n`);
  return h.digest('hex');
}

/** The paths where two snapshots differ (content or mode). */
export function treeDiff(a: Map<string, FileSnap>, b: Map<string, FileSnap>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort().filter((p) => a.get(p)?.sha !== b.get(p)?.sha || a.get(p)?.mode !== b.get(p)?.mode);
}

/** Runs `upgrade` on a project with a release folder and generator; ui lines are kept on the result. */
export async function runUpgrade(
  dir: string,
  templatesDir: string,
  generator: Generator,
  opts: Partial<Pick<UpgradeContext, 'sets' | 'dryRun' | 'force' | 'action' | 'yes'>> & { hooks?: ApplyHooks } = {},
): Promise<UpgradeResult & { ui: string[]; stdout: string }> {
  const ui = recordingUi();
  const out = sink();
  const result = await upgrade({
    cwd: dir,
    templates: templatesDir,
    generator,
    sets: opts.sets ?? [],
    yes: opts.yes ?? true,
    interactive: false,
    dryRun: opts.dryRun ?? false,
    force: opts.force ?? false,
    action: opts.action ?? 'start',
    ui,
    stdout: out,
    hooks: opts.hooks,
  });
  return { ...result, ui: ui.lines, stdout: out.text() };
}

/** Copies a project (its .git included). */
export async function copyProject(from: string, to: string): Promise<string> {
  // cp -a is much faster than fs.cp for a tree with a .git.
  await mkdir(dirname(to), { recursive: true });
  await execa('cp', ['-a', from, to]);
  return to;
}

/** Makes a file executable. */
export async function makeExecutable(file: string): Promise<void> {
  await chmod(file, 0o755);
}

/**
 * Group 10 of the upgrade tests, for the build-and-run suite: makes `dir` a
 * project that was generated by "the previous release" (a copy of this
 * release's templates, changed without knowing their content: a few Go
 * comment lines added, one extra Go package the new release drops), edited
 * and committed by a user (a new package with a test, a comment in a
 * generated Go file), and then upgraded to THIS release (`templatesDir`,
 * default the repository's templates/) with optional `--set` changes. The
 * caller then builds and tests `dir` as usual (run `go mod tidy` first).
 * Throws if the upgrade did not complete cleanly.
 */
export async function prepareUpgradedProject(opts: {
  dir: string;
  answers: Answers;
  sets?: string[];
  templatesDir?: string;
  generator?: Generator;
}): Promise<UpgradeResult> {
  const current = opts.templatesDir ?? REAL_TEMPLATES;
  const generator = opts.generator ?? V2;
  const work = await tempDir('prev-release');
  try {
    const prev = await readRelease(current);
    for (const [key, source] of prev) {
      if (key.endsWith('.go') && !key.endsWith('go.mod') && source.trimEnd().endsWith('}')) {
        prev.set(key, `${source.trimEnd()}\n\n// Written by the previous release.\n`);
      }
    }
    prev.set('base:internal/legacy/legacy.go', '// Package legacy is dropped by the next release.\npackage legacy\n\n// Name is the service name.\nconst Name = "{{name}}"\n');
    const prevDir = await writeRelease(join(work, 'templates'), prev);
    const parent = dirname(opts.dir);
    await mkdir(parent, { recursive: true });
    const made = await generate(parent, { ...opts.answers, name: opts.answers.name }, prevDir, { ...V1, version: '0.0.1' });
    if (made !== opts.dir) throw new Error(`prepareUpgradedProject: dir must end in the service name (${opts.answers.name})`);
    // The user's own code and an edit to a generated file, both of which must survive.
    await mkdir(join(opts.dir, 'internal', 'userext'), { recursive: true });
    await writeFile(join(opts.dir, 'internal/userext/userext.go'), '// Package userext is the user\'s own code.\npackage userext\n\n// Answer is the answer.\nfunc Answer() int { return 42 }\n');
    await writeFile(
      join(opts.dir, 'internal/userext/userext_test.go'),
      'package userext\n\nimport "testing"\n\nfunc TestAnswer(t *testing.T) {\n\tif Answer() != 42 {\n\t\tt.Fatal("wrong answer")\n\t}\n}\n',
    );
    // The template change is at the end of every Go file, so a line at the top merges cleanly.
    const goFiles = (await walk(opts.dir)).filter((p) => p.endsWith('.go') && !p.endsWith('_test.go') && !p.startsWith('.git/') && !p.startsWith('internal/userext/'));
    const edited = goFiles.find((p) => p === `cmd/${opts.answers.name}/main.go`) ?? goFiles[0];
    if (!edited) throw new Error('prepareUpgradedProject: the project has no Go file to edit');
    const main = join(opts.dir, edited);
    await writeFile(main, `// Edited by the user.\n${await readFile(main, 'utf8')}`);
    await commitAll(opts.dir, 'user edits');
    const result = await runUpgrade(opts.dir, current, generator, { sets: opts.sets ?? [] });
    if (result.status !== 'upgraded') throw new Error(`upgrade ended with ${result.status}:\n${result.ui.join('\n')}`);
    if (!(await readFile(main, 'utf8')).includes('// Edited by the user.')) throw new Error('the user edit in main.go was lost');
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
