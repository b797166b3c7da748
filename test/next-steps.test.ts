import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/fixtures.js';
import { freePort, PG, psql, reachable, REDIS } from './support/services.js';

/**
 * Issue 13, item 3: a new user on a machine with PostgreSQL and Redis on
 * 127.0.0.1 and no Docker types exactly what `create-service <name>` printed
 * and gets a service that creates and returns an item. The only addition is
 * HTTP_ADDR and ADMIN_ADDR in the environment, because this machine is shared
 * and :8080 may be taken; .env leaves both unset.
 */

const CLI = join(ROOT, 'bin', 'create-service.js');
const MINUTES = 60_000;

describe('next steps', () => {
  const work = mkdtempSync(join(tmpdir(), 'cs-next-steps-'));
  // The database name comes from the service name (.env.example), so it is fresh per run.
  const name = `steps${process.pid}x${Date.now().toString(36)}`;
  afterAll(async () => {
    await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    rmSync(work, { recursive: true, force: true });
  });

  it('the printed next steps, run verbatim, serve the API: an item is created and fetched back', async () => {
    await reachable(PG.host, PG.port);
    await reachable(REDIS.host, REDIS.port);
    const created = await execa('node', [CLI, name, '--yes', '--no-git'], { cwd: work, all: true, env: { CI: 'true' } });
    expect(created.exitCode, created.all).toBe(0);
    const printed = created.all.split('\n');
    const steps = printed.slice(printed.indexOf('Next steps:') + 1).filter((l) => l.startsWith('  ')).map((l) => l.slice(2));
    expect(steps[0]).toBe(`cd ${name}`);

    // The README's Quick start gives the same commands (after the cd).
    const readme = readFileSync(join(work, name, 'README.md'), 'utf8');
    const quick = /## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trimEnd().split('\n');
    expect.soft(quick, "README Quick start vs printed steps").toEqual(steps.slice(1));

    const [httpPort, adminPort] = await Promise.all([freePort(), freePort()]);
    const shell = execa('bash', ['-e', '-c', steps.join('\n')], {
      cwd: work,
      all: true,
      reject: false,
      detached: true, // its own process group, so make and the service stop together
      stdin: 'ignore',
      env: { HTTP_ADDR: `127.0.0.1:${httpPort}`, ADMIN_ADDR: `127.0.0.1:${adminPort}` },
    });
    let output = '';
    shell.all?.on('data', (b: Buffer) => (output += b.toString()));
    const base = `http://127.0.0.1:${httpPort}`;
    try {
      let last = 'no answer';
      for (const deadline = Date.now() + 8 * MINUTES; ; ) {
        if (shell.exitCode !== undefined && shell.exitCode !== null) throw new Error(`the steps exited ${shell.exitCode} before the service was ready:\n${output}`);
        const r = await fetch(`${base}/health/ready`).catch((err: Error) => err);
        if (!(r instanceof Error)) {
          last = `${r.status} ${await r.text()}`;
          if (r.status === 200) break;
        }
        if (Date.now() > deadline) throw new Error(`not ready within 8 minutes; last: ${last}\n${output}`);
        await new Promise((res) => setTimeout(res, 250));
      }
      const post = await fetch(`${base}/v1/items`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'first', description: 'my first item' }),
      });
      const item = (await post.json()) as Record<string, unknown>;
      expect(post.status, `${JSON.stringify(item)}\n${output}`).toBe(201);
      const got = await fetch(`${base}${post.headers.get('location')}`);
      expect(got.status).toBe(200);
      expect(await got.json()).toEqual(item);
    } finally {
      try {
        if (shell.pid !== undefined) process.kill(-shell.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await shell;
    }
    // A second make dev keeps the user's .env.
    const again = await execa('make', ['-n', 'dev'], { cwd: join(work, name) });
    expect(again.stdout).not.toContain('.env.example');
  }, 12 * MINUTES);
});
