#!/usr/bin/env bash
# Builds the fault-suite load generator (static Go binary, nats.go) and a one-file OCI image for it, then imports
# the image into the e2e cluster's containerd as local.test/faults:loadgen. Skips each step when its stamp matches.
# Output: $CACHE/faults/{faults-loadgen,loadgen.tar}.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
SRC=$E2E_DIR/faults/loadgen
OUT=$CACHE/faults
mkdir -p "$OUT"
STAMP="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go "$E2E_DIR/faults/build.sh" | sha256sum | cut -c1-16)"
if ! { [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -f "$OUT/loadgen.tar" ]; }; then
  (cd "$SRC" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$OUT/faults-loadgen.tmp" .)
  mv "$OUT/faults-loadgen.tmp" "$OUT/faults-loadgen"
  L=$OUT/oci
  T=$(mktemp -d)
  trap 'rm -rf "$T"' EXIT
  rm -rf "$L"
  umoci init --layout "$L"
  umoci new --image "$L:loadgen"
  umoci unpack --image "$L:loadgen" "$T/lg"
  install -D -m 0755 "$OUT/faults-loadgen" "$T/lg/rootfs/faults-loadgen"
  umoci repack --image "$L:loadgen" "$T/lg"
  umoci config --image "$L:loadgen" --config.entrypoint /faults-loadgen --config.cmd serve --config.user 1000:1000 \
    --architecture amd64 --os linux
  umoci gc --layout "$L"
  tar -C "$L" -cf "$OUT/loadgen.tar.tmp" . && mv "$OUT/loadgen.tar.tmp" "$OUT/loadgen.tar"
  echo "$STAMP" > "$OUT/stamp"
  log "faults: loadgen image built ($(du -h "$OUT/loadgen.tar" | cut -f1))"
fi
ctr_ version >/dev/null 2>&1 || die "containerd is not running (run e2e/up.sh)"
if [ "$(ctr_ images ls -q | grep -c -x "local.test/faults:loadgen" || true)" = 0 ] || \
   [ "$(cat "$OUT/imported" 2>/dev/null)" != "$STAMP" ]; then
  ctr_ images rm local.test/faults:loadgen >/dev/null 2>&1 || true
  ctr_ images import --base-name local.test/faults "$OUT/loadgen.tar" >/dev/null
  echo "$STAMP" > "$OUT/imported"
  log "faults: imported local.test/faults:loadgen"
fi
