#!/usr/bin/env bash
# Builds a minimal CoreDNS (only the plugins the harness Corefile uses) into $BIN/coredns.
set -euo pipefail
. "$(dirname "$0")/common.sh"
STAMP="$COREDNS_VERSION $(go version | awk '{print $3}')"
W=$CACHE/coredns-$COREDNS_VERSION
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$STAMP" ] && [ -x "$BIN/coredns" ]; then
  log "coredns $COREDNS_VERSION: cached"; exit 0
fi
mkdir -p "$W" "$BIN"
cat > "$W/main.go" <<'GO'
// Minimal CoreDNS for the e2e harness: only the plugins its Corefile uses.
package main

import (
	_ "github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() { coremain.Run() }
GO
go_build_main "$W" github.com/coredns/coredns "$COREDNS_VERSION" "$BIN/coredns"
"$BIN/coredns" -version
echo "$STAMP" > "$W/stamp"
