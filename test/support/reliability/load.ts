import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Latency statistics in milliseconds, as benchtool load reports them. */
export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface Probe {
  /** When the probe was sent and when its answer arrived, ms since the start of the run. */
  s: number;
  t: number;
  /** Status code; 0 when the probe got no answer. */
  c: number;
  e?: string;
  b?: string;
}

/** One request: times in ms since the start of the run (intended, sent, done). */
export interface LoadEvent {
  i: number;
  s: number;
  d: number;
  /** Status code; 0 when there was no response. */
  c: number;
  /** Error class: refused, reset, eof, timeout, cancelled, other. */
  e?: string;
  /** Index of the target. */
  t: number;
  /** A Retry-After header was present. */
  ra?: boolean;
}

/** The JSON report of `benchtool load`. */
export interface LoadReport {
  mode: 'open' | 'closed';
  rate?: number;
  duration_s: number;
  start_unix_ms: number;
  elapsed_s: number;
  scheduled: number;
  sent: number;
  unsent: number;
  responses: number;
  errors: number;
  measured: number;
  achieved_rps: number;
  goodput_rps: number;
  codes: Record<string, number>;
  error_classes: Record<string, number>;
  error_samples?: string[];
  retry_after_missing: number;
  latency_ms: Stats;
  latency_by_code_ms: Record<string, Stats>;
  service_ms: Stats;
  lag_ms: Stats;
  probes?: Probe[];
  rss?: { max_kb: number; last_kb: number; samples: number; exited_at_ms?: number };
  stopped_at_ms?: number;
  /** Filled by runLoad when events were asked for. */
  events?: LoadEvent[];
}

export interface Target {
  method: string;
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadOptions {
  targets: Target[];
  /** Requests per second (open loop); 0 or absent for closed loop. */
  rate?: number;
  durationMs: number;
  warmupMs?: number;
  conns?: number;
  timeoutMs?: number;
  maxRequests?: number;
  keepAlive?: boolean;
  probe?: string;
  probeEveryMs?: number;
  watchPid?: number;
  /** Play a load balancer: stop sending this long after the first failed probe. */
  stopAfterUnreadyMs?: number;
  events?: boolean;
  /** CPU list for taskset. */
  cpus?: string;
}

let serial = 0;

/** Runs `benchtool load` and returns its report (with events when asked). */
export async function runLoad(benchtool: string, workDir: string, o: LoadOptions): Promise<LoadReport> {
  const id = ++serial;
  const targetsFile = join(workDir, `targets-${process.pid}-${id}.json`);
  const eventsFile = join(workDir, `events-${process.pid}-${id}.jsonl`);
  writeFileSync(targetsFile, JSON.stringify(o.targets));
  const args = [
    'load',
    '-targets', targetsFile,
    '-rate', String(o.rate ?? 0),
    '-duration', `${o.durationMs}ms`,
    '-warmup', `${o.warmupMs ?? 0}ms`,
    '-conns', String(o.conns ?? 32),
    '-timeout', `${o.timeoutMs ?? 10_000}ms`,
    '-max-requests', String(o.maxRequests ?? 1_000_000),
    `-keepalive=${o.keepAlive ?? true}`,
  ];
  if (o.probe) args.push('-probe', o.probe, '-probe-every', `${o.probeEveryMs ?? 20}ms`);
  if (o.watchPid) args.push('-watch-pid', String(o.watchPid));
  if (o.stopAfterUnreadyMs) args.push('-stop-after-unready', `${o.stopAfterUnreadyMs}ms`);
  if (o.events) args.push('-events', eventsFile);
  const [cmd, full] = o.cpus ? ['taskset', ['-c', o.cpus, benchtool, ...args]] : [benchtool, args];
  const r = await execa(cmd as string, full as string[], { all: false, maxBuffer: 256 * 1024 * 1024 });
  const report = JSON.parse(r.stdout) as LoadReport;
  if (o.events) {
    report.events = readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LoadEvent);
  }
  return report;
}

/** Percentile (0..1) of a list of numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
