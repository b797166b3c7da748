#!/usr/bin/env bash
# Makes sure what the test suite talks to is installed and running: Go,
# PostgreSQL (127.0.0.1:5432, trust auth, user postgres), Redis
# (127.0.0.1:6379), NATS with JetStream (127.0.0.1:4222; the build-and-run
# suite also starts private nats-server processes from the same binary) and
# RabbitMQ (127.0.0.1:5672, guest/guest). Starts a stopped service with the
# same command the machine image uses; exits non-zero when one cannot be had
# (never skips silently).
set -euo pipefail

say() { printf 'ensure-services: %s\n' "$*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || { say "$1 is not installed: $2"; exit 1; }
}

need go "install Go 1.26+ (https://go.dev/dl)"
need gofmt "it ships with Go"
need psql "apt-get install postgresql-client"

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  say "$name did not come up within 30 s"
  exit 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  say "PostgreSQL is down; starting it"
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  else
    say "no PostgreSQL cluster found (apt-get install postgresql)"; exit 1
  fi
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi
psql -h 127.0.0.1 -U postgres -d postgres -qtAc 'select 1' >/dev/null || { say "cannot connect to PostgreSQL as postgres (trust auth expected)"; exit 1; }

if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  say "Redis is down; starting it"
  need redis-server "apt-get install redis-server"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
fi
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if ! nats_up; then
  say "NATS is down; starting it"
  [ -x /usr/sbin/nats-server ] || { say "nats-server is not installed (apt-get install nats-server)"; exit 1; }
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS nats_up
fi

# RabbitMQ is shared by the generated rabbitmq adapter's tests and the
# build-and-run suite (which reaches it through a proxy it can cut, in a
# virtual host of its own): tests never stop it.
rabbitmq_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! rabbitmq_up; then
  say "RabbitMQ is down; starting it"
  need rabbitmq-server "apt-get install rabbitmq-server"
  rabbitmq-server -detached
  wait_for RabbitMQ rabbitmq_up
  rabbitmqctl await_startup >/dev/null
fi
say "go $(go env GOVERSION), PostgreSQL, Redis, NATS and RabbitMQ are up"

# The external tools of the deploy tests (golangci-lint, kustomize, shellcheck, tools/validate).
bash "$(dirname "$0")/ensure-tools.sh" >/dev/null
