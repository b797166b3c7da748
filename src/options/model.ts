import type { GoModule } from '../versions.js';
import { resourcesFromFlags, resourcesSchema, validateResources, printResourceFlag } from './resource-spec.js';
import { FIELD_TYPES, type ResourceSpec } from './resources.js';
import { RESOURCE_PATTERN, SERVICE_NAME_MAX, SERVICE_NAME_PATTERN, serviceNameFromDirectory, validateModulePath, validateResource, validateServiceName } from './naming.js';

/**
 * The option model: the single source of truth for every answer the
 * generator takes. Commander flags, prompts, the answers-file schema,
 * `options --json`, the help text, the README's option table, template
 * selection and the generated go.mod's requirements all derive from the
 * declarations in OPTIONS. Adding an option means adding one declaration here
 * and its templates under templates/.
 */

/** Answers as read from flags or a file before they are checked: key → value. */
export type RawAnswers = Record<string, string | boolean | string[] | ResourceSpec[]>;

/** What one chosen value brings into the generated project. */
export interface Contribution {
  /** Folders under templates/ whose files the project gets. */
  templates?: string[];
  /** Go modules the generated go.mod requires (versions come from versions.ts). */
  go?: GoModule[];
}

/** A condition on an earlier answer: its value is one of `anyOf` (a list answer: holds one of them). */
export interface Condition {
  readonly key: string;
  readonly anyOf: readonly string[];
}

/** What an option, or one of its values, needs from an earlier answer, and why (a few words for the error line). */
export interface Requirement extends Condition {
  readonly because: string;
}

interface OptionCommon<K extends string> {
  /** Key in the answers object, the answers file and `options --json`. */
  readonly key: K;
  /** One line for --help, `options --json` and the README table. */
  readonly description: string;
  /** The question asked at an interactive prompt. */
  readonly prompt: string;
  /**
   * True when a non-interactive run must name this option (or take defaults
   * with --yes). False for values derived from the directory, which always
   * have a sensible default.
   */
  readonly required: boolean;
  /**
   * What this option brings beyond what its chosen value brings, given all
   * answers (for combinations such as "tracing with Postgres").
   */
  readonly brings?: (answers: AnswersView) => Contribution;
  /**
   * When the option can apply at all. Where `needs` does not hold the option
   * is not asked and takes `otherwise`; any other value given for it is a
   * usage error naming the requirement.
   */
  readonly needs?: Requirement & { readonly otherwise: string };
}

/**
 * Answers as seen by `brings` callbacks: untyped so that declarations can
 * refer to each other without a circular type.
 */
export type AnswersView = Readonly<Record<string, string | boolean | readonly string[] | readonly ResourceSpec[]>>;

/** A free-text option, checked by its validator. */
export interface StringOption<K extends string = string> extends OptionCommon<K> {
  readonly type: 'string';
  /** Placeholder in the flag: `--module <path>`. */
  readonly valueName: string;
  /** The default, derived from the target directory and earlier answers. */
  readonly default: (context: { directory: string; answers: AnswersView }) => string;
  /** Returns undefined when valid, else one line naming what is allowed. */
  readonly validate: (value: string) => string | undefined;
  /** The part of `validate` that JSON Schema can say, for `options --schema`. */
  readonly schema?: { readonly pattern: string; readonly minLength?: number; readonly maxLength?: number };
}

/** One value of a choice option. */
export interface Choice<V extends string = string> {
  readonly value: V;
  readonly description: string;
  /** Template folders and Go modules this value brings. */
  readonly brings?: Contribution;
  /** What this value needs from an earlier answer (or, in a list, from the same one). */
  readonly needs?: Requirement;
}

/** An option whose value is one of a fixed list. */
export interface ChoiceOption<K extends string = string, V extends string = string> extends OptionCommon<K> {
  readonly type: 'choice';
  readonly valueName: string;
  readonly choices: readonly Choice<V>[];
  readonly default: V;
  /** Defaults that follow an earlier answer; the first whose condition holds wins over `default`. */
  readonly defaultWhen?: readonly { readonly when: Condition; readonly value: V }[];
}

/** An on/off option with a `--x` and a `--no-x` flag. */
export interface BooleanOption<K extends string = string> extends OptionCommon<K> {
  readonly type: 'boolean';
  readonly default: boolean;
}

/**
 * An option whose value is a set of values from a fixed list, given as a
 * comma-separated flag (`--deploy docker,k8s`), a JSON array in the answers
 * file, or a checkbox prompt. `none` alone means the empty set. The value is
 * kept in the order of `choices`, without duplicates.
 */
export interface ListOption<K extends string = string, V extends string = string> extends OptionCommon<K> {
  readonly type: 'list';
  readonly valueName: string;
  readonly choices: readonly Choice<V>[];
  readonly default: readonly V[];
}

/**
 * The service's own resources (ResourceSpec[]): a JSON array in the answers
 * file, the repeatable compact `flag` (`--resource-spec 'customer:email=string'`,
 * see resource-spec.ts), or the prompt flow. Absent (the default) means the
 * single example resource of the option it `excludes`.
 */
export interface ResourcesOption<K extends string = string> extends OptionCommon<K> {
  readonly type: 'resources';
  /** The repeatable flag of the compact form, with its placeholder. */
  readonly flag: string;
  readonly valueName: string;
  /**
   * The option this one replaces: giving both is a usage error; with this
   * option given, that one takes `derive(value)` instead of asking.
   */
  readonly excludes: { readonly key: string; readonly because: string; readonly derive: (value: readonly ResourceSpec[]) => string };
}

/** Any option declaration. */
export type OptionDecl = StringOption | ChoiceOption | BooleanOption | ListOption | ResourcesOption;

const string = <K extends string>(o: Omit<StringOption<K>, 'type'>): StringOption<K> => ({ type: 'string', ...o });
const choice = <K extends string, V extends string>(o: Omit<ChoiceOption<K, V>, 'type'>): ChoiceOption<K, V> => ({
  type: 'choice',
  ...o,
});
const list = <K extends string, V extends string>(o: Omit<ListOption<K, V>, 'type'>): ListOption<K, V> => ({ type: 'list', ...o });
const resources = <K extends string>(o: Omit<ResourcesOption<K>, 'type'>): ResourcesOption<K> => ({ type: 'resources', ...o });
const boolean = <K extends string>(o: Omit<BooleanOption<K>, 'type'>): BooleanOption<K> => ({ type: 'boolean', ...o });

/** What every generated project gets, whatever the answers. */
export const BASE: Required<Contribution> = {
  templates: ['base'],
  go: [
    'github.com/google/uuid',
    'github.com/caarlos0/env/v11',
    'golang.org/x/time',
    'github.com/go-json-experiment/json',
    'golang.org/x/sync',
    'go.yaml.in/yaml/v3',
    // zapcore.BufferedWriteSyncer behind LOG_BUFFER, whatever the logger.
    'go.uber.org/zap',
  ],
};

/** What the gRPC transport brings (transport grpc and both). */
const GRPC: Contribution = {
  templates: ['transport/grpc'],
  go: [
    'google.golang.org/grpc',
    'google.golang.org/protobuf',
    'google.golang.org/genproto/googleapis/rpc',
    'github.com/grpc-ecosystem/go-grpc-middleware/v2',
  ],
};

/** Every option, in prompt order. */
export const OPTIONS = [
  string({
    key: 'name',
    valueName: 'name',
    description: "service name, [a-z][a-z0-9-]* (default: the directory's base name)",
    prompt: 'Service name',
    required: false,
    default: ({ directory }) => serviceNameFromDirectory(directory),
    validate: validateServiceName,
    schema: { pattern: SERVICE_NAME_PATTERN, maxLength: SERVICE_NAME_MAX },
  }),
  string({
    key: 'module',
    valueName: 'path',
    description: 'Go module path, checked as `go mod init` does (default: example.com/<name>)',
    prompt: 'Go module path',
    required: false,
    default: ({ answers }) => `example.com/${answers.name ?? 'service'}`,
    validate: validateModulePath,
  }),
  resources({
    key: 'resources',
    flag: '--resource-spec',
    valueName: 'spec',
    description: `the service's own resources with typed fields (${FIELD_TYPES.join(', ')}), instead of the example --resource; repeat the flag per resource, e.g. 'customer:email=string(max=320,unique)' (README "Resources")`,
    prompt: 'Define your own resources (typed fields, any number)?',
    required: false,
    excludes: { key: 'resource', because: 'the declared resources replace the single example resource', derive: (specs) => specs[0]!.name },
  }),
  string({
    key: 'resource',
    valueName: 'singular',
    description: 'the example domain resource, singular; the plural is derived (item → items, category → categories)',
    prompt: 'Example resource (singular noun)',
    required: false,
    default: () => 'item',
    validate: validateResource,
    schema: { pattern: RESOURCE_PATTERN, minLength: 2 },
  }),
  choice({
    key: 'router',
    valueName: 'router',
    description: 'HTTP router',
    prompt: 'HTTP router',
    required: true,
    default: 'stdlib',
    choices: [
      {
        value: 'stdlib',
        description: 'net/http ServeMux with Go 1.22+ method and wildcard patterns',
        brings: { templates: ['router/stdlib'] },
      },
      { value: 'chi', description: 'go-chi/chi v5', brings: { templates: ['router/chi'], go: ['github.com/go-chi/chi/v5'] } },
      {
        value: 'gin',
        description: 'gin-gonic/gin, with net/http handlers',
        brings: { templates: ['router/gin'], go: ['github.com/gin-gonic/gin'] },
      },
      { value: 'gorilla', description: 'gorilla/mux', brings: { templates: ['router/gorilla'], go: ['github.com/gorilla/mux'] } },
    ],
  }),
  choice({
    key: 'db',
    valueName: 'db',
    description: 'storage behind the repository port',
    prompt: 'Database',
    required: true,
    default: 'postgres',
    choices: [
      {
        value: 'postgres',
        description: 'PostgreSQL through pgx/v5 pgxpool, goose migrations',
        brings: { templates: ['db/postgres'], go: ['github.com/jackc/pgx/v5', 'github.com/pressly/goose/v3'] },
      },
      { value: 'memory', description: 'in-process map, for prototypes and tests' },
    ],
  }),
  choice({
    key: 'cache',
    valueName: 'cache',
    description: 'cache-aside layer in front of the repository',
    prompt: 'Cache',
    required: true,
    default: 'redis',
    // A throwaway prototype on in-memory storage should not need a Redis server.
    defaultWhen: [{ when: { key: 'db', anyOf: ['memory'] }, value: 'none' }],
    choices: [
      {
        value: 'redis',
        description: 'Redis through go-redis/v9',
        brings: { templates: ['cache/aside', 'cache/redis'], go: ['github.com/redis/go-redis/v9', 'golang.org/x/sync'] },
      },
      {
        value: 'memory',
        description: 'in-process TTL cache (jellydator/ttlcache)',
        brings: { templates: ['cache/aside', 'cache/memory'], go: ['github.com/jellydator/ttlcache/v3', 'golang.org/x/sync'] },
      },
      { value: 'none', description: 'no cache' },
    ],
  }),
  choice({
    key: 'logger',
    valueName: 'logger',
    description: 'log backend; all code logs through log/slog',
    prompt: 'Log backend',
    required: true,
    default: 'slog',
    choices: [
      { value: 'slog', description: "log/slog's own JSON and text handlers", brings: { templates: ['logger/slog'] } },
      {
        value: 'zap',
        description: 'go.uber.org/zap as the slog backend (zapslog)',
        brings: { templates: ['logger/zap'], go: ['go.uber.org/zap', 'go.uber.org/zap/exp'] },
      },
      {
        value: 'logrus',
        description: 'sirupsen/logrus as the slog backend',
        brings: { templates: ['logger/logrus'], go: ['github.com/sirupsen/logrus'] },
      },
    ],
  }),
  boolean({
    key: 'metrics',
    description: 'Prometheus metrics (client_golang) on the admin listener',
    prompt: 'Prometheus metrics?',
    required: true,
    default: true,
    brings: (a) =>
      a.metrics
        ? {
            templates: ['metrics'],
            go: [
              'github.com/prometheus/client_golang',
              ...(a.db === 'postgres' ? (['github.com/IBM/pgxpoolprometheus'] as const) : []),
              ...(a.transport !== 'http' ? (['github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus'] as const) : []),
            ],
          }
        : {},
  }),
  boolean({
    key: 'tracing',
    description: 'OpenTelemetry tracing, OTLP exporter configured by the standard OTEL_* variables',
    prompt: 'OpenTelemetry tracing?',
    required: true,
    default: true,
    brings: (a) =>
      a.tracing
        ? {
            templates: ['tracing'],
            go: [
              'go.opentelemetry.io/otel',
              'go.opentelemetry.io/otel/sdk',
              'go.opentelemetry.io/otel/trace',
              // For the no-op MeterProvider handed to otelhttp and otelpgx, so they never fall back to the global one.
              'go.opentelemetry.io/otel/metric',
              'go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp',
              'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
              ...(a.db === 'postgres' ? (['github.com/exaring/otelpgx'] as const) : []),
              ...(a.cache === 'redis' ? (['github.com/redis/go-redis/extra/redisotel/v9'] as const) : []),
              ...(a.transport !== 'http' ? (['go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc'] as const) : []),
            ],
          }
        : {},
  }),
  choice({
    key: 'auth',
    valueName: 'auth',
    description: 'authentication of the API; health and metrics endpoints stay open',
    prompt: 'API authentication',
    required: false,
    default: 'none',
    choices: [
      { value: 'none', description: 'no authentication' },
      {
        value: 'jwt',
        description: 'JWT bearer tokens (golang-jwt/jwt v5): HS256 secret or RS256/ES256 keys from a JWKS URL',
        brings: {
          templates: ['auth/jwt'],
          go: [
            'github.com/golang-jwt/jwt/v5',
            'github.com/MicahParks/keyfunc/v3',
            // internal/platform/httpclient, which fetches the JWK Set
            'github.com/sony/gobreaker/v2',
            'github.com/cenkalti/backoff/v5',
          ],
        },
      },
    ],
  }),
  choice({
    key: 'queue',
    valueName: 'queue',
    description: 'domain events on create/update/delete, a `worker` command that consumes them; with Postgres through a transactional outbox',
    prompt: 'Message broker for domain events',
    required: false,
    default: 'none',
    choices: [
      { value: 'none', description: 'no events' },
      {
        value: 'nats',
        description: 'NATS JetStream (nats-io/nats.go jetstream): stream, durable pull consumer, explicit ack',
        brings: { templates: ['queue/nats'], go: ['github.com/nats-io/nats.go'] },
      },
      {
        value: 'rabbitmq',
        description: 'RabbitMQ (rabbitmq/amqp091-go): publisher confirms, quorum queue, dead-letter exchange, reconnect with backoff',
        brings: { templates: ['queue/rabbitmq'], go: ['github.com/rabbitmq/amqp091-go', 'github.com/cenkalti/backoff/v5'] },
      },
      {
        value: 'kafka',
        description: 'Kafka (twmb/franz-go): idempotent producer, consumer group, commit after processing, dead-letter topic',
        brings: {
          templates: ['queue/kafka'],
          go: [
            'github.com/twmb/franz-go',
            'github.com/twmb/franz-go/pkg/kadm',
            'github.com/twmb/franz-go/pkg/kfake',
            'github.com/cenkalti/backoff/v5',
          ],
        },
      },
    ],
    brings: (a) =>
      a.queue === 'none' || a.queue === undefined
        ? {}
        : { templates: ['queue/events', ...(a.db === 'postgres' ? ['queue/outbox'] : [])] },
  }),
  choice({
    key: 'transport',
    valueName: 'transport',
    description: 'how the API is served: HTTP/JSON, gRPC (HTTP keeps only the health probes), or both on separate ports',
    prompt: 'API transport',
    required: false,
    default: 'http',
    // The gRPC authentication interceptor, for the combination of a gRPC transport and JWT.
    brings: (a) => (a.transport !== 'http' && a.auth === 'jwt' ? { templates: ['transport/grpc-jwt'] } : {}),
    choices: [
      { value: 'http', description: 'HTTP/JSON API (routes.go, OpenAPI)' },
      { value: 'grpc', description: 'gRPC API on GRPC_ADDR; the HTTP listener serves only the health probes', brings: GRPC },
      { value: 'both', description: 'HTTP/JSON and gRPC APIs from one process, on separate ports', brings: GRPC },
    ],
  }),
  list({
    key: 'deploy',
    valueName: 'list',
    description: 'deploy artifacts: Dockerfile, Compose file, Kubernetes (kustomize), Helm chart',
    prompt: 'Deploy artifacts',
    required: false,
    default: ['docker', 'compose', 'k8s'],
    choices: [
      { value: 'docker', description: 'multi-stage Dockerfile, distroless, non-root', brings: { templates: ['deploy/docker'] } },
      {
        value: 'compose',
        description: 'compose.yaml with the chosen dependencies',
        brings: { templates: ['deploy/compose'] },
        needs: { key: 'deploy', anyOf: ['docker'], because: 'compose.yaml builds the image from the Dockerfile' },
      },
      { value: 'k8s', description: 'kustomize base with dev and prod overlays', brings: { templates: ['deploy/k8s'] } },
      { value: 'helm', description: 'Helm chart under deploy/helm/<name>', brings: { templates: ['deploy/helm'] } },
    ],
  }),
  choice({
    key: 'ci',
    valueName: 'ci',
    description: 'CI workflow: lint, test with Postgres/Redis services, build, docker build',
    prompt: 'CI workflow',
    required: false,
    default: 'github',
    choices: [
      { value: 'github', description: 'GitHub Actions (.github/workflows/ci.yml)', brings: { templates: ['ci/github'] } },
      { value: 'gitlab', description: 'GitLab CI (.gitlab-ci.yml)', brings: { templates: ['ci/gitlab'] } },
      { value: 'none', description: 'no CI workflow' },
    ],
  }),
  choice({
    key: 'mesh',
    valueName: 'mesh',
    description: 'service mesh: sidecar-injection annotations and mTLS-friendly port names in Kubernetes objects',
    prompt: 'Service mesh',
    required: false,
    default: 'none',
    needs: { key: 'deploy', anyOf: ['k8s', 'helm'], because: 'the mesh annotates the Kubernetes objects', otherwise: 'none' },
    choices: [
      { value: 'none', description: 'no mesh' },
      { value: 'istio', description: 'Istio sidecar injection' },
      { value: 'linkerd', description: 'Linkerd proxy injection' },
    ],
  }),
  choice({
    key: 'ingress',
    valueName: 'ingress',
    description: 'how traffic reaches the service in Kubernetes',
    prompt: 'Ingress',
    required: false,
    default: 'none',
    needs: { key: 'deploy', anyOf: ['k8s', 'helm'], because: 'it routes to the Kubernetes Service', otherwise: 'none' },
    choices: [
      { value: 'none', description: 'no ingress object' },
      { value: 'ingress', description: 'networking.k8s.io/v1 Ingress, one per API (HTTP, gRPC)' },
      { value: 'gateway', description: 'Gateway API (gateway.networking.k8s.io/v1): HTTPRoute, and GRPCRoute for a gRPC API' },
    ],
  }),
] as const;

type Decls = (typeof OPTIONS)[number];
type ValueOf<O> = O extends ResourcesOption
  ? ResourceSpec[]
  : O extends ChoiceOption<string, infer V>
  ? V
  : O extends ListOption<string, infer V>
    ? V[]
    : O extends BooleanOption
      ? boolean
      : string;

/** A complete, valid set of answers: one value per option. */
export type Answers = { [O in Exclude<Decls, ResourcesOption> as O['key']]: ValueOf<O> } & {
  /** Absent: the single example resource named by `resource`. */
  resources?: ResourceSpec[];
};

/** The key of an option. */
export type OptionKey = keyof Answers;

/** A named set of answers; explicit flags and answers-file entries override it. */
export interface Preset {
  readonly description: string;
  readonly answers: Partial<Answers>;
}

const standard: Partial<Answers> = {
  router: 'stdlib',
  db: 'postgres',
  cache: 'redis',
  logger: 'slog',
  metrics: true,
  tracing: true,
  deploy: ['docker', 'compose', 'k8s'],
  ci: 'github',
  mesh: 'none',
  ingress: 'none',
  auth: 'none',
  queue: 'none',
  transport: 'http',
};

/** The presets of `--preset`. */
export const PRESETS = {
  minimal: {
    description: 'stdlib router, in-memory storage, no cache, no metrics or tracing, a Dockerfile and no CI: the smallest service that runs',
    answers: {
      router: 'stdlib',
      db: 'memory',
      cache: 'none',
      logger: 'slog',
      metrics: false,
      tracing: false,
      deploy: ['docker'],
      ci: 'none',
      mesh: 'none',
      ingress: 'none',
      auth: 'none',
      queue: 'none',
      transport: 'http',
    },
  },
  standard: {
    description: 'the defaults: stdlib router, Postgres, Redis cache, slog, metrics, tracing, Docker, Compose, kustomize, GitHub Actions',
    answers: standard,
  },
  full: {
    description: 'standard plus JWT authentication, a Helm chart and a Kubernetes Ingress',
    answers: { ...standard, auth: 'jwt', deploy: ['docker', 'compose', 'k8s', 'helm'], ingress: 'ingress' },
  },
} satisfies Record<string, Preset>;

/** The name of a preset. */
export type PresetName = keyof typeof PRESETS;

/** Looks up an option declaration by key. */
export function optionByKey(key: string): OptionDecl | undefined {
  return (OPTIONS as readonly OptionDecl[]).find((o) => o.key === key);
}

/** The command-line flag of an option as the user types it: `--router`, or `--[no-]metrics`. */
export function flagName(o: OptionDecl): string {
  return o.type === 'boolean' ? `--[no-]${o.key}` : o.type === 'resources' ? o.flag : `--${o.key}`;
}

/**
 * Checks one raw value against its declaration. `source` names where the
 * value came from in the error line: the flag (`--cache`, the default) or an
 * answers-file key (`"cache" in answers.json`).
 * Returns the typed value, or throws nothing and returns an error line naming the valid values.
 */
export function checkValue(
  o: OptionDecl,
  value: unknown,
  source: string = o.type === 'boolean' ? o.key : `--${o.key}`,
): { ok: true; value: string | boolean | string[] | ResourceSpec[] } | { ok: false; error: string } {
  switch (o.type) {
    case 'resources': {
      // Flags give strings in the compact form (one per --resource-spec, or several joined by ;), a file gives JSON.
      const flagForm = typeof value === 'string' ? [value] : Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
      if (flagForm) {
        const parsed = resourcesFromFlags(flagForm);
        return parsed.ok ? parsed : { ok: false, error: parsed.problems.join('; ') };
      }
      const problems = validateResources(value);
      return problems.length === 0 ? { ok: true, value: value as ResourceSpec[] } : { ok: false, error: problems.join('; ') };
    }
    case 'list': {
      const valid = o.choices.map((c) => c.value as string);
      const items =
        typeof value === 'string'
          ? value === 'none' || value.trim() === ''
            ? []
            : value.split(',').map((v) => v.trim())
          : Array.isArray(value) && value.every((v) => typeof v === 'string')
            ? (value as string[])
            : undefined;
      if (items !== undefined && items.length > 1 && items.includes('none')) {
        return { ok: false, error: `invalid value for ${source}: "none" cannot be combined with other values (give none alone, or a comma-separated list of ${valid.join(', ')})` };
      }
      const bad = items === undefined ? [JSON.stringify(value)] : items.filter((v) => !valid.includes(v)).map((v) => JSON.stringify(v));
      if (bad.length > 0 || items === undefined) {
        return { ok: false, error: `invalid value for ${source}: ${bad.join(', ')} (valid: a comma-separated list of ${valid.join(', ')}; or none)` };
      }
      return { ok: true, value: valid.filter((v) => items.includes(v)) };
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      return { ok: false, error: `invalid value for ${source}: ${JSON.stringify(value)} (expected true or false)` };
    case 'choice': {
      const valid = o.choices.map((c) => c.value);
      if (typeof value === 'string' && (valid as string[]).includes(value)) return { ok: true, value };
      return { ok: false, error: `invalid value for ${source}: ${JSON.stringify(value)} (valid: ${valid.join(', ')})` };
    }
    case 'string': {
      if (typeof value !== 'string') return { ok: false, error: `invalid value for ${source}: ${JSON.stringify(value)} (expected a string)` };
      const problem = o.validate(value);
      return problem === undefined ? { ok: true, value } : { ok: false, error: problem };
    }
  }
}

/** True when the answer named by `c.key` is one of `c.anyOf` (a list answer: holds one of them). */
export function holds(c: Condition, answers: AnswersView): boolean {
  const v = answers[c.key];
  return Array.isArray(v) ? v.some((x) => c.anyOf.includes(x)) : typeof v === 'string' && c.anyOf.includes(v);
}

/** The default of an option given the earlier answers: its first `defaultWhen` that holds, else `default`. */
export function defaultOf(o: Exclude<OptionDecl, StringOption | ResourcesOption>, answers: AnswersView): string | boolean | readonly string[] {
  if (o.type === 'choice') for (const d of o.defaultWhen ?? []) if (holds(d.when, answers)) return d.value;
  return o.default;
}

/** How a requirement is spelt in an error line: as flags (`--deploy k8s or helm`) or as answers-file keys. */
export function requirementText(r: Condition, style: 'flag' | 'file'): string {
  const o = optionByKey(r.key);
  if (style === 'flag') return `--${r.key} ${r.anyOf.join(' or ')}`;
  const values = r.anyOf.map((v) => JSON.stringify(v)).join(' or ');
  return o?.type === 'list' ? `"${r.key}" to include ${values}` : `"${r.key}": ${values}`;
}

/**
 * The value-level requirements that `value` of option `o` breaks, given the
 * earlier answers (and, for a list, the value itself): one entry per chosen
 * value whose `needs` does not hold.
 */
export function brokenChoiceNeeds(o: OptionDecl, value: unknown, answers: AnswersView): { value: string; needs: Requirement }[] {
  if (o.type !== 'choice' && o.type !== 'list') return [];
  const view = { ...answers, [o.key]: value as string | readonly string[] };
  const chosen = (c: Choice) => (Array.isArray(value) ? value.includes(c.value) : c.value === value);
  return o.choices.filter((c) => c.needs !== undefined && chosen(c) && !holds(c.needs, view)).map((c) => ({ value: c.value, needs: c.needs! }));
}

/**
 * The command-line flags that choose these answers: every option but the
 * three strings (name, module, resource), in declaration order, e.g.
 * `--router chi --db postgres … --no-tracing … --deploy none …`. Booleans
 * appear as `--key` or `--no-key`, an empty list as `none`. The generated
 * README quotes it, so a reader sees, and can repeat, every choice.
 */
export function answerFlags(answers: Answers): string {
  const view = answers as unknown as Record<string, unknown>;
  return (OPTIONS as readonly OptionDecl[])
    .filter((o) => o.type !== 'string' && (o.type !== 'resources' || view[o.key] !== undefined))
    .map((o) => {
      const value = view[o.key];
      if (o.type === 'resources') return resourceFlags(value as ResourceSpec[]).join(' ');
      if (o.type === 'boolean') return value ? `--${o.key}` : `--no-${o.key}`;
      if (o.type === 'list') return `--${o.key} ${(value as string[]).length ? (value as string[]).join(',') : 'none'}`;
      return `--${o.key} ${String(value)}`;
    })
    .join(' ');
}

/** `--resource-spec '<flag form>'` per resource, shell-quoted. */
function resourceFlags(specs: readonly ResourceSpec[]): string[] {
  return specs.map((r) => `--resource-spec ${shellQuote(printResourceFlag(r))}`);
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The flags that give exactly the answers of an answers file (its keys only,
 * strings included, resources in the compact form), shell-quoted: what
 * `options --answers FILE` prints. `raw` is checked (checkAnswersFile).
 */
export function fileFlags(raw: RawAnswers): string {
  const words: string[] = [];
  for (const o of OPTIONS as readonly OptionDecl[]) {
    if (!(o.key in raw)) continue;
    const value = raw[o.key];
    if (o.type === 'resources') words.push(...resourceFlags(value as ResourceSpec[]));
    else if (o.type === 'boolean') words.push(value ? `--${o.key}` : `--no-${o.key}`);
    else if (o.type === 'list') words.push(`--${o.key}`, (value as string[]).length > 0 ? (value as string[]).join(',') : 'none');
    else words.push(`--${o.key}`, shellQuote(String(value)));
  }
  return words.join(' ');
}

/** The template folders and Go modules a complete set of answers brings, base first, without duplicates. */
export function contributions(answers: Answers): Required<Contribution> {
  const templates = [...BASE.templates];
  const go = new Set<GoModule>(BASE.go);
  const view = answers as unknown as AnswersView;
  for (const o of OPTIONS as readonly OptionDecl[]) {
    const value = view[o.key];
    const chosen =
      o.type === 'choice' || o.type === 'list'
        ? o.choices.filter((c) => (Array.isArray(value) ? value.includes(c.value) : c.value === value)).map((c) => c.brings ?? {})
        : [];
    for (const c of [...chosen, o.brings?.(view) ?? {}]) {
      for (const t of c.templates ?? []) if (!templates.includes(t)) templates.push(t);
      for (const m of c.go ?? []) go.add(m);
    }
  }
  return { templates, go: [...go].sort() };
}

/** The JSON description of every option, as printed by `options --json`, rules included. */
export function describeOptions(): Array<{
  key: string;
  flag: string;
  type: OptionDecl['type'];
  choices?: string[];
  default: string | boolean | readonly string[];
  defaultWhen?: readonly { when: Condition; value: string }[];
  needs?: Requirement & { otherwise: string };
  choiceNeeds?: Record<string, Requirement>;
  /** resources: the field types, and the option it excludes. */
  fieldTypes?: readonly string[];
  excludes?: string;
  description: string;
}> {
  return (OPTIONS as readonly OptionDecl[]).map((o) => {
    const choiceNeeds =
      o.type === 'choice' || o.type === 'list' ? Object.fromEntries(o.choices.filter((c) => c.needs).map((c) => [c.value, c.needs!])) : {};
    return {
      key: o.key,
      flag: flagName(o),
      type: o.type,
      ...(o.type === 'choice' || o.type === 'list' ? { choices: o.choices.map((c) => c.value) } : {}),
      default: o.type === 'string' ? defaultText(o) : o.type === 'resources' ? [] : o.default,
      ...(o.type === 'resources' ? { fieldTypes: FIELD_TYPES, excludes: o.excludes.key } : {}),
      ...(o.type === 'choice' && o.defaultWhen ? { defaultWhen: o.defaultWhen } : {}),
      ...(o.needs ? { needs: o.needs } : {}),
      ...(Object.keys(choiceNeeds).length > 0 ? { choiceNeeds } : {}),
      description: o.description,
    };
  });
}

function defaultText(o: StringOption): string {
  switch (o.key) {
    case 'name':
      return '<directory base name>';
    case 'module':
      return 'example.com/<name>';
    default:
      return o.default({ directory: '', answers: {} });
  }
}

/** JSON Schema (draft 2020-12) of the answers file, derived from OPTIONS. */
export function answersSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const o of OPTIONS as readonly OptionDecl[]) {
    properties[o.key] =
      o.type === 'boolean'
        ? { type: 'boolean', description: o.description, default: o.default }
        : o.type === 'choice'
          ? { enum: o.choices.map((c) => c.value), description: o.description, default: o.default }
          : o.type === 'resources'
            ? resourcesSchema(o.description)
            : o.type === 'list'
            ? {
                type: 'array',
                items: { enum: o.choices.map((c) => c.value) },
                uniqueItems: true,
                description: o.description,
                default: o.default,
              }
            : { type: 'string', ...o.schema, description: o.description };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'create-service answers',
    type: 'object',
    additionalProperties: false,
    properties: { $schema: { type: 'string' }, ...properties },
    allOf: schemaRules().map((r) => r.schema),
    dependentSchemas: Object.fromEntries(
      (OPTIONS as readonly OptionDecl[]).flatMap((o) => (o.type === 'resources' ? [[o.key, { not: { required: [o.excludes.key] } }]] : [])),
    ),
  };
}

/** A dependency rule as JSON Schema `if`/`then`, with the option (and value) it is about. */
export interface SchemaRule {
  key: string;
  value?: string;
  needs: Requirement;
  schema: { if: Record<string, unknown>; then: Record<string, unknown> };
}

/**
 * Every `needs` of the model as a JSON Schema `if`/`then` of the answers
 * file, in declaration order (answersSchema's `allOf`). A needed key that is
 * absent from the file is required only when its default breaks the rule.
 */
export function schemaRules(): SchemaRule[] {
  const then = (r: Condition) => {
    const needed = optionByKey(r.key);
    const condition = needed?.type === 'list' ? { contains: { enum: r.anyOf } } : { enum: r.anyOf };
    const defaultBreaks = needed !== undefined && needed.type !== 'string' && needed.type !== 'resources' && !holds(r, { [r.key]: needed.default });
    return { properties: { [r.key]: condition }, ...(defaultBreaks ? { required: [r.key] } : {}) };
  };
  const rules: SchemaRule[] = [];
  for (const o of OPTIONS as readonly OptionDecl[]) {
    if (o.needs) {
      rules.push({ key: o.key, needs: o.needs, schema: { if: { properties: { [o.key]: { not: { const: o.needs.otherwise } } }, required: [o.key] }, then: then(o.needs) } });
    }
    if (o.type !== 'choice' && o.type !== 'list') continue;
    for (const c of o.choices) {
      if (!c.needs) continue;
      const chosen = o.type === 'list' ? { contains: { const: c.value } } : { const: c.value };
      rules.push({ key: o.key, value: c.value, needs: c.needs, schema: { if: { properties: { [o.key]: chosen }, required: [o.key] }, then: then(c.needs) } });
    }
  }
  return rules;
}
