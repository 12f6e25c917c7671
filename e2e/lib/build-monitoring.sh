#!/usr/bin/env bash
# Builds the monitoring stack of the metrics checks (e2e/checks/metrics.ts) from the Go module proxy, into
# $CACHE/monitoring/:
#   bin/operator, bin/prometheus-config-reloader  the Prometheus Operator at PROMETHEUS_OPERATOR_VERSION
#   crds/*.yaml                                   its CRDs (data, from the same module)
#   bin/prometheus                                Prometheus at PROMETHEUS_VERSION, with Kubernetes service discovery
#                                                 only (Debian's package has none: it cannot read the operator's config)
# e2e/lib/build-images.sh puts the binaries into images.
set -euo pipefail
. "$(dirname "$0")/common.sh"
OP=github.com/prometheus-operator/prometheus-operator
PROM=github.com/prometheus/prometheus
W=$CACHE/monitoring
STAMP="$PROMETHEUS_OPERATOR_VERSION $PROMETHEUS_MODULE_VERSION $(go version | awk '{print $3}')"
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$STAMP" ]; then log "monitoring stack: cached"; exit 0; fi
rm -rf "$W" && mkdir -p "$W/bin" "$W/crds" "$W/src"
# Scratch modules, as in scripts/install-nats-tools.sh: `go get` of each command at its exact version.
build() { # dir version-for-ldflags tags package@version... (each binary is named after its package's last element)
  local dir=$1 ldv=$2 tags=$3 pkg; shift 3
  mkdir -p "$W/src/$dir"
  (cd "$W/src/$dir" && go mod init "local/$dir" >/dev/null 2>&1 && go get "$@" &&
    for pkg in "$@"; do
      CGO_ENABLED=0 go build -tags "$tags" -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$ldv" \
        -o "$W/bin/$(basename "${pkg%@*}")" "${pkg%@*}"
    done)
}
build operator "${PROMETHEUS_OPERATOR_VERSION#v}" "" "$OP/cmd/operator@$PROMETHEUS_OPERATOR_VERSION" \
  "$OP/cmd/prometheus-config-reloader@$PROMETHEUS_OPERATOR_VERSION"
# Prometheus's own build tags leave out every service discovery but Kubernetes: a much smaller build.
build prometheus "${PROMETHEUS_VERSION#v}" remove_all_sd,enable_kubernetes_sd "$PROM/cmd/prometheus@$PROMETHEUS_MODULE_VERSION"
cp "$(go env GOMODCACHE)/$OP@$PROMETHEUS_OPERATOR_VERSION"/example/prometheus-operator-crd/*.yaml "$W/crds/"
chmod 0644 "$W"/crds/*.yaml
rm -rf "$W/src"
echo "$STAMP" > "$W/stamp"
log "monitoring stack: $(find "$W/crds" -name '*.yaml' | wc -l) CRDs; $("$W/bin/prometheus" --version 2>&1 | head -1)"
