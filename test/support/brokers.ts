import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  let proc: ResultPromise | undefined;
  const broker: Broker = {
    env: () => ({ NATS_URL: `nats://127.0.0.1:${port}` }),
    async start() {
      if (proc) return;
      proc = execa(NATS_SERVER, ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { reject: false, stdin: 'ignore', all: true });
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await reachable('127.0.0.1', port, 500);
          return;
        } catch (err) {
          if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`nats-server did not start: ${String(err)}`);
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
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

/**
 * A private broker for a generated project's --queue value. The brokers
 * helper adds rabbitmq (behind a TCP proxy it can cut) and kafka (kfake).
 */
export async function privateBroker(queue: string): Promise<Broker> {
  switch (queue) {
    case 'nats':
      return privateNats();
    default:
      throw new Error(`no private broker for --queue ${queue}`);
  }
}

/** Where the generated projects' own integration tests find the shared brokers. */
export function sharedBrokerTestEnv(queue: string): Record<string, string> {
  switch (queue) {
    case 'nats':
      return { TEST_NATS_URL: 'nats://127.0.0.1:4222' };
    default:
      return {};
  }
}
