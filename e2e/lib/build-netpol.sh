#!/usr/bin/env bash
# Builds $BIN/netpol: e2e/lib/netpol/main.go around the controller of sigs.k8s.io/kube-network-policies (the SIG
# Network NetworkPolicy implementation: nftables + nfqueue). The CNI bridge does not enforce NetworkPolicy; with this
# running, the production variant's policy is tested for real (e2e/checks/netpol.ts).
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRC=$E2E_DIR/lib/netpol/main.go
STAMP="$NETPOL_VERSION $(go version | awk '{print $3}') $(sha256sum "$SRC" | cut -c1-16)"
W=$CACHE/netpol-$NETPOL_VERSION
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$STAMP" ] && [ -x "$BIN/netpol" ]; then
  log "netpol (kube-network-policies $NETPOL_VERSION): cached"; exit 0
fi
mkdir -p "$W" "$BIN" && cp "$SRC" "$W/main.go"
go_build_main "$W" sigs.k8s.io/kube-network-policies "$NETPOL_VERSION" "$BIN/netpol"
"$BIN/netpol" -cleanup
echo "$STAMP" > "$W/stamp"
