/**
 * Version pins for everything the generated service depends on. This is the
 * only place a Go version or a Go module version is written down: the option
 * model refers to modules by path, and the rendered go.mod takes the version
 * from here. Each pin is the current stable release on the Go module proxy at
 * the time it was last reviewed.
 */

/** The `go` directive of the generated go.mod (the OpenTelemetry modules need 1.26). */
export const GO_VERSION = '1.26.0';

/**
 * golangci-lint (v2) that generated CI workflows run and that this
 * repository's tests install to check the generated `.golangci.yml` and code.
 */
export const GOLANGCI_LINT_VERSION = 'v2.15.0';

/**
 * Protocol Buffers code generation of the gRPC transport (`make generate` and
 * the CLI's generate step): buf and the two protoc plugins, each run by
 * `go run <module>@<version>`, so nothing but Go and the module proxy is needed.
 */
// v1.75.0 and v1.74.0 need module versions this proxy refuses (connect/v2
// v2.0.2, a protobuf pseudo-version); v1.73.0 builds from it.
export const BUF_VERSION = 'v1.73.0';
/** protoc-gen-go, from the google.golang.org/protobuf module (the runtime the generated code needs). */
export const PROTOC_GEN_GO_VERSION = 'v1.36.12';
/** protoc-gen-go-grpc, its own module (google.golang.org/grpc/cmd/protoc-gen-go-grpc). */
export const PROTOC_GEN_GO_GRPC_VERSION = 'v1.6.2';
/** grpcurl, which the build-and-run tests call the running gRPC server with, and the generated README shows. */
export const GRPCURL_VERSION = 'v1.9.4';

/**
 * deadcode (golang.org/x/tools/cmd/deadcode), which this repository's
 * build-and-run tests run over every fixture: no non-test function of a
 * generated project may be unreachable from main.
 */
export const DEADCODE_VERSION = 'v0.52.0';

/** Go module path → pinned version. */
export const GO_MODULES = {
  'github.com/google/uuid': 'v1.6.0',
  'github.com/caarlos0/env/v11': 'v11.4.2',
  'golang.org/x/time': 'v0.16.0',
  'github.com/go-json-experiment/json': 'v1.27.2',
  'golang.org/x/sync': 'v0.24.0',
  'github.com/sony/gobreaker/v2': 'v2.4.0',
  'github.com/cenkalti/backoff/v5': 'v5.0.3',
  'github.com/golang-jwt/jwt/v5': 'v5.3.1',
  'github.com/MicahParks/keyfunc/v3': 'v3.9.0',
  'go.yaml.in/yaml/v3': 'v3.0.6',
  'github.com/jackc/pgx/v5': 'v5.12.0',
  'github.com/pressly/goose/v3': 'v3.29.0',
  'github.com/IBM/pgxpoolprometheus': 'v1.1.3',
  'github.com/exaring/otelpgx': 'v0.13.0',
  'github.com/redis/go-redis/v9': 'v9.23.0',
  'github.com/redis/go-redis/extra/redisotel/v9': 'v9.23.0',
  'github.com/jellydator/ttlcache/v3': 'v3.4.1',
  'github.com/go-chi/chi/v5': 'v5.5.0',
  'github.com/gin-gonic/gin': 'v1.12.0',
  'github.com/gorilla/mux': 'v1.8.1',
  'go.uber.org/zap': 'v1.28.0',
  'go.uber.org/zap/exp': 'v0.3.0',
  'github.com/sirupsen/logrus': 'v1.10.2',
  'github.com/prometheus/client_golang': 'v1.25.0',
  'go.opentelemetry.io/otel': 'v1.47.0',
  'go.opentelemetry.io/otel/sdk': 'v1.47.0',
  'go.opentelemetry.io/otel/trace': 'v1.47.0',
  'go.opentelemetry.io/otel/metric': 'v1.47.0',
  'go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp': 'v1.47.0',
  'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp': 'v0.72.0',
  'github.com/nats-io/nats.go': 'v1.55.0',
  'github.com/rabbitmq/amqp091-go': 'v1.16.0',
  'github.com/twmb/franz-go': 'v1.22.2',
  'github.com/twmb/franz-go/pkg/kadm': 'v1.19.0',
  // kfake (franz-go's in-process Kafka cluster, for tests) is never tagged:
  // this is the pseudo-version `go list -m …/kfake@latest` resolves to. Its
  // go.mod asks for franz-go v1.21.7 but it needs v1.22 (pinned above).
  'github.com/twmb/franz-go/pkg/kfake': 'v0.0.0-20260918054303-01f206a7e32c',
  'google.golang.org/grpc': 'v1.85.0',
  'google.golang.org/protobuf': 'v1.36.12',
  // googleapis/rpc has no releases, only pseudo-versions: the one @latest resolved to.
  'google.golang.org/genproto/googleapis/rpc': 'v0.0.0-20261019180522-ce908d29299b',
  'github.com/grpc-ecosystem/go-grpc-middleware/v2': 'v2.3.4',
  'github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus': 'v1.1.1',
  // The otelgrpc release of the contrib line that otelhttp v0.72.0 belongs to (otel v1.47.0).
  'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc': 'v0.72.0',
} as const satisfies Record<string, string>;

/** A Go module path that has a pin. */
export type GoModule = keyof typeof GO_MODULES;

/**
 * Modules that publish no release tags, so their pin is a pseudo-version
 * (the newest commit the Go module proxy resolves `@latest` to).
 */
export const UNTAGGED_GO_MODULES: ReadonlySet<GoModule> = new Set<GoModule>([
  'github.com/twmb/franz-go/pkg/kfake',
  'google.golang.org/genproto/googleapis/rpc',
]);
