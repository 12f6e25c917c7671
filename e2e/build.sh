#!/usr/bin/env bash
# Builds and caches everything the e2e cluster needs, under /var/cache/k8s-e2e (warm run: seconds).
#   apt packages, Kubernetes server binaries + kubectl, minimal CoreDNS, nats-server/natscli
#   (scripts/install-nats-tools.sh), nats-server-config-reloader, OCI images (nats, nats-box, reloader, pause).
# Logs: /var/log/k8s-e2e/build-*.log. Prints per-step timings.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
mkdir -p "$CACHE" "$LOGS"
T0=$(date +%s)
step() { # name command...
  local n=$1 s; shift; s=$(date +%s)
  if ! "$@" > "$LOGS/build-$n.log" 2>&1; then tail -n 40 "$LOGS/build-$n.log" >&2; die "build step $n failed (log: $LOGS/build-$n.log)"; fi
  log "build $n: $(( $(date +%s) - s ))s"
}
apt_pkgs() {
  local stamp; stamp=$(echo "$E2E_APT_PACKAGES" | sha256sum | cut -c1-16)
  # shellcheck disable=SC2086 # a list of package names
  if [ "$(cat "$CACHE/apt.stamp" 2>/dev/null)" = "$stamp" ] && dpkg -s $E2E_APT_PACKAGES >/dev/null 2>&1; then echo cached; return; fi
  # shellcheck disable=SC2086
  dpkg -s $E2E_APT_PACKAGES >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $E2E_APT_PACKAGES; }
  echo "$stamp" > "$CACHE/apt.stamp"
}
# nats-io/nack's config reloader, version-stamped as its release build stamps it (ldflags of .goreleaser.yml), from a
# scratch module: `go install pkg@version` needs the module's version list, which the proxy does not serve for nack.
reloader() {
  local v=$NATS_RELOADER_VERSION pkg=github.com/nats-io/nack/cmd/nats-server-config-reloader
  local w=$CACHE/reloader-$v stamp info
  stamp="$v $(go version | awk '{print $3}')"
  if [ -f "$w/stamp" ] && [ "$(cat "$w/stamp")" = "$stamp" ] && [ -x "$w/nats-server-config-reloader" ]; then echo cached; return; fi
  rm -rf "$w/src" && mkdir -p "$w/src"
  (cd "$w/src" && go mod init local/reloader >/dev/null 2>&1 && go get "$pkg@$v")
  # The tag's commit and time, as the proxy records them (.info), instead of "version-not-set".
  info=$(cd "$w/src" && go mod download -json "github.com/nats-io/nack@$v" | sed -n 's/.*"Info": "\(.*\)".*/\1/p')
  local hash time
  hash=$(sed -n 's/.*"Hash":"\([0-9a-f]\{7\}\).*/\1/p' "$info")
  time=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
  (cd "$w/src" && CGO_ENABLED=0 go build -trimpath -tags timetzdata \
    -ldflags "-s -w -X main.Version=${v#v} -X main.GitInfo=${hash:-unknown} -X main.BuildTime=${time:-unknown}" \
    -o "$w/nats-server-config-reloader.tmp" "$pkg")
  mv "$w/nats-server-config-reloader.tmp" "$w/nats-server-config-reloader"
  "$w/nats-server-config-reloader" -version 2>&1 | grep -F "v${v#v} " >&2
  echo "$stamp" > "$w/stamp"
}
step apt apt_pkgs
step k8s "$E2E_DIR/lib/build-k8s.sh"
step nats-tools env NATS_TOOLS_DIR="$NATS_TOOLS_DIR" "$REPO_DIR/scripts/install-nats-tools.sh"
step coredns "$E2E_DIR/lib/build-coredns.sh"
step netpol "$E2E_DIR/lib/build-netpol.sh"
step reloader reloader
step images "$E2E_DIR/lib/build-images.sh"
"$KBIN/kube-apiserver" --version
log "build total: $(( $(date +%s) - T0 ))s"
echo "BUILD_SECONDS=$(( $(date +%s) - T0 ))" > "$LOGS/build.timing"
