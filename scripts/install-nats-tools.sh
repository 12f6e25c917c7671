#!/usr/bin/env bash
# Builds the real nats-server and nats CLI the tests use, from the Go module proxy.
# Binaries are cached under $NATS_TOOLS_DIR keyed by version, so a warm run is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=versions.env
. scripts/versions.env
export GOTOOLCHAIN=local CGO_ENABLED=0
DIR=${NATS_TOOLS_DIR:-/var/cache/nats-cdk8s/bin}
# The cluster test runs each server in its own network namespace (iproute2) and root (chroot).
command -v ip >/dev/null || { apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null; }
mkdir -p "$DIR"

build() { # name module@version
  local out="$DIR/$1-$2"
  if [ -x "$out" ]; then return; fi
  echo "building $1 $2 (once; cached in $DIR)" >&2
  local tmp; tmp=$(mktemp -d)
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$3@$2"
  mv "$tmp/$(basename "${3%/v2}")" "$out"
  rm -rf "$tmp"
}

build nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2
build nats "$NATSCLI_VERSION" github.com/nats-io/natscli/nats
ln -sf "nats-server-$NATS_SERVER_VERSION" "$DIR/nats-server"
ln -sf "nats-$NATSCLI_VERSION" "$DIR/nats"
"$DIR/nats-server" --version >&2
