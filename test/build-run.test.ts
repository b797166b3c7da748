import { execa, type ResultPromise } from 'execa';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceNames } from '../src/options/naming.js';
import { resourceContexts } from '../src/options/resources.js';
import { protoNames, resourceSpecs } from '../src/render/render.js';
import { DEADCODE_VERSION, GO_MODULES } from '../src/versions.js';
import { answersPath, ROOT, variantAnswers, variants } from './support/fixtures.js';
import { privateBroker, sharedBrokerTestEnv } from './support/brokers.js';
import { checkResourcesContract } from './support/resources-contract.js';
import { freePort, freshDatabase, PG, reachable, REDIS } from './support/services.js';

/**
 * Build-and-run tests: for every fixture variant, generate a project through
 * the built CLI (which runs `go mod tidy`), then check it the way a new user
 * would: gofmt, go vet, go test against the real Postgres and Redis, build
 * the binary, start it and exercise the HTTP contract (and, with a gRPC
 * transport, call it with grpcurl), then SIGTERM.
 * Postgres and Redis must be up: a missing service fails the run.
 */

const CLI = join(ROOT, 'bin', 'create-service.js');
const MINUTES = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** With --auth jwt the service accepts HS256 tokens of this issuer; the secret is fresh per run. */
const JWT = { issuer: 'https://issuer.build-run.test', audience: 'build-run', secret: randomBytes(32).toString('hex') };

/** grpcurl at its pin, installed by scripts/ensure-tools.sh when a variant has a gRPC transport. */
let grpcurl = '';

beforeAll(async () => {
  await reachable(PG.host, PG.port);
  await reachable(REDIS.host, REDIS.port);
  const grpcVariants = await Promise.all(variants().map(async (v) => (await variantAnswers(v)).transport !== 'http'));
  if (grpcVariants.some(Boolean)) {
    const r = await execa('bash', [join(ROOT, 'scripts', 'ensure-tools.sh')], { cwd: ROOT, all: true, reject: false });
    if (r.exitCode !== 0) throw new Error(`scripts/ensure-tools.sh failed:\n${r.all}`);
    grpcurl = r.stdout.split('\n').find((l) => l.startsWith('grpcurl='))?.slice('grpcurl='.length) ?? '';
    if (grpcurl === '') throw new Error('scripts/ensure-tools.sh named no grpcurl');
  }
}, 20 * MINUTES);

for (const variant of variants()) {
  describe.sequential(`build and run: ${variant}`, () => {
    const work = mkdtempSync(join(tmpdir(), `cs-build-${variant}-`));
    let dir = '';
    let db: { url: string; drop: () => Promise<void> } | undefined;
    let answers: Awaited<ReturnType<typeof variantAnswers>>;
    const go = (args: string[], env: Record<string, string> = {}) =>
      execa('go', args, { cwd: dir, env: { ...env, GOFLAGS: '-buildvcs=false' }, all: true }).catch((err: { all?: string }) => {
        throw new Error(`go ${args.join(' ')} failed:\n${err.all ?? String(err)}`);
      });

    beforeAll(async () => {
      answers = await variantAnswers(variant);
      dir = join(work, answers.name);
      if (answers.db === 'postgres') db = await freshDatabase(`cs_${variant}`);
    });
    afterAll(async () => {
      await db?.drop();
      rmSync(work, { recursive: true, force: true });
    });

    /** The service's environment: free loopback ports, the test's Postgres, Redis and JWT issuer, tracing to nowhere. */
    const serviceEnv = async () => {
      const [httpPort, adminPort, deadPort, grpcPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      const env: Record<string, string> = {
        HTTP_ADDR: `127.0.0.1:${httpPort}`,
        ADMIN_ADDR: `127.0.0.1:${adminPort}`,
        LOG_LEVEL: 'info',
        MAX_BODY_BYTES: '4096',
        DRAIN_DELAY: '200ms',
        SHUTDOWN_TIMEOUT: '5s',
        MIGRATE_ON_START: 'true',
        // Tracing on with no collector listening must not disturb anything.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
      };
      if (answers.transport !== 'http') env.GRPC_ADDR = `127.0.0.1:${grpcPort}`;
      if (db) env.DATABASE_URL = db.url;
      if (answers.cache === 'redis') env.REDIS_URL = `redis://${REDIS.host}:${REDIS.port}/0`;
      if (answers.auth === 'jwt') Object.assign(env, { JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: JWT.audience, JWT_SECRET: JWT.secret });
      return { env, httpPort, adminPort, grpcPort };
    };

    it('generates through the CLI with go mod tidy, pinned modules only', async () => {
      const r = await execa('node', [CLI, dir, '--answers', answersPath(variant), '--no-git'], { cwd: work, all: true, env: { CI: 'true' } });
      expect(r.exitCode, r.all).toBe(0);
      const gomod = readFileSync(join(dir, 'go.mod'), 'utf8');
      const direct = [...gomod.matchAll(/^\s+(\S+) (v\S+)$/gm)].map((m) => ({ path: m[1]!, version: m[2]! }));
      expect(direct.length).toBeGreaterThan(0);
      for (const { path, version } of direct) {
        expect(GO_MODULES, `go.mod requires ${path} directly, but it has no pin in src/versions.ts`).toHaveProperty([path]);
        expect(version, `go mod tidy moved ${path} off its pin`).toBe(GO_MODULES[path as keyof typeof GO_MODULES]);
      }
    }, 10 * MINUTES);

    it('is gofmt-clean and go vet-clean', async () => {
      const fmt = await execa('gofmt', ['-l', '.'], { cwd: dir });
      expect(fmt.stdout.trim()).toBe('');
      await go(['vet', './...']);
    }, 10 * MINUTES);

    it('deadcode finds nothing unreachable outside test helpers and buf output, and finds a planted function', async () => {
      // The control shares the run: an unused exported function, planted in
      // the domain package, must be the only finding outside the exemptions.
      const plant = join(dir, 'internal', 'domain', 'zz_deadcode_control.go');
      writeFileSync(plant, 'package domain\n\n// DeadcodeControl is called by nothing.\nfunc DeadcodeControl() int { return 1 }\n');
      try {
        const r = await go(['run', `golang.org/x/tools/cmd/deadcode@${DEADCODE_VERSION}`, './...']);
        const found = deadcodeFindings(r.stdout, answers.db);
        expect(found, 'the planted function is reported').toContainEqual(expect.stringMatching(/^internal\/domain\/zz_deadcode_control\.go:\d+:\d+: unreachable func: DeadcodeControl$/));
        expect(found.filter((l) => !l.includes('zz_deadcode_control.go'))).toEqual([]);
      } finally {
        rmSync(plant, { force: true });
      }
    }, 10 * MINUTES);

    it('passes its own tests against the real Postgres and Redis', async () => {
      const env: Record<string, string> = { TEST_REDIS_URL: `redis://${REDIS.host}:${REDIS.port}/0`, ...sharedBrokerTestEnv(answers.queue) };
      if (db) env.TEST_DATABASE_URL = db.url;
      const r = await go(['test', '-count=1', '-v', './...'], env);
      expect(r.all).not.toMatch(/^FAIL/m);
      expect(r.all).toMatch(/^ok\s/m);
      // Every test must have run: the suite is given every service it can use.
      const skipped = (r.all ?? '').split('\n').filter((l) => /--- SKIP/.test(l));
      expect(skipped, 'generated tests skipped although TEST_DATABASE_URL/TEST_REDIS_URL were set').toEqual([]);
    }, 15 * MINUTES);

    it('builds, starts, serves the HTTP contract and exits 0 on SIGTERM', async () => {
      const bin = join(dir, 'bin', answers.name);
      await go(['build', '-o', bin, `./cmd/${answers.name}`]);
      const { env, httpPort, adminPort, grpcPort } = await serviceEnv();
      const broker = answers.queue === 'none' ? undefined : await privateBroker(answers.queue);
      if (broker) Object.assign(env, broker.env());
      const proc = execa(bin, [], { cwd: dir, env, all: true, reject: false, stdin: 'ignore' });
      try {
        if (answers.transport === 'grpc') await checkProbesOnly(`http://127.0.0.1:${httpPort}`, answers, proc);
        else await checkContract(`http://127.0.0.1:${httpPort}`, `http://127.0.0.1:${adminPort}`, answers, proc);
        if (answers.transport !== 'http') await checkGRPC(dir, `127.0.0.1:${grpcPort}`, `http://127.0.0.1:${adminPort}`, answers);
      } finally {
        proc.kill('SIGTERM');
      }
      const result = await withTimeout(proc, 20_000);
      await broker?.close();
      expect(result.exitCode, `exit after SIGTERM; output:\n${result.all}`).toBe(0);
    }, 10 * MINUTES);

    // Read synchronously: whether the test exists depends on the answers.
    const raw = JSON.parse(readFileSync(answersPath(variant), 'utf8')) as { queue?: string; db?: string };
    const queue = raw.queue ?? 'none';
    // With Postgres, events go through the outbox; without, they are published directly.
    const whileDown = raw.db === 'memory' ? 'keeping a write and logging its lost event while the broker is down' : 'through the outbox while the broker is down';
    // Declared only for variants with events: a skipped test fails the suite.
    if (queue !== 'none') {
      it(`publishes events the worker handles once, ${whileDown}`, async () => {
        const bin = join(dir, 'bin', answers.name);
        const broker = await privateBroker(answers.queue);
        const [httpPort, adminPort, workerAdminPort, deadPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
        const common: Record<string, string> = {
          LOG_LEVEL: 'info',
          DRAIN_DELAY: '200ms',
          SHUTDOWN_TIMEOUT: '5s',
          MIGRATE_ON_START: 'true',
          OUTBOX_POLL_INTERVAL: '500ms',
          OUTBOX_MAX_BACKOFF: '1s',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
          ...broker.env(),
        };
        if (db) common.DATABASE_URL = db.url;
        if (answers.cache === 'redis') common.REDIS_URL = `redis://${REDIS.host}:${REDIS.port}/0`;
        if (answers.auth === 'jwt') Object.assign(common, { JWT_ISSUER: JWT.issuer, JWT_AUDIENCE: JWT.audience, JWT_SECRET: JWT.secret });
        const serve = collectLogs(execa(bin, ['serve'], {
          cwd: dir, all: true, reject: false, stdin: 'ignore',
          env: { ...common, HTTP_ADDR: `127.0.0.1:${httpPort}`, ADMIN_ADDR: `127.0.0.1:${adminPort}` },
        }));
        const base = `http://127.0.0.1:${httpPort}`;
        let worker: (ResultPromise & { logs: () => string }) | undefined;
        try {
          await waitReady(base, serve);
          worker = collectLogs(execa(bin, ['worker'], { cwd: dir, all: true, reject: false, stdin: 'ignore', env: { ...common, ADMIN_ADDR: `127.0.0.1:${workerAdminPort}` } }));
          await waitReady(`http://127.0.0.1:${workerAdminPort}`, worker);
          const first = firstResource(answers);
          const plural = first.plural;
          const bearer: Record<string, string> = answers.auth === 'jwt' ? { Authorization: `Bearer ${mintToken('build-run')}` } : {};
          const create = async (label: string) => {
            const r = await send(base, 'POST', plural, JSON.stringify(first.values(label)), bearer);
            expect(r.status, r.text).toBe(201);
            return String(r.json!.id);
          };
          const w = worker;
          const handled = (subject: string) => handledLines(w, subject);

          // POST → the worker handles the created event, exactly once.
          const evented = await create('evented');
          await waitUntil(() => handled(evented).length > 0, 20_000, () => `no "event handled" for ${evented}; worker log:\n${w.logs()}`);
          await new Promise((r) => setTimeout(r, 1500)); // a duplicate would arrive right behind
          expect(handled(evented), 'handled exactly once').toHaveLength(1);
          expect(handled(evented)[0]!.event_type).toBe(`${answers.name}.${first.r.snake}.created`);

          if (answers.db === 'postgres') {
            // The outbox guarantee: with the broker down, writes succeed and
            // the event waits in the outbox; once it is back, it is delivered
            // and handled once.
            await broker.stop();
            // The client notices the lost connection within moments (an EOF
            // on its socket); readiness says so within 5 s and stays 200.
            let ready = await send(base, 'GET', '/health/ready');
            const brokerStatus = () => (ready.json?.checks as Record<string, { status: string }> | undefined)?.broker?.status;
            await waitUntil(
              async () => {
                ready = await send(base, 'GET', '/health/ready');
                return brokerStatus() === 'degraded';
              },
              5_000,
              () => `readiness did not report the broker degraded within 5 s: ${ready.status} ${ready.text}`,
            );
            expect(ready.status, ready.text).toBe(200);
            const second = await create('while the broker is down');
            await new Promise((r) => setTimeout(r, 1500));
            const pending = await execa('psql', [db!.url, '-tAc', `SELECT count(*) FROM outbox WHERE subject = '${second}'`]);
            expect(pending.stdout.trim(), 'the event waits in the outbox').toBe('1');
            expect(handled(second)).toHaveLength(0);
            await broker.start();
            await waitUntil(() => handled(second).length > 0, 60_000, () => `no "event handled" for ${second} after the broker came back; serve log:\n${serve.logs()}\nworker log:\n${w.logs()}`);
            await new Promise((r) => setTimeout(r, 1500));
            expect(handled(second), 'handled exactly once').toHaveLength(1);
            const left = await execa('psql', [db!.url, '-tAc', 'SELECT count(*) FROM outbox']);
            expect(left.stdout.trim(), 'published rows leave the outbox').toBe('0');
          } else {
            // Direct publishing, as the generated README promises: while the
            // broker is down readiness fails, a write is stored and answered
            // 201 (a 503 would make a client retry a POST into a duplicate),
            // and its event is lost, logged at error level; once the broker
            // is back (the adapter reconnects by itself), writes publish
            // again and their events are handled once.
            await broker.stop();
            let ready = await send(base, 'GET', '/health/ready');
            for (const deadline = Date.now() + 30_000; ready.status !== 503 && Date.now() < deadline; ) {
              await new Promise((r) => setTimeout(r, 200));
              ready = await send(base, 'GET', '/health/ready');
            }
            expect(ready.status, `readiness with the broker down: ${ready.text}`).toBe(503);
            const kept = await create('while the broker is down');
            expect((await send(base, 'GET', `${plural}/${kept}`, undefined, bearer)).status, 'the write is stored').toBe(200);
            await waitUntil(() => serve.logs().includes('event lost: publish failed after the change was stored'), 5_000, () => `no "event lost" error in the serve log:\n${serve.logs()}`);
            await broker.start();
            await waitReady(base, serve);
            await waitReady(`http://127.0.0.1:${workerAdminPort}`, w);
            const third = await create('after the broker came back');
            await waitUntil(() => handled(third).length > 0, 30_000, () => `no "event handled" for ${third} after the broker came back; serve log:\n${serve.logs()}\nworker log:\n${w.logs()}`);
            await new Promise((r) => setTimeout(r, 1500));
            expect(handled(third), 'handled exactly once').toHaveLength(1);
          }
          if (answers.metrics) {
            const text = await (await fetch(`http://127.0.0.1:${workerAdminPort}/metrics`)).text();
            expect(text).toMatch(/^events_consumed_total\{type="[^"]+\.created"\} [1-9]/m);
          }
        } finally {
          worker?.kill('SIGTERM');
          serve.kill('SIGTERM');
        }
        const [servEnd, workEnd] = await Promise.all([withTimeout(serve, 20_000), worker ? withTimeout(worker, 20_000) : undefined]);
        await broker.close();
        expect(servEnd.exitCode, `serve exit after SIGTERM; output:\n${servEnd.all}`).toBe(0);
        if (workEnd) expect(workEnd.exitCode, `worker exit after SIGTERM; output:\n${workEnd.all}`).toBe(0);
      }, 10 * MINUTES);
    }

    // Issue 11, defect 2: a query that waits on a row lock until the request's
    // deadline is a timeout, not an outage (no retry hint, no UNAVAILABLE).
    if (raw.db === 'postgres') {
      it('a write cut by REQUEST_TIMEOUT while it waits on a row lock is answered as a timeout, not as an outage', async () => {
        const bin = join(dir, 'bin', answers.name);
        const { env, httpPort, grpcPort } = await serviceEnv();
        const broker = answers.queue === 'none' ? undefined : await privateBroker(answers.queue);
        if (broker) Object.assign(env, broker.env());
        const proc = execa(bin, [], { cwd: dir, env: { ...env, REQUEST_TIMEOUT: '500ms' }, all: true, reject: false, stdin: 'ignore' });
        const first = firstResource(answers);
        const names = first.r;
        const base = `http://127.0.0.1:${httpPort}`;
        const plural = first.plural;
        const locked = first.values('locked');
        const whileLocked = first.values('while locked');
        const bearer: Record<string, string> = answers.auth === 'jwt' ? { Authorization: `Bearer ${mintToken('build-run')}` } : {};
        let locker: ReturnType<typeof holdRowLock> | undefined;
        try {
          await waitReady(base, proc);
          const { grpc, service } = grpcurlIn(dir, answers);
          let id: string;
          if (answers.transport === 'grpc') {
            const created = await grpc(['-d', JSON.stringify({ [names.snake]: locked }), `127.0.0.1:${grpcPort}`, `${service}/Create${names.Name}`]);
            expect(created.exitCode, created.all).toBe(0);
            id = String((JSON.parse(created.stdout) as Json).id);
          } else {
            const created = await send(base, 'POST', plural, JSON.stringify(locked), bearer);
            expect(created.status, created.text).toBe(201);
            id = String(created.json!.id);
          }
          locker = holdRowLock(db!.url, names.table, id);
          await locker.held;

          if (answers.transport !== 'grpc') {
            const put = await send(base, 'PUT', `${plural}/${id}`, JSON.stringify(whileLocked), bearer);
            // Soft: with both transports, the gRPC answer is checked and reported too.
            expect.soft(put.status, put.text).toBe(503);
            expect.soft(put.headers.get('content-type')).toMatch(/^application\/problem\+json/);
            expect.soft(put.headers.get('retry-after'), 'a timeout promises no retry delay').toBeNull();
            expect.soft(put.json).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The request timed out.', request_id: expect.any(String) });
          }
          if (answers.transport !== 'http') {
            const update = await grpc(['-d', JSON.stringify({ [names.snake]: { id, ...whileLocked } }), `127.0.0.1:${grpcPort}`, `${service}/Update${names.Name}`]);
            expect.soft(update.exitCode, update.all).not.toBe(0);
            expect.soft(update.all).toMatch(/Code: DeadlineExceeded/);
            expect.soft(update.all, 'a timeout carries no RetryInfo').not.toContain('RetryInfo');
          }
          await locker.release();
          locker = undefined;
          // A timeout leaves the outcome unknown: the UPDATE still queued behind the lock may
          // complete before Postgres processes the cancel request (the README says so: retry the
          // idempotent PUT). The row is whole either way, and the next write goes through.
          if (answers.transport !== 'grpc') {
            const after = (await send(base, 'GET', `${plural}/${id}`, undefined, bearer)).json as Json;
            expect([locked[first.label], whileLocked[first.label]]).toContain(after[first.label]);
            const put = await send(base, 'PUT', `${plural}/${id}`, JSON.stringify(first.values('after the lock')), bearer);
            expect(put.status, put.text).toBe(200);
          }
        } finally {
          await locker?.release();
          proc.kill('SIGTERM');
        }
        const result = await withTimeout(proc, 20_000);
        await broker?.close();
        expect(result.exitCode, `exit after SIGTERM; output:\n${result.all}`).toBe(0);
      }, 5 * MINUTES);
    }
  });
}

/**
 * Locks one row FOR UPDATE from a second connection (a psql session held
 * open): held resolves once the lock is taken, release rolls back and ends
 * the session.
 */
function holdRowLock(url: string, table: string, id: string) {
  const psql = execa('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], { stdin: 'pipe', all: true, reject: false });
  psql.stdin!.write(`BEGIN;\nSELECT 1 FROM ${table} WHERE id = '${id}' FOR UPDATE;\n\\echo locked\n`);
  const held = new Promise<void>((resolve, reject) => {
    let out = '';
    psql.all!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^locked$/m.test(out)) resolve();
    });
    void psql.then((r) => reject(new Error(`psql ended before the lock was held: ${r.all}`)));
  });
  let released: Promise<unknown> | undefined;
  const release = () => {
    released ??= (async () => {
      psql.stdin!.end('ROLLBACK;\n');
      const r = await psql;
      if (r.exitCode !== 0) throw new Error(`psql holding the lock failed: ${r.all}`);
    })();
    return released;
  };
  return { held, release };
}

/** Packages of test helpers, called only from tests: deadcode (without -test) reports them by design. */
const TEST_HELPER_PACKAGES = new Set(['repotest', 'pgtest', 'cachetest', 'kafkatest', 'natstest', 'rabbitmqtest', 'authtest']);

/**
 * deadcode's findings ("file:line:col: unreachable func: name"), less test-helper packages and
 * buf's *.pb.go. With a database other than memory, internal/repository/memory is the test double
 * of the service and transport tests (it passes the same contract suite), so it is a test helper
 * there; with --db memory it is the adapter main wires and must be fully reachable.
 */
function deadcodeFindings(stdout: string, db: string): string[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .filter((line) => {
      const file = line.split(':')[0]!;
      if (db !== 'memory' && file.startsWith('internal/repository/memory/')) return false;
      return !file.endsWith('.pb.go') && !file.split('/').slice(0, -1).some((d) => TEST_HELPER_PACKAGES.has(d));
    });
}

/** The worker's "event handled" log records about subject (a resource ID). */
function handledLines(worker: { logs: () => string }, subject: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const line of worker.logs().split('\n')) {
    try {
      const rec = JSON.parse(line) as Record<string, string>;
      if (rec.msg === 'event handled' && rec.subject === subject) out.push(rec);
    } catch {
      // not a log record
    }
  }
  return out;
}

/** Adds logs(): the process's output so far, while it runs. */
function collectLogs<P extends ResultPromise>(proc: P): P & { logs: () => string } {
  const chunks: string[] = [];
  proc.all?.on('data', (b: Buffer) => chunks.push(b.toString()));
  return Object.assign(proc, { logs: () => chunks.join('') });
}

async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(explain());
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitReady(base: string, proc: ResultPromise): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`service exited early with ${proc.exitCode}`);
    try {
      const r = await fetch(`${base}/health/ready`);
      last = `${r.status} ${await r.text()}`;
      if (r.status === 200) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/health/ready never answered 200; last: ${last}`);
}

type Json = Record<string, unknown>;

/**
 * The first resource of a variant (the example item, or the first declared
 * one, which never has a required ref): its names, its collection path and a
 * valid body whose first required text field (`label`) reads `text`, made
 * unique when the field is.
 */
function firstResource(answers: Awaited<ReturnType<typeof variantAnswers>>) {
  const r = resourceContexts(resourceSpecs(answers))[0]!;
  const labelField = r.fields.find((f) => !f.optional && (f.is.string || f.is.text));
  let n = 0;
  return {
    r,
    plural: `/v1/${r.kebabs}`,
    label: labelField?.json ?? 'id',
    values(text: string): Json {
      const out: Json = {};
      for (const f of r.fields) if (!f.optional && f.sample) out[f.json] = JSON.parse(f.sample.json);
      if (labelField) out[labelField.json] = labelField.unique ? `${text} ${(n += 1)}` : text;
      return out;
    },
  };
}

/** An HS256 JWT for subject, valid for ten minutes, signed with JWT.secret. */
function mintToken(subject: string): string {
  const b64url = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iss: JWT.issuer, aud: JWT.audience, sub: subject, iat: now, exp: now + 600 })}`;
  return `${unsigned}.${b64url(createHmac('sha256', JWT.secret).update(unsigned).digest())}`;
}

async function send(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    body,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
  });
  const text = await r.text();
  let json: Json | undefined;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as Json);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

async function expectProblem(res: Awaited<ReturnType<typeof send>>, status: number, what: string): Promise<void> {
  expect(res.status, `${what}: ${res.text}`).toBe(status);
  expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
  expect(res.json?.status, what).toBe(status);
}

async function checkContract(base: string, admin: string, answers: Awaited<ReturnType<typeof variantAnswers>>, proc: ResultPromise): Promise<void> {
  await waitReady(base, proc);
  const plural = `/v1/${resourceNames(answers.resource).kebabs}`;
  // With --auth jwt every call carries a valid token, and a call without one is refused.
  const bearer: Record<string, string> = answers.auth === 'jwt' ? { Authorization: `Bearer ${mintToken('build-run')}` } : {};
  const call = (b: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    send(b, method, path, body, { ...bearer, ...headers });
  if (answers.auth === 'jwt') {
    const refused = await send(base, 'GET', plural);
    await expectProblem(refused, 401, 'no bearer token');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    const forged = await send(base, 'GET', plural, undefined, { Authorization: `Bearer ${mintToken('x').slice(0, -4)}AAAA` });
    await expectProblem(forged, 401, 'tampered bearer token');
    expect(forged.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  }

  expect((await call(base, 'GET', '/health/live')).status).toBe(200);
  expect((await call(base, 'GET', '/health/startup')).status).toBe(200);
  const ready = await call(base, 'GET', '/health/ready');
  const checks = Object.keys((ready.json?.checks as Json | undefined) ?? {});
  if (answers.db === 'postgres') expect(checks).toContain('postgres');
  if (answers.cache === 'redis') expect(checks).toContain('redis');
  if (answers.resources) {
    // Declared resources: every resource's contract, typed fields and constraints included.
    await checkResourcesContract((method, path, body) => call(base, method, path, body), answers.resources);
    await checkAdmin(admin, answers, firstResource(answers).plural, undefined);
    return;
  }

  // create → get
  const created = await call(base, 'POST', plural, JSON.stringify({ name: 'first', description: 'the first one' }), { 'X-Request-ID': 'test-request-1' });
  expect(created.status, created.text).toBe(201);
  expect(created.headers.get('x-request-id')).toBe('test-request-1');
  const first = created.json!;
  expect(first.id).toMatch(UUID);
  expect(first).toMatchObject({ name: 'first', description: 'the first one' });
  expect(typeof first.created_at).toBe('string');
  expect(typeof first.updated_at).toBe('string');
  expect(created.headers.get('location')).toBe(`${plural}/${first.id}`);
  const got = await call(base, 'GET', `${plural}/${first.id}`);
  expect(got.status).toBe(200);
  expect(got.json).toEqual(first);

  // list with keyset pagination
  const second = (await call(base, 'POST', plural, JSON.stringify({ name: 'second' }))).json!;
  const page1 = await call(base, 'GET', `${plural}?limit=1`);
  expect(page1.status).toBe(200);
  expect((page1.json!.items as Json[]).map((i) => i.id)).toEqual([first.id]);
  expect(typeof page1.json!.next_cursor).toBe('string');
  const page2 = await call(base, 'GET', `${plural}?limit=1&cursor=${encodeURIComponent(page1.json!.next_cursor as string)}`);
  expect((page2.json!.items as Json[]).map((i) => i.id)).toEqual([second.id]);
  const all = await call(base, 'GET', plural);
  expect((all.json!.items as Json[]).map((i) => i.id)).toEqual([first.id, second.id]);
  expect(all.json!.next_cursor ?? null).toBeNull();

  // batch get, in the order asked
  const batch = await call(base, 'GET', `${plural}?ids=${second.id},${first.id}`);
  expect(batch.status, batch.text).toBe(200);
  expect((batch.json!.items as Json[]).map((i) => i.id)).toEqual([second.id, first.id]);

  // update, visible through the cache
  const updated = await call(base, 'PUT', `${plural}/${first.id}`, JSON.stringify({ name: 'renamed', description: 'changed' }));
  expect(updated.status, updated.text).toBe(200);
  expect(updated.json).toMatchObject({ id: first.id, name: 'renamed', description: 'changed', created_at: first.created_at });
  expect((await call(base, 'GET', `${plural}/${first.id}`)).json).toMatchObject({ name: 'renamed' });

  // delete, then gone (also from the cache)
  expect((await call(base, 'DELETE', `${plural}/${first.id}`)).status).toBe(204);
  await expectProblem(await call(base, 'GET', `${plural}/${first.id}`), 404, 'get after delete');

  // error cases
  await expectProblem(await call(base, 'POST', plural, '{"name":'), 400, 'malformed JSON');
  await expectProblem(await call(base, 'POST', plural, JSON.stringify({ name: 'x', colour: 'red' })), 400, 'unknown field');
  await expectProblem(await call(base, 'POST', plural, '{"name":"x"} {"name":"y"}'), 400, 'trailing data');
  await expectProblem(await call(base, 'POST', plural, JSON.stringify({ name: 'x', description: 'y'.repeat(8000) })), 413, 'body over MAX_BODY_BYTES');
  const invalid = await call(base, 'POST', plural, JSON.stringify({ name: '', description: 'z'.repeat(2001) }));
  await expectProblem(invalid, 422, 'validation');
  expect(JSON.stringify(invalid.json)).toContain('name');
  expect(JSON.stringify(invalid.json)).toContain('description');
  await expectProblem(await call(base, 'GET', `${plural}/0190a6f0-0000-7000-8000-000000000000`), 404, 'unknown id');
  await expectProblem(await call(base, 'GET', `${plural}?limit=1000`), 422, 'limit over the maximum');

  await checkAdmin(admin, answers, plural, String(second.id));
}

/** Metrics on the admin listener, labelled by route pattern (never the raw path, `id` when given), and pprof. */
async function checkAdmin(admin: string, answers: Awaited<ReturnType<typeof variantAnswers>>, plural: string, id: string | undefined): Promise<void> {
  // metrics on the admin listener, labelled by route pattern, never the raw path
  const metrics = await fetch(`${admin}/metrics`);
  if (answers.metrics) {
    const text = await metrics.text();
    expect(metrics.status).toBe(200);
    const lines = text.split('\n').filter((l) => l.startsWith('http_requests_total{'));
    expect(lines.some((l) => l.includes(`${plural}/{id}`)), `http_requests_total for ${plural}/{id}:\n${lines.join('\n')}`).toBe(true);
    if (id) expect(lines.some((l) => l.includes(id))).toBe(false);
    expect(text).toMatch(/^go_goroutines /m);
    if (answers.db === 'postgres') expect(text).toMatch(/^pgxpool_/m);
  } else {
    expect(metrics.status).toBe(404);
  }
  expect((await fetch(`${admin}/debug/pprof/`)).status).toBe(200);
}

/** With --transport grpc the HTTP listener answers the probes, and 404 for the API paths. */
async function checkProbesOnly(base: string, answers: Awaited<ReturnType<typeof variantAnswers>>, proc: ResultPromise): Promise<void> {
  await waitReady(base, proc);
  expect((await send(base, 'GET', '/health/live')).status).toBe(200);
  expect((await send(base, 'GET', '/health/startup')).status).toBe(200);
  const first = firstResource(answers);
  const token: Record<string, string> = answers.auth === 'jwt' ? { Authorization: `Bearer ${mintToken('build-run')}` } : {};
  expect((await send(base, 'GET', first.plural, undefined, token)).status).toBe(404);
  expect((await send(base, 'POST', first.plural, JSON.stringify(first.values('x')), token)).status).toBe(404);
}

/**
 * The wire contract of grpc.health.v1 (github.com/grpc/grpc,
 * src/proto/grpc/health/v1/health.proto), for grpcurl: grpc-go ships the
 * service compiled, without its .proto file.
 */
const HEALTH_PROTO = `syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

/**
 * grpcurl on the project's .proto files and grpc.health.v1's, with a valid
 * bearer token under --auth jwt unless token says otherwise (never throws).
 */
function grpcurlIn(dir: string, answers: Awaited<ReturnType<typeof variantAnswers>>) {
  const proto = protoNames(answers.name);
  const names = firstResource(answers).r;
  const healthDir = join(dir, 'bin', 'health-proto');
  mkdirSync(join(healthDir, 'grpc/health/v1'), { recursive: true });
  writeFileSync(join(healthDir, 'grpc/health/v1/health.proto'), HEALTH_PROTO);
  const protos = ['-import-path', 'api/proto', '-proto', `${proto.snake}/v1/${names.snake}.proto`, '-import-path', healthDir, '-proto', 'grpc/health/v1/health.proto'];
  const grpc = (args: string[], token = answers.auth === 'jwt' ? mintToken('build-run') : undefined) =>
    execa(grpcurl, ['-plaintext', ...protos, ...(token ? ['-H', `authorization: Bearer ${token}`] : []), ...args], { cwd: dir, all: true, reject: false });
  return { service: `${proto.package}.${names.Name}Service`, grpc };
}

/**
 * Calls the running gRPC API with grpcurl, from the .proto files (reflection
 * is off by default): the standard health check, then Create and Get; with
 * --auth jwt, also that a call without a token is refused.
 */
async function checkGRPC(dir: string, addr: string, admin: string, answers: Awaited<ReturnType<typeof variantAnswers>>): Promise<void> {
  const names = firstResource(answers).r;
  const { service, grpc } = grpcurlIn(dir, answers);

  const health = await grpc([addr, 'grpc.health.v1.Health/Check']);
  expect(health.exitCode, health.all).toBe(0);
  expect(JSON.parse(health.stdout)).toEqual({ status: 'SERVING' });
  const serviceHealth = await grpc(['-d', JSON.stringify({ service }), addr, 'grpc.health.v1.Health/Check']);
  expect(JSON.parse(serviceHealth.stdout)).toEqual({ status: 'SERVING' });

  const first = firstResource(answers);
  const sent = first.values('over grpc');
  const created = await grpc(['-d', JSON.stringify({ [names.snake]: sent }), addr, `${service}/Create${names.Name}`]);
  expect(created.exitCode, created.all).toBe(0);
  const item = JSON.parse(created.stdout) as Json;
  expect(item.id).toMatch(UUID);
  // protojson writes lowerCamelCase names.
  expect(item[first.label.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())]).toBe(sent[first.label]);
  expect(typeof item.createTime).toBe('string');
  const got = await grpc(['-d', JSON.stringify({ id: item.id }), addr, `${service}/Get${names.Name}`]);
  expect(got.exitCode, got.all).toBe(0);
  expect(JSON.parse(got.stdout)).toEqual(item);

  const missing = await grpc(['-d', JSON.stringify({ id: '0190a6f0-0000-7000-8000-000000000000' }), addr, `${service}/Get${names.Name}`]);
  expect(missing.exitCode).not.toBe(0);
  expect(missing.all).toMatch(/Code: NotFound/);
  const invalid = await grpc(['-d', JSON.stringify({ [names.snake]: {} }), addr, `${service}/Create${names.Name}`]);
  expect(invalid.all).toMatch(/Code: InvalidArgument/);
  // grpcurl has no descriptor of the detail to print its fields by; the generated tests check them.
  expect(invalid.all).toContain('type.googleapis.com/google.rpc.BadRequest');
  if (answers.auth === 'jwt') {
    const refused = await grpc(['-d', JSON.stringify({ id: item.id }), addr, `${service}/Get${names.Name}`], '');
    expect(refused.all).toMatch(/Code: Unauthenticated/);
  }

  if (answers.metrics) {
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(text).toMatch(new RegExp(`^grpc_server_handled_total\\{[^}]*grpc_code="OK",grpc_method="Create${names.Name}"[^}]*\\} 1$`, 'm'));
  }
}

/**
 * Upgrade group 10: a project made by "the previous release" and edited by
 * its user is upgraded to this release (optionally changing an option), and
 * must still build, vet and pass its own tests.
 */
describe.sequential('build after upgrade', () => {
  const cases = [
    { variant: 'standard', sets: ['cache=memory'] },
    { variant: 'minimal', sets: [] as string[] },
  ];
  for (const { variant, sets } of cases) {
    it(`${variant}, upgraded${sets.length ? ` with --set ${sets.join(' ')}` : ''}, builds and passes its tests`, async () => {
      const { prepareUpgradedProject } = await import('./upgrade/support.js');
      const answers = await variantAnswers(variant);
      const work = mkdtempSync(join(tmpdir(), `cs-upgraded-${variant}-`));
      const db = answers.db === 'postgres' ? await freshDatabase(`cs_up_${variant}`) : undefined;
      try {
        const dir = join(work, answers.name);
        await prepareUpgradedProject({ dir, answers, sets });
        const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
          execa(cmd, args, { cwd: dir, all: true, env: { ...env, GOFLAGS: '-buildvcs=false' } }).catch((err: { all?: string }) => {
            throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.all ?? String(err)}`);
          });
        await run('go', ['mod', 'tidy']);
        expect((await run('gofmt', ['-l', '.'])).stdout.trim()).toBe('');
        await run('go', ['vet', './...']);
        const env: Record<string, string> = { TEST_REDIS_URL: `redis://${REDIS.host}:${REDIS.port}/0` };
        if (db) env.TEST_DATABASE_URL = db.url;
        const r = await run('go', ['test', '-count=1', './...'], env);
        expect(r.all).toMatch(/^ok\s+\S+\/internal\/userext/m);
        expect(r.all).not.toMatch(/^FAIL/m);
        if (sets.includes('cache=memory')) expect(readFileSync(join(dir, 'internal/cache/memory', `${resourceNames(answers.resource).snake}.go`), 'utf8')).toContain('package memory');
      } finally {
        await db?.drop();
        rmSync(work, { recursive: true, force: true });
      }
    }, 10 * MINUTES);
  }
});
