#!/bin/sh
set -u
trap 'exit 143' TERM
: "${SOURCE_URL:?}" "${SOURCE_JETSTREAM_DIR:?}" "${SOURCE_ACCOUNT:?}" "${TARGET_URL:?}" "${TARGET_REPLICAS:?}"
ready_timeout=${READY_TIMEOUT:-300}
work=${TMPDIR:-/tmp}/migrate
mkdir -p "$work"
out=$work.out
failed=0
log() { printf 'migrate: %s\n' "$*"; }
source_nats() { nats --server "$SOURCE_URL" "$@" </dev/null; }
target_nats() {
  nats --server "$TARGET_URL" ${TARGET_CA:+--tlsca "$TARGET_CA"} ${TARGET_CERT:+--tlscert "$TARGET_CERT"} \
    ${TARGET_KEY:+--tlskey "$TARGET_KEY"} "$@" </dev/null
}
# "messages first_seq last_seq" from the state block of `nats stream info --json`.
state() {
  "$@" --json 2>/dev/null | awk -F'[:,]' '
    /^  "state": \{/ { s = 1; next }
    s && /^  }/ { s = 0 }
    s && /^    "messages":/ { m = $2 + 0 }
    s && /^    "first_seq":/ { f = $2 + 0 }
    s && /^    "last_seq":/ { l = $2 + 0 }
    END { if (m != "" || l != "") printf "%d %d %d", m, f, l }'
}
# Whether the cluster's stream ("messages first last") holds the source's: the same first sequence, and since then
# only appends (publishers write to the cluster as soon as a stream is restored), nothing rewritten.
holds() {
  # shellcheck disable=SC2086 # split the two "messages first last" triples into six words
  set -- $1 $2
  [ $# -eq 6 ] || return 1
  [ "$2" -eq 0 ] && set -- "$1" 1 "$3" "$4" "$5" "$6"
  [ "$5" -eq 0 ] && set -- "$1" "$2" "$3" "$4" 1 "$6"
  [ "$2" -eq "$5" ] && [ "$3" -ge "$6" ] && [ $(($1 - $4)) -eq $(($3 - $6)) ]
}
wait_for() { # name command...
  what=$1; shift
  waited=0
  until "$@" stream ls --names >"$out" 2>&1; do
    if [ "$waited" -ge "$ready_timeout" ]; then
      log "$what JetStream not ready after ${ready_timeout}s:"; sed 's/^/  /' "$out"; exit 1
    fi
    sleep 2; waited=$((waited + 2))
  done
}

# Streams of other accounts need their own users: refuse before copying anything, rather than half of it.
others=
for dir in "$SOURCE_JETSTREAM_DIR"/*/streams/*/; do
  [ -d "$dir" ] || continue
  account=${dir%/streams/*}; account=${account##*/}
  [ "$account" = "$SOURCE_ACCOUNT" ] || others="$others $account/${dir%/}"
done
if [ -n "$others" ]; then
  log "streams outside account $SOURCE_ACCOUNT (the Job's user) cannot be migrated by this Job:"
  for o in $others; do log "  account ${o%%/*}: stream ${o##*/}"; done
  exit 1
fi

wait_for source source_nats
source_nats stream ls --names >"$work.streams" 2>"$out" || { log "cannot list source streams:"; sed 's/^/  /' "$out"; exit 1; }
log "source: $(wc -l <"$work.streams" | tr -d ' ') stream(s) in account $SOURCE_ACCOUNT"
wait_for cluster target_nats
log "cluster: JetStream ready at $TARGET_URL"

while read -r name <&3; do
  [ -n "$name" ] || continue
  want=$(state source_nats stream info "$name")
  have=$(state target_nats stream info "$name")
  if [ -n "$have" ]; then
    if holds "$have" "$want"; then log "stream $name: already in the cluster (messages first last = $have), skipped"
    else log "stream $name: exists in the cluster with other data ($have, source $want): NOT overwritten"; failed=1; fi
    continue
  fi
  rm -rf "${work:?}/$name"
  if ! source_nats backup stream "$name" "$work/$name" --consumers --no-progress >"$out" 2>&1; then
    log "stream $name: backup FAILED:"; sed 's/^/  /' "$out"; failed=1; continue
  fi
  if ! target_nats backup restore stream "$work/$name" --replicas "$TARGET_REPLICAS" --no-progress >"$out" 2>&1; then
    log "stream $name: restore FAILED:"; sed 's/^/  /' "$out"; failed=1; rm -rf "${work:?}/$name"; continue
  fi
  rm -rf "${work:?}/$name"
  have=$(state target_nats stream info "$name")
  if holds "$have" "$want"; then log "stream $name: migrated, $TARGET_REPLICAS replicas (source messages first last = $want, cluster now $have)"
  else log "stream $name: MISMATCH after restore: cluster $have, source $want"; failed=1; fi
done 3<"$work.streams"

rm -f "$out" "$work.streams"
if [ "$failed" -ne 0 ]; then log "failed: see above; the standalone claim is untouched"; exit 1; fi
log "done"
