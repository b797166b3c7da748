import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, reachable } from './services.js';

/**
 * A message broker private to one test, which the test can take down and
 * bring back (the outbox guarantee: events written while the broker is down
 * are delivered once it returns). Never the shared broker of the machine.
 */
export interface Broker {
  /** The variables that point a generated service at this broker. */
  env(): Record<string, string>;
  /** Takes the broker down; the service's connections fail. */
  stop(): Promise<void>;
  /** Brings it back at the same address, with the data it had. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  close(): Promise<void>;
}

/** The nats-server binary of these machines. */
const NATS_SERVER = '/usr/sbin/nats-server';

/** A private NATS server with JetStream, storing in a temporary directory. */
export async function privateNats(): Promise<Broker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cs-nats-'));
  return processBroker({
    name: 'nats-server',
    port,
    dir,
    env: { NATS_URL: `nats://127.0.0.1:${port}` },
    spawn: () => execa(NATS_SERVER, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { reject: false, stdin: 'ignore', all: true }),
  });
}

/**
 * A broker that is one local process listening on `port` and keeping its
 * data in `dir`: start spawns it and waits up to 10 s for the port to
 * answer, stop sends SIGTERM and waits for the exit, close also removes dir.
 */
async function processBroker(b: { name: string; port: number; dir: string; env: Record<string, string>; spawn: () => ResultPromise }): Promise<Broker> {
  let proc: ResultPromise | undefined;
  const broker: Broker = {
    env: () => b.env,
    async start() {
      if (proc) return;
      const started = b.spawn();
      proc = started;
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await reachable('127.0.0.1', b.port, 500);
          return;
        } catch (err) {
          if (started.exitCode !== null || Date.now() > deadline) throw new Error(`${b.name} did not start: ${String(err)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = undefined;
      p.kill('SIGTERM');
      await p;
    },
    async close() {
      await broker.stop();
      rmSync(b.dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/** The RabbitMQ server of these machines (shared: never stopped by a test). */
export const RABBITMQ = { host: '127.0.0.1', port: 5672, user: 'guest', password: 'guest' };

/** Runs rabbitmqctl (the CLI of the local RabbitMQ node). */
async function rabbitmqctl(...args: string[]): Promise<void> {
  await execa('rabbitmqctl', ['--quiet', ...args]);
}

/**
 * The shared RabbitMQ, seen through a TCP proxy on a port of its own and in
 * a virtual host of its own: stop() drops every proxied connection and stops
 * listening (what a service sees when the broker goes away), start() listens
 * again on the same port. The broker itself keeps running. close() deletes
 * the virtual host, and with it every exchange and queue the test declared.
 */
export async function privateRabbitmq(): Promise<Broker> {
  await reachable(RABBITMQ.host, RABBITMQ.port);
  const vhost = `cs-build-run-${randomBytes(6).toString('hex')}`;
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '--vhost', vhost, RABBITMQ.user, '.*', '.*', '.*');
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const broker: Broker = {
    env: () => ({ RABBITMQ_URL: `amqp://${RABBITMQ.user}:${RABBITMQ.password}@127.0.0.1:${port}/${vhost}` }),
    async start() {
      if (server) return;
      const srv = createServer((client) => {
        const upstream = createConnection({ host: RABBITMQ.host, port: RABBITMQ.port });
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, '127.0.0.1', () => resolve());
      });
      server = srv;
    },
    async stop() {
      const srv = server;
      if (!srv) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    async close() {
      await broker.stop();
      await rabbitmqctl('delete_vhost', vhost);
    },
  };
  await broker.start();
  return broker;
}

/** test/support/kfake: franz-go's kfake Kafka cluster as a program. */
const KFAKE_DIR = fileURLToPath(new URL('./kfake/', import.meta.url));

/**
 * A private Kafka: franz-go's kfake cluster in a process of its own (built
 * once from test/support/kfake; `go run` would not pass SIGTERM on), one
 * broker on a fixed free port, persisting to a temporary directory so that a
 * restart keeps topics, records and committed offsets.
 */
export async function privateKafka(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-kfake-'));
  const bin = join(dir, 'kfake');
  await execa('go', ['build', '-o', bin, '.'], { cwd: KFAKE_DIR, env: { GOFLAGS: '-buildvcs=false' } });
  const port = await freePort();
  return processBroker({
    name: 'kfake',
    port,
    dir,
    env: { KAFKA_BROKERS: `127.0.0.1:${port}` },
    spawn: () => execa(bin, ['-port', String(port), '-dir', join(dir, 'data')], { reject: false, stdin: 'ignore', all: true }),
  });
}

/** A private broker for a generated project's --queue value. */
export async function privateBroker(queue: string): Promise<Broker> {
  switch (queue) {
    case 'nats':
      return privateNats();
    case 'rabbitmq':
      return privateRabbitmq();
    case 'kafka':
      return privateKafka();
    default:
      throw new Error(`no private broker for --queue ${queue}`);
  }
}

/**
 * Where the generated projects' own integration tests find the shared
 * brokers (Kafka needs none: they run kfake in the test process).
 */
export function sharedBrokerTestEnv(queue: string): Record<string, string> {
  switch (queue) {
    case 'nats':
      return { TEST_NATS_URL: 'nats://127.0.0.1:4222' };
    case 'rabbitmq':
      return { TEST_RABBITMQ_URL: `amqp://${RABBITMQ.user}:${RABBITMQ.password}@${RABBITMQ.host}:${RABBITMQ.port}/` };
    default:
      return {};
  }
}
