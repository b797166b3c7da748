import { readFile, rm, stat, writeFile, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../src/options/model.js';
import { STATE_PATH } from '../../src/render/render.js';
import { REPORT_PATH } from '../../src/upgrade/apply.js';
import { checkProject } from '../../src/upgrade/check.js';
import { renderRelease } from '../../src/upgrade/release.js';
import { parseState } from '../../src/upgrade/state.js';
import { upgrade } from '../../src/upgrade/upgrade.js';
import {
  answersFor,
  commitAll,
  copyProject,
  evolve,
  freshTree,
  generate,
  git,
  prepareUpgradedProject,
  recordingUi,
  sink,
  readRelease,
  REAL_TEMPLATES,
  runUpgrade,
  snapshot,
  syntheticRelease,
  tempDir,
  treeDiff,
  treeHash,
  V1,
  V2,
  V3,
  writeRelease,
  type Release,
} from './support.js';

/**
 * Upgrade groups 1 and 3-6 of issue 3, with real git: no edits gives a
 * fresh render; idempotence; v1→v2→v3 = v1→v3; option round trips; a
 * dropped file the user edited is kept and flagged. Releases are template
 * sets in temp dirs (the synthetic one and a frozen copy of the real one).
 */

let root: string;
const rel: Record<string, string> = {};

beforeAll(async () => {
  root = await tempDir('upgrade');
  const s1 = syntheticRelease();
  const s2 = evolve(s1, 11, 'vtwo');
  // v2 also bumps a go.mod requirement (a template change to go.mod).
  s2.set('base:go.mod', s2.get('base:go.mod')!.replace('uuid v1.5.0', 'uuid v1.6.0'));
  const s3 = evolve(s2, 23, 'vthree');
  const r1 = await readRelease(REAL_TEMPLATES);
  const r2 = evolve(r1, 5, 'realtwo');
  const releases: Record<string, Release> = { s1, s2, s3, r1, r2 };
  for (const [name, r] of Object.entries(releases)) rel[name] = await writeRelease(join(root, 'releases', name), r);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
/** A fresh parent folder for one project. */
async function parent(): Promise<string> {
  const p = join(root, `p${++n}`);
  await mkdir(p, { recursive: true });
  return p;
}

/** Inserts a user line as the second line of a file (templates never change the first five). */
async function editTop(dir: string, path: string, line: string): Promise<void> {
  const file = join(dir, path);
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.splice(1, 0, line);
  await writeFile(file, lines.join('\n'));
}

async function state(dir: string) {
  return parseState(await readFile(join(dir, STATE_PATH), 'utf8'));
}

const combos: [string, Partial<Answers>][] = [
  ['defaults', {}],
  ['minimal', { router: 'stdlib', db: 'memory', cache: 'none', logger: 'slog', metrics: false, tracing: false }],
  ['chi-memory-cache', { router: 'chi', db: 'postgres', cache: 'memory', tracing: false }],
];

describe('1. no user edits: upgrade(v1→v2) is exactly a fresh generate(v2)', () => {
  for (const [label, partial] of combos) {
    it(`synthetic release, ${label}`, async () => {
      const answers = await answersFor('orders', partial);
      const dir = await generate(await parent(), answers, rel.s1!, V1);
      const r = await runUpgrade(dir, rel.s2!, V2);
      expect(r.status, r.ui.join('\n')).toBe('upgraded');
      const fresh = await freshTree(join(await parent(), 'orders'), answers, rel.s2!, V2);
      expect(treeDiff(await snapshot(dir), fresh)).toEqual([]);
      // The new render is the new base: nothing left to upgrade, nothing edited.
      expect((await checkProject({ cwd: dir, templates: rel.s2!, generator: V2 })).reasons).toEqual([]);
      expect(await git(dir, 'rev-parse', 'refs/create-service/base^{tree}')).not.toBe('');
      expect(await git(dir, 'for-each-ref', 'refs/create-service/pending')).toBe('');
    });
  }

  for (const [label, partial] of combos.slice(0, 2)) {
    it(`copy of the real templates, ${label}`, async () => {
      const answers = await answersFor('billing', { resource: 'invoice', ...partial });
      const dir = await generate(await parent(), answers, rel.r1!, V1);
      const r = await runUpgrade(dir, rel.r2!, V2);
      expect(r.status, r.ui.join('\n')).toBe('upgraded');
      const fresh = await freshTree(join(await parent(), 'billing'), answers, rel.r2!, V2);
      expect(treeDiff(await snapshot(dir), fresh)).toEqual([]);
    });
  }
});

describe('3. idempotent', () => {
  it('upgrading twice equals upgrading once', async () => {
    const answers = await answersFor('orders');
    const dir = await generate(await parent(), answers, rel.s1!, V1);
    await editTop(dir, 'internal/service/items.go', '// user: a note on the service');
    await writeFile(join(dir, 'internal/service/extra.go'), 'package service\n\n// Extra is the user\'s.\nconst Extra = 1\n');
    await commitAll(dir);
    expect((await runUpgrade(dir, rel.s2!, V2)).status).toBe('upgraded');
    await commitAll(dir, 'upgrade to v2');
    const once = await treeHash(dir);
    const again = await runUpgrade(dir, rel.s2!, V2);
    expect(again.status).toBe('up-to-date');
    expect(await treeHash(dir)).toBe(once);
    expect(await git(dir, 'status', '--porcelain')).toBe('');
  });

  it('the same version with the same answers changes nothing (no journal, no backup, no refs)', async () => {
    const dir = await generate(await parent(), await answersFor('orders'), rel.s1!, V1);
    const before = await treeHash(dir);
    const refs = await git(dir, 'for-each-ref');
    const r = await runUpgrade(dir, rel.s1!, V1);
    expect(r.status).toBe('up-to-date');
    expect(r.steps.every((s) => s.kind === 'unchanged')).toBe(true);
    expect(await treeHash(dir)).toBe(before);
    expect(await git(dir, 'for-each-ref')).toBe(refs);
    expect(await stat(join(dir, '.git', 'create-service')).catch(() => undefined)).toBeUndefined();
  });
});

describe('4. v1→v2→v3 equals v1→v3 when there are no conflicts', () => {
  for (const [label, partial] of combos) {
    it(label, async () => {
      const answers = await answersFor('orders', partial);
      const dir = await generate(await parent(), answers, rel.s1!, V1);
      // User edits in every generated Go file that all three releases have (an edit to a file a
      // release drops is a modify/delete conflict), a user file, a deleted generated file.
      const kept = new Set((await renderRelease(rel.s2!, answers, V2)).map((f) => f.path));
      const inV3 = new Set((await renderRelease(rel.s3!, answers, V3)).map((f) => f.path));
      const st = await state(dir);
      const edited = Object.keys(st.files).filter((p) => p.endsWith('.go') && !p.endsWith('_gen.go') && kept.has(p) && inV3.has(p));
      expect(edited.length).toBeGreaterThan(5);
      for (const p of edited) await editTop(dir, p, `// user edit in ${p}`);
      await writeFile(join(dir, 'NOTES.md'), 'my notes\n');
      await unlink(join(dir, 'README.md'));
      await commitAll(dir);

      const stepwise = await copyProject(dir, join(await parent(), 'orders'));
      const r2 = await runUpgrade(stepwise, rel.s2!, V2);
      expect(r2.conflicts, r2.ui.join('\n')).toEqual([]);
      await commitAll(stepwise, 'to v2');
      const r3 = await runUpgrade(stepwise, rel.s3!, V3);
      expect(r3.conflicts, r3.ui.join('\n')).toEqual([]);

      const direct = await copyProject(dir, join(await parent(), 'orders'));
      const r13 = await runUpgrade(direct, rel.s3!, V3);
      expect(r13.conflicts, r13.ui.join('\n')).toEqual([]);

      expect(treeDiff(await snapshot(stepwise), await snapshot(direct))).toEqual([]);
      // Every user edit is still there, and the deleted README was not brought back.
      for (const p of edited) expect(await readFile(join(direct, p), 'utf8')).toContain(`// user edit in ${p}`);
      expect(await readFile(join(direct, 'NOTES.md'), 'utf8')).toBe('my notes\n');
      expect(await stat(join(direct, 'README.md')).catch(() => undefined)).toBeUndefined();
    });
  }
});

describe('5. option round trip', () => {
  for (const [label, release] of [
    ['synthetic release', 's1'],
    ['copy of the real templates', 'r1'],
  ] as const) {
    it(`${label}: cache none → redis → none with no edits returns the original tree byte for byte`, async () => {
      const answers = await answersFor('orders', { cache: 'none' });
      const dir = await generate(await parent(), answers, rel[release]!, V1);
      const original = await snapshot(dir);
      const on = await runUpgrade(dir, rel[release]!, V1, { sets: ['cache=redis'] });
      expect(on.status, on.ui.join('\n')).toBe('upgraded');
      expect(on.steps.some((s) => s.kind === 'add' && s.path.includes('redis'))).toBe(true);
      await commitAll(dir, 'redis on');
      const off = await runUpgrade(dir, rel[release]!, V1, { sets: ['cache=none'] });
      expect(off.status, off.ui.join('\n')).toBe('upgraded');
      expect(treeDiff(await snapshot(dir), original)).toEqual([]);
    });
  }

  it('--set transport=grpc adds the .proto and generates its Go code, as `make generate` does', async () => {
    const answers = await answersFor('orders', { db: 'memory', cache: 'none' });
    const dir = await generate(await parent(), answers, rel.r1!, V1);
    const r = await runUpgrade(dir, rel.r1!, V1, { sets: ['transport=grpc'] });
    expect(r.status, r.ui.join('\n')).toBe('upgraded');
    expect(r.steps.some((s) => s.kind === 'add' && s.path === 'api/proto/orders/v1/item.proto')).toBe(true);
    // The generated code is no rendered file: the upgrade ran buf, and so does not ask for it.
    expect(await readFile(join(dir, 'internal/gen/orders/v1/item_grpc.pb.go'), 'utf8')).toContain('ItemServiceServer');
    expect(r.ui.join('\n')).not.toContain('make generate');
  }, 10 * 60_000);

  it('with edits in redis files, turning redis off gives modify/delete conflicts, not deletions', async () => {
    const answers = await answersFor('orders', { cache: 'redis' });
    const dir = await generate(await parent(), answers, rel.s1!, V1);
    await editTop(dir, 'internal/cache/redis/redis.go', '// user: tuned the pool');
    await writeFile(join(dir, 'internal/cache/redis/mine.go'), 'package redis\n\n// Mine is the user\'s.\nconst Mine = 1\n');
    await commitAll(dir);
    const edited = await readFile(join(dir, 'internal/cache/redis/redis.go'));

    const off = await runUpgrade(dir, rel.s1!, V1, { sets: ['cache=none'] });
    expect(off.status).toBe('conflicts');
    expect(off.conflicts).toEqual([{ path: 'internal/cache/redis/redis.go', kind: 'modify/delete' }]);
    expect(await readFile(join(dir, 'internal/cache/redis/redis.go'))).toEqual(edited);
    expect(await readFile(join(dir, 'internal/cache/redis/mine.go'), 'utf8')).toContain('Mine');
    // The untouched redis files are gone; the report names the kept one.
    expect(await stat(join(dir, 'internal/cache/redis/redis_test.go')).catch(() => undefined)).toBeUndefined();
    expect(await readFile(join(dir, REPORT_PATH), 'utf8')).toContain('internal/cache/redis/redis.go');
    expect((await checkProject({ cwd: dir, templates: rel.s1!, generator: V1 })).reasons.map((r) => r.kind)).toEqual(['unfinished']);

    const done = await runUpgrade(dir, rel.s1!, V1, { action: 'continue' });
    expect(done.status).toBe('upgraded');
    const st = await state(dir);
    expect(st.answers.cache).toBe('none');
    expect(st.inProgress).toBeUndefined();
    expect(st.files['internal/cache/redis/redis.go']).toBeUndefined();
    expect(await readFile(join(dir, 'internal/cache/redis/redis.go'))).toEqual(edited);
    expect(await stat(join(dir, REPORT_PATH)).catch(() => undefined)).toBeUndefined();
    expect((await checkProject({ cwd: dir, templates: rel.s1!, generator: V1 })).reasons).toEqual([]);
  });
});

describe('6. the template drops a file the user edited', () => {
  it('keeps it, flags it, and lets --continue record the new version', async () => {
    const dropped = join(root, 'releases', 'dropped');
    const release = syntheticRelease();
    release.delete('base:internal/domain/__resource__.go');
    await writeRelease(dropped, release);
    const dir = await generate(await parent(), await answersFor('orders'), rel.s1!, V1);
    await editTop(dir, 'internal/domain/item.go', '// user: my domain rule');
    await commitAll(dir);
    const kept = await readFile(join(dir, 'internal/domain/item.go'));

    const r = await runUpgrade(dir, dropped, V2);
    expect(r.status).toBe('conflicts');
    expect(r.conflicts).toEqual([{ path: 'internal/domain/item.go', kind: 'modify/delete' }]);
    expect(r.ui.join('\n')).toContain('internal/domain/item.go: the new version no longer generates this file, but you changed it; it was kept');
    expect(await readFile(join(dir, 'internal/domain/item.go'))).toEqual(kept);
    expect(await readFile(join(dir, REPORT_PATH), 'utf8')).toMatch(/internal\/domain\/item\.go: the new version no longer generates this file/);

    expect((await runUpgrade(dir, dropped, V2, { action: 'continue' })).status).toBe('upgraded');
    expect(await readFile(join(dir, 'internal/domain/item.go'))).toEqual(kept);
    expect((await state(dir)).generator).toEqual(V2);
  });
});

describe('go.mod', () => {
  it('a template dependency bump and a dependency the user added next to it both survive', async () => {
    const dir = await generate(await parent(), await answersFor('orders', { cache: 'none' }), rel.s1!, V1);
    const gomod = join(dir, 'go.mod');
    await writeFile(gomod, (await readFile(gomod, 'utf8')).replace('\tgithub.com/google/uuid v1.5.0\n', '\tgithub.com/google/uuid v1.5.0\n\tgithub.com/user/added v0.4.0\n'));
    await commitAll(dir);
    const r = await runUpgrade(dir, rel.s2!, V2);
    expect(r.conflicts).toEqual([]);
    expect(r.steps.find((s) => s.path === 'go.mod')).toMatchObject({ kind: 'merged', how: 'go.mod' });
    const merged = await readFile(gomod, 'utf8');
    expect(merged).toContain('\tgithub.com/google/uuid v1.6.0\n');
    expect(merged).toContain('\tgithub.com/user/added v0.4.0\n');
    expect(merged).not.toContain('v1.5.0');
    expect(r.ui.join('\n')).toContain('go mod tidy');
  });
});

describe('--dry-run', () => {
  it('prints the per-file plan and the diff, and writes nothing', async () => {
    const dir = await generate(await parent(), await answersFor('orders'), rel.s1!, V1);
    await editTop(dir, 'internal/service/items.go', '// user: dry');
    await commitAll(dir);
    const before = await treeHash(dir);
    const refs = await git(dir, 'for-each-ref');
    const r = await runUpgrade(dir, rel.s2!, V2, { dryRun: true });
    expect(r.status).toBe('dry-run');
    expect(r.stdout).toMatch(/^upgrade plan: create-service 1\.0\.0 → create-service 1\.1\.0\n/);
    expect(r.stdout).toMatch(/^(update|merge-clean|add|delete|conflict \(\w+\))\s+\S+$/m);
    expect(r.stdout).toMatch(/^unchanged\s+\d+ files?$/m);
    expect(r.stdout).toMatch(/^diff --git a\/\S+ b\/\S+\n/m);
    expect(r.stdout).toContain('+// vtwo: inserted line');
    expect(await treeHash(dir)).toBe(before);
    expect(await git(dir, 'for-each-ref')).toBe(refs);
    expect(await git(dir, 'status', '--porcelain')).toBe('');
  });
});

describe('answers', () => {
  /** A prompter that answers from a script and records the questions. */
  function prompter(confirms: boolean[]) {
    const asked: string[] = [];
    return {
      asked,
      input: async (q: { message: string; default?: string }) => (asked.push(q.message), q.default ?? ''),
      select: async (q: { message: string; default?: string }) => (asked.push(q.message), q.default ?? ''),
      confirm: async (q: { message: string }) => (asked.push(q.message), confirms.shift() ?? true),
      checkbox: async (q: { message: string }) => (asked.push(q.message), []),
    };
  }

  async function withoutTracing(): Promise<string> {
    const dir = await generate(await parent(), await answersFor('orders', { tracing: true }), rel.s1!, V1);
    // As if the project came from a release before the tracing option existed.
    const file = join(dir, STATE_PATH);
    const st = JSON.parse(await readFile(file, 'utf8')) as { answers: Record<string, unknown> };
    delete st.answers.tracing;
    await writeFile(file, `${JSON.stringify(st, null, 2)}\n`);
    await commitAll(dir);
    return dir;
  }

  it('asks for options added since the recorded version at a terminal, then confirms the plan', async () => {
    const dir = await withoutTracing();
    const p = prompter([false, true]);
    const ui = recordingUi();
    const r = await upgrade({ cwd: dir, templates: rel.s1!, generator: V1, sets: [], yes: false, interactive: true, prompter: p, dryRun: false, force: false, action: 'start', ui, stdout: sink() });
    expect(p.asked).toEqual(['OpenTelemetry tracing?', 'Apply these changes?']);
    expect(r.status).toBe('upgraded');
    expect((await state(dir)).answers.tracing).toBe(false);
    expect(await stat(join(dir, 'internal/platform/telemetry/telemetry.go')).catch(() => undefined)).toBeUndefined();
  });

  it('defaults them under --yes or without a terminal; declining the plan writes nothing', async () => {
    const dir = await withoutTracing();
    const before = await treeHash(dir);
    const p = prompter([true, false]);
    const declined = await upgrade({ cwd: dir, templates: rel.s1!, generator: V1, sets: ['metrics=false'], yes: false, interactive: true, prompter: p, dryRun: false, force: false, action: 'start', ui: recordingUi(), stdout: sink() });
    expect(declined.status).toBe('declined');
    expect(await treeHash(dir)).toBe(before);
    const r = await runUpgrade(dir, rel.s1!, V1);
    expect(r.status).toBe('upgraded');
    expect((await state(dir)).answers.tracing).toBe(true);
  });

  it('refuses --abort when the backup is gone (a journal committed elsewhere)', async () => {
    const dir = await generate(await parent(), await answersFor('orders'), rel.s1!, V1);
    await editTop(dir, 'README.md', 'user line');
    await commitAll(dir);
    const changed = syntheticRelease();
    changed.set('base:README.md', changed.get('base:README.md')!.replace('# {{name}}\n', '# {{name}} service\n'));
    const r = await runUpgrade(dir, await writeRelease(join(root, 'releases', 'readme'), changed), V2);
    expect(r.status).toBe('conflicts');
    await rm(join(dir, '.git', 'create-service'), { recursive: true });
    await expect(runUpgrade(dir, rel.s1!, V2, { action: 'abort' })).rejects.toThrow(/backup of this upgrade .* is missing/);
  });
});

describe('10. the build-and-run helper', () => {
  // test/build-run.test.ts builds and tests what prepareUpgradedProject leaves; here only the upgrade itself.
  for (const sets of [[], ['cache=memory', 'router=chi']]) {
    it(`upgrades a previous-release project to the current templates cleanly${sets.length ? ` with --set ${sets.join(' ')}` : ''}`, async () => {
      const answers = await answersFor('shop');
      const dir = join(await parent(), 'shop');
      const r = await prepareUpgradedProject({ dir, answers, sets });
      expect(r.status).toBe('upgraded');
      expect(await readFile(join(dir, 'internal/userext/userext.go'), 'utf8')).toContain('func Answer()');
      expect(await stat(join(dir, 'internal/legacy/legacy.go')).catch(() => undefined)).toBeUndefined();
      expect((await state(dir)).answers).toMatchObject(Object.fromEntries(sets.map((s) => s.split('='))));
    });
  }
});
