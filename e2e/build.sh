#!/usr/bin/env bash
# Builds and caches everything the e2e cluster needs, under /var/cache/k8s-e2e (warm run: seconds).
#   apt packages, Kubernetes server binaries + kubectl, minimal CoreDNS, nats-server/natscli
#   and nats-server-config-reloader (scripts/install-nats-tools.sh), the Prometheus Operator and Prometheus, OCI images (nats, nats-box,
#   reloaders, exporter, operator, Prometheus, pause).
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
step apt apt_pkgs
step k8s "$E2E_DIR/lib/build-k8s.sh"
step nats-tools env NATS_TOOLS_DIR="$NATS_TOOLS_DIR" "$REPO_DIR/scripts/install-nats-tools.sh"
step coredns "$E2E_DIR/lib/build-coredns.sh"
step netpol "$E2E_DIR/lib/build-netpol.sh"
step monitoring "$E2E_DIR/lib/build-monitoring.sh"
step images "$E2E_DIR/lib/build-images.sh"
"$KBIN/kube-apiserver" --version
log "build total: $(( $(date +%s) - T0 ))s"
echo "BUILD_SECONDS=$(( $(date +%s) - T0 ))" > "$LOGS/build.timing"
