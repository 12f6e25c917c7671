#!/usr/bin/env bash
# Imports the harness images into the running containerd and tags every reference it knows (nats at the default and
# the previous version, nats-box, config reloaders, exporter, Prometheus Operator, Prometheus, pause) plus every
# `image:` found in the given YAML files (default: dist/*.yaml).
# Fails on an image reference it cannot provide. Re-run after `npm run synth` if dist changed.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
ctr_ version >/dev/null 2>&1 || die "containerd is not running (run e2e/up.sh)"
# Again (import replaces the refs) whenever images.tar changed since the last import, or one of its images is missing.
IMAGES="nats nats-previous nats-box nats-server-config-reloader prometheus-nats-exporter prometheus-operator prometheus-config-reloader prometheus pause"
have=$(ctr_ images ls -q)
missing=0
for i in $IMAGES; do echo "$have" | has -x "local.test/img:$i" || missing=1; done
if [ "$missing" = 1 ] || [ "$(cat "$CACHE/images.imported" 2>/dev/null)" != "$(cat "$CACHE/images.stamp" 2>/dev/null)" ]; then
  ctr_ images import --base-name local.test/img "$CACHE/images.tar" >/dev/null
  cp "$CACHE/images.stamp" "$CACHE/images.imported"
fi
NATS_TAG="${NATS_SERVER_VERSION#v}-alpine"
NATS_PREVIOUS_TAG="${NATS_SERVER_PREVIOUS_VERSION#v}-alpine"
RELOADER_TAG=${NATS_RELOADER_VERSION#v}
EXPORTER_TAG=${NATS_EXPORTER_VERSION#v}
normalize() { # docker reference -> fully qualified
  local r=$1 first=${1%%/*}
  if [ "$r" = "$first" ]; then r="docker.io/library/$r"
  elif ! [[ $first == *.* || $first == *:* || $first == localhost ]]; then r="docker.io/$r"; fi
  [[ ${r##*/} == *:* || $r == *@* ]] || r="$r:latest"
  echo "$r"
}
source_for() { # fully-qualified ref -> local.test/img:<name> or empty
  local ref=$1 name tag
  name=${ref%:*}; name=${name##*/}; tag=${ref##*:}
  case "$name:$tag" in
    "nats:$NATS_TAG") echo local.test/img:nats ;;
    "nats:$NATS_PREVIOUS_TAG") echo local.test/img:nats-previous ;;
    "nats-box:$NATS_BOX_TAG") echo local.test/img:nats-box ;;
    "nats-server-config-reloader:$RELOADER_TAG") echo local.test/img:nats-server-config-reloader ;;
    "prometheus-nats-exporter:$EXPORTER_TAG") echo local.test/img:prometheus-nats-exporter ;;
    "prometheus-operator:$PROMETHEUS_OPERATOR_VERSION") echo local.test/img:prometheus-operator ;;
    "prometheus-config-reloader:$PROMETHEUS_OPERATOR_VERSION") echo local.test/img:prometheus-config-reloader ;;
    "prometheus:$PROMETHEUS_VERSION") echo local.test/img:prometheus ;;
    "pause:3.10") echo local.test/img:pause ;;
  esac
}
REFS="docker.io/library/nats:$NATS_TAG docker.io/library/nats:$NATS_PREVIOUS_TAG docker.io/natsio/nats-box:$NATS_BOX_TAG $PAUSE_IMAGE
docker.io/natsio/nats-server-config-reloader:$RELOADER_TAG
harbor.example.com/library/nats:$NATS_TAG harbor.example.com/library/nats-box:$NATS_BOX_TAG
harbor.example.com/library/nats-server-config-reloader:$RELOADER_TAG
docker.io/natsio/prometheus-nats-exporter:$EXPORTER_TAG harbor.example.com/library/prometheus-nats-exporter:$EXPORTER_TAG
quay.io/prometheus-operator/prometheus-operator:$PROMETHEUS_OPERATOR_VERSION
quay.io/prometheus-operator/prometheus-config-reloader:$PROMETHEUS_OPERATOR_VERSION quay.io/prometheus/prometheus:$PROMETHEUS_VERSION"
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then shopt -s nullglob; FILES=("$REPO_DIR"/dist/*.yaml); fi
bad=0
for f in "${FILES[@]}"; do
  while read -r img; do
    [ -n "$img" ] || continue
    full=$(normalize "$img")
    if [ -z "$(source_for "$full")" ]; then log "FAIL: $f references $img ($full): no local image for it"; bad=1; continue; fi
    REFS="$REFS $full"
  done < <(sed -n 's/^[[:space:]-]*image:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' "$f" | sort -u)
done
[ "$bad" = 0 ] || die "unknown image references (see above)"
for r in $(echo "$REFS" | tr ' ' '\n' | sort -u); do
  src=$(source_for "$r")
  ctr_ images rm "$r" >/dev/null 2>&1 || true
  ctr_ images tag "$src" "$r" >/dev/null
  echo "tagged $r <- $src"
done
