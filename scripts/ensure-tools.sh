#!/usr/bin/env bash
# Installs the external tools the deploy tests (test/deploy.test.ts) run, so a
# fresh machine checks what CI checks:
#   - golangci-lint at the version pinned in src/versions.ts, built with
#     `go install` from the Go module proxy;
#   - kustomize, the CLI that `make k8s-render` of a generated project runs,
#     at the release built on the kustomize API that tools/validate uses;
#   - shellcheck (Debian package), which actionlint and the GitLab check run
#     on every CI script;
#   - grpcurl at the version pinned in src/versions.ts, built with `go install`,
#     which the build-and-run tests call the gRPC variants with;
#   - tools/validate, this repository's validator (kustomize, Helm, k8s.io/api,
#     Pod Security Admission, BuildKit, compose-go, actionlint as libraries),
#     built once per content hash of its sources.
# Everything is cached under $CREATE_SERVICE_TOOLS (default
# ~/.cache/create-service/tools), which survives `npm ci`. On success the last
# lines of stdout are `name=path`, one per tool; exits non-zero when a tool
# cannot be had (never skips).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'ensure-tools: %s\n' "$*" >&2; }

command -v go >/dev/null 2>&1 || { say "go is not installed"; exit 1; }
tools="${CREATE_SERVICE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/create-service/tools}"
mkdir -p "$tools"

# golangci-lint: the pin lives in src/versions.ts (built into dist/ by pretest).
[ -f dist/versions.js ] || npm run --silent build >&2
version="$(node --input-type=module -e "import('./dist/versions.js').then((m) => console.log(m.GOLANGCI_LINT_VERSION))")"
golangci="$tools/golangci-lint-$version/golangci-lint"
if [ ! -x "$golangci" ]; then
  say "installing golangci-lint $version (go install; a few minutes once)"
  GOBIN="$(dirname "$golangci")" \
    go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version" >&2
fi

# kustomize: v5.8.2 is built on sigs.k8s.io/kustomize/api v0.21.2 (tools/validate/go.mod).
kustomize_version=v5.8.2
kustomize="$tools/kustomize-$kustomize_version/kustomize"
if [ ! -x "$kustomize" ]; then
  say "installing kustomize $kustomize_version (go install)"
  GOBIN="$(dirname "$kustomize")" go install "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version" >&2
fi

# grpcurl: the pin lives in src/versions.ts.
grpcurl_version="$(node --input-type=module -e "import('./dist/versions.js').then((m) => console.log(m.GRPCURL_VERSION))")"
grpcurl="$tools/grpcurl-$grpcurl_version/grpcurl"
if [ ! -x "$grpcurl" ]; then
  say "installing grpcurl $grpcurl_version (go install)"
  GOBIN="$(dirname "$grpcurl")" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$grpcurl_version" >&2
fi

# shellcheck: from the distribution.
if ! command -v shellcheck >/dev/null 2>&1; then
  say "installing shellcheck (apt-get)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y --no-install-recommends shellcheck >&2 ||
    { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends shellcheck >&2; } ||
    { say "cannot install shellcheck"; exit 1; }
fi

# tools/validate: rebuilt when any of its files changes.
hash="$(cd tools/validate && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)"
validate="$tools/validate-$hash/validate"
if [ ! -x "$validate" ]; then
  say "building tools/validate ($hash; a minute or two once)"
  mkdir -p "$(dirname "$validate")"
  (cd tools/validate && go build -trimpath -o "$validate.tmp" .) >&2
  mv "$validate.tmp" "$validate"
fi

say "golangci-lint $version, kustomize $kustomize_version, grpcurl $grpcurl_version, shellcheck, tools/validate are ready"
echo "golangci-lint=$golangci"
echo "kustomize=$kustomize"
echo "grpcurl=$grpcurl"
echo "shellcheck=$(command -v shellcheck)"
echo "validate=$validate"
