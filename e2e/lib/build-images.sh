#!/usr/bin/env bash
# Builds the OCI images the harness imports into containerd (no registry, no daemon):
#   nats     - nats-server (scripts/install-nats-tools.sh) + busybox sh, ENTRYPOINT /usr/local/bin/nats-server
#   nats-previous - the same with the previous default nats-server (fault scenario s9 upgrades from it)
#   nats-box - natscli + busybox, user nats (1000), supports `sleep infinity`; also Debian's mosquitto_pub/_sub with
#              their libraries (not in the official image): the MQTT client of e2e/checks/reach.ts
#   nats-server-config-reloader - nats-io/nack's reloader (scripts/install-nats-tools.sh) at /usr/local/bin, on PATH, laid out
#              like the official image (/<binary> link, /entrypoint.sh); runs as root unless the pod says otherwise
#   prometheus-nats-exporter - nats-io's exporter (scripts/install-nats-tools.sh), ENTRYPOINT /prometheus-nats-exporter
#   prometheus-operator, prometheus-config-reloader, prometheus - built by e2e/lib/build-monitoring.sh
#   pause    - static C sandbox process
# Output: $CACHE/images.tar (OCI layout, one ref per image above). Skips when the stamp matches.
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRV="$NATS_TOOLS_DIR/nats-server-$NATS_SERVER_VERSION"
SRV_PREVIOUS="$NATS_TOOLS_DIR/nats-server-$NATS_SERVER_PREVIOUS_VERSION"
CLI="$NATS_TOOLS_DIR/nats-$NATSCLI_VERSION"
RELOADER="$NATS_TOOLS_DIR/nats-server-config-reloader-$NATS_RELOADER_VERSION"
{ [ -x "$SRV" ] && [ -x "$SRV_PREVIOUS" ] && [ -x "$CLI" ]; } || die "missing $SRV, $SRV_PREVIOUS or $CLI: run scripts/install-nats-tools.sh"
[ -x "$RELOADER" ] || die "missing $RELOADER: run scripts/install-nats-tools.sh"
EXPORTER="$NATS_TOOLS_DIR/prometheus-nats-exporter-$NATS_EXPORTER_VERSION"
PO="$CACHE/monitoring/bin"
PROM="$PO/prometheus"
for b in "$EXPORTER" "$PO/operator" "$PO/prometheus-config-reloader" "$PROM"; do [ -x "$b" ] || die "missing $b (e2e/build.sh builds it)"; done
BB=/bin/busybox
mkdir -p "$CACHE/src"
MQTT="/usr/bin/mosquitto_pub /usr/bin/mosquitto_sub"
# shellcheck disable=SC2086
for b in $MQTT; do [ -x "$b" ] || die "missing $b (scripts/install-nats-tools.sh installs mosquitto-clients)"; done
# shellcheck disable=SC2086
STAMP="$(cat $MQTT "$SRV" "$SRV_PREVIOUS" "$CLI" "$RELOADER" "$EXPORTER" "$PO/operator" "$PO/prometheus-config-reloader" "$PROM" "$BB" "$E2E_DIR/lib/pause.c" "$E2E_DIR/lib/build-images.sh" | sha256sum | cut -c1-16)"
if [ -f "$CACHE/images.stamp" ] && [ "$(cat "$CACHE/images.stamp")" = "$STAMP" ] && [ -f "$CACHE/images.tar" ]; then
  log "images: cached"; exit 0
fi
gcc -static -O2 -o "$CACHE/src/pause" "$E2E_DIR/lib/pause.c"
L=$CACHE/oci
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
rm -rf "$L"
umoci init --layout "$L"

busybox_into() { # rootfs applet...
  install -D -m 0755 "$BB" "$1/bin/busybox"
  local r=$1; shift
  for a in "$@"; do ln -sf busybox "$r/bin/$a"; done
}
APPLETS="sh ash ls cat mkdir ln sleep echo grep sed awk head tail wc rm cp mv touch env id ps kill true false test date hostname nslookup wget printf tr cut sort uniq du df find xargs chmod stat seq timeout"

# --- nats, nats-previous -----------------------------------------------------
nats_image() { # name nats-server-binary
  umoci new --image "$L:$1"
  umoci unpack --image "$L:$1" "$T/$1"
  local r=$T/$1/rootfs
  install -D -m 0755 "$2" "$r/usr/local/bin/nats-server"
  ln -s usr/local/bin/nats-server "$r/nats-server"
  # shellcheck disable=SC2086
  busybox_into "$r" $APPLETS
  mkdir -p "$r/etc/nats" "$r/var/run/nats" "$r/data" "$r/tmp" && chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnats:x:1000:1000:nats:/home/nats:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnats:x:1000:\nnogroup:x:65534:\n' > "$r/etc/group"
  umoci repack --image "$L:$1" "$T/$1"
  # Like the official nats:alpine image: runs as root unless the pod says otherwise.
  umoci config --image "$L:$1" --config.entrypoint /usr/local/bin/nats-server \
    --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.exposedports 4222/tcp --config.exposedports 6222/tcp \
    --config.exposedports 8222/tcp --architecture amd64 --os linux
}
nats_image nats "$SRV"
nats_image nats-previous "$SRV_PREVIOUS"

# --- nats-box ---------------------------------------------------------------
umoci new --image "$L:nats-box"
umoci unpack --image "$L:nats-box" "$T/box"
R=$T/box/rootfs
install -D -m 0755 "$CLI" "$R/usr/local/bin/nats"
for b in $MQTT; do
  install -D -m 0755 "$b" "$R$b"
  for lib in $(ldd "$b" | grep -o '/[^ ]*\.so[^ ]*'); do install -D -m 0755 "$lib" "$R$lib"; done
done
# shellcheck disable=SC2086
busybox_into "$R" $APPLETS
mkdir -p "$R/tmp" "$R/nsc/.config" "$R/etc/nats-config" && chmod 1777 "$R/tmp"
chown -R 1000:1000 "$R/nsc"
printf 'root:x:0:0:root:/root:/bin/sh\nnats:x:1000:1000:nats:/nsc:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\nnats:x:1000:\nnogroup:x:65534:\n' > "$R/etc/group"
umoci repack --image "$L:nats-box" "$T/box"
umoci config --image "$L:nats-box" --config.user 1000:1000 --config.workingdir /nsc \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env HOME=/nsc --config.env XDG_DATA_HOME=/nsc \
  --config.env XDG_CONFIG_HOME=/nsc/.config --config.env NKEYS_PATH=/nsc/nkeys \
  --config.cmd /bin/sh --architecture amd64 --os linux

# --- nats-server-config-reloader ---------------------------------------------
umoci new --image "$L:nats-server-config-reloader"
umoci unpack --image "$L:nats-server-config-reloader" "$T/reloader"
R=$T/reloader/rootfs
install -D -m 0755 "$RELOADER" "$R/usr/local/bin/nats-server-config-reloader"
ln -s usr/local/bin/nats-server-config-reloader "$R/nats-server-config-reloader"
busybox_into "$R" sh
# shellcheck disable=SC2016 # expanded in the container
printf '#!/bin/sh\nexec "/${GO_APP}" "$@"\n' > "$R/entrypoint.sh" && chmod 0755 "$R/entrypoint.sh"
mkdir -p "$R/tmp" "$R/etc" && chmod 1777 "$R/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnats:x:1000:1000:nats:/home/nats:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\nnats:x:1000:\nnogroup:x:65534:\n' > "$R/etc/group"
umoci repack --image "$L:nats-server-config-reloader" "$T/reloader"
umoci config --image "$L:nats-server-config-reloader" --config.entrypoint /entrypoint.sh \
  --config.env PATH=/usr/local/bin:/usr/bin:/bin --config.env GO_APP=nats-server-config-reloader --architecture amd64 --os linux

# --- one static binary as the entrypoint, user nobody (exporter, operator, config reloader, Prometheus) ---------
binary_image() { # name binary workdir
  umoci new --image "$L:$1"
  umoci unpack --image "$L:$1" "$T/$1"
  local r=$T/$1/rootfs
  install -D -m 0755 "$2" "$r/bin/$1"
  mkdir -p "$r/tmp" "$r/etc" "$r$3" && chmod 1777 "$r/tmp" && chown 65534:65534 "$r$3"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
  umoci repack --image "$L:$1" "$T/$1"
  umoci config --image "$L:$1" --config.entrypoint "/bin/$1" --config.user 65534:65534 --config.workingdir "$3" \
    --config.env PATH=/bin --architecture amd64 --os linux
}
binary_image prometheus-nats-exporter "$EXPORTER" /
binary_image prometheus-operator "$PO/operator" /
binary_image prometheus-config-reloader "$PO/prometheus-config-reloader" /
binary_image prometheus "$PROM" /prometheus

# --- pause ------------------------------------------------------------------
umoci new --image "$L:pause"
umoci unpack --image "$L:pause" "$T/pause"
install -D -m 0755 "$CACHE/src/pause" "$T/pause/rootfs/pause"
umoci repack --image "$L:pause" "$T/pause"
umoci config --image "$L:pause" --config.entrypoint /pause --config.user 65535:65535 --architecture amd64 --os linux

umoci gc --layout "$L"
tar -C "$L" -cf "$CACHE/images.tar.tmp" . && mv "$CACHE/images.tar.tmp" "$CACHE/images.tar"
echo "$STAMP" > "$CACHE/images.stamp"
log "images built: $(du -h "$CACHE/images.tar" | cut -f1)"
