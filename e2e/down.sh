#!/usr/bin/env bash
# Stops the e2e cluster and restores the host. Idempotent; also used by up.sh to clear leftovers.
# Exit 3 if the egress guard counted any packet (a leak attempt), 1 on other cleanup errors.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
rc=0

stop_pid() { # name...  -- SIGTERM, wait up to 15 s, then SIGKILL; only the PIDs in our pidfiles
  local n f pid pids=""
  for n in "$@"; do
    f=$RUN/$n.pid
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$(cat "$RUN/$n.comm" 2>/dev/null)" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids="$pids $pid"; log "stopping $n ($pid)"
    fi
    rm -f "$f" "$RUN/$n.comm"
  done
  for _ in $(seq 1 30); do
    alive=""; for pid in $pids; do [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && alive="$alive $pid"; done
    [ -n "$alive" ] || return 0; sleep 0.5
  done
  # shellcheck disable=SC2086
  kill -KILL $alive 2>/dev/null || true
}

# 1. kubelet first (so it does not restart pods), then every task in our containerd.
stop_pid kubelet
if [ -S "$CTR_SOCK" ] && ctr_ version >/dev/null 2>&1; then
  for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s KILL "$t" >/dev/null 2>&1 || true; done
  sleep 1
  for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks rm -f "$t" >/dev/null 2>&1 || true; done
  for c in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$c" >/dev/null 2>&1 || true; done
fi
# 2. The daemons, by pidfile.
stop_pid netpol kube-proxy coredns containerd kube-scheduler kube-controller-manager kube-apiserver etcd
# 3. Shims of *our* containerd (their command line names our socket) and anything left in kubepods cgroups.
for p in /proc/[0-9]*; do
  if { tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null | has -- "-address $CTR_SOCK"; then kill -KILL "${p#/proc/}" 2>/dev/null || true; fi
done
for h in /sys/fs/cgroup/*/; do
  [ -d "$h/kubepods" ] || continue
  for _ in 1 2 3; do
    pids=$(find "$h/kubepods" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
    [ -n "$pids" ] || break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true; sleep 0.5
  done
done
# 4. Mounts (deepest first), network namespaces made by our containerd, cgroups.
for prefix in "$STATE" "$RUN" /run/netns/cni- /var/run/netns/cni-; do
  awk -v p="$prefix" 'index($2,p)==1{print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
done
for n in /run/netns/cni-*; do [ -e "$n" ] && { rm -f "$n" || { log "WARN: cannot remove $n"; rc=1; }; }; done
for h in /sys/fs/cgroup/*/; do
  if [ -d "$h/kubepods" ]; then find "$h/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  [ -d "$h/kubepods" ] && { log "WARN: could not remove $h/kubepods"; rc=1; }
done
# NetworkPolicy enforcer: its iptables diversion, and an nftables table if a kernel with nft_queue let it make one.
if iptables -t mangle -S "$NETPOL_CHAIN" >/dev/null 2>&1; then
  while iptables -t mangle -D POSTROUTING -j "$NETPOL_CHAIN" 2>/dev/null; do :; done
  iptables -t mangle -F "$NETPOL_CHAIN"; iptables -t mangle -X "$NETPOL_CHAIN"
fi
if [ -x "$BIN/netpol" ] && [ "$("$BIN/netpol" -cleanup 2>&1)" = removed ]; then log "removed a leftover nftables table kube-network-policies"; fi
# 5. Bridge and CNI state.
ip link show cni0 >/dev/null 2>&1 && ip link del cni0
rm -rf /var/lib/cni/networks/k8s-e2e /var/lib/cni/results
# 6. Egress guard: read counters BEFORE touching iptables, then remove KUBE-/CNI- chains and the guard.
if iptables -t mangle -S POSTROUTING | has k8s-e2e-guard; then
  leaks=$(iptables -t mangle -L POSTROUTING -v -n -x | awk '/k8s-e2e-guard/{s+=$1} END{print s+0}')
  iptables -t mangle -L POSTROUTING -v -n -x | grep -E 'pkts|k8s-e2e-guard' >&2
  if [ "$leaks" != 0 ]; then log "FAIL: egress guard dropped $leaks packet(s) headed out of the machine"; rc=3
  else log "PASS: egress guard counters are zero"; fi
fi
if ip link show "$VOID" >/dev/null 2>&1; then
  log "info: $(cat "/sys/class/net/$VOID/statistics/rx_dropped") packet(s) to cluster addresses without a kube-proxy rule stayed on the machine ($VOID)"
  ip link del "$VOID"
fi
for ipt in iptables ip6tables; do
  if "${ipt}-save" | has -E 'KUBE-|CNI-'; then "${ipt}-save" | grep -vE 'KUBE-|CNI-' | "${ipt}-restore"; fi
done
mapfile -t rules < <(iptables -t mangle -S POSTROUTING | grep -- k8s-e2e-guard || true)
for rule in "${rules[@]}"; do
  # shellcheck disable=SC2086
  eval iptables -t mangle ${rule/-A/-D}
done
# 7. Node IP, sysctls, state.
ip addr show dev lo | has "$NODE_IP/32" && ip addr del "$NODE_IP/32" dev lo
if [ -f /var/lib/k8s-e2e.sysctl ]; then
  while read -r k v; do sysctl -qw "$k=$v" >/dev/null || true; done < /var/lib/k8s-e2e.sysctl
  rm -f /var/lib/k8s-e2e.sysctl
  log "sysctls restored"
fi
rm -rf "$STATE" "$RUN" /dev/shm/k8s-e2e-etcd /tmp/hostpath_pv
# 8. Verify the host is clean.
left=""
[ "$(iptables-save | grep -cE 'KUBE-|CNI-|k8s-e2e-guard' || true)" = 0 ] || left="$left iptables"
[ "$(ip6tables-save | grep -cE 'KUBE-|CNI-' || true)" = 0 ] || left="$left ip6tables"
[ "$(ip -4 addr show dev lo | grep -c "$NODE_IP/32" || true)" = 0 ] || left="$left lo-address"
ip link show cni0 >/dev/null 2>&1 && left="$left cni0"
ip link show "$VOID" >/dev/null 2>&1 && left="$left $VOID"
ip -4 route | has -E "^10\.(96|244|254)\." && left="$left routes"
for d in $DAEMONS; do [ -e "$RUN/$d.pid" ] && left="$left $d"; done
iptables-save -t mangle | has -- "$NETPOL_CHAIN" && left="$left $NETPOL_CHAIN"
if [ -n "$left" ]; then log "FAIL: leftovers after teardown:$left"; [ "$rc" != 0 ] || rc=1; fi
log "down: done (rc=$rc)"
exit "$rc"
