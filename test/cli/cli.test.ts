import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFlags, describeOptions } from '../../src/options/model.js';
import { variantAnswers, variants } from '../support/fixtures.js';
import { blobId } from '../../src/render/render.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'create-service.js');
const PTY_DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const ANSI = /\x1b\[/;

/** Newest modification time of any file below `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// These tests run the built CLI; build it when dist/ is missing or older than src/.
beforeAll(() => {
  const built = join(ROOT, 'dist', 'cli.js');
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(ROOT, 'src'))) {
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      throw new Error(`npm run build failed:\n${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`);
    }
  }
}, 120_000);

/** The environment of a user's shell: no CI, no colour settings inherited from the test runner. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !['CI', 'NO_COLOR', 'FORCE_COLOR', 'GITHUB_ACTIONS', 'CREATE_SERVICE_DEBUG'].includes(k)) env[k] = v;
  }
  return { ...env, TERM: 'xterm-256color', ...extra };
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cs-cli-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh, empty working directory for one test. */
async function freshDir(): Promise<string> {
  return mkdtemp(join(work, 'run-'));
}

/** Runs the built CLI in `cwd` with stdin not a TTY (closed). */
function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { cwd, env: userEnv(env), extendEnv: false, reject: false, input: '' });
}

/** Every path below `dir` with its content, to prove that nothing was written. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(rel: string): Promise<void> {
    for (const name of await readdir(join(dir, rel))) {
      const p = rel === '' ? name : `${rel}/${name}`;
      if ((await lstat(join(dir, p))).isDirectory()) {
        out[`${p}/`] = '';
        await walk(p);
      } else out[p] = await readFile(join(dir, p), 'utf8');
    }
  }
  await walk('');
  return out;
}

interface PtyResult {
  code: number | null;
  output: string;
  raw: string;
  failedStep: number | null;
}

/** Runs the built CLI under a pseudo-terminal; each step waits for `expect` (a regex) and then types `send`. */
async function pty(cwd: string, args: string[], steps: { expect: string; send: string }[], env: Record<string, string> = {}): Promise<PtyResult> {
  const spec = { cmd: ['node', BIN, ...args], cwd, env: userEnv(env), steps, timeout: 20 };
  const r = await execa('python3', [PTY_DRIVER, JSON.stringify(spec)], { reject: false });
  if (r.exitCode !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

describe('bad input: exit 2, one line on stderr naming what is valid, nothing written', () => {
  const cases: Array<{ name: string; args: string[]; setup?: (dir: string) => Promise<void>; stderr: (string | RegExp)[] }> = [
    { name: 'unknown --router value', args: ['svc', '--router', 'express', '--yes'], stderr: ['invalid value for --router: "express"', 'valid: stdlib, chi, gin, gorilla'] },
    { name: 'unknown --db value', args: ['svc', '--db', 'mysql', '--yes'], stderr: ['valid: postgres, memory'] },
    { name: 'invalid --name', args: ['svc', '--name', 'Bad_Name', '--yes'], stderr: ['invalid service name "Bad_Name"', '[a-z][a-z0-9-]*'] },
    {
      name: 'invalid --module',
      args: ['svc', '--module', 'example.com/a b', '--yes'],
      stderr: ['invalid module path "example.com/a b"', 'letters, digits and - . _ ~ +', 'example: github.com/acme/orders'],
    },
    { name: 'invalid --resource', args: ['svc', '--resource', 'Line Item', '--yes'], stderr: ['invalid resource "Line Item"', 'e.g. item or line-item'] },
    { name: 'reserved --resource', args: ['svc', '--resource', 'type', '--yes'], stderr: ['invalid resource "type"', 'Go keyword'] },
    { name: 'unknown preset', args: ['svc', '--preset', 'huge'], stderr: ['unknown preset "huge"', 'valid: minimal, standard, full'] },
    {
      name: 'missing answers file',
      args: ['svc', '--answers', 'missing.json'],
      stderr: ['✖ answers file missing.json does not exist (looked for /', 'missing.json); `create-service options --schema` prints the keys it may hold'],
    },
    {
      name: 'a string where the answers file needs an array',
      args: ['svc', '--answers', 'a.json', '--yes'],
      setup: (d) => writeFile(join(d, 'a.json'), '{"deploy": "docker"}\n'),
      stderr: ['answers file a.json: invalid value for "deploy": "docker" (expected an array of docker, compose, k8s, helm, e.g. ["docker"])'],
    },
    {
      name: 'answers file that is not JSON',
      args: ['svc', '--answers', 'bad.json'],
      setup: (d) => writeFile(join(d, 'bad.json'), '{\n  "router": chi\n}\n'),
      stderr: ['answers file bad.json is not valid JSON'],
    },
    {
      name: 'unknown key in the answers file',
      args: ['svc', '--answers', 'a.json'],
      setup: (d) => writeFile(join(d, 'a.json'), '{"router": "chi", "colour": "red"}\n'),
      stderr: ['unknown key "colour"', 'valid: name, module, resources, resource, router, db, cache, logger, metrics, tracing'],
    },
    {
      name: 'invalid value in the answers file',
      args: ['svc', '--answers', 'a.json', '--yes'],
      setup: (d) => writeFile(join(d, 'a.json'), '{"cache": "memcached"}\n'),
      stderr: ['answers file a.json: invalid value for "cache": "memcached"', 'valid: redis, memory, none'],
    },
    {
      name: 'non-empty directory without --force',
      args: ['svc', '--preset', 'minimal'],
      setup: async (d) => {
        await mkdir(join(d, 'svc'));
        await writeFile(join(d, 'svc', 'main.go'), 'package main\n');
      },
      stderr: ['directory svc is not empty (main.go)', '--force'],
    },
    {
      name: 'a directory that is a file',
      args: ['svc', '--preset', 'minimal', '--force'],
      setup: (d) => writeFile(join(d, 'svc'), 'a file\n'),
      stderr: ['svc exists and is not a directory'],
    },
    { name: 'unknown flag', args: ['svc', '--bogus'], stderr: ["✖ unknown option '--bogus'; see `create-service --help`"] },
    { name: 'misspelt flag', args: ['svc', '--routr', 'chi'], stderr: ["✖ unknown option '--routr' (did you mean --router?); see `create-service --help`"] },
    { name: 'misspelt flag of a subcommand', args: ['upgrade', '--dryrun'], stderr: ["✖ unknown option '--dryrun' (did you mean --dry-run?); see `create-service upgrade --help`"] },
    { name: 'flag without its value', args: ['svc', '--router'], stderr: ["✖ option '--router <router>' argument missing; see `create-service --help`"] },
    {
      name: 'a mistyped subcommand',
      args: ['upgrdae'],
      stderr: ['✖ unknown command "upgrdae" (did you mean `upgrade`?); to create a service in a directory of that name, pass --force or write ./upgrdae; see `create-service --help`'],
    },
    { name: 'a mistyped subcommand with flags', args: ['chekc', '--yes'], stderr: ['✖ unknown command "chekc" (did you mean `check`?)'] },
    { name: 'a mistyped help', args: ['hlep', '--yes'], stderr: ['✖ unknown command "hlep" (did you mean `--help`?)'] },
    {
      name: 'missing options, not interactive, no --yes',
      args: ['svc'],
      stderr: ['missing options: --router, --db, --cache, --logger, --[no-]metrics, --[no-]tracing', '--preset', '--answers', '--yes'],
    },
    { name: 'no directory and no --name', args: ['--yes'], stderr: ['missing directory'] },
    {
      name: 'a mesh without Kubernetes',
      args: ['svc', '--deploy', 'docker', '--mesh', 'istio', '--ingress', 'gateway', '--yes'],
      stderr: ['--mesh istio needs --deploy k8s or helm (the mesh annotates the Kubernetes objects)'],
    },
    { name: 'an ingress without Kubernetes', args: ['svc', '--deploy', 'docker', '--ingress', 'gateway', '--yes'], stderr: ['--ingress gateway needs --deploy k8s or helm'] },
    { name: 'compose without docker', args: ['svc', '--deploy', 'compose,k8s', '--yes'], stderr: ['--deploy compose needs --deploy docker too'] },
    {
      name: 'an answers-file value that cannot apply',
      args: ['svc', '--answers', 'a.json', '--yes'],
      setup: (d) => writeFile(join(d, 'a.json'), '{"deploy": ["docker"], "mesh": "linkerd"}\n'),
      stderr: ['answers file a.json: "mesh": "linkerd" needs "deploy" to include "k8s" or "helm"'],
    },
    {
      name: 'a bad resources spec in the answers file',
      args: ['svc', '--answers', 'a.json', '--yes'],
      setup: (d) =>
        writeFile(
          join(d, 'a.json'),
          JSON.stringify({ resources: [{ name: 'order', fields: [{ name: 'customer_id', type: 'ref', ref: 'customer' }, { name: 'status', type: 'enum', values: ['a', 'c'], default: 'b' }] }] }),
        ),
      stderr: [
        'answers file a.json: order.customer_id: ref "customer" names no earlier resource',
        'order.status: default "b" is not one of the values (valid: a, c)',
      ],
    },
    {
      name: 'a --resource-spec syntax error',
      args: ['svc', '--yes', '--resource-spec', 'customer:email=strin'],
      stderr: ['✖ --resource-spec at column 16 of "customer:email=strin": expected a type (string, text, int, float, bool, time, date, uuid, enum, ref), found "strin"'],
    },
    {
      name: 'a --resource-spec that does not validate',
      args: ['svc', '--yes', '--resource-spec', 'customer:total=int(min=5,max=1)'],
      stderr: ['✖ customer.total: min 5 is greater than max 1'],
    },
    {
      name: '--resource together with --resource-spec',
      args: ['svc', '--yes', '--resource', 'item', '--resource-spec', 'customer:email=string'],
      stderr: ['✖ --resource and --resource-spec exclude each other (the declared resources replace the single example resource); drop --resource'],
    },
    {
      name: 'a directory whose name cannot be a service name',
      args: ['123', '--yes'],
      stderr: ['cannot derive a valid name from directory "123"', '--name'],
    },
  ];

  it.each(cases)('$name', async ({ args, setup, stderr }) => {
    const dir = await freshDir();
    await setup?.(dir);
    const before = await tree(dir);
    const r = await cli(dir, args);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    for (const s of stderr) expect(lines[0]).toContain(s);
    expect(await tree(dir)).toEqual(before);
  });
});

describe('a failed go mod tidy (module proxy unreachable)', () => {
  it('prints the end of its output and how to finish, keeps the project, still runs git init, exits 1', async () => {
    const dir = await freshDir();
    const cache = await mkdtemp(join(tmpdir(), 'cs-gomodcache-'));
    try {
      const r = await cli(dir, ['orders', '--preset', 'minimal'], {
        GOPROXY: 'off',
        GOMODCACHE: cache,
        GOFLAGS: '-modcacherw',
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
      });
      expect(r.exitCode, r.stderr).toBe(1);
      const lines = r.stderr.split('\n');
      expect(lines).toContain('✖ go mod tidy failed');
      expect(lines).toContain('  the project is complete; the last lines of the output:');
      expect(r.stderr).toMatch(/GOPROXY=off/);
      // The end of the tool's output, not all of it.
      expect(lines.filter((l) => l.startsWith('    ')).length).toBeLessThanOrEqual(6);
      expect(lines).toContain('  finish with: cd orders && go mod tidy');
      expect(r.stderr).toMatch(/✔ git init/);
      expect(existsSync(join(dir, 'orders', '.git'))).toBe(true);
      expect(existsSync(join(dir, 'orders', '.create-service', 'state.json'))).toBe(true);
      expect(existsSync(join(dir, 'orders', 'go.mod'))).toBe(true);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('--dry-run', () => {
  it('prints path<TAB>bytes for every file and writes nothing', async () => {
    const dir = await freshDir();
    const r = await cli(dir, ['svc', '--preset', 'minimal', '--resource', 'line-item', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^[^\t]+\t\d+$/);
    const listed = Object.fromEntries(lines.map((l) => l.split('\t') as [string, string]));
    expect(listed).toHaveProperty(['.create-service/state.json']);
    expect(listed).toHaveProperty(['go.mod']);
    expect(r.stderr).toMatch(/nothing was written/);
    // The resolved answers, one row each, on stderr.
    for (const row of [/^\s+name\s+svc$/m, /^\s+resource\s+line-item$/m, /^\s+db\s+memory$/m, /^\s+deploy\s+docker$/m, /^\s+files\s+\d+ in svc$/m]) expect(r.stderr).toMatch(row);
    expect(await tree(dir)).toEqual({});

    // The same run for real writes exactly those files with exactly those sizes.
    const real = await cli(dir, ['svc', '--preset', 'minimal', '--resource', 'line-item', '--no-install', '--no-git']);
    expect(real.exitCode, real.stderr).toBe(0);
    const written = Object.keys(await tree(join(dir, 'svc'))).filter((p) => !p.endsWith('/'));
    expect(written.sort()).toEqual(Object.keys(listed).sort());
    for (const [p, bytes] of Object.entries(listed)) expect((await stat(join(dir, 'svc', p))).size, p).toBe(Number(bytes));
  });

  it('piped into a reader that has gone (| true), ends quietly with 0 and writes nothing', async () => {
    const dir = await freshDir();
    // `true` exits before the CLI's first write, so that write always meets a closed pipe (EPIPE).
    const r = await execa('bash', ['-c', `node "${BIN}" svc --yes --dry-run | true; echo "cli=\${PIPESTATUS[0]}"`], {
      cwd: dir,
      env: userEnv({ CI: 'true' }),
      extendEnv: false,
      reject: false,
    });
    expect(r.stdout).toMatch(/^cli=0$/m);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(await tree(dir)).toEqual({});
  });

  it('with a gRPC transport and --no-install, writes no generated code and says to run make generate', async () => {
    const dir = await freshDir();
    const r = await cli(dir, ['svc', '--preset', 'minimal', '--transport', 'grpc', '--no-install', '--no-git']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\s+make generate\b/m);
    expect(r.stderr).toMatch(/:9000 \(gRPC API\)/);
    const written = Object.keys(await tree(join(dir, 'svc')));
    expect(written).toContain('api/proto/svc/v1/item.proto');
    expect(written.filter((p) => p.startsWith('internal/gen/'))).toEqual([]);
    expect(written.filter((p) => p.startsWith('internal/httpapi/') || p === 'api/openapi.yaml')).toEqual([]);
  });

  it('does not mind a non-empty directory', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'keep.txt'), 'mine\n');
    const r = await cli(dir, ['.', '--yes', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await tree(dir)).toEqual({ 'keep.txt': 'mine\n' });
  });
});

describe('options', () => {
  it('--json describes every option with key, flag, type, choices, default and description', async () => {
    const r = await cli(work, ['options', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const options = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(options).toEqual(describeOptions());
    for (const o of options) {
      // The dependency rules (needs, choiceNeeds, defaultWhen) appear only on the options that have them.
      expect(Object.keys(o).filter((k) => !['needs', 'choiceNeeds', 'defaultWhen'].includes(k)).sort()).toEqual(
        o.type === 'choice' || o.type === 'list'
          ? ['choices', 'default', 'description', 'flag', 'key', 'type']
          : o.type === 'resources'
            ? ['default', 'description', 'excludes', 'fieldTypes', 'flag', 'key', 'type']
            : ['default', 'description', 'flag', 'key', 'type'],
      );
      expect(o.flag).toMatch(/^--(\[no-\])?[a-z]+(-[a-z]+)?$/);
      expect(['string', 'choice', 'boolean', 'list', 'resources']).toContain(o.type);
    }
  });

  it('--schema prints the answers-file JSON Schema', async () => {
    const r = await cli(work, ['options', '--schema']);
    expect(r.exitCode, r.stderr).toBe(0);
    const schema = JSON.parse(r.stdout) as { additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['$schema', ...describeOptions().map((o) => o.key)]);
  });

  it("the flags a generated README quotes (answerFlags) generate the same answers again, for every fixture", async () => {
    for (const variant of variants()) {
      const answers = await variantAnswers(variant);
      const dir = join(await freshDir(), answers.name);
      // The words a shell makes of the flags (single-quoted resource specs hold spaces no more than quotes).
      const flags = (answerFlags(answers).match(/'[^']*'|\S+/g) ?? []).map((w) => (w.startsWith("'") ? w.slice(1, -1) : w));
      // A fixture that declares resources names them in the flags; --resource would exclude them.
      const resource = answers.resources ? [] : ['--resource', answers.resource];
      const r = await cli(work, [dir, '--module', answers.module, ...resource, ...flags, '--yes', '--no-install', '--no-git']);
      expect(r.exitCode, `${variant}: ${r.stderr}`).toBe(0);
      const state = JSON.parse(await readFile(join(dir, '.create-service', 'state.json'), 'utf8')) as { answers: unknown };
      expect(state.answers, `${variant}: ${answerFlags(answers)}`).toEqual(answers);
      expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(`with \`${answerFlags(answers)}\``);
    }
  }, 5 * 60_000);

  it('without flags lists every flag and the presets', async () => {
    const r = await cli(work, ['options']);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const o of describeOptions()) expect(r.stdout).toContain(o.flag);
    for (const p of ['minimal', 'standard', 'full']) expect(r.stdout).toContain(p);
  });
});

describe('resources', () => {
  const SHOP = fileURLToPath(new URL('../support/specs/shop.json', import.meta.url));
  const listing = (stdout: string) => stdout.trimEnd().split('\n').map((l) => l.split('\t')[0]!);

  it('a spec in an answers file renders every resource; its flag form (options --answers) renders the same files', async () => {
    const dir = await freshDir();
    const byFile = await cli(dir, ['x', '--answers', SHOP, '--yes', '--no-git', '--dry-run']);
    expect(byFile.exitCode, byFile.stderr).toBe(0);
    const files = listing(byFile.stdout);
    for (const f of ['internal/domain/customer.go', 'internal/domain/order.go', 'internal/domain/person.go']) expect(files).toContain(f);
    expect(byFile.stderr).toMatch(/^\s+resources\s+customer, order, person$/m);

    const printed = await cli(dir, ['options', '--answers', SHOP]);
    expect(printed.exitCode, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/^--resource-spec 'customer:email=string\(max=320,unique\),vip=bool\(default=false\)' --resource-spec 'order\/orders:/);
    // The printed line is shell words: let a shell split it, as a CI script would.
    const words = JSON.parse(execFileSync('sh', ['-c', `node -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- ${printed.stdout.trim()}`], { encoding: 'utf8' })) as string[];
    const byFlags = await cli(dir, ['x', ...words, '--yes', '--no-git', '--dry-run']);
    expect(byFlags.exitCode, byFlags.stderr).toBe(0);
    expect(byFlags.stdout).toBe(byFile.stdout);
    expect(await tree(dir)).toEqual({});
  });
});

describe('flags that print and exit', () => {
  it('--version prints the package version', async () => {
    const r = await cli(work, ['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(VERSION);
  });

  it('`help` prints the usage too, and is not taken as a directory', async () => {
    const dir = await freshDir();
    const r = await cli(dir, ['help', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: create-service /);
    expect(await tree(dir)).toEqual({});
  });

  it('a directory near a subcommand name is created with --force, or written as a path', async () => {
    const dir = await freshDir();
    for (const args of [['upgrdae', '--force'], ['./chekc']]) {
      const r = await cli(dir, [...args, '--preset', 'minimal', '--dry-run']);
      expect(r.exitCode, r.stderr).toBe(0);
    }
  });

  it('--help prints usage on stdout', async () => {
    const r = await cli(work, ['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: create-service /);
    expect(r.stderr).toBe('');
  });
});

describe('the wizard, at a terminal', () => {
  const DOWN = '\x1b[B';

  it('a preset asks only the name and the module, then shows every answer and the file count and asks to confirm', async () => {
    const dir = await freshDir();
    const r = await pty(dir, ['svc', '--no-install', '--no-git'], [
      { expect: 'Start from', send: '\r' }, // recommended (standard)
      { expect: 'Service name', send: 'orders\r' },
      { expect: 'Go module path', send: '\r' },
      { expect: 'Create orders in svc\\?', send: '\r' },
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(0);
    for (const q of ['Example resource', 'HTTP router', 'Database', 'Deploy artifacts']) expect(r.output).not.toContain(q);
    for (const row of [/^\s+name\s+orders$/m, /^\s+router\s+stdlib$/m, /^\s+deploy\s+docker, compose, k8s$/m, /^\s+mesh\s+none$/m, /^\s+files\s+\d+ in svc$/m]) {
      expect(r.output).toMatch(row);
    }
    const state = JSON.parse(await readFile(join(dir, 'svc', '.create-service', 'state.json'), 'utf8')) as { answers: Record<string, unknown> };
    expect(state.answers).toMatchObject({ name: 'orders', module: 'example.com/orders', resource: 'item', db: 'postgres', cache: 'redis' });
  });

  it('checks the directory when it is typed, re-asks on a non-empty one, and writes nothing when the summary is declined', async () => {
    const dir = await freshDir();
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'main.go'), 'package main\n');
    const before = await tree(dir);
    const r = await pty(dir, ['--no-install', '--no-git'], [
      { expect: 'Start from', send: `${DOWN}\r` }, // minimal
      { expect: 'Directory for the new service', send: 'taken\r' },
      { expect: 'directory taken is not empty \\(main\\.go\\)', send: '\x7f'.repeat(5) + 'fresh\r' },
      { expect: 'Service name', send: '\r' },
      { expect: 'Go module path', send: '\r' },
      { expect: 'Create fresh in fresh\\?', send: 'n\r' },
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('nothing was written');
    expect(await tree(dir)).toEqual(before);
  });

  it('resources typed at the prompts (a resource, its fields one by one) end up in the recorded answers', async () => {
    const dir = await freshDir();
    const enter = (expect: string) => ({ expect, send: '\r' });
    const r = await pty(dir, ['svc', '--no-install', '--no-git'], [
      { expect: 'Start from', send: `${DOWN}${DOWN}${DOWN}\r` },
      enter('Service name'),
      enter('Go module path'),
      { expect: 'Define your own resources', send: 'y\r' },
      { expect: 'Resource name', send: 'customer\r' },
      enter('Plural of customer'),
      { expect: 'Field name of customer', send: 'email\r' },
      enter('Type of customer.email'),
      { expect: 'Maximum length', send: '320\r' },
      enter('Minimum length'),
      enter('Is customer.email optional'),
      { expect: 'Must customer.email be unique', send: 'y\r' },
      enter('Default of customer.email'),
      enter('Add another field to customer'),
      enter('Add another resource'),
      ...['HTTP router', 'Database', 'Cache', 'Log backend', 'Prometheus metrics', 'OpenTelemetry tracing', 'API authentication'].map(enter),
      ...['Message broker', 'API transport', 'Deploy artifacts', 'CI workflow', 'Service mesh', 'Ingress', 'Create svc in svc\\?'].map(enter),
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('Example resource');
    const state = JSON.parse(await readFile(join(dir, 'svc', '.create-service', 'state.json'), 'utf8')) as { answers: Record<string, unknown> };
    expect(state.answers).toMatchObject({ resource: 'customer', resources: [{ name: 'customer', fields: [{ name: 'email', type: 'string', max: 320, unique: true }] }] });
    expect(existsSync(join(dir, 'svc', 'internal', 'domain', 'customer.go'))).toBe(true);
  });

  it('customising asks every question that can apply, and skips the ones that cannot', async () => {
    const dir = await freshDir();
    const enter = (expect: string) => ({ expect, send: '\r' });
    const r = await pty(dir, ['svc', '--no-install', '--no-git'], [
      { expect: 'Start from', send: `${DOWN}${DOWN}${DOWN}\r` },
      ...['Service name', 'Go module path', 'Define your own resources', 'Example resource', 'HTTP router', 'Database', 'Cache', 'Log backend'].map(enter),
      ...['Prometheus metrics', 'OpenTelemetry tracing', 'API authentication', 'Message broker', 'API transport'].map(enter),
      // Untick compose and k8s: Docker only, so the mesh and ingress questions cannot apply.
      { expect: 'Deploy artifacts', send: `${DOWN} ${DOWN} \r` },
      enter('CI workflow'),
      enter('Create svc in svc\\?'),
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('Service mesh');
    expect(r.output).not.toMatch(/\? Ingress/);
    const state = JSON.parse(await readFile(join(dir, 'svc', '.create-service', 'state.json'), 'utf8')) as { answers: Record<string, unknown> };
    expect(state.answers).toMatchObject({ deploy: ['docker'], mesh: 'none', ingress: 'none' });
  });
});

describe('at a terminal', () => {
  // Colour is only ever used on a terminal, so these run under a pseudo-terminal.
  const failing = ['svc', '--router', 'express', '--yes'];

  it('uses colour by default (so the checks below mean something)', async () => {
    const r = await pty(await freshDir(), failing, []);
    expect(r.code).toBe(2);
    expect(r.raw).toMatch(ANSI);
  });

  it.each([
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ])('%s turns colour off, in errors and in a successful run', async (_what, extraArgs, env) => {
    const bad = await pty(await freshDir(), [...failing, ...extraArgs], [], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('valid: stdlib, chi, gin, gorilla');
    expect(bad.raw).not.toMatch(ANSI);

    const dir = await freshDir();
    const good = await pty(dir, ['svc', '--preset', 'minimal', '--yes', '--no-install', '--no-git', ...extraArgs], [], env);
    expect(good.code, good.output).toBe(0);
    expect(good.output).toMatch(/created svc/);
    expect(good.raw).not.toMatch(ANSI);
  });

  const FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

  it('shows a spinner for a slow step (git init) on a terminal', async () => {
    const r = await pty(await freshDir(), ['svc', '--preset', 'minimal', '--yes', '--no-install'], []);
    expect(r.code, r.output).toBe(0);
    expect(r.raw).toMatch(FRAME);
    expect(r.output).toMatch(/✔ git init \(\d+\.\ds\)/);
  });

  it.each([
    ['NO_COLOR=1', { NO_COLOR: '1' }],
    ['CI=true', { CI: 'true' }],
  ])('with %s, a slow step is plain lines: no spinner, no escape codes', async (_what, env) => {
    const r = await pty(await freshDir(), ['svc', '--preset', 'minimal', '--yes', '--no-install'], [], env);
    expect(r.code, r.output).toBe(0);
    expect(r.raw).not.toMatch(FRAME);
    expect(r.output).toMatch(/^git init\.\.\.\r?$/m);
    expect(r.output).toMatch(/^✔ git init \(\d+\.\ds\)\r?$/m);
  });

  it('never prompts when CI is set, even on a terminal', async () => {
    const dir = await freshDir();
    const r = await pty(dir, ['svc'], [], { CI: 'true' });
    expect(r.code).toBe(2);
    expect(r.output).toContain('missing options: --router');
    expect(r.output).not.toContain('?');
    expect(await tree(dir)).toEqual({});

    const yes = await pty(dir, ['svc', '--preset', 'minimal', '--no-install', '--no-git'], [], { CI: 'true' });
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).not.toContain('Service name');
    expect(existsSync(join(dir, 'svc', '.create-service', 'state.json'))).toBe(true);
  });

  it('Ctrl-C at a prompt exits 130 with one line and writes nothing', async () => {
    const dir = await freshDir();
    const r = await pty(dir, ['svc', '--no-install', '--no-git'], [
      { expect: 'Start from', send: '\r' },
      { expect: 'Service name', send: '\r' },
      { expect: 'Go module path', send: '\x03' },
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(130);
    const cancelLines = r.output.split(/\r?\n/).filter((l) => /cancel/i.test(l));
    expect(cancelLines).toEqual(['✖ cancelled; nothing was written']);
    expect(await tree(dir)).toEqual({});
  });

  it('Ctrl-C at a select prompt also exits 130 and writes nothing', async () => {
    const dir = await freshDir();
    const r = await pty(dir, ['svc', '--name', 'svc', '--module', 'example.com/svc', '--resource', 'item', '--no-install', '--no-git'], [
      { expect: 'Start from', send: '\x1b[B\x1b[B\x1b[B\r' }, // customise each option
      { expect: 'HTTP router', send: '\x1b[B' },
      { expect: 'chi', send: '\x03' },
    ]);
    expect(r.code, r.output).toBe(130);
    expect(r.output.split(/\r?\n/).filter((l) => /cancel/i.test(l))).toHaveLength(1);
    expect(await tree(dir)).toEqual({});
  });

  it('answers typed at the prompts end up in the generated project', async () => {
    const dir = await freshDir();
    const DOWN = '\x1b[B';
    const r = await pty(dir, ['svc', '--no-install', '--no-git'], [
      { expect: 'Start from', send: `${DOWN}${DOWN}${DOWN}\r` },
      { expect: 'Service name', send: 'orders-api\r' },
      { expect: 'Go module path \\(example\\.com/orders-api\\)', send: '\r' },
      { expect: 'Define your own resources', send: '\r' },
      { expect: 'Example resource', send: 'line-item\r' },
      { expect: 'HTTP router', send: `${DOWN}${DOWN}\r` },
      { expect: 'Database', send: `${DOWN}\r` },
      // With in-memory storage the cache default is none.
      { expect: 'Cache \\(none\\)|Cache[\\s\\S]*❯ none', send: '\r' },
      { expect: 'Log backend', send: '\r' },
      { expect: 'Prometheus metrics\\?', send: 'n\r' },
      { expect: 'OpenTelemetry tracing\\?', send: '\r' },
      { expect: 'API authentication', send: '\r' },
      { expect: 'Message broker for domain events', send: '\r' },
      { expect: 'API transport', send: `${DOWN}${DOWN}\r` },
      // docker, compose and k8s start checked: tick helm too.
      { expect: 'Deploy artifacts', send: `${DOWN}${DOWN}${DOWN} \r` },
      { expect: 'CI workflow', send: `${DOWN}\r` },
      { expect: 'Service mesh', send: '\r' },
      { expect: 'Ingress', send: `${DOWN}${DOWN}\r` },
      { expect: 'Create orders-api in svc\\?', send: '\r' },
    ]);
    expect(r.failedStep, r.output).toBeNull();
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('created orders-api in svc');

    const state = JSON.parse(await readFile(join(dir, 'svc', '.create-service', 'state.json'), 'utf8')) as {
      answers: unknown;
      files: Record<string, { hash: string; perm: string }>;
    };
    expect(state.answers).toEqual({
      name: 'orders-api',
      module: 'example.com/orders-api',
      resource: 'line-item',
      router: 'gin',
      db: 'memory',
      cache: 'none',
      logger: 'slog',
      metrics: false,
      tracing: true,
      auth: 'none',
      queue: 'none',
      transport: 'both',
      deploy: ['docker', 'compose', 'k8s', 'helm'],
      ci: 'gitlab',
      mesh: 'none',
      ingress: 'gateway',
    });
    // Every file the state lists is on disk with that content and mode.
    expect(Object.keys(state.files).length).toBeGreaterThan(0);
    for (const [p, f] of Object.entries(state.files)) {
      const abs = join(dir, 'svc', p);
      expect(blobId(await readFile(abs)), p).toBe(f.hash);
      expect(((await stat(abs)).mode & 0o777).toString(8), p).toBe(f.perm);
    }
    expect(existsSync(join(dir, 'svc', '.git'))).toBe(false);
  });
});
