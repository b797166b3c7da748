import { execa } from 'execa';
import { createConnection, createServer } from 'node:net';

/** The Postgres server the tests use (trust auth on these machines). */
export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
/** The Redis server the tests use. */
export const REDIS = { host: '127.0.0.1', port: 6379 };

/** Resolves when something accepts TCP connections on host:port, rejects after `ms`. */
export function reachable(host: string, port: number, ms = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${host}:${port} did not answer within ${ms} ms`));
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port} is not reachable: ${err.message}`));
    });
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs SQL as the postgres superuser against the `postgres` database. */
export async function psql(sql: string): Promise<void> {
  await execa('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql]);
}

/** Creates a fresh, uniquely named database and returns its URL and a function that drops it. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix.replace(/[^a-z0-9]/g, '_')}_${process.pid}_${Date.now().toString(36)}`;
  await psql(`CREATE DATABASE "${name}"`);
  return {
    url: `postgres://${PG.user}@${PG.host}:${PG.port}/${name}?sslmode=disable`,
    drop: () => psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
