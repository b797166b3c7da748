import type { LoadEvent, LoadReport, Probe } from './load.js';
import { percentile } from './load.js';

/**
 * The reliability properties as pure functions of what was measured: each
 * returns the list of violations, empty when the property holds. The tests
 * run each one on the real service (expecting no violation) and on a control
 * run that lacks the protection (expecting violations), which shows that the
 * check can fail.
 */

const fmt = (n: number) => n.toFixed(0);

// ---------------------------------------------------------------- shutdown

export interface ShutdownRun {
  report: LoadReport;
  /** Status every request of target i must get. */
  expectedStatus: number[];
  /** SIGTERM time, ms since the load run's start. */
  sigtermAt: number;
  exitCode: number | string;
  /** Milliseconds from SIGTERM to exit. */
  exitAfter: number;
  drainMs: number;
  shutdownTimeoutMs: number;
}

export function shutdownViolations(run: ShutdownRun): string[] {
  const v: string[] = [];
  const events = run.report.events ?? [];
  const probes = run.report.probes ?? [];
  const failed = events.filter((e) => e.c !== run.expectedStatus[e.t]);
  if (failed.length > 0) {
    const kinds = countBy(failed, (e) => (e.c ? `status ${e.c}` : e.e ?? 'error'));
    v.push(`${failed.length} of ${events.length} requests did not complete with their normal status (${kinds}); first at ${fmt(failed[0]!.s - run.sigtermAt)} ms after SIGTERM`);
  }
  const afterTerm = probes.filter((p) => p.t >= run.sigtermAt);
  const closed = afterTerm.find((p) => p.e === 'refused');
  const unready = afterTerm.find((p) => p.c === 503);
  if (!unready || (closed && unready.t >= closed.t)) {
    v.push(`readiness did not answer 503 before the listener closed (first 503: ${unready ? fmt(unready.t - run.sigtermAt) : 'never'} ms, listener closed: ${closed ? fmt(closed.t - run.sigtermAt) : 'never'} ms after SIGTERM)`);
  }
  const servedDuringDrain = events.filter((e) => e.s > run.sigtermAt + 20 && e.c === run.expectedStatus[e.t]).length;
  if (servedDuringDrain === 0) v.push('no request was served after SIGTERM: the service stopped serving at once instead of draining');
  if (run.exitCode !== 0) v.push(`exit code ${run.exitCode}, want 0`);
  const bound = run.drainMs + run.shutdownTimeoutMs + 1000;
  if (run.exitAfter > bound) v.push(`exited ${fmt(run.exitAfter)} ms after SIGTERM, over DRAIN_DELAY + SHUTDOWN_TIMEOUT + 1 s = ${bound} ms`);
  return v;
}

// ---------------------------------------------------------------- overload

export interface OverloadBounds {
  /** Requests per second the service sustains (closed loop, measured first). */
  capacity: number;
  /** p99 of the service time of admitted requests, ms. */
  admittedP99Ms: number;
  /** p99 of the service time of shed (429/503) requests, ms. */
  shedP99Ms: number;
  /** Resident memory ceiling, kB. */
  maxRssKb: number;
  /** Goodput must be at least this share of capacity. */
  minGoodputShare: number;
}

export function overloadViolations(r: LoadReport, b: OverloadBounds): string[] {
  const v: string[] = [];
  const events = r.events ?? [];
  if (r.rss?.exited_at_ms) v.push(`the service exited ${fmt(r.rss.exited_at_ms)} ms into the run`);
  if (r.errors > 0) v.push(`${r.errors} requests got no response (${JSON.stringify(r.error_classes)})`);
  const odd = Object.keys(r.codes).filter((c) => !['200', '201', '429', '503'].includes(c));
  if (odd.length > 0) v.push(`unexpected statuses: ${odd.map((c) => `${c} x${r.codes[c]}`).join(', ')}`);
  const shed = events.filter((e) => e.c === 429 || e.c === 503);
  const admitted = events.filter((e) => e.c === 200 || e.c === 201);
  if (shed.length === 0) v.push(`nothing was shed at ${fmt(r.rate ?? 0)} req/s against a capacity of ${fmt(b.capacity)} req/s`);
  if (r.retry_after_missing > 0) v.push(`${r.retry_after_missing} 429/503 responses without Retry-After`);
  const shedP99 = percentile(shed.map((e) => e.d - e.s), 0.99);
  if (shed.length > 0 && shedP99 > b.shedP99Ms) v.push(`shed responses were not immediate: p99 ${shedP99.toFixed(1)} ms > ${b.shedP99Ms} ms`);
  const admittedP99 = percentile(admitted.map((e) => e.d - e.s), 0.99);
  if (admitted.length > 0 && admittedP99 > b.admittedP99Ms) v.push(`admitted requests p99 ${admittedP99.toFixed(1)} ms > ${b.admittedP99Ms} ms`);
  if (r.rss && r.rss.max_kb > b.maxRssKb) v.push(`RSS reached ${r.rss.max_kb} kB > ${b.maxRssKb} kB`);
  if (r.goodput_rps < b.minGoodputShare * b.capacity) v.push(`goodput ${fmt(r.goodput_rps)} req/s < ${b.minGoodputShare} x capacity ${fmt(b.capacity)} req/s`);
  return v;
}

// ---------------------------------------------------------------- outages

export interface OutageRun {
  report: LoadReport;
  /** Outage start, and when the dependency's return began (restart or thaw), ms since the load run's start. */
  downAt: number;
  upAt: number;
  /** Targets that need the dependency (fail during the outage); the others must keep succeeding. */
  dependent: Set<number>;
  /** Status a failing dependent request must get (503). */
  failStatus: number;
  /** A request may take at most this long, ms (REQUEST_TIMEOUT plus slack). */
  requestBoundMs: number;
  /** Readiness must fail within this long after downAt, ms. */
  readinessWithinMs: number;
  /** Readiness and dependent requests must succeed again within this long after upAt, ms. */
  recoveryWithinMs: number;
  /** Service process exit time, if it exited. */
  exitedAt?: number;
}

/** A required dependency (Postgres) goes away: readiness 503, requests fail fast with 503, then recover. */
export function requiredOutageViolations(run: OutageRun): string[] {
  const v: string[] = [];
  const events = run.report.events ?? [];
  const probes = run.report.probes ?? [];
  if (run.exitedAt !== undefined) v.push(`the service exited at ${fmt(run.exitedAt)} ms`);
  const noAnswer = events.filter((e) => e.c === 0);
  if (noAnswer.length > 0) v.push(`${noAnswer.length} requests got no response (${countBy(noAnswer, (e) => e.e ?? '?')})`);
  const slow = events.filter((e) => e.d - e.s > run.requestBoundMs);
  if (slow.length > 0) {
    v.push(`${slow.length} requests took longer than ${run.requestBoundMs} ms (max ${fmt(Math.max(...slow.map((e) => e.d - e.s)))} ms, first sent ${fmt(slow[0]!.s - run.downAt)} ms after the outage began)`);
  }
  const server = events.filter((e) => e.c >= 500 && e.c !== run.failStatus);
  if (server.length > 0) v.push(`${server.length} requests got ${countBy(server, (e) => String(e.c))} instead of ${run.failStatus} (first sent ${fmt(server[0]!.s - run.downAt)} ms after the outage began)`);
  const before = events.filter((e) => e.d < run.downAt);
  const badBefore = before.filter((e) => e.c >= 400);
  if (badBefore.length > 0) v.push(`${badBefore.length} requests failed before the outage (${countBy(badBefore, (e) => String(e.c))})`);
  const independentFailed = events.filter((e) => !run.dependent.has(e.t) && e.c >= 400);
  if (independentFailed.length > 0) v.push(`${independentFailed.length} requests that do not need the dependency failed (${countBy(independentFailed, (e) => String(e.c))})`);

  const unready = probes.find((p) => p.t >= run.downAt && p.c !== 200);
  if (!unready || unready.t - run.downAt > run.readinessWithinMs) {
    v.push(`readiness did not fail within ${run.readinessWithinMs} ms of the outage (first failure: ${unready ? `${fmt(unready.t - run.downAt)} ms` : 'never'})`);
  } else if (unready.c !== 503) {
    v.push(`readiness answered ${unready.c || unready.e} during the outage, want 503`);
  }
  const readyInOutage = probes.filter((p) => p.t > (unready?.t ?? run.downAt) && p.t < run.upAt && p.c === 200);
  if (readyInOutage.length > 0) v.push(`readiness answered 200 ${readyInOutage.length} times during the outage`);
  const dependentDuring = events.filter((e) => run.dependent.has(e.t) && e.s > run.downAt && e.s < run.upAt);
  if (dependentDuring.length === 0) v.push('no dependent request was sent during the outage: the run proves nothing');

  v.push(...recoveryViolations(run, (p) => p.c === 200, 'answers 200'));
  return v;
}

function recoveryViolations(run: OutageRun, ok: (p: Probe) => boolean, what: string): string[] {
  const v: string[] = [];
  const events = run.report.events ?? [];
  const probes = run.report.probes ?? [];
  const deadline = run.upAt + run.recoveryWithinMs;
  const back = probes.find((p) => p.t >= run.upAt && ok(p));
  if (!back || back.t > deadline) v.push(`readiness never ${what} again within ${run.recoveryWithinMs} ms of the dependency's return (${back ? `after ${fmt(back.t - run.upAt)} ms` : 'not at all'})`);
  const later = probes.filter((p) => p.t > deadline && !ok(p));
  if (later.length > 0) v.push(`readiness fell back ${later.length} times after recovering`);
  const afterRecovery = events.filter((e) => e.s > deadline);
  const failedAfter = afterRecovery.filter((e) => e.c === 0 || e.c >= 400);
  if (afterRecovery.length === 0) v.push('no request was sent after the recovery deadline: the run proves nothing');
  if (failedAfter.length > 0) v.push(`${failedAfter.length} of ${afterRecovery.length} requests sent after the recovery deadline failed (${countBy(failedAfter, (e) => (e.c ? String(e.c) : e.e ?? '?'))})`);
  return v;
}

/** An optional dependency (Redis) goes away: everything still succeeds, readiness says degraded, then ok again. */
export function optionalOutageViolations(run: OutageRun & { check: string }): string[] {
  const v: string[] = [];
  const events = run.report.events ?? [];
  const probes = run.report.probes ?? [];
  if (run.exitedAt !== undefined) v.push(`the service exited at ${fmt(run.exitedAt)} ms`);
  const failed = events.filter((e) => e.c === 0 || e.c >= 400);
  if (failed.length > 0) v.push(`${failed.length} of ${events.length} requests failed (${countBy(failed, (e) => (e.c ? String(e.c) : e.e ?? '?'))}); first sent ${fmt(failed[0]!.s - run.downAt)} ms after the outage began`);
  const slow = events.filter((e) => e.d - e.s > run.requestBoundMs);
  if (slow.length > 0) v.push(`${slow.length} requests took longer than ${run.requestBoundMs} ms`);
  const status = (p: Probe) => checkStatus(p, run.check);
  const notReady = probes.filter((p) => p.c !== 200);
  if (notReady.length > 0) v.push(`readiness failed ${notReady.length} times (${countBy(notReady, (p) => String(p.c || p.e))}): an optional dependency must not fail it`);
  const degraded = probes.find((p) => p.t >= run.downAt && status(p) === 'degraded');
  if (!degraded || degraded.t - run.downAt > run.readinessWithinMs) {
    v.push(`readiness did not report ${run.check} degraded within ${run.readinessWithinMs} ms (${degraded ? `after ${fmt(degraded.t - run.downAt)} ms` : 'never'})`);
  }
  v.push(...recoveryViolations(run, (p) => p.c === 200 && status(p) === 'ok', `reports ${run.check} ok`));
  return v;
}

/** The status of one check in a readiness body, if it parses. */
export function checkStatus(p: Probe, check: string): string | undefined {
  try {
    const body = JSON.parse(p.b ?? '') as { checks?: Record<string, { status?: string }> };
    return body.checks?.[check]?.status;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- hostile input

export interface HostileCase {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HostileResult {
  name: string;
  status: number;
  contentType: string;
  error?: string;
}

/** Every hostile request must get a 4xx answer as application/problem+json. */
export function hostileViolations(results: HostileResult[]): string[] {
  return results.flatMap((r) => {
    if (r.error) return [`${r.name}: no response (${r.error})`];
    const v: string[] = [];
    if (r.status < 400 || r.status >= 500) v.push(`${r.name}: status ${r.status}, want 4xx`);
    if (!r.contentType.startsWith('application/problem+json')) v.push(`${r.name}: Content-Type "${r.contentType}", want application/problem+json`);
    return v;
  });
}

// ---------------------------------------------------------------- secrets

/** Patterns of credentials that must never appear in generated files. */
export const SECRET_PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'AWS access key id', re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'GitHub token', re: /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}/ },
  { name: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20}\b/ },
  { name: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'Stripe key', re: /\b[sr]k_live_[0-9a-zA-Z]{20,}/ },
  { name: 'JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
];

/** Values that are obviously placeholders, not secrets. */
const PLACEHOLDER = /^(|postgres|redis|password|secret|changeme|change-me|example|xxx+|\*+|<[^>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\}|dev|devsecret|test)$/i;

/**
 * Finds credentials in files: known token formats, and assignments of
 * long, high-entropy strings to names like secret, password, token or key.
 */
export function secretFindings(files: { path: string; text: string }[]): string[] {
  const out: string[] = [];
  const name = String.raw`[A-Za-z_]*(?:secret|password|passwd|token|api_?key|private_?key)[A-Za-z_]*`;
  // A quoted literal assigned to such a name (code, YAML, JSON), or an env-file line NAME=value.
  const quoted = new RegExp(String.raw`\b(${name})\b["']?\s*[:=]\s*["']([^"'\s]{16,})["']`, 'gi');
  const envLine = new RegExp(String.raw`^\s*(?:export\s+)?(${name})=([^\s"'#]{16,})\s*$`, 'i');
  const suspicious = (value: string) => !PLACEHOLDER.test(value) && !/[$<>{}]/.test(value) && entropy(value) >= 3.5;
  for (const { path, text } of files) {
    text.split('\n').forEach((line, i) => {
      for (const { name: what, re } of SECRET_PATTERNS) if (re.test(line)) out.push(`${path}:${i + 1}: ${what}`);
      for (const m of line.matchAll(quoted)) if (suspicious(m[2]!)) out.push(`${path}:${i + 1}: high-entropy value assigned to ${m[1]}`);
      const env = envLine.exec(line);
      if (env && suspicious(env[2]!)) out.push(`${path}:${i + 1}: high-entropy value assigned to ${env[1]}`);
      const url = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:([^\s@/]+)@/gi;
      for (const m of line.matchAll(url)) {
        if (suspicious(m[1]!) && m[1]!.length >= 12) out.push(`${path}:${i + 1}: password in a URL`);
      }
    });
  }
  return out;
}

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

// ---------------------------------------------------------------- helpers

function countBy<T>(items: T[], key: (t: T) => string): string {
  const m = new Map<string, number>();
  for (const it of items) m.set(key(it), (m.get(key(it)) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} x${n}`).join(', ');
}

/** Events whose request was sent within [from, to) ms. */
export function sentBetween(events: LoadEvent[], from: number, to: number): LoadEvent[] {
  return events.filter((e) => e.s >= from && e.s < to);
}
