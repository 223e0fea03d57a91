#!/usr/bin/env bash
# The one entry point behind `npm start`, `npm test` and `npm run bench`: installs whatever is
# missing (npm packages, Debian packages), builds, then runs. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf 'trent: %s\n' "$*" >&2; }

ensure_node_modules() {
  # npm writes node_modules/.package-lock.json on every install; older than the lock file = stale.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages…"
    # Not `npm ci`: npm records only this platform's optional native packages (@swc/core, jest's
    # resolver) in the lock file, and `npm ci` then refuses the lock as out of sync. `npm install`
    # installs exactly the locked versions and leaves the lock file unchanged.
    npm install --no-audit --no-fund --loglevel=error
  fi
}

ensure_build() {
  say "building…"
  npm run --silent build
}

# apt_ensure <command path> <debian package>: installs the package when the command is missing.
apt_ensure() {
  if [ ! -x "$1" ]; then
    say "installing Debian package $2…"
    if [ "$(id -u)" != 0 ]; then say "need root to apt-get install $2; install it and run again"; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}

cmd="${1:-}"; shift || true
case "$cmd" in
  start)
    ensure_node_modules
    ensure_build
    # Each Region runs its own nats-server, for multi-Region keys.
    apt_ensure /usr/sbin/nats-server nats-server
    exec node apps/cli/bin/trent.js up "$@"
    ;;
  test)
    ensure_node_modules
    ensure_build
    apt_ensure /usr/bin/aws awscli
    apt_ensure /usr/sbin/nats-server nats-server
    npx tsc -p tsconfig.json --noEmit
    exec npx jest --ci "$@"
    ;;
  bench)
    ensure_node_modules
    ensure_build
    # The bench signs its requests with @aws-sdk; its Node 22 notice is noise here (see test/support/jest-setup.js).
    export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED="${AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:-true}"
    # The Raft write benchmark runs beside a 3-member etcd cluster.
    apt_ensure /usr/bin/etcd etcd-server
    # The multi-Region section runs three Regions, each with its own nats-server.
    apt_ensure /usr/sbin/nats-server nats-server
    exec node dist/test/bench/run.js "$@"
    ;;
  *)
    say "usage: bootstrap.sh start|test|bench [args]"
    exit 2
    ;;
esac
