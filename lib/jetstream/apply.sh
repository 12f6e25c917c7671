#!/bin/sh
set -u
# As a container's first process, sh would ignore SIGTERM: end promptly when the Job is deleted.
trap 'exit 143' TERM
dir=${1:?usage: apply.sh <definitions directory>}
ready_timeout=${JETSTREAM_READY_TIMEOUT:-300}
# apply: create or update to the declarations (the apply Job). repair: re-create what is missing and report, never
# change, what differs (the repair CronJob: unattended, so an edit that drops data, or a hand edit, is left to a human).
mode=${JETSTREAM_APPLY_MODE:-apply}
case $mode in apply | repair) ;; *) printf 'jetstream: JETSTREAM_APPLY_MODE must be "apply" or "repair", got "%s"\n' "$mode"; exit 2 ;; esac
# No mktemp: minimal nats-box images lack it. /tmp is the Job's emptyDir.
tmp=${TMPDIR:-/tmp}/jetstream-apply.$$
declared=$tmp.declared
: >"$declared"
failed=0
drifted=0
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
  if [ -z "$2" ] && [ "$mode" = repair ]; then log "$1: re-created (it was missing)"
  elif [ -z "$2" ]; then log "$1: created"
  elif [ "$2" = "$3" ]; then log "$1: unchanged"
  else log "$1: updated"
  fi
}

# Pretty-printed JSON (the declarations, and the CLI's --json) as one `key=value` line per setting, nested keys
# joined with dots and arrays on one line, Go's escapes of < > & undone, so that two configurations compare line by line with grep.
flatten() {
  awk '
    { sub(/^[ \t]+/, ""); sub(/[ \t]*,?[ \t]*$/, ""); gsub(/\\u003e/, ">"); gsub(/\\u003c/, "<"); gsub(/\\u0026/, "\\&") }
    array != "" { if ($0 ~ /^\]/) { print array "=[" items "]"; array = ""; items = "" } else items = items (items == "" ? "" : ",") $0; next }
    /^"[^"]*": *\{$/ { k = $0; sub(/^"/, "", k); sub(/".*/, "", k); path[++depth] = k; next }
    /^\}/ { if (depth > 0) depth--; next }
    /^"[^"]*": */ {
      k = $0; sub(/^"/, "", k); sub(/".*/, "", k); v = $0; sub(/^"[^"]*": */, "", v)
      p = ""; for (i = 1; i <= depth; i++) p = p path[i] "."
      if (v == "[") { array = p k; next }
      if (v == "[]") v = "[]"
      print p k "=" v
    }'
}

# The settings of a config block (stream_config, consumer_config), without its `"config": {` and `}` lines.
live_settings() { printf '%s\n' "$1" | sed '1d;$d' | flatten; }

# What differs between a declaration (file) and the live config (text): "key: live X, declared Y; ..." over the
# declared keys. Settings the declaration leaves out (server defaults) are not compared.
differences() {
  live_settings "$2" >"$tmp.live"
  flatten <"$1" | while IFS= read -r line; do
    key=${line%%=*}
    live=$(grep -m1 "^$key=" "$tmp.live")
    [ "$live" = "$line" ] && continue
    printf '%s: live %s, declared %s; ' "$key" "${live#*=}" "${line#*=}"
  done | sed 's/; $//; s/live ,/live (unset),/g'
  rm -f "$tmp.live"
}

drift() { # what, details
  log "$1: DRIFT, not repaired: ${2:-differs from its declaration in a setting it leaves at the default}"
  drifted=$((drifted + 1))
}

apply_stream() {
  before=$(stream_config "$1")
  file="$dir/stream.$1.json"
  # The server treats a create with an identical configuration as a no-op and refuses a different one.
  if ! nats stream add "$1" --config "$file" >"$tmp" 2>&1 </dev/null; then
    if [ -n "$before" ] && [ "$mode" = repair ]; then
      drift "stream $1" "$(differences "$file" "$before")"
      return
    fi
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
  file="$dir/consumer.$1.$2.json"
  if [ -n "$before" ] && [ "$mode" = repair ]; then
    # `nats consumer add` would update it in place: compare instead.
    differs=$(differences "$file" "$before")
    if [ -n "$differs" ]; then drift "consumer $1 > $2" "$differs"; else log "consumer $1 > $2: unchanged"; fi
    return
  fi
  # Creates the durable consumer, or updates it in place (the server refuses changes it cannot make).
  if ! nats consumer add "$1" --config "$file" >"$tmp" 2>&1 </dev/null; then
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
      --storage=*) want_storage=${arg#--storage=}; [ -n "$before" ] && [ "$mode" = apply ] && continue ;;
    esac
    set -- "$@" "$arg"
  done <"$dir/$kind.$bucket.args"
  if [ -z "$before" ]; then verb=add; else verb=edit; fi
  if [ -n "$before" ] && [ "$mode" = repair ]; then
    # Like a stream, adding an existing bucket is a no-op when it is the same and refused when it is not.
    if ! nats "$kind" add "$bucket" "$@" >"$tmp" 2>&1 </dev/null; then
      live_storage=$(live_settings "$before" | sed -n 's/^storage="\(.*\)"$/\1/p')
      if [ "$live_storage" != "$want_storage" ]; then
        drift "$kind $bucket" "storage: live \"$live_storage\", declared \"$want_storage\""
      else
        drift "$kind $bucket" "its stream $stream differs from the declared bucket ($(tr '\n' ' ' <"$tmp" | sed 's/ *$//'))"
      fi
    else
      log "$kind $bucket: unchanged"
    fi
    return
  fi
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

rm -f "$tmp" "$declared"
# Distinct exit codes, so that the repair Job fails at once on drift (no retry fixes it) and a user can alert on it.
if [ "$drifted" -ne 0 ]; then
  log "failed: DRIFT in $drifted object(s): left as they are; apply the declarations, or change them, by hand (see above)"
  exit 3
fi
if [ "$failed" -ne 0 ]; then
  log "failed: the server rejected at least one definition (see above)"
  exit 1
fi
log "done"
