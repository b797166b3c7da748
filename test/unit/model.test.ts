import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Writable } from 'node:stream';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import {
  answersSchema,
  BASE,
  brokenChoiceNeeds,
  contributions,
  describeOptions,
  holds,
  OPTIONS,
  type Answers,
  type OptionDecl,
} from '../../src/options/model.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import { createUi } from '../../src/ui/messages.js';
import { GO_MODULES, UNTAGGED_GO_MODULES } from '../../src/versions.js';

const options = OPTIONS as readonly OptionDecl[];

/**
 * Every complete set of answers the choice and boolean options allow (the
 * string options fixed). A list option takes the empty set, each single value
 * and all values: together they reach every folder and module it can bring.
 */
function allAnswerSets(): Answers[] {
  let sets: Record<string, string | boolean | string[]>[] = [{ name: 'orders', module: 'example.com/orders', resource: 'item' }];
  for (const o of options) {
    if (o.type === 'string' || o.type === 'resources') continue;
    const values: (string | boolean | string[])[] =
      o.type === 'choice'
        ? o.choices.map((c) => c.value)
        : o.type === 'list'
          ? [[], ...o.choices.map((c) => [c.value]), o.choices.map((c) => c.value)]
          : [true, false];
    // Only the sets the option dependencies allow: a value that cannot apply is never rendered.
    sets = sets.flatMap((s) =>
      values
        .filter((v) => (o.needs === undefined || holds(o.needs, s) || v === o.needs.otherwise) && brokenChoiceNeeds(o, v, s).length === 0)
        .map((v) => ({ ...s, [o.key]: v })),
    );
  }
  return sets as unknown as Answers[];
}

function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(w, { text: () => chunks.join('') });
}

async function helpText(): Promise<string> {
  const stdout = collector();
  const stderr = collector();
  const program = buildProgram({
    ui: createUi({ stream: stderr, color: false }),
    stdout,
    stderr,
    cwd: '/nonexistent',
    env: {},
    stdinIsTTY: false,
  });
  const err = await program.parseAsync(['node', 'create-service', '--help']).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CommanderError);
  expect((err as CommanderError).exitCode).toBe(0);
  return stdout.text();
}

describe('the option model reaches every surface', () => {
  it('describeOptions lists every option with key, flag, type, default and description', () => {
    const described = describeOptions();
    expect(described.map((d) => d.key)).toEqual(options.map((o) => o.key));
    for (const [i, o] of options.entries()) {
      const d = described[i]!;
      expect(d.flag).toBe(o.type === 'boolean' ? `--[no-]${o.key}` : o.type === 'resources' ? '--resource-spec' : `--${o.key}`);
      expect(d.type).toBe(o.type);
      expect(d.description).toBe(o.description);
      expect(d.description.length).toBeGreaterThan(0);
      if (o.type === 'choice') {
        expect(d.choices).toEqual(o.choices.map((c) => c.value));
        expect(d.choices).toContain(d.default);
      } else if (o.type === 'list') {
        expect(d.choices).toEqual(o.choices.map((c) => c.value));
        expect(Array.isArray(d.default)).toBe(true);
        for (const v of d.default as string[]) expect(d.choices).toContain(v);
      } else {
        expect(d).not.toHaveProperty('choices');
      }
      if (o.type === 'boolean') expect(typeof d.default).toBe('boolean');
      else if (o.type === 'resources') expect(d.default).toEqual([]);
      else if (o.type !== 'list') expect(typeof d.default).toBe('string');
    }
  });

  it('describes a list option with its choices and its default set (options --json)', () => {
    expect(describeOptions().find((d) => d.key === 'deploy')).toEqual({
      key: 'deploy',
      flag: '--deploy',
      type: 'list',
      choices: ['docker', 'compose', 'k8s', 'helm'],
      default: ['docker', 'compose', 'k8s'],
      choiceNeeds: { compose: { key: 'deploy', anyOf: ['docker'], because: expect.any(String) as string } },
      description: expect.stringContaining('Dockerfile') as string,
    });
  });

  it('gives a list option an array schema of unique choices (options --schema)', () => {
    const schema = answersSchema() as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.deploy).toMatchObject({
      type: 'array',
      items: { enum: ['docker', 'compose', 'k8s', 'helm'] },
      uniqueItems: true,
      default: ['docker', 'compose', 'k8s'],
    });
  });

  it('the name and the resource carry the pattern their validators apply', () => {
    const props = (answersSchema() as { properties: Record<string, { pattern?: string; maxLength?: number; minLength?: number }> }).properties;
    expect(props.name).toMatchObject({ pattern: '^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$', maxLength: 63 });
    expect(props.resource).toMatchObject({ pattern: '^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$', minLength: 2 });
    for (const [name, ok] of [['orders', true], ['orders-api', true], ['a1-b2', true], ['Orders', false], ['orders-', false], ['or--ders', false], ['1orders', false]] as const) {
      expect(new RegExp(props.name!.pattern!, 'u').test(name), name).toBe(ok);
    }
  });

  it('answersSchema has a property per option and nothing else but $schema', () => {
    const schema = answersSchema() as { additionalProperties: boolean; properties: Record<string, Record<string, unknown>> };
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['$schema', ...options.map((o) => o.key)].sort());
    for (const o of options) {
      const p = schema.properties[o.key]!;
      expect(p.description).toBe(o.description);
      if (o.type === 'choice') expect(p).toMatchObject({ enum: o.choices.map((c) => c.value), default: o.default });
      if (o.type === 'boolean') expect(p).toMatchObject({ type: 'boolean', default: o.default });
      if (o.type === 'string') expect(p).toMatchObject({ type: 'string' });
      if (o.type === 'list') expect(p).toMatchObject({ type: 'array', items: { enum: o.choices.map((c) => c.value) }, default: o.default });
    }
  });

  it('--help shows every flag of every option, and every choice', async () => {
    const help = await helpText();
    for (const o of options) {
      if (o.type === 'boolean') {
        expect(help).toMatch(new RegExp(`^\\s+--${o.key}\\s`, 'm'));
        expect(help).toMatch(new RegExp(`^\\s+--no-${o.key}\\s`, 'm'));
      } else if (o.type === 'resources') {
        expect(help).toMatch(new RegExp(`^\\s+${o.flag} <${o.valueName}>\\s`, 'm'));
      } else {
        expect(help).toMatch(new RegExp(`^\\s+--${o.key} <${o.valueName}>\\s`, 'm'));
      }
      if (o.type === 'choice') {
        // Commander wraps long lines; compare with white space collapsed.
        expect(help.replace(/\s+/g, ' ')).toContain(o.choices.map((c) => c.value).join(' | '));
      }
      if (o.type === 'list') {
        expect(help.replace(/\s+/g, ' ')).toContain(`comma list of ${o.choices.map((c) => c.value).join(', ')}, or none (default: ${o.default.join(',')}`);
      }
    }
  });

  it('--help states the option dependencies', async () => {
    const help = (await helpText()).replace(/\s+/g, ' ');
    expect(help).toContain('(default: none; needs --deploy k8s or helm)');
    expect(help).toContain('(default: redis; none with --db memory)');
    expect(help).toContain('(default: docker,compose,k8s; compose needs docker)');
  });

  it('every option has a prompt and a description', () => {
    for (const o of options) {
      expect(o.prompt.trim(), o.key).not.toBe('');
      expect(o.description.trim(), o.key).not.toBe('');
    }
  });
});

describe('contributions', () => {
  const base = {
    name: 'orders',
    module: 'example.com/orders',
    resource: 'item',
    auth: 'none',
    queue: 'none',
    transport: 'http',
    deploy: [],
    ci: 'none',
    mesh: 'none',
    ingress: 'none',
  } as const satisfies Partial<Answers>;
  const minimal = { ...base, router: 'stdlib', db: 'memory', cache: 'none', logger: 'slog', metrics: false, tracing: false } as const;

  it('minimal answers bring the base, the router and the logger only', () => {
    const c = contributions(minimal);
    expect(c.templates).toEqual(['base', 'router/stdlib', 'logger/slog']);
    expect(c.go).toEqual([...BASE.go].sort());
  });

  it('the defaults bring everything, including the combination modules', () => {
    const c = contributions({ ...base, router: 'stdlib', db: 'postgres', cache: 'redis', logger: 'slog', metrics: true, tracing: true });
    expect(c.templates).toEqual(['base', 'router/stdlib', 'db/postgres', 'cache/aside', 'cache/redis', 'logger/slog', 'metrics', 'tracing']);
    expect(c.go).toEqual(
      [
        ...BASE.go,
        'github.com/jackc/pgx/v5',
        'github.com/pressly/goose/v3',
        'github.com/redis/go-redis/v9',
        'github.com/prometheus/client_golang',
        'github.com/IBM/pgxpoolprometheus',
        'go.opentelemetry.io/otel',
        'go.opentelemetry.io/otel/sdk',
        'go.opentelemetry.io/otel/trace',
        'go.opentelemetry.io/otel/metric',
        'go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp',
        'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
        'github.com/exaring/otelpgx',
        'github.com/redis/go-redis/extra/redisotel/v9',
      ].sort(),
    );
  });

  it('chi, memory storage, memory cache, zap and tracing without Postgres or Redis', () => {
    const c = contributions({ ...base, router: 'chi', db: 'memory', cache: 'memory', logger: 'zap', metrics: false, tracing: true });
    expect(c.templates).toEqual(['base', 'router/chi', 'cache/aside', 'cache/memory', 'logger/zap', 'tracing']);
    expect(c.go).toEqual(
      [
        ...BASE.go,
        'github.com/go-chi/chi/v5',
        'github.com/jellydator/ttlcache/v3',
        'go.uber.org/zap/exp', // go.uber.org/zap is in BASE (LOG_BUFFER)
        'go.opentelemetry.io/otel',
        'go.opentelemetry.io/otel/sdk',
        'go.opentelemetry.io/otel/trace',
        'go.opentelemetry.io/otel/metric',
        'go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp',
        'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
      ].sort(),
    );
  });

  it('gin, Postgres, no cache, logrus and metrics without tracing', () => {
    const c = contributions({ ...base, router: 'gin', db: 'postgres', cache: 'none', logger: 'logrus', metrics: true, tracing: false });
    expect(c.templates).toEqual(['base', 'router/gin', 'db/postgres', 'logger/logrus', 'metrics']);
    expect(c.go).toEqual(
      [
        ...BASE.go,
        'github.com/gin-gonic/gin',
        'github.com/jackc/pgx/v5',
        'github.com/pressly/goose/v3',
        'github.com/sirupsen/logrus',
        'github.com/prometheus/client_golang',
        'github.com/IBM/pgxpoolprometheus',
      ].sort(),
    );
  });

  it('brings one folder per chosen deploy artifact, in the order of the choices', () => {
    expect(contributions({ ...minimal, deploy: ['helm', 'docker'] }).templates).toEqual([
      'base',
      'router/stdlib',
      'logger/slog',
      'deploy/docker',
      'deploy/helm',
    ]);
    expect(contributions({ ...minimal, deploy: ['docker', 'compose', 'k8s', 'helm'] }).templates.filter((t) => t.startsWith('deploy/'))).toEqual([
      'deploy/docker',
      'deploy/compose',
      'deploy/k8s',
      'deploy/helm',
    ]);
    // Deploy artifacts bring no Go modules.
    expect(contributions({ ...minimal, deploy: ['docker', 'compose', 'k8s', 'helm'] }).go).toEqual(contributions(minimal).go);
  });

  it('brings the gRPC folder and modules for transport grpc and both, nothing for http', () => {
    const grpcModules = ['google.golang.org/grpc', 'google.golang.org/protobuf', 'google.golang.org/genproto/googleapis/rpc', 'github.com/grpc-ecosystem/go-grpc-middleware/v2'];
    expect(contributions({ ...minimal, transport: 'http' })).toEqual(contributions(minimal));
    for (const transport of ['grpc', 'both'] as const) {
      const c = contributions({ ...minimal, transport });
      expect(c.templates).toContain('transport/grpc');
      expect(c.templates).not.toContain('transport/grpc-jwt');
      expect(c.go).toEqual(expect.arrayContaining(grpcModules));
      // The metrics provider and otelgrpc come only with metrics and tracing.
      expect(c.go).not.toContain('github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus');
      expect(c.go).not.toContain('go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc');
      const full = contributions({ ...minimal, transport, auth: 'jwt', metrics: true, tracing: true });
      expect(full.templates).toContain('transport/grpc-jwt');
      expect(full.go).toEqual(
        expect.arrayContaining([
          'github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus',
          'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc',
        ]),
      );
    }
    expect(contributions({ ...minimal, auth: 'jwt' }).templates).not.toContain('transport/grpc-jwt');
  });

  it('brings the CI folder of the chosen CI, and nothing for mesh and ingress (they are conditionals)', () => {
    expect(contributions({ ...minimal, ci: 'github' }).templates).toContain('ci/github');
    expect(contributions({ ...minimal, ci: 'gitlab' }).templates).toContain('ci/gitlab');
    expect(contributions({ ...minimal, ci: 'none' }).templates.filter((t) => t.startsWith('ci/'))).toEqual([]);
    expect(contributions({ ...minimal, deploy: ['k8s'], mesh: 'istio', ingress: 'gateway' })).toEqual(contributions({ ...minimal, deploy: ['k8s'] }));
  });

  it('brings the events folders of a queue, and the outbox with Postgres only', () => {
    expect(contributions({ ...minimal, queue: 'nats' }).templates).toEqual(['base', 'router/stdlib', 'logger/slog', 'queue/nats', 'queue/events']);
    expect(contributions({ ...minimal, db: 'postgres', queue: 'nats' }).templates).toContain('queue/outbox');
    expect(contributions({ ...minimal, queue: 'nats' }).go).toContain('github.com/nats-io/nats.go');
    expect(contributions({ ...minimal, queue: 'none' }).templates.filter((t) => t.startsWith('queue/'))).toEqual([]);
  });

  it('brings the resilient HTTP client and its modules only with JWT auth, whose JWK Set fetch is its caller', () => {
    const clientModules = ['github.com/sony/gobreaker/v2', 'github.com/cenkalti/backoff/v5'];
    const without = contributions({ ...minimal, router: 'stdlib', db: 'postgres', cache: 'redis', metrics: true, tracing: true });
    expect(without.go.filter((m) => clientModules.includes(m))).toEqual([]);
    const jwt = contributions({ ...minimal, auth: 'jwt' });
    expect(jwt.templates).toContain('auth/jwt');
    expect(jwt.go).toEqual(expect.arrayContaining(clientModules));
    const files = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.split(sep).join('/').includes('internal/platform/httpclient/'));
    expect(files(join(TEMPLATES_DIR, 'base'))).toEqual([]);
    expect(files(join(TEMPLATES_DIR, 'auth/jwt')).map((f) => f.split(sep).join('/')).sort()).toEqual([
      'internal/platform/httpclient/httpclient.go.hbs',
      'internal/platform/httpclient/httpclient_test.go.hbs',
      'internal/platform/httpclient/tracing_test.go.hbs',
    ]);
  });

  it('has no duplicates and is sorted, for every answer set', () => {
    // Hundreds of thousands of sets: collect the bad ones, then assert once (an expect per set is too slow).
    const bad: string[] = [];
    for (const a of allAnswerSets()) {
      const c = contributions(a);
      const ok = new Set(c.templates).size === c.templates.length && c.templates[0] === 'base' && c.go.join('\n') === [...new Set(c.go)].sort().join('\n');
      if (!ok) bad.push(JSON.stringify(a));
    }
    expect(bad.slice(0, 5)).toEqual([]);
  }, 3 * 60_000);
});

describe('the model and the repository agree', () => {
  const sets = allAnswerSets();
  const folders = new Set(sets.flatMap((a) => contributions(a).templates));
  const modules = new Set(sets.flatMap((a) => contributions(a).go));

  function templateFiles(dir: string): string[] {
    const out: string[] = [];
    for (const e of readdirSync(dir)) {
      const abs = join(dir, e);
      if (statSync(abs).isDirectory()) out.push(...templateFiles(abs));
      else if (e.endsWith('.hbs')) out.push(relative(TEMPLATES_DIR, abs).split(sep).join('/'));
    }
    return out;
  }

  it('every template folder the model names exists and holds templates', () => {
    // An option value that brings nothing (db memory, cache none) names no folder at all.
    const all = templateFiles(TEMPLATES_DIR);
    const empty = [...folders].filter((f) => !all.some((t) => t.startsWith(`${f}/`)));
    expect(empty, 'template folders without any .hbs file').toEqual([]);
  });

  it('every template file lies in a folder the model names (no orphans)', () => {
    const orphans = templateFiles(TEMPLATES_DIR).filter((t) => ![...folders].some((f) => t.startsWith(`${f}/`)));
    expect(orphans).toEqual([]);
  });

  it('no template folder is nested in another (each file belongs to exactly one option)', () => {
    for (const a of folders) for (const b of folders) if (a !== b) expect(b.startsWith(`${a}/`), `${b} inside ${a}`).toBe(false);
  });

  it('every Go module the model names is pinned in versions.ts', () => {
    for (const m of modules) expect(GO_MODULES, m).toHaveProperty([m]);
    for (const m of modules) {
      // A release tag; a pseudo-version only for a module that is never tagged.
      const release = UNTAGGED_GO_MODULES.has(m as keyof typeof GO_MODULES) ? /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/ : /^v\d+\.\d+\.\d+$/;
      expect(GO_MODULES[m as keyof typeof GO_MODULES], m).toMatch(release);
    }
  });

  it('every pinned module is used by some answer set (no dead pins)', () => {
    expect(Object.keys(GO_MODULES).filter((m) => !modules.has(m as never))).toEqual([]);
  });
});
