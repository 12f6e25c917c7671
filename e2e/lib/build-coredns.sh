#!/usr/bin/env bash
# Builds a minimal CoreDNS (only the plugins the harness Corefile uses) into $BIN/coredns.
set -euo pipefail
. "$(dirname "$0")/common.sh"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
STAMP="$COREDNS_VERSION $(go version | awk '{print $3}')"
W=$CACHE/coredns-$COREDNS_VERSION
if [ -f "$W/stamp" ] && [ "$(cat "$W/stamp")" = "$STAMP" ] && [ -x "$BIN/coredns" ]; then
  log "coredns $COREDNS_VERSION: cached"; exit 0
fi
mkdir -p "$W" "$BIN" && cd "$W"
rm -f go.mod go.sum
MOD=$(go mod download -json "github.com/coredns/coredns@$COREDNS_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
cat > main.go <<'GO'
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
go mod init local/coredns-e2e >/dev/null 2>&1
go mod edit -go="$(awk '$1=="go"{print $2}' "$MOD")"
go get "github.com/coredns/coredns@$COREDNS_VERSION"
go mod tidy
go build -trimpath -ldflags "-s -w" -o "$BIN/coredns" .
"$BIN/coredns" -version
echo "$STAMP" > "$W/stamp"
