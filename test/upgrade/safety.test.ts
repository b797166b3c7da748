import { execa } from 'execa';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { checkCommand } from '../../src/commands/check.js';
import { UsageError } from '../../src/errors.js';
import { GENERATOR } from '../../src/paths.js';
import { STATE_PATH } from '../../src/render/render.js';
import { REPORT_PATH } from '../../src/upgrade/apply.js';
import { checkProject } from '../../src/upgrade/check.js';
import { diffProject } from '../../src/upgrade/diff.js';
import { ExitCode } from '../../src/upgrade/exit.js';
import { parseState } from '../../src/upgrade/state.js';
import {
  answersFor,
  commitAll,
  copyProject,
  generate,
  git,
  REAL_TEMPLATES,
  recordingUi,
  ROOT,
  runUpgrade,
  sink,
  snapshot,
  syntheticRelease,
  tempDir,
  treeDiff,
  treeHash,
  V1,
  V2,
  writeRelease,
} from './support.js';

/**
 * Groups 7-9 of issue 3 and the refusals: --abort after conflicts, after a
 * crash and after a real SIGKILL restores the exact tree; `check` and its
 * reasons; CRLF trees, binary files and exec bits; bad input is one line,
 * exit 2, nothing written.
 */

let root: string;
let c1: string;
let c2: string;

beforeAll(async () => {
  root = await tempDir('safety');
  const r1 = syntheticRelease();
  r1.set('base:tools/gen.sh', 'echo gen {{name}}\n');
  const r2 = new Map(r1);
  r2.set('base:README.md', r1.get('base:README.md')!.replace('A service made by create-service.', 'A service made by create-service, release two.'));
  r2.set('base:internal/service/__resources__.go', `${r1.get('base:internal/service/__resources__.go')!}\n// Added in release two.\nfunc ReleaseTwo() {}\n`);
  r2.set('base:scripts/dev.sh', r1.get('base:scripts/dev.sh')!.replace('echo "running {{name}}"', 'echo "starting {{name}}"'));
  r2.set('base:scripts/lint.sh', '#!/bin/sh\necho lint {{name}}\n');
  r2.set('base:tools/gen.sh', '#!/bin/sh\necho gen {{name}}\n');
  r2.set('base:internal/api/api_gen.go', r1.get('base:internal/api/api_gen.go')!.replace('const Name', '// Name is the service name.\nconst Name'));
  c1 = await writeRelease(join(root, 'c1'), r1);
  c2 = await writeRelease(join(root, 'c2'), r2);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function project(name = 'orders', release = () => c1): Promise<string> {
  const parent = join(root, `p${++n}`);
  await mkdir(parent, { recursive: true });
  return generate(parent, await answersFor(name), release(), V1);
}

async function replaceIn(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  await writeFile(file, text.replace(from, to));
}

/** A project with a content conflict against c2 (README line changed on both sides), committed. */
async function conflicted(): Promise<string> {
  const dir = await project();
  await replaceIn(join(dir, 'README.md'), 'A service made by create-service.', 'A service made by me.');
  await commitAll(dir);
  return dir;
}

describe('7. --abort restores the exact pre-upgrade tree', () => {
  it('after a run that stopped with conflicts', async () => {
    const dir = await conflicted();
    const before = await treeHash(dir);
    const base = await git(dir, 'rev-parse', 'refs/create-service/base');
    const r = await runUpgrade(dir, c2, V2);
    expect(r.status).toBe('conflicts');
    expect(r.conflicts).toEqual([{ path: 'README.md', kind: 'content' }]);
    const readme = await readFile(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('<<<<<<< yours\nA service made by me.\n||||||| create-service 1.0.0\nA service made by create-service.\n=======\n');
    expect(readme).toContain('>>>>>>> create-service 1.1.0\n');
    expect(await treeHash(dir)).not.toBe(before);

    expect((await runUpgrade(dir, c2, V2, { action: 'abort' })).status).toBe('aborted');
    expect(await treeHash(dir)).toBe(before);
    expect(await git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(await git(dir, 'rev-parse', 'refs/create-service/base')).toBe(base);
    expect(await git(dir, 'for-each-ref', 'refs/create-service/pending')).toBe('');
    expect(await stat(join(dir, '.git', 'create-service')).then((s) => s.isDirectory())).toBe(true);
    expect(await execa('find', [join(dir, '.git', 'create-service'), '-type', 'f']).then((r) => r.stdout)).toBe('');
  });

  for (const after of [0, 1, 3, 'last'] as const) {
    it(`after a crash before write ${after}, and --continue then finishes as an uninterrupted run`, async () => {
      const dir = await project();
      await replaceIn(join(dir, 'internal/service/items.go'), 'package service', 'package service // user');
      await commitAll(dir);
      const reference = await copyProject(dir, join(root, `ref${++n}`, 'orders'));
      const clean = await runUpgrade(reference, c2, V2);
      expect(clean.status).toBe('upgraded');
      const writes = clean.steps.filter((s) => s.kind !== 'unchanged').length;
      const stopAt = after === 'last' ? writes - 1 : after;

      const before = await treeHash(dir);
      const hooks = {
        beforeWrite: (_path: string, i: number) => {
          if (i === stopAt) throw new Error('simulated crash');
        },
      };
      await expect(runUpgrade(dir, c2, V2, { hooks })).rejects.toThrow('simulated crash');
      const journal = parseState(await readFile(join(dir, STATE_PATH), 'utf8')).inProgress;
      expect(journal?.phase).toBe('writing');
      // A crash inside a write leaves a temporary file; --abort removes it too.
      await writeFile(join(dir, 'internal/service/items.go.create-service-tmp'), 'half');
      const copy = await copyProject(dir, join(root, `crashed${++n}`, 'orders'));

      expect((await runUpgrade(dir, c2, V2, { action: 'abort' })).status).toBe('aborted');
      expect(await treeHash(dir)).toBe(before);

      const resumed = await runUpgrade(copy, c2, V2, { action: 'continue' });
      expect(resumed.status).toBe('upgraded');
      expect(treeDiff(await snapshot(copy), await snapshot(reference))).toEqual([]);
    });
  }

  it('after the process is killed with SIGKILL mid-run', async () => {
    // A child process runs the compiled upgrade and SIGKILLs itself right before its third write.
    const out = join(ROOT, 'node_modules', '.cache', `cs-upgrade-kill-${process.pid}`);
    await execa(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.json'), '--outDir', out, '--noCheck'], { cwd: ROOT, reject: false });
    try {
      const child = join(out, 'kill-child.mjs');
      await writeFile(
        child,
        `import { upgrade } from './upgrade/upgrade.js';
const [dir, templates, version, killAt] = process.argv.slice(2);
const quiet = () => {};
await upgrade({
  cwd: dir, templates, generator: { name: 'create-service', version }, sets: [], yes: true, interactive: false,
  dryRun: false, force: false, action: 'start', stdout: process.stdout,
  ui: { title: quiet, info: quiet, done: quiet, warn: quiet, error: quiet, step: (_l, w) => w(), color: undefined },
  hooks: { beforeWrite: (_path, i) => { if (i === Number(killAt)) process.kill(process.pid, 'SIGKILL'); } },
});
console.log('not killed');
`,
      );
      const dir = await project();
      await replaceIn(join(dir, 'internal/service/items.go'), 'package service', 'package service // user');
      await commitAll(dir);
      const before = await treeHash(dir);
      const r = await execa('node', [child, dir, c2, V2.version, '2'], { reject: false });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(r.stdout).not.toContain('not killed');
      expect(parseState(await readFile(join(dir, STATE_PATH), 'utf8')).inProgress?.phase).toBe('writing');
      expect(await treeHash(dir)).not.toBe(before);
      // check sees the unfinished upgrade
      expect((await checkProject({ cwd: dir, templates: c2, generator: V2 })).reasons.map((x) => x.kind)).toContain('unfinished');
      expect((await runUpgrade(dir, c2, V2, { action: 'abort' })).status).toBe('aborted');
      expect(await treeHash(dir)).toBe(before);
      expect(await git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('resolving a conflict', () => {
  it('--continue refuses while markers remain, then records the new version', async () => {
    const dir = await conflicted();
    expect((await runUpgrade(dir, c2, V2)).status).toBe('conflicts');
    const stopped = await treeHash(dir);
    await expect(runUpgrade(dir, c2, V2, { action: 'continue' })).rejects.toThrow(UsageError);
    await expect(runUpgrade(dir, c2, V2, { action: 'continue' })).rejects.toThrow(/conflicts remain unresolved in README\.md/);
    expect(await treeHash(dir)).toBe(stopped);
    await expect(runUpgrade(dir, c2, V2)).rejects.toThrow(/is unfinished; run `create-service upgrade --continue`/);

    await writeFile(join(dir, 'README.md'), (await readFile(join(dir, 'README.md'), 'utf8')).replace(/<<<<<<< yours\n[\s\S]*?>>>>>>> create-service 1\.1\.0\n/, 'A service made by me, release two.\n'));
    const done = await runUpgrade(dir, c2, V2, { action: 'continue' });
    expect(done.status).toBe('upgraded');
    const state = parseState(await readFile(join(dir, STATE_PATH), 'utf8'));
    expect(state.generator).toEqual(V2);
    expect(state.inProgress).toBeUndefined();
    expect(await stat(join(dir, REPORT_PATH)).catch(() => undefined)).toBeUndefined();
    expect((await checkProject({ cwd: dir, templates: c2, generator: V2 })).reasons).toEqual([]);
    // The next upgrade merges against the new base: the resolved line is the user's edit of release two.
    await commitAll(dir);
    expect((await runUpgrade(dir, c2, V2)).status).toBe('up-to-date');
  });
});

describe('8. check', () => {
  const kinds = async (dir: string, templates = c1, generator = V1) => (await checkProject({ cwd: dir, templates, generator })).reasons.map((r) => r.kind);
  const exitOf = async (dir: string, templates = c1, generator = V1) => {
    const out = sink();
    try {
      await checkCommand({ cwd: dir, ui: recordingUi(), stdout: out, templates, generator });
      return { code: 0, out: out.text() };
    } catch (err) {
      if (err instanceof ExitCode) return { code: err.exitCode, out: out.text() };
      throw err;
    }
  };

  it('exits 0 on a clean, current project, also with user edits to merge-policy files', async () => {
    const dir = await project();
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service', 'package service // user');
    expect(await kinds(dir)).toEqual([]);
    expect(await exitOf(dir)).toEqual({ code: 0, out: '' });
  });

  it('update available: a newer version, or this version rendering differently', async () => {
    const dir = await project();
    expect(await kinds(dir, c2, V2)).toEqual(['update-available']);
    const r = await exitOf(dir, c2, V2);
    expect(r.code).toBe(1);
    expect(r.out).toBe('update available: create-service 1.0.0 → 1.1.0; run `create-service upgrade`\n');
    expect(await kinds(dir, c2, V1)).toEqual(['update-available']);
  });

  it('conflict markers remain', async () => {
    const dir = await project();
    await writeFile(join(dir, 'internal/domain/item.go'), '<<<<<<< yours\na\n=======\nb\n>>>>>>> create-service 1.1.0\n');
    const r = await exitOf(dir);
    expect(r).toEqual({ code: 1, out: 'conflicts unresolved: internal/domain/item.go\n' });
  });

  it('an owned file was edited (line endings alone are not an edit)', async () => {
    const dir = await project();
    const file = join(dir, 'internal/api/api_gen.go');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('\n', '\r\n'));
    expect(await kinds(dir)).toEqual([]);
    await writeFile(file, `${await readFile(file, 'utf8')}// mine\r\n`);
    const r = await exitOf(dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^generated files edited \(.*\): internal\/api\/api_gen\.go\n$/);
  });

  it('an upgrade is unfinished; one line per reason', async () => {
    const dir = await conflicted();
    await runUpgrade(dir, c2, V2);
    const r = await exitOf(dir, c2, V2);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines, r.out).toHaveLength(3);
    expect(lines[2]).toMatch(/^update available: create-service 1\.0\.0 → 1\.1\.0/);
    expect(lines[0]).toMatch(/^upgrade unfinished: the upgrade to create-service 1\.1\.0 stopped with 1 conflict; run/);
    expect(lines[1]).toBe('conflicts unresolved: README.md');
  });

  it('an owned file the user edited becomes a hard conflict with the new version beside it', async () => {
    const dir = await project();
    await replaceIn(join(dir, 'internal/api/api_gen.go'), 'package api', 'package api // hand-edited');
    await commitAll(dir);
    const r = await runUpgrade(dir, c2, V2);
    expect(r.conflicts).toEqual([{ path: 'internal/api/api_gen.go', kind: 'owned', sidecar: 'internal/api/api_gen.go.create-service-new' }]);
    expect(await readFile(join(dir, 'internal/api/api_gen.go'), 'utf8')).toContain('// hand-edited');
    expect(await readFile(join(dir, 'internal/api/api_gen.go.create-service-new'), 'utf8')).toContain('// Name is the service name.');
    await expect(runUpgrade(dir, c2, V2, { action: 'continue' })).rejects.toThrow(/api_gen\.go\.create-service-new/);
    await rm(join(dir, 'internal/api/api_gen.go.create-service-new'));
    expect((await runUpgrade(dir, c2, V2, { action: 'continue' })).status).toBe('upgraded');
  });
});

describe('9. CRLF working trees, binary files, exec bits', () => {
  it('a CRLF checkout does not look modified, and the upgrade keeps CRLF', async () => {
    const dir = await project();
    await git(dir, 'config', 'core.autocrlf', 'true');
    await git(dir, 'rm', '-q', '--cached', '-r', '.');
    await git(dir, 'reset', '-q', '--hard');
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain('\r\n');
    expect(await git(dir, 'status', '--porcelain')).toBe('');

    expect((await checkProject({ cwd: dir, templates: c1, generator: V1 })).reasons).toEqual([]);
    expect((await diffProject({ cwd: dir, templates: c1, generator: V1 })).patches).toEqual([]);
    expect((await runUpgrade(dir, c1, V1)).status).toBe('up-to-date');

    // A user edit made in the CRLF file, then the upgrade.
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service\r\n', 'package service // user\r\n');
    await commitAll(dir);
    const r = await runUpgrade(dir, c2, V2);
    expect(r.status, r.ui.join('\n')).toBe('upgraded');
    expect(r.steps.filter((s) => s.kind === 'merged').map((s) => s.path)).toEqual(['internal/service/items.go']);
    const merged = await readFile(join(dir, 'internal/service/items.go'), 'utf8');
    expect(merged).toContain('package service // user\r\n');
    expect(merged).toContain('// Added in release two.\r\n');
    expect(merged.replaceAll('\r\n', '')).not.toContain('\n');
    expect(await readFile(join(dir, 'scripts/lint.sh'), 'utf8')).toBe('#!/bin/sh\r\necho lint orders\r\n');
    // git sees only the real changes.
    const changed = (await git(dir, 'status', '--porcelain')).split('\n').map((l) => l.slice(3)).sort();
    expect(changed).toEqual(
      ['.create-service/state.json', 'README.md', 'internal/api/api_gen.go', 'internal/service/items.go', 'scripts/dev.sh', 'scripts/lint.sh', 'tools/gen.sh'].sort(),
    );
  });

  it('binary files: a user binary is untouched; a generated file turned binary gets the new version beside it', async () => {
    const dir = await project();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0xff, 0xfe]);
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'assets/logo.png'), png);
    await writeFile(join(dir, 'README.md'), png);
    await commitAll(dir);
    const r = await runUpgrade(dir, c2, V2);
    expect(r.conflicts).toEqual([{ path: 'README.md', kind: 'binary', sidecar: 'README.md.create-service-new' }]);
    expect(await readFile(join(dir, 'assets/logo.png'))).toEqual(png);
    expect(await readFile(join(dir, 'README.md'))).toEqual(png);
    expect(await readFile(join(dir, 'README.md.create-service-new'), 'utf8')).toContain('release two');
  });

  it('exec bits: the user’s are kept; a template change of the bit applies when the user kept the old one', async () => {
    const dir = await project();
    expect((await stat(join(dir, 'scripts/dev.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dir, 'tools/gen.sh'))).mode & 0o777).toBe(0o644);
    await chmod(join(dir, 'internal/service/items.go'), 0o755);
    await chmod(join(dir, 'scripts/dev.sh'), 0o644);
    await commitAll(dir);
    const r = await runUpgrade(dir, c2, V2);
    expect(r.status).toBe('upgraded');
    const mode = async (p: string) => (await stat(join(dir, p))).mode & 0o777;
    expect(await mode('internal/service/items.go')).toBe(0o755);
    expect(await readFile(join(dir, 'internal/service/items.go'), 'utf8')).toContain('ReleaseTwo');
    expect(await mode('scripts/dev.sh')).toBe(0o644);
    expect(await readFile(join(dir, 'scripts/dev.sh'), 'utf8')).toContain('starting orders');
    expect(await mode('tools/gen.sh')).toBe(0o755);
    expect(await mode('scripts/lint.sh')).toBe(0o755);
  });
});

describe('diff', () => {
  it('shows your changes against the pristine render, for a path or all', async () => {
    const dir = await project();
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service\n', 'package service // user\n');
    await rm(join(dir, 'README.md'));
    await writeFile(join(dir, 'mine.txt'), 'not generated\n');
    const all = await diffProject({ cwd: dir, templates: c1, generator: V1 });
    expect(all.patches.map((p) => p.split('\n')[0])).toEqual(['diff --git a/README.md b/README.md', 'diff --git a/internal/service/items.go b/internal/service/items.go']);
    expect(all.patches[0]).toContain('deleted file mode 100644\n--- a/README.md\n+++ /dev/null\n');
    expect(all.patches[1]).toContain('-package service\n+package service // user\n');
    const one = await diffProject({ cwd: join(dir, 'internal'), path: 'service', templates: c1, generator: V1 });
    expect(one.patches).toHaveLength(1);
    await expect(diffProject({ cwd: dir, path: 'mine.txt', templates: c1, generator: V1 })).rejects.toThrow(/not a generated file or folder/);
  });

  it('without the base ref, finds the pristine blobs in git objects, else falls back to rendering the same version', async () => {
    const dir = await project();
    await git(dir, 'update-ref', '-d', 'refs/create-service/base');
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service\n', 'package service // user\n');
    expect((await diffProject({ cwd: dir, templates: c1, generator: V1 })).patches).toHaveLength(1);
    // A clone without the ref and a go.mod that changed since the first commit: same version renders it.
    await rm(join(dir, '.git'), { recursive: true });
    const d = await diffProject({ cwd: dir, templates: c1, generator: V1 });
    expect(d.patches).toHaveLength(1);
    expect(d.missingBase).toEqual([]);
    expect((await diffProject({ cwd: dir, templates: c2, generator: V2 })).missingBase.length).toBeGreaterThan(0);
  });
});

describe('without the pristine base, nothing is overwritten', () => {
  it('every file that differs on both sides becomes a conflict', async () => {
    const dir = await project();
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service\n', 'package service // user\n');
    await commitAll(dir);
    // Lose every trace of the pristine blobs: a fresh repository with only the edited tree.
    await rm(join(dir, '.git'), { recursive: true });
    await git(dir, 'init', '-q');
    await commitAll(dir, 'imported');
    const edited = await readFile(join(dir, 'internal/service/items.go'), 'utf8');
    const r = await runUpgrade(dir, c2, V2);
    // Only the edited file lacks its pristine blob: the others are in the new repository's commit.
    expect(r.ui.join('\n')).toMatch(/the pristine create-service 1\.0\.0 of 1 file is not available \(internal\/service\/items\.go\)/);
    expect(r.conflicts.map((c) => c.path)).toContain('internal/service/items.go');
    const text = await readFile(join(dir, 'internal/service/items.go'), 'utf8');
    expect(text).toContain('<<<<<<< yours');
    for (const line of edited.split('\n')) expect(text).toContain(line);
    // Unedited files are still recognised by their recorded hashes and updated.
    expect(r.steps.find((s) => s.path === 'README.md')?.kind).toBe('update');
  });
});

describe('bad input: one line, exit 2, nothing written', () => {
  async function cli(args: string[]): Promise<{ code: number; stderr: string[] }> {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      lines.push(String(s));
      return true;
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await main(['node', 'create-service', ...args]);
      return { code, stderr: lines.join('').trimEnd().split('\n') };
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  }

  it('through the CLI, for each refusal', async () => {
    const dir = await conflicted();
    const before = await treeHash(dir);
    const cases: [string[], RegExp][] = [
      [['upgrade', '--cwd', dir, '--set', 'colour=red'], /unknown option "colour"/],
      [['upgrade', '--cwd', dir, '--set', 'cache=mongo'], /invalid value for --cache: "mongo"/],
      [['upgrade', '--cwd', root], /is not inside a generated project/],
      [['check', '--cwd', root], /is not inside a generated project/],
      [['upgrade', '--cwd', dir, '--continue'], /no upgrade is in progress/],
      [['upgrade', '--cwd', dir, '--abort'], /no upgrade is in progress/],
      [['upgrade', '--cwd', dir, '--continue', '--abort'], /cannot be combined/],
      [['upgrade', '--cwd', dir, '--bogus'], /unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toHaveLength(1);
      expect(r.stderr[0], args.join(' ')).toMatch(message);
      expect(await treeHash(dir)).toBe(before);
    }
  });

  it('a dirty tree without --force; with --force a loud warning', async () => {
    const dir = await project();
    await writeFile(join(dir, 'scratch.txt'), 'uncommitted\n');
    const before = await treeHash(dir);
    await expect(runUpgrade(dir, c2, V2)).rejects.toThrow(/uncommitted changes \(scratch\.txt\); commit or stash them first, or pass --force/);
    expect(await treeHash(dir)).toBe(before);
    const forced = await runUpgrade(dir, c2, V2, { force: true });
    expect(forced.ui.some((l) => l.startsWith('warn: --force: upgrading over 1 uncommitted change'))).toBe(true);
    expect(await readFile(join(dir, 'scratch.txt'), 'utf8')).toBe('uncommitted\n');
  });

  it('--continue with markers left, a downgrade, no git', async () => {
    const dir = await conflicted();
    await runUpgrade(dir, c2, V2);
    const stopped = await treeHash(dir);
    const r = await (async () => {
      try {
        await runUpgrade(dir, c2, V2, { action: 'continue' });
        return undefined;
      } catch (err) {
        return err as UsageError;
      }
    })();
    expect(r).toBeInstanceOf(UsageError);
    expect(r!.message.split('\n')).toHaveLength(1);
    expect(await treeHash(dir)).toBe(stopped);

    const newer = await project();
    await expect(runUpgrade(newer, c1, { name: 'create-service', version: '0.9.0' })).rejects.toThrow(/newer than this one \(0\.9\.0\)/);
    await rm(join(newer, '.git'), { recursive: true });
    await expect(runUpgrade(newer, c2, V2)).rejects.toThrow(/is not in a git repository; .* or pass --force/);
  });

  it('the real CLI on a project of this release: check 0, upgrade up to date, diff empty', async () => {
    const parent = join(root, `cli${++n}`);
    await mkdir(parent);
    const dir = await generate(parent, await answersFor('svc'), REAL_TEMPLATES, GENERATOR);
    expect((await cli(['check', '--cwd', dir])).code).toBe(0);
    expect((await cli(['upgrade', '--cwd', dir, '--yes'])).code).toBe(0);
    expect((await cli(['diff', '--cwd', dir])).code).toBe(0);
    await writeFile(join(dir, STATE_PATH), (await readFile(join(dir, STATE_PATH), 'utf8')).replace(`"version": "${GENERATOR.version}"`, '"version": "0.0.1"'));
    expect((await cli(['check', '--cwd', dir])).code).toBe(1);
  });
});

describe('a project inside a larger repository', () => {
  it('keeps its base under its own ref and ignores changes outside the project', async () => {
    const mono = join(root, `mono${++n}`);
    await mkdir(join(mono, 'services'), { recursive: true });
    await git(mono, 'init', '-q');
    await writeFile(join(mono, 'README.md'), 'monorepo\n');
    await commitAll(mono, 'monorepo');
    const dir = await generate(join(mono, 'services'), await answersFor('orders'), c1, V1);
    const refs = await git(mono, 'for-each-ref', '--format=%(refname)', 'refs/create-service');
    expect(refs).toMatch(/^refs\/create-service\/sub\/[0-9a-f]{16}\/base$/);
    await replaceIn(join(dir, 'internal/service/items.go'), 'package service\n', 'package service // user\n');
    await commitAll(mono, 'service with edits');
    await writeFile(join(mono, 'README.md'), 'monorepo, edited\n');

    const r = await runUpgrade(join(dir, 'internal'), c2, V2);
    expect(r.status, r.ui.join('\n')).toBe('upgraded');
    expect(r.steps.find((s) => s.path === 'internal/service/items.go')?.kind).toBe('merged');
    expect(await readFile(join(dir, 'internal/service/items.go'), 'utf8')).toContain('package service // user\n');
    expect(await readFile(join(mono, 'README.md'), 'utf8')).toBe('monorepo, edited\n');
    expect(await git(mono, 'for-each-ref', '--format=%(refname)', 'refs/create-service')).toBe(refs);
  });
});
