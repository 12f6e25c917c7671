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
# The MQTT tests use a real MQTT client, Debian's mosquitto-clients (mosquitto_pub, mosquitto_sub).
command -v mosquitto_pub >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mosquitto-clients >/dev/null; }
# The pods' sidecars run shell scripts in their chroot: a static busybox stands in for the nats-box image's.
# The metrics tests run the real Prometheus, and promtool tests the alert rules: both from Debian's package.
command -v promtool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }
[ -x /bin/busybox ] || { apt-get update -qq && apt-get install -y -qq busybox-static >/dev/null; }
mkdir -p "$DIR"

build() { # name version package
  local out="$DIR/$1-$2"
  if [ -x "$out" ]; then return; fi
  echo "building $1 $2 (once; cached in $DIR)" >&2
  local tmp; tmp=$(mktemp -d)
  # A scratch module rather than `go install pkg@version`: the proxy refuses the version list some modules'
  # deprecation check reads (seen for github.com/nats-io/nack), and `go get` of the exact version does not need it.
  (cd "$tmp" && go mod init local/tools >/dev/null 2>&1 && go get "$3@$2" >/dev/null 2>&1 &&
    go build -trimpath -ldflags "-s -w" -o "$out.tmp" "$3") && mv "$out.tmp" "$out"
  rm -rf "$tmp"
  [ -x "$out" ] || { echo "building $1 $2 from $3 failed" >&2; exit 1; }
}

build nats-server "$NATS_SERVER_VERSION" github.com/nats-io/nats-server/v2
build nats-server "$NATS_SERVER_PREVIOUS_VERSION" github.com/nats-io/nats-server/v2
build nats "$NATSCLI_VERSION" github.com/nats-io/natscli/nats
build nats-server-config-reloader "$NATS_RELOADER_VERSION" github.com/nats-io/nack/cmd/nats-server-config-reloader
build prometheus-nats-exporter "$NATS_EXPORTER_VERSION" github.com/nats-io/prometheus-nats-exporter
ln -sf "nats-server-$NATS_SERVER_VERSION" "$DIR/nats-server"
ln -sf "nats-$NATSCLI_VERSION" "$DIR/nats"
ln -sf "nats-server-config-reloader-$NATS_RELOADER_VERSION" "$DIR/nats-server-config-reloader"
ln -sf "prometheus-nats-exporter-$NATS_EXPORTER_VERSION" "$DIR/prometheus-nats-exporter"
"$DIR/nats-server" --version >&2
