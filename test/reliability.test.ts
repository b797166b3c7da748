import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersPath, variants } from './support/fixtures.js';
import { freePort } from './support/services.js';
import {
  hostileViolations,
  optionalOutageViolations,
  overloadViolations,
  requiredOutageViolations,
  secretFindings,
  shutdownViolations,
  type HostileCase,
  type HostileResult,
  type OutageRun,
  type ShutdownRun,
} from './support/reliability/checks.js';
import { PrivatePostgres, PrivateRedis, sleep } from './support/reliability/infra.js';
import { runLoad, type LoadReport, type Target } from './support/reliability/load.js';
import { buildBenchtool, buildService, createItems, generate, startService, type Project, type Running } from './support/reliability/service.js';
import { goTool } from './support/reliability/tools.js';

/**
 * Reliability suite (issue 5): real builds of the generated service under
 * load, shutdown, dependency outages, slow clients and hostile input, against
 * PRIVATE Postgres and Redis servers that the tests start, kill and restart.
 * Every property is checked by a pure function in support/reliability/checks.ts,
 * and every one is also run on a control that lacks the protection, where it
 * must report violations: that shows the check can fail. All traffic stays on
 * 127.0.0.1; every load run is bounded in time and request count.
 */

const SECONDS = 1000;
const MINUTES = 60 * SECONDS;

describe.sequential('reliability', () => {
  const work = mkdtempSync(join(tmpdir(), 'cs-reliability-'));
  const logDir = join(work, 'logs');
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let project: Project;
  let bin = '';
  let tool = '';
  let deadPort = 0;
  let serial = 0;
  const running = new Set<Running>();

  beforeAll(async () => {
    deadPort = await freePort();
    [pg, redis, [project, bin], tool] = await Promise.all([
      PrivatePostgres.start('rel-pg'),
      PrivateRedis.start('rel-redis'),
      (async () => {
        // CI and deploy files play no part at run time; section 7 checks them.
        const p = await generate(join(work, 'standard'), ['--answers', answersPath('standard'), '--ci', 'none', '--deploy', 'none']);
        return [p, await buildService(p)] as const;
      })(),
      buildBenchtool(work),
    ]);
  }, 10 * MINUTES);

  afterAll(async () => {
    for (const r of running) r.signal('SIGKILL');
    await Promise.allSettled([pg?.destroy(), redis?.destroy()]);
    rmSync(work, { recursive: true, force: true });
  }, 2 * MINUTES);

  /** Starts the standard service on a fresh database with env on top of the suite's defaults. */
  async function start(env: Record<string, string> = {}, waitReady = true): Promise<Running & { db: string }> {
    const n = ++serial;
    const url = await pg.createDatabase(`rel_${n}`);
    const svc = await startService(bin, {
      logDir,
      label: `svc${n}`,
      waitReady,
      env: {
        DATABASE_URL: url,
        REDIS_URL: redis.url,
        CACHE_KEY_PREFIX: `rel${n}:`,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'info',
        // No RATE_LIMIT_*: the default (no rate limit) unless a test sets one.
        DRAIN_DELAY: '0s',
        SHUTDOWN_TIMEOUT: '5s',
        // Tracing on, with no collector listening.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
        ...env,
      },
    });
    running.add(svc);
    void svc.exited.then(() => running.delete(svc));
    return Object.assign(svc, { db: `rel_${n}` });
  }

  const body = (name: string) => JSON.stringify({ name, description: 'written under load' });

  // ------------------------------------------------------------------ 1
  describe('1. graceful shutdown under load', () => {
    async function shutdownRun(drain: string): Promise<ShutdownRun & { svc: Running }> {
      const svc = await start({ DRAIN_DELAY: drain, SHUTDOWN_TIMEOUT: '5s' });
      const [id] = await createItems(svc.base, project.collection, 1);
      const targets: Target[] = [
        { method: 'POST', url: `${svc.base}${project.collection}`, body: body('during shutdown') },
        { method: 'GET', url: `${svc.base}${project.collection}/${id}` },
      ];
      // 400 req/s on 8 keep-alive connections; the generator acts as a load
      // balancer that stops sending 300 ms after readiness fails.
      const load = runLoad(tool, work, {
        targets,
        rate: 400,
        durationMs: 4000,
        conns: 8,
        maxRequests: 2000,
        timeoutMs: 8000,
        probe: `${svc.base}/health/ready`,
        probeEveryMs: 10,
        stopAfterUnreadyMs: 300,
        events: true,
      });
      await sleep(1500);
      const termWall = performance.timeOrigin + performance.now();
      svc.signal('SIGTERM');
      const exitCode = await Promise.race([svc.exited, sleep(15 * SECONDS).then(() => 'still running')]);
      const exitAfter = performance.timeOrigin + performance.now() - termWall;
      svc.signal('SIGKILL');
      const report = await load;
      return {
        svc,
        report,
        expectedStatus: [201, 200],
        sigtermAt: termWall - report.start_unix_ms,
        exitCode,
        exitAfter,
        drainMs: parseDuration(drain),
        shutdownTimeoutMs: 5000,
      };
    }

    it('completes every accepted request, fails readiness before the listener closes, exits 0 in time', async () => {
      const run = await shutdownRun('1s');
      const served = (run.report.events ?? []).filter((e) => e.s > run.sigtermAt).length;
      console.log(`shutdown: ${run.report.sent} requests, ${served} sent after SIGTERM, exit ${run.exitCode} after ${run.exitAfter.toFixed(0)} ms`);
      expect(shutdownViolations(run), run.svc.log().slice(-3000)).toEqual([]);
    }, 2 * MINUTES);

    it('control: with DRAIN_DELAY=0 the same run drops requests or closes before readiness fails', async () => {
      const run = await shutdownRun('0s');
      const v = shutdownViolations(run);
      console.log(`shutdown control (DRAIN_DELAY=0): ${v.join('; ')}`);
      expect(v.length).toBeGreaterThan(0);
    }, 2 * MINUTES);
  });

  // ------------------------------------------------------------------ 2
  describe('2. overload', () => {
    // Bounds stated by the suite, loose enough for a shared 2-core CI machine:
    // admitted requests p99 <= 500 ms (MAX_IN_FLIGHT=16 keeps it near 16
    // service times; without the limit it grows with the queue), shed
    // responses p99 <= 250 ms, RSS <= 256 MiB, goodput >= 35% of capacity.
    // Capacity is measured with 8 closed-loop connections; at 4x the load
    // generator itself sends ~12k req/s on 256 connections from the same two
    // cores, so the server keeps 50-85% of capacity here (0.50 in one CI run,
    // where a 0.5 floor failed by 7 req/s). Congestion collapse, the failure
    // this guards against, drives goodput towards zero.
    const bounds = { admittedP99Ms: 500, shedP99Ms: 250, maxRssKb: 256 * 1024, minGoodputShare: 0.35 };
    let capacity = 0;
    let target: Target[] = [];

    async function overloadRun(svc: Running, factor: number, conns = 256): Promise<LoadReport> {
      return runLoad(tool, work, {
        targets: target,
        rate: Math.round(capacity * factor),
        durationMs: 3000,
        conns,
        timeoutMs: 10_000,
        maxRequests: 200_000,
        watchPid: svc.pid,
        events: true,
      });
    }

    it('at 2x and 4x capacity sheds with 503 + Retry-After, keeps admitted latency, memory and goodput bounded', async () => {
      const svc = await start({ MAX_IN_FLIGHT: '16' });
      await createItems(svc.base, project.collection, 100);
      target = [{ method: 'GET', url: `${svc.base}${project.collection}?limit=100` }];
      const cap = await runLoad(tool, work, { targets: target, durationMs: 3000, warmupMs: 500, conns: 8, maxRequests: 200_000 });
      capacity = cap.goodput_rps;
      console.log(`overload: capacity ${capacity.toFixed(0)} req/s (p99 ${cap.latency_ms.p99} ms)`);
      expect(cap.errors).toBe(0);
      for (const factor of [2, 4]) {
        const r = await overloadRun(svc, factor);
        const shed = (r.codes['503'] ?? 0) + (r.codes['429'] ?? 0);
        console.log(`overload ${factor}x: sent ${r.sent}, goodput ${r.goodput_rps.toFixed(0)} req/s, shed ${shed}, service p99 ${r.service_ms.p99} ms, lag p99 ${r.lag_ms.p99} ms, RSS max ${r.rss?.max_kb} kB`);
        expect(overloadViolations(r, { capacity, ...bounds }), `${factor}x`).toEqual([]);
      }
      expect(svc.proc.exitCode).toBeNull();
    }, 3 * MINUTES);

    it('with the default MAX_IN_FLIGHT and DB_MAX_CONNS, 4x capacity keeps admitted latency bounded (the limit agrees with the pool)', async () => {
      const svc = await start();
      await createItems(svc.base, project.collection, 100);
      target = [{ method: 'GET', url: `${svc.base}${project.collection}?limit=100` }];
      const r = await overloadRun(svc, 4);
      console.log(`overload 4x, default limits: sent ${r.sent}, goodput ${r.goodput_rps.toFixed(0)} req/s, codes ${JSON.stringify(r.codes)}, service p99 ${r.service_ms.p99} ms`);
      expect(overloadViolations(r, { capacity, ...bounds })).toEqual([]);
    }, 2 * MINUTES);

    it('the rate limit answers 429 with Retry-After and holds goodput at the limit', async () => {
      const limit = Math.max(50, Math.round(capacity / 4));
      const svc = await start({ RATE_LIMIT_RPS: String(limit), RATE_LIMIT_BURST: '10' });
      const r = await runLoad(tool, work, { targets: target.map((t) => ({ ...t, url: t.url.replace(/^http:\/\/[^/]+/, svc.base) })), rate: limit * 2, durationMs: 3000, conns: 64, events: true, watchPid: svc.pid });
      console.log(`rate limit ${limit}/s at ${limit * 2}/s: ${JSON.stringify(r.codes)}`);
      expect(overloadViolations(r, { ...bounds, capacity: limit, minGoodputShare: 0.8 })).toEqual([]);
      expect(r.codes['429'] ?? 0).toBeGreaterThan(0);
      expect(r.goodput_rps).toBeLessThan(limit * 1.2 + 10 / 3);
    }, 2 * MINUTES);

    it('by default there is no rate limit: 4x the old default of 100 req/s from one client gets no 429', async () => {
      const svc = await start();
      const r = await runLoad(tool, work, { targets: [{ method: 'GET', url: `${svc.base}${project.collection}?limit=1` }], rate: 400, durationMs: 2000, conns: 32, watchPid: svc.pid });
      console.log(`default limits at 400/s: ${JSON.stringify(r.codes)}`);
      expect(r.codes['429'] ?? 0).toBe(0);
      expect(r.codes['200'] ?? 0).toBeGreaterThan(0.95 * r.sent);
    }, 2 * MINUTES);

    it('control: without an in-flight limit nothing is shed and admitted latency grows', async () => {
      const svc = await start({ MAX_IN_FLIGHT: '1000000' });
      await createItems(svc.base, project.collection, 100);
      target = [{ method: 'GET', url: `${svc.base}${project.collection}?limit=100` }];
      const r = await overloadRun(svc, 4);
      const v = overloadViolations(r, { capacity, ...bounds });
      console.log(`overload control (MAX_IN_FLIGHT off): ${v.join('; ')}`);
      expect(v.length).toBeGreaterThan(0);
    }, 2 * MINUTES);
  });

  // ------------------------------------------------------------------ 3
  describe('3. Postgres outage', () => {
    async function outage(
      kind: 'crash' | 'freeze',
      env: Record<string, string>,
      requestBoundMs: number,
    ): Promise<{ run: OutageRun; svc: Running; ids: string[]; dbName: string }> {
      const svc = await start({ REQUEST_TIMEOUT: '1s', HEALTH_CHECK_TIMEOUT: '500ms', ...env });
      const ids = await createItems(svc.base, project.collection, 20, 'before outage');
      // Warm the cache: reads by id are served from Redis during the outage.
      for (const id of ids) await fetch(`${svc.base}${project.collection}/${id}`).then((r) => r.text());
      const targets: Target[] = [
        { method: 'POST', url: `${svc.base}${project.collection}`, body: body('during outage') },
        { method: 'GET', url: `${svc.base}${project.collection}?limit=5` },
        ...ids.slice(0, 5).map((id) => ({ method: 'GET', url: `${svc.base}${project.collection}/${id}` })),
      ];
      const load = runLoad(tool, work, {
        targets,
        rate: 100,
        durationMs: 12_000,
        conns: 64,
        timeoutMs: 20_000,
        probe: `${svc.base}/health/ready`,
        probeEveryMs: 50,
        events: true,
        watchPid: svc.pid,
      });
      await sleep(2000);
      const downWall = performance.timeOrigin + performance.now();
      if (kind === 'crash') await pg.kill();
      else await pg.freeze();
      await sleep(3000);
      const upWall = performance.timeOrigin + performance.now();
      if (kind === 'crash') await pg.startServer();
      else pg.thaw();
      const report = await load;
      const t0 = report.start_unix_ms;
      const dbName = svc.db;
      return {
        svc,
        ids,
        dbName,
        run: {
          report,
          downAt: downWall - t0,
          upAt: upWall - t0,
          dependent: new Set([0, 1]),
          failStatus: 503,
          requestBoundMs,
          readinessWithinMs: 2000,
          recoveryWithinMs: 5000,
          exitedAt: report.rss?.exited_at_ms,
        },
      };
    }

    it('crash: readiness 503 within 2 s, requests fail fast with 503, recovery within 5 s of the restart without restarting the service, data intact', async () => {
      const { run, svc, ids, dbName } = await outage('crash', {}, 1500);
      logOutage('postgres crash', run);
      const v = requiredOutageViolations(run);
      const stored = await pg.psql(`SELECT count(*) FROM items WHERE id IN (${ids.map((id) => `'${id}'`).join(',')})`, dbName);
      expect(stored, 'rows written before the outage').toBe(String(ids.length));
      expect(v, svc.log().split('\n').filter((l) => /"level":"(ERROR|WARN)"/.test(l)).slice(0, 5).join('\n')).toEqual([]);
    }, 2 * MINUTES);

    it('freeze (no answer at all): requests end by REQUEST_TIMEOUT with 503, readiness 503, recovery after thaw', async () => {
      const { run, svc } = await outage('freeze', {}, 1500);
      logOutage('postgres freeze', run);
      expect(requiredOutageViolations(run), svc.log().split('\n').filter((l) => /"level":"(ERROR|WARN)"/.test(l)).slice(0, 5).join('\n')).toEqual([]);
    }, 2 * MINUTES);

    it('control: with REQUEST_TIMEOUT=30s requests hang for the whole freeze', async () => {
      const { run } = await outage('freeze', { REQUEST_TIMEOUT: '30s', HTTP_WRITE_TIMEOUT: '40s' }, 1500);
      const v = requiredOutageViolations(run);
      console.log(`postgres control (REQUEST_TIMEOUT=30s): ${v.join('; ')}`);
      expect(v.some((s) => s.includes('took longer than'))).toBe(true);
    }, 2 * MINUTES);
  });

  // ------------------------------------------------------------------ 4
  describe('4. Redis outage', () => {
    async function redisOutage(restart: boolean): Promise<OutageRun & { check: string }> {
      const svc = await start({ REQUEST_TIMEOUT: '2s', HEALTH_CHECK_TIMEOUT: '500ms' });
      const ids = await createItems(svc.base, project.collection, 10, 'cached');
      const targets: Target[] = ids.map((id) => ({ method: 'GET', url: `${svc.base}${project.collection}/${id}` }));
      targets.push({ method: 'GET', url: `${svc.base}${project.collection}?ids=${ids.slice(0, 3).join(',')}` });
      const load = runLoad(tool, work, {
        targets,
        rate: 100,
        durationMs: 9000,
        conns: 32,
        timeoutMs: 15_000,
        probe: `${svc.base}/health/ready`,
        probeEveryMs: 50,
        events: true,
        watchPid: svc.pid,
      });
      await sleep(2000);
      const downWall = performance.timeOrigin + performance.now();
      await redis.kill();
      await sleep(2500);
      const upWall = performance.timeOrigin + performance.now();
      if (restart) await redis.startServer();
      const report = await load;
      if (!restart) await redis.startServer();
      return {
        report,
        check: 'redis',
        downAt: downWall - report.start_unix_ms,
        upAt: upWall - report.start_unix_ms,
        dependent: new Set(),
        failStatus: 503,
        requestBoundMs: 2500,
        readinessWithinMs: 2000,
        recoveryWithinMs: 4000,
        exitedAt: report.rss?.exited_at_ms,
      };
    }

    it('reads keep succeeding from Postgres, readiness stays 200 reporting redis degraded, then ok again', async () => {
      const run = await redisOutage(true);
      logOutage('redis', run);
      expect(optionalOutageViolations(run)).toEqual([]);
    }, 2 * MINUTES);

    it('control: when Redis does not come back, the recovery check fails', async () => {
      const v = optionalOutageViolations(await redisOutage(false));
      console.log(`redis control (no restart): ${v.join('; ')}`);
      expect(v.some((s) => s.includes('never reports redis ok'))).toBe(true);
    }, 2 * MINUTES);
  });

  // ------------------------------------------------------------------ 5
  describe('5. slow clients', () => {
    interface Slow {
      closedAfterMs: number;
      status?: number;
    }

    /** Opens a connection and trickles a request into it, a byte every 200 ms, until the server closes it or maxMs pass. */
    function trickle(port: number, head: string, drip: string, maxMs: number): Promise<Slow> {
      return new Promise((resolve) => {
        const t0 = performance.now();
        const s = createConnection({ host: '127.0.0.1', port });
        let reply = '';
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          clearInterval(timer);
          s.destroy();
          const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
          resolve({ closedAfterMs: performance.now() - t0, status: m ? Number(m[1]) : undefined });
        };
        s.once('connect', () => {
          s.write(head);
          let i = 0;
          timer = setInterval(() => {
            if (performance.now() - t0 > maxMs) return done();
            s.write(drip[i++ % drip.length]!);
          }, 200);
        });
        s.on('data', (d) => (reply += d.toString()));
        s.once('close', done);
        s.once('error', done);
      });
    }

    async function slowRun(env: Record<string, string>, maxMs: number) {
      const svc = await start({ HTTP_READ_HEADER_TIMEOUT: '1s', HTTP_READ_TIMEOUT: '2s', ...env });
      const port = Number(new URL(svc.base).port);
      const [id] = await createItems(svc.base, project.collection, 1);
      const load = runLoad(tool, work, {
        targets: [
          { method: 'GET', url: `${svc.base}/health/live` },
          { method: 'GET', url: `${svc.base}${project.collection}/${id}` },
        ],
        rate: 100,
        durationMs: 4000,
        conns: 16,
        events: true,
      });
      const headers = Array.from({ length: 20 }, () => trickle(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n', maxMs));
      const bodies = Array.from({ length: 5 }, () =>
        trickle(port, `POST ${project.collection} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"name":"`, 'a', maxMs),
      );
      const [h, b, others] = await Promise.all([Promise.all(headers), Promise.all(bodies), load]);
      return { h, b, others, svc };
    }

    function slowViolations(h: Slow[], b: Slow[], others: LoadReport, headerBound: number, bodyBound: number): string[] {
      const v: string[] = [];
      const hMax = Math.max(...h.map((s) => s.closedAfterMs));
      const bMax = Math.max(...b.map((s) => s.closedAfterMs));
      if (hMax > headerBound) v.push(`a header-trickling connection stayed open ${hMax.toFixed(0)} ms > ${headerBound} ms`);
      if (bMax > bodyBound) v.push(`a body-trickling connection stayed open ${bMax.toFixed(0)} ms > ${bodyBound} ms`);
      const bad5xx = b.filter((s) => s.status !== undefined && s.status >= 500);
      if (bad5xx.length > 0) v.push(`slow bodies got ${bad5xx.map((s) => s.status).join(',')}: a slow client is not a server error`);
      if (others.errors > 0 || Object.keys(others.codes).some((c) => c !== '200')) v.push(`other clients were not all served: ${JSON.stringify(others.codes)} ${JSON.stringify(others.error_classes)}`);
      if (others.service_ms.p99 > 500) v.push(`other clients' p99 ${others.service_ms.p99} ms > 500 ms`);
      return v;
    }

    it('header trickling is cut at HTTP_READ_HEADER_TIMEOUT, body trickling at HTTP_READ_TIMEOUT, others are served', async () => {
      const { h, b, others, svc } = await slowRun({}, 6000);
      console.log(`slow clients: headers closed after ${Math.max(...h.map((s) => s.closedAfterMs)).toFixed(0)} ms, bodies after ${Math.max(...b.map((s) => s.closedAfterMs)).toFixed(0)} ms (statuses ${b.map((s) => s.status).join(',')}), others p99 ${others.service_ms.p99} ms`);
      expect(slowViolations(h, b, others, 1000 + 1000, 2000 + 1000)).toEqual([]);
      expect(Math.min(...h.map((s) => s.closedAfterMs)), 'cut before the timeout').toBeGreaterThan(900);
      expect(svc.proc.exitCode).toBeNull();
    }, 2 * MINUTES);

    it('control: with 30 s timeouts the slow connections stay open past the bounds', async () => {
      const { h, b, others } = await slowRun({ HTTP_READ_HEADER_TIMEOUT: '30s', HTTP_READ_TIMEOUT: '30s' }, 4000);
      const v = slowViolations(h, b, others, 1000 + 1000, 2000 + 1000);
      console.log(`slow clients control (30 s timeouts): ${v.join('; ')}`);
      expect(v.length).toBeGreaterThan(0);
    }, 2 * MINUTES);
  });

  // ------------------------------------------------------------------ 6
  describe('6. hostile input', () => {
    const FUZZTIME = '10s';

    it(`the fuzz targets run ${FUZZTIME} each without a crash`, async () => {
      const targets = fuzzTargets(project.dir);
      expect(targets.length).toBeGreaterThan(0);
      for (const { pkg, name } of targets) {
        const r = await execa('go', ['test', '-run=^$', `-fuzz=^${name}$`, `-fuzztime=${FUZZTIME}`, '-parallel=2', pkg], { cwd: project.dir, all: true, reject: false, env: { GOFLAGS: '-buildvcs=false' } });
        console.log(`fuzz ${pkg} ${name}: ${r.all?.split('\n').filter((l) => /elapsed|^ok|FAIL/.test(l)).slice(-2).join(' | ')}`);
        expect(r.exitCode, r.all).toBe(0);
      }
    }, 5 * MINUTES);

    it('control: the same fuzz run catches a target that panics', async () => {
      const file = join(project.dir, 'internal', 'httpapi', 'zz_control_fuzz_test.go');
      writeFileSync(
        file,
        `package httpapi\n\nimport "testing"\n\nfunc FuzzControlPanics(f *testing.F) {\n\tf.Add("ok")\n\tf.Fuzz(func(t *testing.T, s string) {\n\t\tif len(s) > 3 && s[0] != s[1] {\n\t\t\tpanic("control")\n\t\t}\n\t})\n}\n`,
      );
      try {
        const r = await execa('go', ['test', '-run=^$', '-fuzz=^FuzzControlPanics$', `-fuzztime=${FUZZTIME}`, '-parallel=2', './internal/httpapi'], { cwd: project.dir, all: true, reject: false, env: { GOFLAGS: '-buildvcs=false' } });
        expect(r.exitCode).not.toBe(0);
        expect(r.all).toMatch(/panic: control/);
      } finally {
        rmSync(file, { force: true });
        rmSync(join(project.dir, 'internal', 'httpapi', 'testdata', 'fuzz', 'FuzzControlPanics'), { recursive: true, force: true });
      }
    }, 3 * MINUTES);

    const cases = (collection: string): HostileCase[] => {
      const json = { 'Content-Type': 'application/json' };
      const id = '0190a6f0-0000-7000-8000-000000000000';
      return [
        { name: 'oversized body', method: 'POST', path: collection, headers: json, body: JSON.stringify({ name: 'x', description: 'y'.repeat(200_000) }) },
        { name: 'deep array nesting', method: 'POST', path: collection, headers: json, body: `{"name":${'['.repeat(30_000)}${']'.repeat(30_000)}}` },
        { name: 'deep object nesting', method: 'POST', path: collection, headers: json, body: `{"name":"x","description":${'{"a":'.repeat(12_000)}1${'}'.repeat(12_000)}}` },
        { name: 'invalid UTF-8 in a string', method: 'POST', path: collection, headers: json, body: Buffer.concat([Buffer.from('{"name":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]) },
        { name: 'invalid UTF-8 outside strings', method: 'POST', path: collection, headers: json, body: Buffer.concat([Buffer.from('{"name":"x"'), Buffer.from([0xff]), Buffer.from('}')]) },
        { name: 'huge number', method: 'POST', path: collection, headers: json, body: `{"name":1e999999,"description":"x"}` },
        { name: 'huge integer for a string', method: 'POST', path: collection, headers: json, body: `{"name":"x","description":${'9'.repeat(5000)}}` },
        { name: 'duplicate keys', method: 'POST', path: collection, headers: json, body: '{"name":"first","name":"second"}' },
        { name: 'NUL and control characters', method: 'POST', path: collection, headers: json, body: '{"name":"a\\u0000b","description":"\\u001b[31m"}' },
        { name: 'byte order mark', method: 'POST', path: collection, headers: json, body: '\ufeff{"name":"x"}' },
        { name: 'array instead of object', method: 'POST', path: collection, headers: json, body: '[{"name":"x"}]' },
        { name: 'empty body', method: 'POST', path: collection, headers: json, body: '' },
        { name: 'text/plain', method: 'POST', path: collection, headers: { 'Content-Type': 'text/plain' }, body: '{"name":"x"}' },
        { name: 'no content type', method: 'POST', path: collection, body: '{"name":"x"}' },
        { name: 'form content type', method: 'POST', path: collection, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x' },
        { name: 'multipart content type', method: 'POST', path: collection, headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' },
        { name: 'malformed content type', method: 'POST', path: collection, headers: { 'Content-Type': 'application/json; charset' }, body: '{"name":"x"}' },
        { name: 'PUT wrong content type', method: 'PUT', path: `${collection}/${id}`, headers: { 'Content-Type': 'text/xml' }, body: '<a/>' },
        { name: 'path traversal in id', method: 'GET', path: `${collection}/..%2F..%2Fetc%2Fpasswd` },
        { name: 'dot segments in id', method: 'GET', path: `${collection}/../../etc/passwd` },
        { name: 'encoded NUL in id', method: 'GET', path: `${collection}/%00` },
        { name: 'SQL in id', method: 'GET', path: `${collection}/'%20OR%20'1'='1` },
        { name: 'very long id', method: 'GET', path: `${collection}/${'a'.repeat(8000)}` },
        { name: 'traversal in PUT id', method: 'PUT', path: `${collection}/..%2Fx`, headers: json, body: '{"name":"x"}' },
        { name: 'traversal in DELETE id', method: 'DELETE', path: `${collection}/..%2F..%2F` },
        { name: 'bad ids list', method: 'GET', path: `${collection}?ids=../../etc,${'%ff'.repeat(10)}` },
        { name: 'negative limit', method: 'GET', path: `${collection}?limit=-1` },
        { name: 'overflowing limit', method: 'GET', path: `${collection}?limit=99999999999999999999999` },
        { name: 'garbage cursor', method: 'GET', path: `${collection}?cursor=%ff%fe..%2F` },
        { name: 'unknown method', method: 'PATCH', path: `${collection}/${id}`, headers: json, body: '{}' },
      ];
    };

    async function send(base: string, c: HostileCase): Promise<HostileResult> {
      const u = new URL(base);
      return new Promise((resolve) => {
        const req = request(
          { host: u.hostname, port: u.port, method: c.method, path: c.path, headers: { ...c.headers, ...(c.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(c.body)) } : {}) }, timeout: 10_000 },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ name: c.name, status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') }));
          },
        );
        req.on('error', (err) => resolve({ name: c.name, status: 0, contentType: '', error: err.message }));
        req.on('timeout', () => req.destroy(new Error('timed out')));
        if (c.body !== undefined) req.write(c.body);
        req.end();
      });
    }

    it('oversized, deeply nested, invalid UTF-8, huge numbers, duplicate keys, wrong content types and traversal ids get 4xx problem+json', async () => {
      const svc = await start({ MAX_BODY_BYTES: '65536' });
      const results: HostileResult[] = [];
      for (const c of cases(project.collection)) results.push(await send(svc.base, c));
      console.log(`hostile: ${results.map((r) => `${r.name}=${r.status}`).join(', ')}`);
      const logged = svc.log();
      expect(svc.proc.exitCode, 'the service survived').toBeNull();
      expect(logged).not.toMatch(/panic/i);
      expect(hostileViolations(results)).toEqual([]);
    }, 2 * MINUTES);

    it('control: the same requests against the bare hello-world server are violations', async () => {
      const port = await freePort();
      const hello = execa(tool, ['hello', '-addr', `127.0.0.1:${port}`], { reject: false });
      try {
        await waitFor(() => fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok));
        const results: HostileResult[] = [];
        for (const c of cases(project.collection)) results.push(await send(`http://127.0.0.1:${port}`, c));
        expect(hostileViolations(results).length).toBeGreaterThanOrEqual(results.length);
      } finally {
        hello.kill('SIGKILL');
        await hello;
      }
    }, MINUTES);
  });

  // ------------------------------------------------------------------ 7
  describe('7. static security checks', () => {
    const staticDir = join(work, 'static');

    it('controls: gosec, staticcheck and the secret scan each catch a planted problem', async () => {
      const [gosec, staticcheck] = await Promise.all([goTool('gosec'), goTool('staticcheck')]);
      const dir = join(staticDir, 'control');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'go.mod'), 'module example.com/control\n\ngo 1.24\n');
      writeFileSync(
        join(dir, 'main.go'),
        'package main\n\nimport (\n\t"crypto/md5"\n\t"fmt"\n\t"os"\n\t"os/exec"\n\t"strings"\n)\n\nfunc main() {\n\tstrings.ToUpper(os.Args[0])\n\tfmt.Println(md5.Sum([]byte(os.Args[1])))\n\t_ = exec.Command(os.Args[1]).Run()\n}\n',
      );
      expect(await gosecFindings(gosec, dir)).not.toEqual([]);
      expect(await staticcheckFindings(staticcheck, dir)).not.toEqual([]);
      const planted = [`aws_key = "${'AKIA'}${'Q3VZ7XKJ2L9MN4PR'}"`, `-----BEGIN RSA ${'PRIVATE'} KEY-----`, `JWT_SECRET=${'k9Xf2mQ7vL3pR8sT1wY6zB4nC0dE5gH'}`];
      expect(secretFindings([{ path: 'planted', text: planted.join('\n') }])).toHaveLength(3);
    }, 5 * MINUTES);

    for (const variant of variants()) {
      it(`${variant}: gosec and staticcheck report nothing, no secret in any generated file`, async () => {
        const [gosec, staticcheck] = await Promise.all([goTool('gosec'), goTool('staticcheck')]);
        const p = await generate(join(staticDir, variant), ['--answers', answersPath(variant)]);
        const [g, s] = await Promise.all([gosecFindings(gosec, p.dir), staticcheckFindings(staticcheck, p.dir)]);
        const secrets = secretFindings(listFiles(p.dir).map((f) => ({ path: relative(p.dir, f), text: readFileSync(f, 'utf8') })));
        expect({ gosec: g, staticcheck: s, secrets }).toEqual({ gosec: [], staticcheck: [], secrets: [] });
      }, 5 * MINUTES);
    }
  });
});

// ---------------------------------------------------------------- helpers

async function gosecFindings(gosec: string, dir: string): Promise<string[]> {
  // -exclude-generated: files marked "Code generated ... DO NOT EDIT" (the protoc-gen-go output of the
  // gRPC variants, whose raw descriptors use unsafe, G103) are the generators' to audit, not ours.
  const r = await execa(gosec, ['-quiet', '-exclude-generated', '-fmt', 'json', '-severity', 'low', '-confidence', 'low', './...'], {
    cwd: dir,
    reject: false,
    env: { GOFLAGS: '-buildvcs=false' },
  });
  let parsed: { Issues?: { rule_id: string; file: string; line: string; details: string }[]; 'Golang errors'?: Record<string, unknown> };
  // -quiet prints nothing at all when there is nothing to report.
  if (r.exitCode === 0 && r.stdout.trim() === '') return [];
  try {
    parsed = JSON.parse(r.stdout) as typeof parsed;
  } catch {
    throw new Error(`gosec output is not JSON (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  }
  const errors = Object.keys(parsed['Golang errors'] ?? {});
  if (errors.length > 0) throw new Error(`gosec could not type-check: ${JSON.stringify(parsed['Golang errors']).slice(0, 2000)}`);
  return (parsed.Issues ?? []).map((i) => `${relative(dir, i.file)}:${i.line}: ${i.rule_id} ${i.details}`);
}

async function staticcheckFindings(staticcheck: string, dir: string): Promise<string[]> {
  const r = await execa(staticcheck, ['-f', 'text', './...'], { cwd: dir, reject: false, all: true, env: { GOFLAGS: '-buildvcs=false' } });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`staticcheck failed (exit ${r.exitCode}):\n${r.all}`);
  return (r.stdout ?? '').split('\n').filter(Boolean).map((l) => l.replace(`${dir}/`, ''));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === '.git' ? [] : listFiles(p);
    return statSync(p).size < 2_000_000 ? [p] : [];
  });
}

function fuzzTargets(dir: string): { pkg: string; name: string }[] {
  return listFiles(dir)
    .filter((f) => f.endsWith('_test.go'))
    .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^func (Fuzz\w+)\(f \*testing\.F\)/gm)].map((m) => ({ pkg: `./${relative(dir, join(f, '..'))}`, name: m[1]! })));
}

function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(s);
  if (!m) throw new Error(`duration ${s}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

async function waitFor(f: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await f().catch(() => false)) return;
    await sleep(20);
  }
  throw new Error('timed out');
}

function logOutage(what: string, run: OutageRun): void {
  const ev = run.report.events ?? [];
  const during = ev.filter((e) => e.s >= run.downAt && e.s < run.upAt);
  const codes = new Map<string, number>();
  for (const e of during) codes.set(e.c ? String(e.c) : e.e ?? '?', (codes.get(e.c ? String(e.c) : e.e ?? '?') ?? 0) + 1);
  const lat = during.map((e) => e.d - e.s).sort((a, b) => a - b);
  const firstUnready = (run.report.probes ?? []).find((p) => p.t >= run.downAt && p.c !== 200);
  const backReady = (run.report.probes ?? []).find((p) => p.t >= run.upAt && p.c === 200);
  console.log(
    `${what}: outage ${(run.upAt - run.downAt).toFixed(0)} ms; during it ${JSON.stringify(Object.fromEntries(codes))}, max latency ${(lat.at(-1) ?? 0).toFixed(0)} ms; readiness failed after ${firstUnready ? (firstUnready.t - run.downAt).toFixed(0) : '-'} ms, back ${backReady ? (backReady.t - run.upAt).toFixed(0) : '-'} ms after the return`,
  );
}
