#!/usr/bin/env bash
# e2e cluster only: makes Available again the Released local PVs whose claim was in one of the given
# namespaces (wipes their directories). Unlike lib/storage.sh it never touches PVs of other namespaces,
# so it is safe while another suite uses the same cluster.   usage: recycle-pvs.sh NAMESPACE...
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
[ $# -gt 0 ] || die "usage: $0 NAMESPACE..."
n=0
while read -r pv ns; do
  [ -n "$pv" ] || continue
  for want in "$@"; do
    [ "$ns" = "$want" ] || continue
    d=$STATE/pv/${pv#local-}
    [ -d "$d" ] || die "$pv: no directory $d (not the e2e cluster?)"
    rm -rf "$d" && mkdir -p "$d" && chmod 0755 "$d"
    kc patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
    n=$((n + 1))
  done
done < <(kc get pv -l k8s-e2e/pv=local -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name} {.spec.claimRef.namespace}{"\n"}{end}')
log "recycled $n Released PV(s) of namespace(s) $*"
