import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../services.js';

/**
 * Private, throwaway Postgres and Redis servers for the reliability suite and
 * the benchmarks: each on a free loopback port, with its data in a temporary
 * folder, so that killing, freezing and restarting them harms nothing else.
 * Everything started here is also stopped when the Node process exits,
 * however the tests end.
 */

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

const cleanups = new Set<() => void>();
let hooked = false;

/** Runs fn synchronously when the process exits (and on SIGINT/SIGTERM), unless unregistered first. */
export function onExit(fn: () => void): () => void {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const f of [...cleanups]) {
        try {
          f();
        } catch {
          // best effort: the process is going away
        }
      }
      cleanups.clear();
    };
    process.once('exit', runAll);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        runAll();
        process.exit(130);
      });
    }
  }
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills a process by pid if it still exists. */
export function killPid(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when host:port accepts a TCP connection, or rejects after ms. */
export async function waitForPort(port: number, ms = 10_000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not accept connections within ${ms} ms`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** uid/gid to run Postgres as: initdb and postgres refuse to run as root. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await execa('id', ['-u', 'postgres'])).stdout);
  const gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
  return { uid, gid };
}

/** A private PostgreSQL server: initdb in a temporary folder, trust auth, fsync off. */
export class PrivatePostgres {
  readonly dir: string;
  readonly data: string;
  readonly sockets: string;
  port = 0;
  private user: { uid: number; gid: number } | undefined;
  private unregister: (() => void) | undefined;
  private frozen: number[] = [];

  private constructor(dir: string) {
    this.dir = dir;
    this.data = join(dir, 'data');
    this.sockets = join(dir, 'sock');
  }

  /** CPU list the server is pinned to (taskset), if any. */
  cpus: string | undefined;

  /** Creates and starts a new cluster, pinned to cpus (a taskset CPU list) when given. */
  static async start(label = 'pg', cpus?: string): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(mkdtempSync(join(tmpdir(), `cs-${label}-`)));
    pg.cpus = cpus;
    pg.user = await postgresUser();
    mkdirSync(pg.sockets);
    if (pg.user) {
      chownSync(pg.dir, pg.user.uid, pg.user.gid);
      chownSync(pg.sockets, pg.user.uid, pg.user.gid);
    }
    pg.unregister = onExit(() => {
      killPid(pg.pid(), 'SIGQUIT');
      rmSync(pg.dir, { recursive: true, force: true });
    });
    await pg.run('initdb', ['-D', pg.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    pg.port = await freePort();
    await pg.startServer();
    return pg;
  }

  private run(bin: string, args: string[]) {
    const [cmd, full] = this.cpus ? ['taskset', ['-c', this.cpus, join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
    return execa(cmd as string, full as string[], { cwd: this.dir, all: true, ...(this.user ?? {}) }).catch((err: { all?: string }) => {
      throw new Error(`${bin} ${args.join(' ')} failed:\n${err.all ?? String(err)}`);
    });
  }

  /** Starts the server on its port (again, after a kill: crash recovery runs first). */
  async startServer(): Promise<void> {
    const opts = [
      `-p ${this.port}`,
      `-k ${this.sockets}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      '-c shared_buffers=128MB',
    ].join(' ');
    await this.run('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
  }

  /** The postmaster's pid, from postmaster.pid. */
  pid(): number | undefined {
    const f = join(this.data, 'postmaster.pid');
    if (!existsSync(f)) return undefined;
    const pid = Number(readFileSync(f, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** Every process of the server: the postmaster and its children. */
  async pids(): Promise<number[]> {
    const main = this.pid();
    if (!main) return [];
    const r = await execa('pgrep', ['-P', String(main)], { reject: false });
    return [main, ...r.stdout.split('\n').filter(Boolean).map(Number)];
  }

  /** Crashes the server the way a power cut would (immediate shutdown: no checkpoint). */
  async kill(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  /** Freezes every server process (SIGSTOP): connections stay open but nothing answers, like a partition. */
  async freeze(): Promise<void> {
    this.frozen = await this.pids();
    for (const pid of this.frozen) killPid(pid, 'SIGSTOP');
  }

  /** Undoes freeze. */
  thaw(): void {
    for (const pid of this.frozen) killPid(pid, 'SIGCONT');
    this.frozen = [];
  }

  /** A connection URL for a database of this server. */
  url(db: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}?sslmode=disable`;
  }

  /** Runs SQL through the Unix socket; returns the unaligned, tuples-only output. */
  async psql(sql: string, db = 'postgres'): Promise<string> {
    const r = await execa('psql', ['-h', this.sockets, '-p', String(this.port), '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql]);
    return r.stdout.trim();
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await this.psql(`CREATE DATABASE "${name}"`);
    return this.url(name);
  }

  /** Stops the server and deletes its folder. */
  async destroy(): Promise<void> {
    this.thaw();
    if (this.pid()) await this.run('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => killPid(this.pid(), 'SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister?.();
  }
}

/** A private redis-server with persistence off. */
export class PrivateRedis {
  readonly dir: string;
  port = 0;
  private proc: ChildProcess | undefined;
  private unregister: (() => void) | undefined;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** CPU list the server is pinned to (taskset), if any. */
  cpus: string | undefined;

  static async start(label = 'redis', cpus?: string): Promise<PrivateRedis> {
    const r = new PrivateRedis(mkdtempSync(join(tmpdir(), `cs-${label}-`)));
    r.cpus = cpus;
    r.port = await freePort();
    r.unregister = onExit(() => {
      killPid(r.proc?.pid);
      rmSync(r.dir, { recursive: true, force: true });
    });
    await r.startServer();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid(): number | undefined {
    return this.proc?.exitCode === null ? this.proc.pid : undefined;
  }

  /** Starts redis-server on its port (again, after kill). */
  async startServer(): Promise<void> {
    const pin = this.cpus ? ['-c', this.cpus, 'redis-server'] : [];
    this.proc = spawn(
      this.cpus ? 'taskset' : 'redis-server',
      [...pin, '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--protected-mode', 'no', '--loglevel', 'warning'],
      { stdio: 'ignore' },
    );
    await waitForPort(this.port);
  }

  /** Kills the server (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await exited;
  }

  /** Runs one command (inline protocol) and returns the raw reply. */
  command(cmd: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port: this.port });
      let buf = '';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`redis ${cmd}: no reply`));
      }, 2000);
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.endsWith('\r\n')) {
          clearTimeout(timer);
          s.end();
          resolve(buf.trim());
        }
      });
      s.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      s.write(`${cmd}\r\n`);
    });
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    this.unregister?.();
  }
}
