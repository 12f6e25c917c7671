#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy and kubectl
# from the Go module proxy via a wrapper module that replaces the staging modules (v0.0.0) with
# their published v0.X.Y versions. Output: $CACHE/k8s-$K8S_VERSION/bin. Skips when the stamp matches.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
K8S=$K8S_VERSION STG=v0.${K8S_VERSION#v1.}
W=$CACHE/k8s-$K8S
STAMP="$K8S $(go version | awk '{print $3}')"
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$STAMP" ] && [ -x "$KBIN/kubelet" ]; then
  log "k8s $K8S: cached ($W)"; exit 0
fi
mkdir -p "$W/mod" && cd "$W/mod"
MOD=$(go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
GOLINE=$(awk '$1=="go"{print $2}' "$MOD")
GODEBUGLINE=$(awk '$1=="godebug"{print $2}' "$MOD")
STAGING=$(awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0"{print $1}' "$MOD" | sort -u)
rm -f go.mod go.sum
go mod init local/k8s-e2e-build >/dev/null 2>&1
go mod edit -go="$GOLINE"
if [ -n "$GODEBUGLINE" ]; then go mod edit -godebug="$GODEBUGLINE"; fi
for m in $STAGING; do go mod edit -replace="$m=$m@$STG"; done
# Record extra replaces here if the mirror lacks a module version (none are needed for v1.34.4).
if [ -n "${K8S_EXTRA_REPLACES:-}" ]; then for r in $K8S_EXTRA_REPLACES; do go mod edit -replace="$r"; done; fi
PKGS=""
for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do PKGS="$PKGS k8s.io/kubernetes/cmd/$c"; done
log "resolving modules for $K8S (staging $STG, go $GOLINE)"
# shellcheck disable=SC2046
go get $(for p in $PKGS; do printf '%s@%s ' "$p" "$K8S"; done)
COMMIT=$(go mod download -json "k8s.io/kubernetes@$K8S" | sed -n 's/.*"Hash": "\(.*\)".*/\1/p' | awk 'NR==1')
COMMIT=${COMMIT:-unknown}
MIN=$(echo "$K8S" | cut -d. -f2)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LDF="-s -w"
for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  LDF="$LDF -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$MIN -X $p.gitCommit=$COMMIT -X $p.gitTreeState=clean -X $p.buildDate=$DATE"
done
log "compiling (this is the long part)"
mkdir -p "$KBIN"
# shellcheck disable=SC2086
go build -trimpath -ldflags "$LDF" -o "$KBIN/" $PKGS
"$KBIN/kube-apiserver" --version | has -x "Kubernetes $K8S" || die "version not stamped: $("$KBIN/kube-apiserver" --version)"
echo "$STAMP" > "$W/stamp"
log "k8s $K8S built: $(cd "$KBIN" && echo *)"
