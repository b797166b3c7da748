import { rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeCommand } from '../../src/commands/upgrade.js';
import { ExitCode } from '../../src/upgrade/exit.js';
import { answersFor, commitAll, generate, recordingUi, sink, tempDir, V1, writeRelease, type Release } from '../upgrade/support.js';

/**
 * A release whose Go code builds with no module downloads: the redis cache
 * folder brings internal/cache/redis/redis.go, which imports a helper package
 * the same folder brings.
 */
function release(): Release {
  const r: Release = new Map();
  r.set('base:go.mod', 'module {{module}}\n\ngo 1.22\n');
  r.set('base:cmd/__name__/main.go', 'package main\n\nfunc main() {}\n');
  r.set('cache/redis:internal/pool/pool.go', 'package pool\n\n// Size is the pool size.\nconst Size = 10\n');
  r.set('cache/redis:internal/cache/redis/redis.go', 'package redis\n\nimport "{{module}}/internal/pool"\n\n// Size is the pool size.\nconst Size = pool.Size\n');
  return r;
}

let work: string;
let templates: string;
beforeAll(async () => {
  work = await tempDir('build');
  templates = await writeRelease(join(work, 'templates'), release());
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function command(dir: string, over: { continue?: boolean; sets?: string[]; build?: boolean }) {
  const ui = recordingUi();
  const run = upgradeCommand({
    cwd: dir,
    sets: over.sets ?? [],
    dryRun: false,
    yes: true,
    continue: over.continue ?? false,
    abort: false,
    force: false,
    build: over.build ?? true,
    interactive: false,
    prompter: undefined as never,
    ui,
    stdout: sink(),
    templates,
    generator: V1,
  });
  return { ui, run };
}

describe('upgrade builds the project afterwards (go build ./...)', () => {
  it('--continue after keeping a file the new version dropped reports that it no longer compiles, naming it, exit 1', async () => {
    const parent = await tempDir('build-parent');
    const dir = await generate(parent, await answersFor('orders', { cache: 'redis', db: 'memory' }), templates, V1);
    const file = join(dir, 'internal/cache/redis/redis.go');
    await writeFile(file, `// tuned by me\n${await readFile(file, 'utf8')}`);
    await commitAll(dir);

    const off = command(dir, { sets: ['cache=none'] });
    await expect(off.run).rejects.toEqual(new ExitCode(1)); // the modify/delete conflict

    const cont = command(dir, { continue: true });
    await expect(cont.run).rejects.toEqual(new ExitCode(1));
    const out = cont.ui.lines.join('\n');
    expect(out).toContain('done: upgrade to create-service 1.0.0 completed');
    expect(out).toContain('error: the upgraded project does not compile: internal/cache/redis/redis.go (you kept it; the new version no longer has it)');
    expect(out).toMatch(/internal\/cache\/redis\/redis\.go:\d+:\d+: .*internal\/pool/);
  }, 120_000);

  it('a conflict-free upgrade that builds says so, and --no-build skips the build', async () => {
    const parent = await tempDir('build-parent');
    const dir = await generate(parent, await answersFor('orders', { cache: 'redis', db: 'memory' }), templates, V1);
    const off = command(dir, { sets: ['cache=none'] });
    await off.run;
    expect(off.ui.lines.join('\n')).toContain('done: the upgraded project builds (go build ./...)');

    const dir2 = await generate(await tempDir('build-parent'), await answersFor('orders', { cache: 'redis', db: 'memory' }), templates, V1);
    const skipped = command(dir2, { sets: ['cache=none'], build: false });
    await skipped.run;
    expect(skipped.ui.lines.join('\n')).not.toContain('go build');
  }, 120_000);
});
