#!/usr/bin/env bash
# shellcheck disable=SC2016 # the preflight checks are single-quoted on purpose: they expand inside bash -c
# Brings up a single-node Kubernetes (host processes, no registry, no egress) for end-to-end tests.
# Needs e2e/build.sh to have run. Kubeconfig: /var/lib/k8s-e2e/admin.kubeconfig.
# On failure: dumps component logs and events, exits non-zero (run e2e/down.sh to clean up).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
T0=$(date +%s)
mkdir -p "$LOGS"

dump() {
  log "---- failure: component logs (last 40 lines each) and events ----"
  for f in "$LOGS"/{etcd,kube-apiserver,kube-controller-manager,kube-scheduler,containerd,coredns,kube-proxy,kubelet}.log; do
    [ -f "$f" ] && { echo "===== $f"; tail -n 40 "$f"; }
  done
  if [ -f "$KUBECONFIG" ]; then
    kc get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 40 || true
    kc get nodes,pods -A -o wide 2>&1 || true
  fi
}
on_exit() {
  local rc=$?
  [ "$rc" -eq 0 ] && return
  dump >&2
  log "up.sh FAILED (rc=$rc); run e2e/down.sh to clean up"
}
trap on_exit EXIT

# ---------- preflight: one PASS/FAIL line each ----------
fails=0
check() { # description command...
  local d=$1; shift
  if "$@" >/dev/null 2>&1; then echo "PASS  $d"; else echo "FAIL  $d"; fails=$((fails+1)); fi
}
for b in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
  check "binary $b $K8S_VERSION (stamped)" bash -c "'$KBIN/$b' --version 2>/dev/null | grep -qx 'Kubernetes $K8S_VERSION'"
done
check "binary kubectl $K8S_VERSION (stamped)" bash -c "'$KBIN/kubectl' version --client 2>/dev/null | grep -qx 'Client Version: $K8S_VERSION'"
check "coredns binary" test -x "$BIN/coredns"
check "netpol binary" test -x "$BIN/netpol"
check "images.tar built" test -f "$CACHE/images.tar"
for b in containerd containerd-shim-runc-v2 runc etcd iptables ip6tables conntrack ctr openssl busybox; do check "host tool $b" command -v "$b"; done
check "CNI plugins in /usr/lib/cni" test -x /usr/lib/cni/bridge -a -x /usr/lib/cni/host-local -a -x /usr/lib/cni/portmap -a -x /usr/lib/cni/loopback
check "cgroup controllers cpu,memory,pids,cpuset" bash -c 'for c in cpu memory pids cpuset; do [ -d /sys/fs/cgroup/$c ] || grep -qw $c /sys/fs/cgroup/cgroup.controllers; done'
check "kernel: bridge, veth, overlay (config or runtime)" bash -c '! [ -r /proc/config.gz ] || zcat /proc/config.gz | grep -Eq "^CONFIG_BRIDGE_NETFILTER=y" && grep -qw overlay /proc/filesystems'
check "no CAP_SYS_RESOURCE => containerd restrict_oom_score_adj is set" grep -q 'restrict_oom_score_adj = true' "$E2E_DIR/lib/configs.sh"
check "disk: >= 15 GB free on /var" bash -c '[ "$(df -Pk /var | awk "NR==2{print \$4}")" -ge 15000000 ]'
check "addresses: uplink/resolver do not overlap 10.244/16, 10.96/16, 10.254/16" \
  bash -c '! { ip -4 route | grep -Ev "dev (cni0|lo|k8s-e2e-void) "; grep ^nameserver /etc/resolv.conf; } | grep -Eq "(^|[^0-9])10\.(244|96|254)\."'
check "uplink interface found" bash -c '[ -n "$(ip route show default | awk "{print \$5}" | head -1)" ]'
[ "$fails" = 0 ] || die "$fails preflight check(s) failed"

# ---------- clear leftovers, host preparation ----------
"$E2E_DIR/down.sh" || die "cleanup of leftovers failed"
mkdir -p "$RUN" "$STATE" "$ETC"
check "ports 2379 2380 6443 10250 10257 10259 free" bash -c '! ss -Hltn | awk "{print \$4}" | grep -Eq ":(2379|2380|6443|10250|10257|10259)$"'
check "no DNS server on :53 of $NODE_IP" bash -c "! ss -Hlun | awk '{print \$4}' | grep -Eq '^($NODE_IP|0\.0\.0\.0|\*):53\$'"
[ "$fails" = 0 ] || die "port check failed"
UP=$(ip route show default | awk 'NR==1{print $5}')
# Egress guard, before anything starts: nothing to/from the pod, service or node ranges may leave via the uplink.
for r in "-s 10.244.0.0/16" "-d 10.244.0.0/16" "-d 10.96.0.0/16" "-s 10.254.0.0/16" "-d 10.254.0.0/16"; do
  # shellcheck disable=SC2086
  iptables -t mangle -I POSTROUTING 1 -o "$UP" $r -m comment --comment k8s-e2e-guard -j DROP
done
echo "PASS  egress guard installed on $UP"
# A cluster address with no kube-proxy rule (a Service just created or deleted while a client reconnects, a deleted
# pod's IP) would follow the default route to the uplink, where the guard drops it and fails the run. Give the ranges
# a route into a sink on this machine instead: an ifb device discards what it is sent. DNAT'ed traffic is unaffected
# (it is re-routed after NAT); the guard now only counts packets with nowhere else to go.
ip link add "$VOID" type ifb || die "cannot create the ifb device $VOID (kernel without ifb?)"
# no IPv6 on it: its own router solicitations would be counted as cluster packets
sysctl -qw "net.ipv6.conf.$VOID.disable_ipv6=1" 2>/dev/null || true
ip link set "$VOID" up
for c in $CLUSTER_RANGES; do ip route add "$c" dev "$VOID"; done
echo "PASS  unprogrammed cluster addresses routed into $VOID (discarded on this machine)"
SYSCTLS="net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables fs.inotify.max_user_instances vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"
for k in $SYSCTLS; do echo "$k $(sysctl -n "$k")"; done > /var/lib/k8s-e2e.sysctl
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 fs.inotify.max_user_instances=512
ip addr add "$NODE_IP/32" dev lo
"$E2E_DIR/lib/pki.sh"
"$E2E_DIR/lib/configs.sh"

start() { # name cmd...   -- own session, log file, pidfile (+ comm, so down.sh only kills what we started)
  local n=$1; shift
  setsid "$@" > "$LOGS/$n.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$n.pid"
  sleep 0.2; cat "/proc/$!/comm" > "$RUN/$n.comm" 2>/dev/null || die "$n exited at once"
}
wait_for() { # description timeout-seconds command...
  local d=$1 t=$2 s; shift 2; s=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    [ $(( $(date +%s) - s )) -lt "$t" ] || die "timeout after ${t}s waiting for $d"
    for f in "$RUN"/*.pid; do is_alive "$(cat "$f")" || die "$(basename "$f" .pid) exited while waiting for $d"; done
    sleep 1
  done
  log "ready: $d ($(( $(date +%s) - T0 ))s)"
}
P=$ETC/pki

start etcd etcd --name default --data-dir /dev/shm/k8s-e2e-etcd --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
  --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster default=http://127.0.0.1:2380 \
  --listen-metrics-urls http://127.0.0.1:2381 --unsafe-no-fsync
wait_for etcd 30 curl -fs http://127.0.0.1:2379/health

start kube-apiserver "$KBIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 \
  --advertise-address="$NODE_IP" --bind-address="$NODE_IP" --secure-port=6443 \
  --service-cluster-ip-range="$SVC_CIDR" --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
  --kubelet-client-certificate="$P/apiserver-kubelet.crt" --kubelet-client-key="$P/apiserver-kubelet.key" \
  --kubelet-preferred-address-types=InternalIP --profiling=false --v=1
wait_for kube-apiserver 120 kc get --raw /readyz

start kube-controller-manager "$KBIN/kube-controller-manager" --kubeconfig="$ETC/kcm.kubeconfig" \
  --authentication-kubeconfig="$ETC/kcm.kubeconfig" --authorization-kubeconfig="$ETC/kcm.kubeconfig" \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --use-service-account-credentials --controllers='*' --leader-elect=false --service-cluster-ip-range="$SVC_CIDR" \
  --enable-hostpath-provisioner=true --bind-address=127.0.0.1 --profiling=false --v=1
start kube-scheduler "$KBIN/kube-scheduler" --kubeconfig="$ETC/scheduler.kubeconfig" \
  --authentication-kubeconfig="$ETC/scheduler.kubeconfig" --authorization-kubeconfig="$ETC/scheduler.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1 --profiling=false --v=1

start containerd containerd --config "$ETC/containerd.toml"
wait_for containerd 30 ctr -a "$CTR_SOCK" version
"$E2E_DIR/load-images.sh" > "$LOGS/load-images.log" 2>&1 || { cat "$LOGS/load-images.log" >&2; die "image import/tagging failed"; }
log "images: $(grep -c ^tagged "$LOGS/load-images.log") references tagged"

start coredns "$BIN/coredns" -conf "$ETC/Corefile"
start kube-proxy "$KBIN/kube-proxy" --config="$ETC/kube-proxy.yaml" --v=1
# NetworkPolicy enforcement (the CNI bridge has none): e2e/lib/netpol/main.go, kube-network-policies' controller.
start netpol "$BIN/netpol" -kubeconfig "$KUBECONFIG" -node "$NODE" -v=1
wait_for "NetworkPolicy enforcer reading nfqueue $NETPOL_QUEUE" 60 \
  bash -c "awk '\$1==$NETPOL_QUEUE{f=1} END{exit !f}' /proc/net/netfilter/nfnetlink_queue"
# Divert the first packet of every new TCP/UDP connection from or to a pod to it, after DNAT and before SNAT, like
# its own nftables rules would: not DNS (conntrack race), not sockets of root on the host (kubelet probes).
# No --queue-bypass: if the enforcer dies, pod connections fail instead of silently going unchecked.
iptables -t mangle -N "$NETPOL_CHAIN"
iptables -t mangle -A "$NETPOL_CHAIN" -p udp --dport 53 -j RETURN
iptables -t mangle -A "$NETPOL_CHAIN" -m owner --uid-owner 0 -j RETURN
iptables -t mangle -A "$NETPOL_CHAIN" -m conntrack ! --ctstate NEW -j RETURN
for p in tcp udp; do for d in -s -d; do
  iptables -t mangle -A "$NETPOL_CHAIN" -p "$p" "$d" "$CLUSTER_CIDR" -j NFQUEUE --queue-num "$NETPOL_QUEUE"
done; done
iptables -t mangle -A POSTROUTING -j "$NETPOL_CHAIN"
# shellcheck disable=SC2086
start kubelet "$KBIN/kubelet" ${E2E_KUBELET_EXTRA_ARGS:-} --config="$ETC/kubelet.yaml" --kubeconfig="$ETC/kubelet.kubeconfig" \
  --hostname-override="$NODE" --node-ip="$NODE_IP" --root-dir="$STATE/kubelet" --v=1
wait_for "kube-controller-manager healthz" 60 curl -fsk https://127.0.0.1:10257/healthz
wait_for "kube-scheduler healthz" 60 curl -fsk https://127.0.0.1:10259/healthz
wait_for "node registered" 90 kc get node "$NODE"
wait_for "node Ready" 120 kc wait --for=condition=Ready "node/$NODE" --timeout=5s
wait_for "default ServiceAccount" 60 kc -n default get sa default
kc apply -f "$E2E_DIR/lib/kube-dns.yaml" >/dev/null
"$E2E_DIR/lib/storage.sh"
wait_for "CoreDNS ready" 60 curl -fs http://127.0.0.1:18181/ready
wait_for "CoreDNS answers kubernetes.default" 60 bash -c "busybox nslookup kubernetes.default.svc.cluster.local $NODE_IP | grep -q 10.96.0.1"
wait_for "kube-proxy rules for kubernetes Service" 60 bash -c "iptables -t nat -S KUBE-SERVICES | grep -q 10.96.0.1/32"
daemons_alive || die "a daemon exited during bring-up"
log "cluster up in $(( $(date +%s) - T0 ))s; export KUBECONFIG=$KUBECONFIG"
echo "UP_SECONDS=$(( $(date +%s) - T0 ))" > "$LOGS/up.timing"
