import { execa } from 'execa';
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

/** Helpers of the benchmark harness: the closed-loop generator (wrk), statistics, the machine. */

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v.at(-1)!, n: v.length };
}

export interface WrkResult {
  rps: number;
  /** Requests per second answered 2xx or 3xx (wrk's "Non-2xx or 3xx responses" taken out). */
  okRps: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  p50ms: number;
  p99ms: number;
  /** The server's CPU time (utime + stime) per request, set by the caller that knows its pid; NaN if not. */
  cpuUsPerRequest: number;
}

/** Runs wrk (closed loop: each connection sends its next request when the previous answer arrives). */
export async function wrk(url: string, o: { seconds: number; conns: number; cpus?: string; script?: string }): Promise<WrkResult> {
  const args = ['-t1', `-c${o.conns}`, `-d${o.seconds}s`, '--latency', '--timeout', '5s', ...(o.script ? ['-s', o.script] : []), url];
  const [cmd, full] = o.cpus ? ['taskset', ['-c', o.cpus, 'wrk', ...args]] : ['wrk', args];
  const out = (await execa(cmd as string, full as string[])).stdout;
  const num = (re: RegExp) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const rps = num(/Requests\/sec:\s+([\d.]+)/);
  const requests = num(/(\d+) requests in/);
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    rps,
    okRps: requests > 0 ? (rps * Math.max(0, requests - non2xx)) / requests : 0,
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    p50ms: wrkLatency(out, '50%'),
    p99ms: wrkLatency(out, '99%'),
    cpuUsPerRequest: Number.NaN,
  };
}

function wrkLatency(out: string, pct: string): number {
  const m = new RegExp(`^\\s+${pct.replace('%', '%')}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

/** Describes the machine for the report. */
export async function machine(): Promise<Record<string, string>> {
  const c = cpus();
  const go = (await execa('go', ['version'])).stdout.replace(/^go version /, '');
  const wrkVersion = (await execa('wrk', ['--version'], { reject: false })).stdout.split('\n')[0] ?? '';
  const pg = (await execa('/usr/lib/postgresql/15/bin/postgres', ['--version'], { reject: false })).stdout;
  const redis = (await execa('redis-server', ['--version'], { reject: false })).stdout.split(' ').slice(0, 3).join(' ');
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = process.platform;
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    cpu: `${c[0]?.model ?? '?'} x ${c.length}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    kernel: `Linux ${kernel}`,
    go,
    node: process.version,
    wrk: wrkVersion,
    postgres: pg,
    redis,
    'load average at start': load,
  };
}

/** Parses `go test -bench -benchmem` lines into name -> {ns, bytes, allocs}. */
export function parseGoBench(out: string): Record<string, { nsPerOp: number; bytesPerOp: number; allocsPerOp: number }> {
  const res: Record<string, { nsPerOp: number; bytesPerOp: number; allocsPerOp: number }> = {};
  for (const m of out.matchAll(/^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op\s+([\d.]+) B\/op\s+([\d.]+) allocs\/op/gm)) {
    res[m[1]!] = { nsPerOp: Number(m[2]), bytesPerOp: Number(m[3]), allocsPerOp: Number(m[4]) };
  }
  return res;
}

export const fmt = {
  n: (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–'),
  ms: (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '–'),
  pct: (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '–'),
  /** A ratio as a factor, e.g. 1.27×. */
  x: (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–'),
  spread: (s: Spread, digits = 0) => `${fmt.n(s.median, digits)} (${fmt.n(s.min, digits)}–${fmt.n(s.max, digits)})`,
  mb: (kb: number) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MiB` : '–'),
};
