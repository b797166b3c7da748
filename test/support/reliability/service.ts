import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceNames } from '../../../src/options/naming.js';
import { freePort } from '../services.js';
import { alive, killPid, onExit, sleep } from './infra.js';

/**
 * Generating, building and running generated services (and the bench tool)
 * for the reliability suite and the benchmarks.
 */

/** The repository root: found upwards, so that this also works compiled (bench/.build). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'create-service.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
})();
export const CLI = join(ROOT, 'bin', 'create-service.js');
export const BENCH_DIR = join(ROOT, 'bench');

const GOENV = { GOFLAGS: '-buildvcs=false' };

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return execa(cmd, args, { cwd, env: { ...GOENV, ...env }, all: true }).catch((err: { all?: string }) => {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${err.all ?? String(err)}`);
  });
}

/** A generated project. */
export interface Project {
  dir: string;
  name: string;
  /** URL path of the resource collection, e.g. /v1/items. */
  collection: string;
}

/**
 * Generates a project through the built CLI, with `go mod tidy`. args are CLI
 * flags (`--answers file`, `--cache none`, ...); `--yes --no-git` are added.
 */
export async function generate(dir: string, args: string[]): Promise<Project> {
  await run('node', [CLI, dir, '--yes', '--no-git', ...args], ROOT, { CI: 'true' });
  const state = JSON.parse(readFileSync(join(dir, '.create-service', 'state.json'), 'utf8')) as { answers: { name: string; resource: string } };
  const { name, resource } = state.answers;
  return { dir, name, collection: `/v1/${resourceNames(resource).kebabs}` };
}

/** Builds the project's binary as `make build` does; returns its path. */
export async function buildService(p: Project, out = join(p.dir, 'bin', p.name)): Promise<string> {
  await run('go', ['build', '-trimpath', '-o', out, `./cmd/${p.name}`], p.dir);
  return out;
}

/** Builds bench/cmd/benchtool (hello, sink, load) into dir; returns its path. */
export async function buildBenchtool(dir: string): Promise<string> {
  const out = join(dir, 'benchtool');
  await run('go', ['build', '-o', out, './cmd/benchtool'], BENCH_DIR);
  return out;
}

/** A running service process. */
export interface Running {
  proc: ChildProcess;
  pid: number;
  base: string;
  admin: string;
  logFile: string;
  /** Milliseconds from spawn to the first 200 of /health/startup. */
  startupMs: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends a signal; a no-op once exited. */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after ms; resolves with the exit code. */
  stop(ms?: number): Promise<number | string>;
  log(): string;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Folder for the log file. */
  logDir: string;
  label?: string;
  /** CPU list for taskset, e.g. "0". */
  cpus?: string;
  /** Wait for /health/ready 200 too (default true). */
  waitReady?: boolean;
}

let serial = 0;

/**
 * Starts a service binary on free loopback ports (HTTP_ADDR and ADMIN_ADDR
 * are set here), logs to a file, and waits for /health/startup (and
 * /health/ready) to answer 200.
 */
export async function startService(bin: string, opts: StartOptions): Promise<Running> {
  const [httpPort, adminPort] = await Promise.all([freePort(), freePort()]);
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${opts.label ?? 'service'}-${++serial}.log`);
  const fd = openSync(logFile, 'w');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    HTTP_ADDR: `127.0.0.1:${httpPort}`,
    ADMIN_ADDR: `127.0.0.1:${adminPort}`,
    ...opts.env,
  };
  const [cmd, args] = opts.cpus ? ['taskset', ['-c', opts.cpus, bin]] : [bin, []];
  const t0 = performance.now();
  const proc = spawn(cmd as string, args as string[], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = proc.pid!;
  const unregister = onExit(() => killPid(pid));
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, sig) => {
      unregister();
      resolve(code ?? sig ?? 'unknown');
    });
  });
  const base = `http://127.0.0.1:${httpPort}`;
  const running: Running = {
    proc,
    pid,
    base,
    admin: `http://127.0.0.1:${adminPort}`,
    logFile,
    startupMs: 0,
    exited,
    signal: (sig) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
    },
    stop: async (ms = 20_000) => {
      running.signal('SIGTERM');
      const timer = setTimeout(() => running.signal('SIGKILL'), ms);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    log: () => readFileSync(logFile, 'utf8'),
  };
  try {
    running.startupMs = (await waitStatus(`${base}/health/startup`, 200, 60_000, () => alive(pid) && proc.exitCode === null)) - t0;
    if (opts.waitReady !== false) await waitStatus(`${base}/health/ready`, 200, 30_000, () => proc.exitCode === null);
  } catch (err) {
    running.signal('SIGKILL');
    throw new Error(`${(err as Error).message}\nservice log:\n${running.log().slice(-4000)}`);
  }
  return running;
}

/** Polls url every 5 ms until it answers status; returns performance.now() of that answer. */
export async function waitStatus(url: string, status: number, ms: number, stillAlive: () => boolean = () => true): Promise<number> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    if (!stillAlive()) throw new Error(`process exited while waiting for ${url}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      last = `${r.status} ${await r.text()}`;
      if (r.status === status) return performance.now();
    } catch (err) {
      last = String(err);
    }
    await sleep(5);
  }
  throw new Error(`${url} did not answer ${status} within ${ms} ms; last: ${last}`);
}

/** Creates n resources through the API; returns their ids. */
export async function createItems(base: string, collection: string, n: number, prefix = 'item'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${base}${collection}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `${prefix} ${i}`, description: `created before the test (${i})` }),
    });
    const body = (await r.json()) as { id?: string };
    if (r.status !== 201 || !body.id) throw new Error(`create ${i}: ${r.status} ${JSON.stringify(body)}`);
    ids.push(body.id);
  }
  return ids;
}

/** Resident set size of a process in kB (Linux /proc). */
export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
