import { execa } from 'execa';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../src/options/model.js';
import { GO_VERSION, GOLANGCI_LINT_VERSION } from '../src/versions.js';
import { answersPath, ROOT, variantAnswers, variants } from './support/fixtures.js';
import { freePort } from './support/services.js';

/** The golang image tag of the Dockerfile's build stage: the minor version, so patch releases are picked up. */
const GO_MINOR = GO_VERSION.split('.').slice(0, 2).join('.');

/**
 * Deploy-artifact tests: every fixture variant's Dockerfile, compose.yaml,
 * Kubernetes manifests (kustomize base and overlays), Helm chart, CI workflow
 * and .golangci.yml are checked with the real tools, for every variant that
 * has the artifact:
 *
 * - tools/validate (built by scripts/ensure-tools.sh): kustomize (krusty),
 *   the Helm SDK (lint + template), strict decoding into k8s.io/api types,
 *   Pod Security Admission at level restricted, BuildKit's Dockerfile parser
 *   and linter, compose-go, actionlint with shellcheck;
 * - golangci-lint (`config verify` everywhere, a full `run` on two variants);
 * - the Dockerfile's own go build line, run on the generated source, whose
 *   binary must be static and start in an empty root as uid 65532.
 *
 * The last block proves the validators are not vacuous: broken copies of the
 * artifacts must be rejected.
 */

const CLI = join(ROOT, 'bin', 'create-service.js');
const MINUTES = 60_000;
/** Variants whose generated Go code must pass a full `golangci-lint run` with zero findings. */
const LINT_RUN = ['standard', 'shop', 'shop-memory', 'chi-postgres-memcache-zap', 'events-nats', 'events-rabbitmq', 'events-kafka', 'grpc-both', 'grpc-only'];
/** The version the Dockerfile build is asked to stamp. */
const STAMP = 'v0.0.0-deploy-test';

interface Tools {
  'golangci-lint': string;
  kustomize: string;
  validate: string;
}
let tools: Tools;
const work = mkdtempSync(join(tmpdir(), 'cs-deploy-'));

beforeAll(async () => {
  // Idempotent and quick once its caches are warm; also what `npm test`'s pretest runs.
  const r = await execa('bash', [join(ROOT, 'scripts', 'ensure-tools.sh')], { cwd: ROOT, all: true, reject: false });
  if (r.exitCode !== 0) throw new Error(`scripts/ensure-tools.sh failed:\n${r.all}`);
  tools = Object.fromEntries(r.stdout.split('\n').map((l) => l.split('=', 2) as [string, string])) as unknown as Tools;
  expect(tools.validate).toBeTruthy();
  expect(tools['golangci-lint']).toBeTruthy();
}, 15 * MINUTES);

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Validation<I = unknown> {
  problems: string[];
  info: I;
}

/** Runs one tools/validate command; a problem list comes back, a crash throws. */
async function validate<I = unknown>(...args: string[]): Promise<Validation<I>> {
  const r = await execa(tools.validate, args, { reject: false });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`validate ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Validation<I>;
}

function expectClean(v: Validation, what: string): void {
  expect(v.problems, `${what}:\n${v.problems.join('\n')}`).toEqual([]);
}

/** Generates a variant through the built CLI, `go mod tidy` included, into a fresh directory. */
async function generate(variant: string, into: string): Promise<{ dir: string; answers: Answers }> {
  const answers = await variantAnswers(variant);
  const dir = join(into, answers.name);
  const r = await execa('node', [CLI, dir, '--answers', answersPath(variant), '--no-git'], { cwd: into, all: true, env: { CI: 'true' }, reject: false });
  if (r.exitCode !== 0) throw new Error(`create-service failed:\n${r.all}`);
  return { dir, answers };
}

interface BuildInfo {
  env: Record<string, string>;
  args: string[];
  output: string;
  goImage: string;
  goModVersion: string;
  user: string;
}

for (const variant of variants()) {
  describe.sequential(`deploy artifacts: ${variant}`, () => {
    let dir = '';
    let answers: Answers;
    const has = (what: string) => answers.deploy.includes(what as Answers['deploy'][number]);

    beforeAll(async () => {
      ({ dir, answers } = await generate(variant, mkdtempSync(join(work, `${variant}-`))));
    }, 5 * MINUTES);

    it('has exactly the artifacts its answers ask for', async () => {
      const expected: Record<string, boolean> = {
        Dockerfile: has('docker'),
        '.dockerignore': has('docker'),
        'compose.yaml': has('compose'),
        'deploy/k8s/base/kustomization.yaml': has('k8s'),
        [`deploy/helm/${answers.name}/Chart.yaml`]: has('helm'),
        '.github/workflows/ci.yml': answers.ci === 'github',
        '.gitlab-ci.yml': answers.ci === 'gitlab',
        '.golangci.yml': true,
      };
      const actual = Object.fromEntries(Object.keys(expected).map((p) => [p, existsSync(join(dir, p))]));
      expect(actual).toEqual(expected);
    });

    it('.golangci.yml passes golangci-lint config verify', async () => {
      const r = await execa(tools['golangci-lint'], ['config', 'verify'], { cwd: dir, all: true, reject: false });
      expect(r.exitCode, r.all).toBe(0);
    }, 2 * MINUTES);

    if (LINT_RUN.includes(variant)) {
      it('golangci-lint run finds nothing in the generated code', async () => {
        const r = await execa(tools['golangci-lint'], ['run', '--output.text.print-issued-lines=false', './...'], {
          cwd: dir,
          all: true,
          reject: false,
        });
        expect(r.exitCode, `golangci-lint ${GOLANGCI_LINT_VERSION} findings:\n${r.all}`).toBe(0);
      }, 10 * MINUTES);
    }

    // The fixture answers decide which artifacts exist; each test below
    // is declared only for the variants that have its artifact.
    const fixture = JSON.parse(readFileSync(answersPath(variant), 'utf8')) as Partial<Answers>;
    const deploy = fixture.deploy ?? ['docker', 'compose', 'k8s'];

    if (deploy.includes('docker')) {
      it('Dockerfile: BuildKit parses and lints it clean; the build image tracks the Go minor version of go.mod = src/versions.ts', async () => {
        const v = await validate<BuildInfo>('dockerfile', dir, '-version', STAMP);
        expectClean(v, 'Dockerfile');
        // One source for the Go version: a drift anywhere fails here.
        expect(v.info.goModVersion).toBe(GO_VERSION);
        expect(v.info.goImage).toMatch(new RegExp(`^golang:${GO_MINOR.replaceAll('.', '\\.')}-`));
        expect(v.info.user).toBe('65532:65532');
      });

      it('Dockerfile: its own go build line gives a static binary that runs as 65532 in an empty root', async () => {
        const v = await validate<BuildInfo>('dockerfile', dir, '-version', STAMP);
        expectClean(v, 'Dockerfile');
        // The build stage's exact command, env and flags; only the -o path
        // moves from the image's /out to a temporary directory.
        const out = join(mkdtempSync(join(work, 'bin-')), answers.name);
        const args = v.info.args.map((a, i) => (v.info.args[i - 1] === '-o' ? out : a));
        const build = await execa('go', args, { cwd: dir, env: v.info.env, all: true, reject: false });
        expect(build.exitCode, `go ${args.join(' ')}:\n${build.all}`).toBe(0);
        expectClean(await validate('binary', out), 'binary');

        const root = distrolessRoot(out, answers.name);

        if (answers.db === 'memory' && answers.cache !== 'redis' && answers.queue === 'none') {
          // Needs no dependency: it must serve with no configuration but its addresses (and, with
          // --auth jwt, a token issuer and secret, which are configuration, not a service). A broker
          // is a dependency: serve connects to it before it listens (build-run runs those variants).
          const [httpPort, adminPort, grpcPort] = await Promise.all([freePort(), freePort(), freePort()]);
          const env: Record<string, string> = { HTTP_ADDR: `127.0.0.1:${httpPort}`, ADMIN_ADDR: `127.0.0.1:${adminPort}` };
          if (answers.transport !== 'http') env.GRPC_ADDR = `127.0.0.1:${grpcPort}`;
          if (answers.auth === 'jwt') Object.assign(env, { JWT_ISSUER: 'https://issuer.deploy.test', JWT_AUDIENCE: 'deploy', JWT_SECRET: 'x'.repeat(32) });
          const proc = runInRoot(root, answers.name, ['serve'], env);
          try {
            await waitFor(`http://127.0.0.1:${httpPort}/health/live`, proc);
          } finally {
            proc.kill('SIGTERM');
          }
          const exit = await proc;
          expect(exit.exitCode, `exit after SIGTERM:\n${exit.all}`).toBe(0);
        }

        // The version the build stamped is what the binary reports.
        const version = await runInRoot(root, answers.name, ['version'], {});
        expect(version.exitCode, version.all).toBe(0);
        expect(version.stdout.trim(), 'the version stamped by -ldflags -X').toBe(STAMP);
        expectClean(await validate('binary', out, '-version', STAMP), 'binary');
      }, 10 * MINUTES);
    }

    if (deploy.includes('compose')) {
      it('compose.yaml loads with compose-go (the Compose Specification schema)', async () => {
        expectClean(await validate('compose', dir), 'compose.yaml');
      });
    }

    if (deploy.includes('k8s')) {
      it('kustomize base and overlays: strict k8s.io/api decoding, Pod Security restricted, the operational contract', async () => {
        expectClean(await validate('k8s', dir), 'kustomize');
      });

      it('make k8s-render, as the README says, prints manifests that pass the same checks', async () => {
        for (const overlay of ['dev', 'prod']) {
          const r = await execa('make', ['--no-print-directory', 'k8s-render', `K8S_ENV=${overlay}`], {
            cwd: dir,
            env: { PATH: `${dirname(tools.kustomize)}:${process.env.PATH ?? ''}` },
            reject: false,
          });
          expect(r.exitCode, `make k8s-render K8S_ENV=${overlay}:\n${r.stderr}`).toBe(0);
          const file = join(mkdtempSync(join(work, 'render-')), `${overlay}.yaml`);
          writeFileSync(file, r.stdout);
          expectClean(await validate('k8s', dir, '-rendered', file, '-overlay', overlay), `make k8s-render K8S_ENV=${overlay}`);
        }
      });
    }

    if (deploy.includes('helm')) {
      it('Helm chart: helm lint --strict, helm template, then the same Kubernetes checks', async () => {
        expectClean(await validate('helm', dir), 'helm');
      });
    }

    if (fixture.ci === 'github' || fixture.ci === undefined) {
      it('GitHub Actions workflow: actionlint (with shellcheck), pinned actions and service containers', async () => {
        expectClean(await validate('github', dir, '-golangci-lint', GOLANGCI_LINT_VERSION), 'ci.yml');
      });
    }

    if (fixture.ci === 'gitlab') {
      it('GitLab CI pipeline: keywords, references, pinned images, shellcheck on every script', async () => {
        expectClean(await validate('gitlab', dir, '-golangci-lint', GOLANGCI_LINT_VERSION), '.gitlab-ci.yml');
      });
    }
  });
}

/** A fresh copy of the project at `from` with some files edited; each edit must change its file. */
function editedCopy(from: string, edits: Record<string, (s: string) => string>): string {
  const dir = mkdtempSync(join(work, 'edit-'));
  cpSync(from, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const before = readFileSync(join(dir, file), 'utf8');
    const after = edit(before);
    expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
    writeFileSync(join(dir, file), after);
  }
  return dir;
}

/** Validates a broken copy: it must be rejected, with a problem matching each pattern. */
async function expectRejected(args: string[], ...patterns: RegExp[]): Promise<void> {
  const v = await validate(...args);
  expect(v.problems.length, `validate ${args[0]} accepted the broken copy`).toBeGreaterThan(0);
  for (const p of patterns) expect(v.problems.join('\n'), `validate ${args.join(' ')}`).toMatch(p);
}

describe.sequential('the validators reject a broken public route to the gRPC API', () => {
  /** grpc-both (HTTP and gRPC APIs) with each kind of public entry, kustomize and Helm; no Go steps, only manifests matter. */
  const made: Record<'ingress' | 'gateway', string> = { ingress: '', gateway: '' };

  beforeAll(async () => {
    for (const ingress of ['ingress', 'gateway'] as const) {
      const into = mkdtempSync(join(work, `grpc-${ingress}-`));
      const { name } = await variantAnswers('grpc-both');
      const dir = join(into, name);
      const r = await execa('node', [CLI, dir, '--answers', answersPath('grpc-both'), '--ingress', ingress, '--deploy', 'k8s,helm', '--no-git', '--no-install'], { cwd: into, all: true, env: { CI: 'true' }, reject: false });
      if (r.exitCode !== 0) throw new Error(`create-service failed:\n${r.all}`);
      made[ingress] = dir;
    }
  }, 2 * MINUTES);

  it('the pristine projects pass: two Ingresses, or an HTTPRoute and a GRPCRoute on hosts of their own', async () => {
    for (const dir of Object.values(made)) {
      expectClean(await validate('k8s', dir), `k8s ${dir}`);
      expectClean(await validate('helm', dir), `helm ${dir}`);
    }
  });

  it('k8s: a gRPC Ingress to the HTTP port, without the GRPC annotation or for every path; a missing one', async () => {
    await expectRejected(
      ['k8s', editedCopy(made.ingress, { 'deploy/k8s/base/grpc-ingress.yaml': (s) => s.replace('name: grpc', 'name: http').replace(/- path: \/\S+/, '- path: /') })],
      /gRPC Ingress \S+ path \/ does not route to Service \S+ port grpc/,
      /gRPC Ingress \S+ path \/: want \/orders\.v1\.ItemService\//,
    );
    // Without the annotation the gRPC Ingress passes for a second HTTP one: HTTP/1.1 to a gRPC port.
    await expectRejected(['k8s', editedCopy(made.ingress, { 'deploy/k8s/base/grpc-ingress.yaml': (s) => s.replace(/\n  annotations:\n.*backend-protocol: GRPC/, '') })], /want an Ingress for each API served/);
    await expectRejected(['k8s', editedCopy(made.ingress, { 'deploy/k8s/base/kustomization.yaml': (s) => s.replace('  - grpc-ingress.yaml\n', '') })], /want 2 Ingress objects/);
  });

  it('k8s and helm: a GRPCRoute on the HTTPRoute\'s host, for every service, or to the HTTP port', async () => {
    await expectRejected(
      ['k8s', editedCopy(made.gateway, { 'deploy/k8s/base/grpcroute.yaml': (s) => s.replace('-grpc.example.com', '.example.com').replace(/ {4}- matches:\n(?: {8}.*\n)+ {6}backendRefs:/, '    - backendRefs:').replace('port: 9000', 'port: 80') })],
      /GRPCRoute and HTTPRoute share the hostname orders\.example\.com/,
      /GRPCRoute rule matches every service/,
      /GRPCRoute backend \S+ does not route to Service \S+ port 9000/,
    );
    const { name } = await variantAnswers('grpc-both');
    await expectRejected(['helm', editedCopy(made.gateway, { [`deploy/helm/${name}/values.yaml`]: (s) => s.replace('- orders-grpc.example.com', '- orders.example.com') })], /GRPCRoute and HTTPRoute share the hostname/);
  });
});

describe.sequential('the validators reject broken artifacts', () => {
  let pristine = '';
  let name = '';
  let broken = '';

  beforeAll(async () => {
    // chi-postgres-memcache-zap has every artifact: Docker, Compose, kustomize, Helm, GitHub.
    const { dir, answers } = await generate('chi-postgres-memcache-zap', mkdtempSync(join(work, 'broken-')));
    pristine = dir;
    name = answers.name;
  }, 5 * MINUTES);

  /** A fresh copy of the pristine project with one file edited. */
  function breaking(file: string, edit: (s: string) => string): string {
    broken = editedCopy(pristine, { [file]: edit });
    return broken;
  }

  it('k8s: unknown fields, removed API versions, Pod Security violations, a short grace period, an inline secret', async () => {
    const dir = breaking('deploy/k8s/base/deployment.yaml', (s) =>
      s
        .replace('  revisionHistoryLimit: 5', '  revisionHistoryLimit: 5\n  revisionHistory: 5')
        .replaceAll('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true')
        .replace(/terminationGracePeriodSeconds: \d+/, 'terminationGracePeriodSeconds: 10')
        .replace(/- name: DATABASE_URL\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: \S+\n\s+key: DATABASE_URL/, '- name: DATABASE_URL\n              value: postgres://u:p@db/x'),
    );
    writeFileSync(join(dir, 'deploy/k8s/base/hpa.yaml'), readFileSync(join(dir, 'deploy/k8s/base/hpa.yaml'), 'utf8').replace('autoscaling/v2', 'autoscaling/v2beta2'));
    await expectRejected(
      ['k8s', dir],
      /unknown field "spec.revisionHistory"/,
      /autoscaling\/v2beta2/,
      /violates Pod Security Standard "restricted:latest": allowPrivilegeEscalation/,
      /terminationGracePeriodSeconds 10 is not above/,
      /DATABASE_URL must come from a Secret/,
    );
  });

  it('helm: a values typo fails values.schema.json; a dropped securityContext fails Pod Security', async () => {
    await expectRejected(['helm', breaking(`deploy/helm/${name}/values.yaml`, (s) => s.replace('autoscaling:\n  enabled: true', 'autoscaling:\n  enable: true'))], /enable/);
    await expectRejected(
      ['helm', breaking(`deploy/helm/${name}/templates/_helpers.tpl`, (s) => s.replace('runAsNonRoot: true\n', ''))],
      /violates Pod Security Standard "restricted:latest": runAsNonRoot/,
    );
  });

  it('dockerfile: lint warnings, a Go version other than go.mod, a named user, a shell-form CMD', async () => {
    await expectRejected(
      [
        'dockerfile',
        breaking('Dockerfile', (s) =>
          s
            .replace(' AS build', ' as build')
            .replace(`golang:${GO_MINOR}-`, 'golang:1.25.0-')
            .replace('USER 65532:65532', 'USER nonroot')
            .replace('CMD ["serve"]', 'CMD serve'),
        ),
      ],
      /FromAsCasing/,
      /JSONArgsRecommended/,
      new RegExp(`uses Go 1\\.25\\.0, want golang:${GO_MINOR.replaceAll('.', '\\.')} for go\\.mod's go ${GO_VERSION.replaceAll('.', '\\.')}`),
      /USER nonroot: want numeric/,
    );
    await expectRejected(['dockerfile', breaking('.dockerignore', (s) => s.replace('!internal/\n', ''))], /excludes internal\//);
  });

  it('binary: a dynamically linked executable', async () => {
    await expectRejected(['binary', process.execPath], /interpreter|dynamic/);
  });

  it('compose: a key outside the Compose Specification, a broken depends_on condition', async () => {
    await expectRejected(['compose', breaking('compose.yaml', (s) => s.replace('    read_only: true', '    read_only: true\n    readonly: true'))], /readonly/);
    await expectRejected(['compose', breaking('compose.yaml', (s) => s.replace('condition: service_healthy', 'condition: healthy'))], /condition/);
  });

  it('github: a floating action tag, an unknown input, an unquoted variable (shellcheck)', async () => {
    await expectRejected(
      [
        'github',
        breaking('.github/workflows/ci.yml', (s) =>
          s
            .replace('actions/setup-go@v6.4.0', 'actions/setup-go@v6')
            .replace('persist-credentials: false', 'persist-credentials: false\n          fetch-deepth: 0')
            .replace('run: go vet ./...', 'run: go vet $PACKAGES'),
        ),
        '-golangci-lint',
        GOLANGCI_LINT_VERSION,
      ],
      /actions\/setup-go@v6 is not pinned/,
      /no input "fetch-deepth"/,
      /SC2086/,
    );
  });

  it('golangci-lint config verify: an unknown linter setting', async () => {
    const dir = breaking('.golangci.yml', (s) => s.replace('    errcheck:\n', '    errcheck:\n      check-everything: true\n'));
    const r = await execa(tools['golangci-lint'], ['config', 'verify'], { cwd: dir, all: true, reject: false });
    expect(r.exitCode, r.all).not.toBe(0);
  });

  afterAll(() => broken && rmSync(broken, { recursive: true, force: true }));
});

/**
 * A root file system holding what gcr.io/distroless/static holds for a Go
 * binary: the binary itself and the CA bundle. Nothing else: no shell, no
 * /etc/passwd, no /proc, no time zone data.
 */
function distrolessRoot(binary: string, name: string): string {
  const root = mkdtempSync(join(work, 'root-'));
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true, mode: 0o755 });
  copyFileSync(binary, join(root, 'usr/local/bin', name));
  chmodSync(join(root, 'usr/local/bin', name), 0o755);
  mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true, mode: 0o755 });
  copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/ca-certificates.crt'));
  return root;
}

/**
 * Runs the binary the way the image does: as uid/gid 65532 inside root, with
 * only `env`. That takes root privileges (chroot); without them the binary
 * runs from root as the current user, with the same empty environment.
 */
function runInRoot(root: string, name: string, args: string[], env: Record<string, string>) {
  // No forced SIGKILL after SIGTERM: the default drain delay takes 5 s, and the exit code is the point.
  const options = { env, extendEnv: false, all: true, reject: false, stdin: 'ignore', forceKillAfterDelay: false } as const;
  const chroot = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((p) => existsSync(p));
  if (process.getuid?.() === 0 && chroot) {
    return execa(chroot, ['--userspec=65532:65532', root, `/usr/local/bin/${name}`, ...args], options);
  }
  console.warn('deploy test: not root, so the binary runs without chroot and as the current user, not 65532');
  return execa(join(root, 'usr/local/bin', name), args, { ...options, cwd: root });
}

async function waitFor(url: string, proc: { exitCode: number | null }): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`exited early with ${proc.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
      last = `${r.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered 200; last: ${last}`);
}
