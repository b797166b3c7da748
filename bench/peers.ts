import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, killPid, onExit } from '../test/support/reliability/infra.js';
import { BENCH_DIR, ROOT, waitStatus, type Project } from '../test/support/reliability/service.js';
import { resourceNames } from '../src/options/naming.js';

/**
 * The peers of the benchmark (a goctl service, go-blueprint's chi and standard-library
 * services) and the baseline build of another commit of this repository, all built from the Go
 * module proxy at pinned versions. See bench/README.md, "Peers".
 */

/** Pinned versions of every peer and of what their generators fetch. */
export const PEER_VERSIONS = {
  goctl: 'v1.9.2',
  goZero: 'v1.9.2',
  goBlueprint: 'v0.10.11',
  chi: 'v5.2.3',
  chiCors: 'v1.2.2',
  godotenv: 'v1.5.1',
} as const;

/** Where built generator binaries are kept between runs. */
export const CACHE_DIR = join(homedir(), '.cache', 'create-service', 'bench');
const PEERS_DIR = join(BENCH_DIR, 'peers');
const GOENV = { GOFLAGS: '-buildvcs=false' };

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return execa(cmd, args, { cwd, env: { ...GOENV, ...env }, all: true }).catch((err: { all?: string }) => {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${err.all ?? String(err)}`);
  });
}

interface Download {
  Dir: string;
  Info: string;
  GoMod: string;
  Zip: string;
}

/** `go mod download` of one exact version (the proxy serves those, not version lists). */
async function download(mod: string, version: string): Promise<Download> {
  return JSON.parse((await run('go', ['mod', 'download', '-json', `${mod}@${version}`], tmpdir())).stdout) as Download;
}

/** Builds a module's main package from the module cache once; returns the cached binary. */
async function toolBinary(mod: string, version: string, name: string): Promise<string> {
  const out = join(CACHE_DIR, `${name}-${version}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE_DIR, { recursive: true });
  const { Dir } = await download(mod, version);
  await run('go', ['build', '-trimpath', '-o', `${out}.tmp`, '.'], Dir);
  renameSync(`${out}.tmp`, out);
  return out;
}

/**
 * A file:// GOPROXY holding only the given exact versions (copied from the checksum-verified
 * module cache), so that a generator's `go get -u pkg` resolves "latest" to the pinned version.
 */
async function pinnedProxy(dir: string, mods: Array<[string, string]>): Promise<string> {
  for (const [mod, version] of mods) {
    const d = await download(mod, version);
    const at = join(dir, mod, '@v');
    mkdirSync(at, { recursive: true });
    copyFileSync(d.Info, join(at, `${version}.info`));
    copyFileSync(d.GoMod, join(at, `${version}.mod`));
    copyFileSync(d.Zip, join(at, `${version}.zip`));
    writeFileSync(join(at, 'list'), `${version}\n`);
  }
  return dir;
}

/**
 * Generates the goctl peer (`goctl api new peer`, then its .api replaced by bench/peers/goctl/peer.api
 * and `goctl api go` run again, the logic filled in) with go-zero pinned, and builds it; returns
 * the binary. One binary serves both goctl rows: the item from memory or from Redis, by config.
 */
export async function buildGoctlPeer(work: string): Promise<string> {
  const goctl = await toolBinary('github.com/zeromicro/go-zero/tools/goctl', PEER_VERSIONS.goctl, 'goctl');
  const root = join(work, 'goctl');
  mkdirSync(root, { recursive: true });
  await run(goctl, ['api', 'new', 'peer'], root);
  const dir = join(root, 'peer');
  copyFileSync(join(PEERS_DIR, 'goctl', 'peer.api'), join(dir, 'peer.api'));
  await run(goctl, ['api', 'go', '-api', 'peer.api', '-dir', '.'], dir);
  // The demo route of `api new` is gone from routes.go; its scaffolded handler and logic go too.
  const keep = new Set(['routes.go', 'itemhandler.go', 'itemlogic.go']);
  for (const sub of ['handler', 'logic']) {
    for (const f of readdirSync(join(dir, 'internal', sub))) if (!keep.has(f)) rmSync(join(dir, 'internal', sub, f));
  }
  copyFileSync(join(PEERS_DIR, 'goctl', 'config.go.txt'), join(dir, 'internal', 'config', 'config.go'));
  copyFileSync(join(PEERS_DIR, 'goctl', 'servicecontext.go.txt'), join(dir, 'internal', 'svc', 'servicecontext.go'));
  copyFileSync(join(PEERS_DIR, 'goctl', 'itemlogic.go.txt'), join(dir, 'internal', 'logic', 'itemlogic.go'));
  await run('go', ['mod', 'edit', '-require', `github.com/zeromicro/go-zero@${PEER_VERSIONS.goZero}`], dir);
  await run('go', ['mod', 'tidy'], dir);
  const pinned = new RegExp(`github.com/zeromicro/go-zero ${PEER_VERSIONS.goZero.replaceAll('.', '\\.')}\\b`);
  if (!pinned.test(readFileSync(join(dir, 'go.mod'), 'utf8'))) throw new Error(`bench: the goctl peer's go.mod does not require go-zero ${PEER_VERSIONS.goZero}`);
  const out = join(dir, 'peer');
  await run('go', ['build', '-trimpath', '-o', out, '.'], dir);
  return out;
}

/** The go-blueprint frameworks the benchmark builds. */
export type BlueprintFramework = 'chi' | 'standard-library';

/** The line after which the item route is registered, and the route, per framework. */
const BLUEPRINT_ROUTE: Record<BlueprintFramework, [string, string]> = {
  chi: ['\tr.Get("/", s.HelloWorldHandler)\n', '\tr.Get("/v1/items/{id}", s.ItemHandler)\n'],
  'standard-library': ['\tmux.HandleFunc("/", s.HelloWorldHandler)\n', '\tmux.HandleFunc("GET /v1/items/{id}", s.ItemHandler)\n'],
};

/**
 * Generates a go-blueprint service with its own CLI, non-interactively (`create --name --framework
 * --driver none --git skip`), under a pseudo-terminal (its spinner opens /dev/tty) and a file://
 * GOPROXY holding only the pinned versions of what it `go get -u`s; adds the item handler and
 * route, and builds it. Returns the binary (it listens on :$PORT, reads ITEM_FILE).
 */
export async function buildBlueprintPeer(work: string, framework: BlueprintFramework): Promise<string> {
  const bp = await toolBinary('github.com/melkeydev/go-blueprint', PEER_VERSIONS.goBlueprint, 'go-blueprint');
  const proxy = await pinnedProxy(join(work, 'blueprint-proxy'), [
    ['github.com/go-chi/chi/v5', PEER_VERSIONS.chi],
    ['github.com/go-chi/cors', PEER_VERSIONS.chiCors],
    ['github.com/joho/godotenv', PEER_VERSIONS.godotenv],
  ]);
  const root = join(work, `blueprint-${framework}`);
  mkdirSync(root, { recursive: true });
  const name = framework === 'chi' ? 'bpchi' : 'bpstd';
  await run('script', ['-qec', `${bp} create --name ${name} --framework ${framework} --driver none --git skip`, '/dev/null'], root, { GOPROXY: `file://${proxy}`, GOSUMDB: 'off' });
  const dir = join(root, name);
  if (!existsSync(join(dir, 'internal', 'server', 'routes.go'))) throw new Error(`bench: go-blueprint did not generate ${dir}/internal/server/routes.go`);
  const routes = join(dir, 'internal', 'server', 'routes.go');
  const [after, route] = BLUEPRINT_ROUTE[framework];
  const src = readFileSync(routes, 'utf8');
  if (src.split(after).length !== 2) throw new Error(`bench: ${routes}: expected ${JSON.stringify(after)} once; update BLUEPRINT_ROUTE in bench/peers.ts`);
  writeFileSync(routes, src.replace(after, after + route));
  copyFileSync(join(PEERS_DIR, 'blueprint', 'item.go.txt'), join(dir, 'internal', 'server', 'item.go'));
  const out = join(dir, name);
  await run('go', ['build', '-trimpath', '-o', out, './cmd/api'], dir);
  return out;
}

/** A peer server process. */
export interface Peer {
  pid: number;
  base: string;
  logFile: string;
}

/**
 * Starts a server binary pinned to cpus (taskset), logging to a file in logDir, and waits until
 * url answers 200. env is the whole environment besides PATH and HOME.
 */
export async function startPeer(bin: string, o: { args?: string[]; env?: Record<string, string>; cwd: string; label: string; logDir: string; base: string; readyPath: string; cpus?: string }): Promise<Peer> {
  mkdirSync(o.logDir, { recursive: true });
  const logFile = join(o.logDir, `${o.label}.log`);
  const fd = openSync(logFile, 'w');
  const args = o.args ?? [];
  const [cmd, full] = o.cpus ? ['taskset', ['-c', o.cpus, bin, ...args]] : [bin, args];
  const proc = spawn(cmd as string, full as string[], { cwd: o.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...o.env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = proc.pid!;
  onExit(() => killPid(pid));
  try {
    await waitStatus(`${o.base}${o.readyPath}`, 200, 60_000, () => alive(pid) && proc.exitCode === null);
  } catch (err) {
    killPid(pid);
    throw new Error(`${o.label}: ${(err as Error).message}\nlog:\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
  }
  return { pid, base: o.base, logFile };
}

/** The goctl peer's rows: the item from memory, from Redis, and from memory with metrics and 5% of traces. */
export type GoctlVariant = 'default' | 'redis' | 'observed';

/** Writes the goctl peer's YAML configuration for a variant; returns its path. */
export function goctlConfig(dir: string, v: GoctlVariant, o: { port: number; itemFile: string; redisAddr: string; devPort: number; sinkAddr: string }): string {
  // The one departure from go-zero's defaults: its adaptive shedder reads the CPU use of the
  // whole cgroup (here the machine, the load generator's core included), so under the closed
  // loop it answers most requests 503 in a few µs, and req/s would count those. Ours keeps its
  // limits on but out of reach; go-zero's threshold cannot be put out of reach (at most 999‰).
  const lines = ['Name: peer-api', 'Host: 127.0.0.1', `Port: ${o.port}`, `ItemFile: ${o.itemFile}`, 'Middlewares:', '  Shedding: false'];
  if (v === 'redis') lines.push('ItemRedis:', `  Host: ${o.redisAddr}`, '  Type: node');
  if (v === 'observed') {
    // go-zero's dev server turns its Prometheus metrics on; the OTLP/HTTP batcher exports 5%
    // of traces to the harness's sink, as the generated service does.
    lines.push('DevServer:', '  Enabled: true', '  Host: 127.0.0.1', `  Port: ${o.devPort}`, 'Telemetry:', `  Endpoint: ${o.sinkAddr}`, '  Batcher: otlphttp', '  Sampler: 0.05');
  }
  const file = join(dir, `goctl-${v}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** utime + stime of a process in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Clock ticks per second (`getconf CLK_TCK`). */
export async function clockTicks(): Promise<number> {
  return Number((await execa('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
}

/** A create-service CLI built from another commit of this repository. */
export interface BaselineCli {
  cli: string;
  commit: string;
  ref: string;
}

/**
 * Builds the CLI of another commit: its tree by `git archive` into work (the repository's
 * worktrees are not touched), this checkout's node_modules linked in when the lockfiles are
 * identical (else `npm ci`), then its TypeScript compiled.
 */
export async function buildBaselineCli(work: string, ref: string): Promise<BaselineCli> {
  const commit = (await run('git', ['rev-parse', '--verify', `${ref}^{commit}`], ROOT)).stdout.trim();
  const dir = join(work, 'baseline-src');
  mkdirSync(dir, { recursive: true });
  await run('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C ${JSON.stringify(dir)}`], ROOT);
  const lock = (d: string) => (existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '');
  if (lock(dir) === lock(ROOT)) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  else await run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], dir);
  await run('node', [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir);
  return { cli: join(dir, 'bin', 'create-service.js'), commit, ref };
}

/** Generates a project with a given CLI (as service.ts's generate does with this checkout's). */
export async function generateWith(cli: string, dir: string, args: string[]): Promise<Project> {
  await run('node', [cli, dir, '--yes', '--no-git', ...args], ROOT, { CI: 'true' });
  const state = JSON.parse(readFileSync(join(dir, '.create-service', 'state.json'), 'utf8')) as { answers: { name: string; resource: string } };
  return { dir, name: state.answers.name, collection: `/v1/${resourceNames(state.answers.resource).kebabs}` };
}
