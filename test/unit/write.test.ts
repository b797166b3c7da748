import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { RenderedFile } from '../../src/render/render.js';
import { checkTarget, inspectTarget, writeProject } from '../../src/write/write.js';

const FILES: RenderedFile[] = [
  { path: '.create-service/state.json', content: '{}\n', mode: 0o644 },
  { path: 'README.md', content: '# orders\n', mode: 0o644 },
  { path: 'cmd/orders/main.go', content: 'package main\n', mode: 0o644 },
  { path: 'go.mod', content: 'module example.com/orders\n', mode: 0o644 },
  { path: 'internal/domain/item.go', content: 'package domain\n', mode: 0o644 },
  { path: 'scripts/dev.sh', content: '#!/bin/sh\necho dev\n', mode: 0o755 },
];

type Entry = { type: 'dir' | 'file'; mode: number; content?: string };

/** Every entry below `dir`: type, permission bits and (for files) content. */
async function snapshot(dir: string): Promise<Record<string, Entry>> {
  const out: Record<string, Entry> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const p = rel === '' ? name : `${rel}/${name}`;
      const s = await lstat(join(dir, p));
      if (s.isDirectory()) {
        out[`${p}/`] = { type: 'dir', mode: s.mode & 0o7777 };
        await walk(p);
      } else {
        out[p] = { type: 'file', mode: s.mode & 0o7777, content: (await readFile(join(dir, p))).toString('base64') };
      }
    }
  }
  await walk('');
  return out;
}

async function put(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, content] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), content);
  }
}

const read = (dir: string, p: string) => readFile(join(dir, p), 'utf8');

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

let parent: string;
let target: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'cs-write-'));
  target = join(parent, 'orders');
});
afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

/** Nothing but the target (and what the test put there) may remain in the parent: no staging directory. */
async function expectNoStaging(): Promise<void> {
  expect((await readdir(parent)).filter((n) => n.includes('create-service'))).toEqual([]);
}

async function expectWritten(dir: string): Promise<void> {
  for (const f of FILES) {
    expect(await read(dir, f.path)).toBe(f.content);
    expect((await stat(join(dir, f.path))).mode & 0o777, f.path).toBe(f.mode);
  }
}

describe('writeProject', () => {
  it('creates a new directory with every file', async () => {
    const written = await writeProject(target, FILES, { force: false });
    expect(written).toBe(target);
    await expectWritten(target);
    expect(Object.keys(await snapshot(target)).filter((p) => !p.endsWith('/'))).toEqual(FILES.map((f) => f.path).sort());
    await expectNoStaging();
  });

  it('gives the new directory the usual mode, not the staging directory 0700', async () => {
    await writeProject(target, FILES, { force: false });
    await mkdir(join(parent, 'reference'));
    const usual = (await stat(join(parent, 'reference'))).mode & 0o777;
    expect((await stat(target)).mode & 0o777).toBe(usual);
    expect((await stat(join(target, 'cmd'))).mode & 0o777).toBe(usual);
  });

  it('creates missing parent directories', async () => {
    const deep = join(parent, 'a', 'b', 'orders');
    await writeProject(deep, FILES, { force: false });
    await expectWritten(deep);
  });

  it('writes exact modes whatever the umask: 0755 for scripts, 0644 otherwise', async () => {
    await writeProject(target, FILES, { force: false });
    expect((await stat(join(target, 'scripts/dev.sh'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(target, 'go.mod'))).mode & 0o777).toBe(0o644);
  });

  it('fills an empty directory', async () => {
    await mkdir(target);
    await writeProject(target, FILES, { force: false });
    await expectWritten(target);
    await expectNoStaging();
  });

  it('allows a directory holding only harmless files without --force, and leaves them alone', async () => {
    await put(target, {
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': '[core]\n',
      LICENSE: 'MIT\n',
      '.DS_Store': 'x',
      '.idea/workspace.xml': '<x/>',
      'orders.iml': '<module/>',
    });
    const before = await snapshot(target);
    expect((await inspectTarget(target)).kind).toBe('harmless');
    await writeProject(target, FILES, { force: false });
    await expectWritten(target);
    const after = await snapshot(target);
    for (const [p, e] of Object.entries(before)) expect(after[p], p).toEqual(e);
    await expectNoStaging();
  });

  it('refuses an occupied directory without --force, naming what is there, and changes nothing', async () => {
    await put(target, { 'main.go': 'package mine\n', 'notes.txt': 'mine\n', LICENSE: 'MIT\n' });
    const before = await snapshot(target);
    const err = await rejection(writeProject(target, FILES, { force: false }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('is not empty (LICENSE, main.go, notes.txt)');
    expect(err.message).toContain('--force');
    expect(await snapshot(target)).toEqual(before);
    await expectNoStaging();
  });

  it('with --force writes only generated paths: replaces them, keeps every other file, deletes nothing', async () => {
    await put(target, {
      'go.mod': 'module mine\n', // replaced
      'cmd/orders/main.go': 'package mine\n', // replaced
      'cmd/orders/extra.go': 'package main // mine\n', // kept
      'docs/notes.md': 'mine\n', // kept
      '.env': 'SECRET=1\n', // kept
    });
    const before = await snapshot(target);
    await writeProject(target, FILES, { force: true });
    await expectWritten(target);
    const after = await snapshot(target);
    for (const p of ['cmd/orders/extra.go', 'docs/notes.md', '.env']) expect(after[p], p).toEqual(before[p]);
    // Every path there before is still there.
    expect(Object.keys(after)).toEqual(expect.arrayContaining(Object.keys(before)));
    await expectNoStaging();
  });

  it('refuses a target that is a file', async () => {
    await writeFile(target, 'a file\n');
    const err = await rejection(writeProject(target, FILES, { force: true }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(/exists and is not a directory/);
    expect(await read(parent, 'orders')).toBe('a file\n');
    await expectNoStaging();
  });

  describe('a failure part-way leaves the target as it was', () => {
    const occupied = {
      'README.md': '# my readme\n', // index 1: replaced, then restored
      'keep.txt': 'mine\n',
      'internal/other.go': 'package other\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
    };

    it('rolls back moved files and restores replaced ones when the 3rd move fails', async () => {
      await put(target, occupied);
      const before = await snapshot(target);
      const moves: string[] = [];
      const err = await rejection(
        writeProject(target, FILES, {
          force: true,
          hooks: {
            beforeMove: (path, index) => {
              moves.push(path);
              if (index === 2) throw new Error('simulated crash');
            },
          },
        }),
      );
      expect(err.message).toBe('simulated crash');
      expect(moves).toEqual(FILES.slice(0, 3).map((f) => f.path));
      expect(await snapshot(target)).toEqual(before);
      await expectNoStaging();
    });

    it('also in a directory holding only harmless files', async () => {
      await put(target, { LICENSE: 'MIT\n', '.git/HEAD': 'ref: refs/heads/main\n' });
      const before = await snapshot(target);
      await rejection(
        writeProject(target, FILES, {
          force: false,
          hooks: {
            beforeMove: (_path, index) => {
              if (index === 4) throw new Error('simulated crash');
            },
          },
        }),
      );
      expect(await snapshot(target)).toEqual(before);
      await expectNoStaging();
    });

    it('when a directory stands where a file goes', async () => {
      await put(target, { 'go.mod/inside.txt': 'a directory named go.mod\n', 'README.md': 'mine\n' });
      const before = await snapshot(target);
      const err = await rejection(writeProject(target, FILES, { force: true }));
      expect(err).toBeInstanceOf(UsageError);
      expect(err.message).toContain('go.mod');
      expect(await snapshot(target)).toEqual(before);
      await expectNoStaging();
    });
  });
});

describe('inspectTarget and checkTarget', () => {
  it('tells missing, empty, harmless and occupied apart', async () => {
    expect(await inspectTarget(target)).toEqual({ kind: 'missing' });
    await mkdir(target);
    expect(await inspectTarget(target)).toEqual({ kind: 'empty' });
    await put(target, { 'LICENSE.md': 'MIT\n', '.gitkeep': '' });
    expect((await inspectTarget(target)).kind).toBe('harmless');
    await put(target, { 'b.go': '', 'a.go': '' });
    expect(await inspectTarget(target)).toEqual({ kind: 'occupied', entries: ['.gitkeep', 'LICENSE.md', 'a.go', 'b.go'] });
  });

  it('checkTarget names at most five entries', () => {
    const entries = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(() => checkTarget('svc', { kind: 'occupied', entries }, false)).toThrow(/is not empty \(a, b, c, d, e, \.\.\.\)/);
    expect(() => checkTarget('svc', { kind: 'occupied', entries }, true)).not.toThrow();
    expect(() => checkTarget('svc', { kind: 'harmless', entries: ['LICENSE'] }, false)).not.toThrow();
  });
});
