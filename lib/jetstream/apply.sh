#!/bin/sh
set -u
# As a container's first process, sh would ignore SIGTERM: end promptly when the Job is deleted.
trap 'exit 143' TERM
dir=${1:?usage: apply.sh <definitions directory>}
ready_timeout=${JETSTREAM_READY_TIMEOUT:-300}
# No mktemp: minimal nats-box images lack it. /tmp is the Job's emptyDir.
tmp=${TMPDIR:-/tmp}/jetstream-apply.$$
declared=$tmp.declared
: >"$declared"
failed=0
log() { printf 'jetstream: %s\n' "$*"; }

# A fresh server, or a cluster still electing its meta leader, does not answer the JetStream API yet.
waited=0
until nats stream ls --names >"$tmp" 2>&1 </dev/null; do
  if [ "$waited" -ge "$ready_timeout" ]; then
    log "JetStream at ${NATS_URL:-the default server} not ready after ${ready_timeout}s:"
    sed 's/^/  /' "$tmp"
    exit 1
  fi
  sleep 2
  waited=$((waited + 2))
done
log "JetStream at ${NATS_URL:-the default server} is ready"

# The "config" block of an info document: compared before and after to tell updated from unchanged.
stream_config() { nats stream info "$1" --json 2>/dev/null </dev/null | sed -n '/^  "config": {/,/^  }/p'; }
consumer_config() { nats consumer info "$1" "$2" --json 2>/dev/null </dev/null | sed -n '/^  "config": {/,/^  }/p'; }

rejected() {
  log "$1: REJECTED by the server:"
  sed 's/^/  /' "$tmp"
  failed=1
}

outcome() {
  if [ -z "$2" ]; then log "$1: created"
  elif [ "$2" = "$3" ]; then log "$1: unchanged"
  else log "$1: updated"
  fi
}

apply_stream() {
  before=$(stream_config "$1")
  file="$dir/stream.$1.json"
  # The server treats a create with an identical configuration as a no-op and refuses a different one.
  if ! nats stream add "$1" --config "$file" >"$tmp" 2>&1 </dev/null; then
    if [ -z "$before" ] || ! nats stream edit "$1" --config "$file" --force >"$tmp" 2>&1 </dev/null; then
      rejected "stream $1"
      return
    fi
  fi
  outcome "stream $1" "$before" "$(stream_config "$1")"
}

apply_consumer() {
  if [ -z "$(stream_config "$1")" ]; then
    echo "its stream $1 does not exist" >"$tmp"
    rejected "consumer $1 > $2"
    return
  fi
  before=$(consumer_config "$1" "$2")
  # Creates the durable consumer, or updates it in place (the server refuses changes it cannot make).
  if ! nats consumer add "$1" --config "$dir/consumer.$1.$2.json" >"$tmp" 2>&1 </dev/null; then
    rejected "consumer $1 > $2"
    return
  fi
  outcome "consumer $1 > $2" "$before" "$(consumer_config "$1" "$2")"
}

# kv and object buckets: nats CLI flags, one per line in <kind>.<bucket>.args. Edit takes no --storage.
apply_bucket() {
  kind=$1 bucket=$2 stream=$3
  before=$(stream_config "$stream")
  want_storage=
  set --
  while IFS= read -r arg; do
    case $arg in
      --storage=*) want_storage=${arg#--storage=}; [ -n "$before" ] && continue ;;
    esac
    set -- "$@" "$arg"
  done <"$dir/$kind.$bucket.args"
  if [ -z "$before" ]; then verb=add; else verb=edit; fi
  if ! nats "$kind" "$verb" "$bucket" "$@" >"$tmp" 2>&1 </dev/null; then
    rejected "$kind $bucket"
    return
  fi
  after=$(stream_config "$stream")
  if ! printf '%s\n' "$after" | grep -q "\"storage\": \"$want_storage\""; then
    printf 'storage is fixed when a bucket is created; delete and recreate it to move it to %s\n' "$want_storage" >"$tmp"
    rejected "$kind $bucket"
    return
  fi
  outcome "$kind $bucket" "$before" "$after"
}

while read -r kind a b <&3; do
  case $kind in
    stream) echo "$a" >>"$declared"; apply_stream "$a" ;;
    consumer) apply_consumer "$a" "$b" ;;
    kv) echo "KV_$a" >>"$declared"; apply_bucket kv "$a" "KV_$a" ;;
    object) echo "OBJ_$a" >>"$declared"; apply_bucket object "$a" "OBJ_$a" ;;
    '') ;;
    *) log "unknown plan entry: $kind $a $b"; failed=1 ;;
  esac
done 3<"$dir/plan"

# Removing a definition from code never deletes data: say so, and leave the stream in place.
if nats stream ls --names >"$tmp" 2>/dev/null </dev/null; then
  while read -r name; do
    [ -n "$name" ] && ! grep -qxF "$name" "$declared" &&
      log "stream $name is on the server but not declared: left in place (this Job never deletes)"
  done <"$tmp"
fi

if [ "$failed" -ne 0 ]; then
  log "failed: the server rejected at least one definition (see above)"
  rm -f "$tmp" "$declared"
  exit 1
fi
rm -f "$tmp" "$declared"
log "done"
