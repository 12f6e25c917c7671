# shellcheck shell=bash disable=SC2034
# Shared settings for the e2e harness scripts. Sourced, not executed.
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$E2E_DIR/.." && pwd)
# shellcheck source=../versions.env
. "$E2E_DIR/versions.env"
# shellcheck source=../../scripts/versions.env
. "$REPO_DIR/scripts/versions.env"
export GOTOOLCHAIN=local
CACHE=${K8S_E2E_CACHE:-/var/cache/k8s-e2e}      # build outputs (survive between runs)
STATE=/var/lib/k8s-e2e                          # cluster state (wiped by down.sh)
RUN=/run/k8s-e2e                                # pidfiles, sockets
ETC=/etc/k8s-e2e                                # generated configs / pki
LOGS=${K8S_E2E_LOGS:-/var/log/k8s-e2e}
NATS_TOOLS_DIR=${NATS_TOOLS_DIR:-/var/cache/nats-cdk8s/bin}
KBIN=$CACHE/k8s-$K8S_VERSION/bin
BIN=$CACHE/bin
export KUBECONFIG=${KUBECONFIG_E2E:-$STATE/admin.kubeconfig}
NODE=k8s-e2e
NODE_IP=10.254.0.1
POD_CIDR=10.244.0.0/24
CLUSTER_CIDR=10.244.0.0/16
SVC_CIDR=10.96.0.0/16
NETPOL_QUEUE=100                                # nfqueue the NetworkPolicy enforcer reads (its default)
NETPOL_CHAIN=K8S-E2E-NETPOL                     # mangle chain that diverts new pod connections to it
VOID=k8s-e2e-void                               # sink for cluster addresses kube-proxy has no rule for
CLUSTER_RANGES="$SVC_CIDR $CLUSTER_CIDR 10.254.0.0/16"   # services, pods, node: routed into $VOID
CTR_SOCK=$RUN/containerd.sock
PATH=$KBIN:$BIN:$PATH
export PATH

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
kc() { "$KBIN/kubectl" --kubeconfig "$KUBECONFIG" "$@"; }
ctr_() { ctr -a "$CTR_SOCK" -n k8s.io "$@"; }
is_alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
DAEMONS="etcd kube-apiserver kube-controller-manager kube-scheduler containerd coredns kube-proxy netpol kubelet"
daemons_alive() { # prints FAIL lines for dead daemons; non-zero if any
  local d bad=0
  for d in $DAEMONS; do
    if ! { [ -f "$RUN/$d.pid" ] && is_alive "$(cat "$RUN/$d.pid")"; }; then echo "FAIL  daemon $d is not running (log: $LOGS/$d.log)"; bad=1; fi
  done
  return $bad
}
# `grep -q` in a pipeline under pipefail can fail through SIGPIPE on the writer; this reads all input.
has() { grep -c "$@" >/dev/null; }
# Builds the main.go in DIR against MODULE@VERSION into OUT: a fresh go.mod in DIR with that module's go version.
go_build_main() { # dir module version out
  local mod
  mod=$(cd "$1" && go mod download -json "$2@$3" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  (cd "$1" && rm -f go.mod go.sum && go mod init "local/$(basename "$1")" >/dev/null 2>&1 &&
    go mod edit -go="$(awk '$1=="go"{print $2}' "$mod")" && go get "$2@$3" && go mod tidy &&
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$4" .)
}
