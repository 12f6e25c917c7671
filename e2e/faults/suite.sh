#!/usr/bin/env bash
# The fault suite (issue 4): an in-cluster JetStream client (e2e/faults/loadgen) publishes continuously with
# publish acks to an R3 file stream while faults are injected; after each scenario the whole stream is read back.
# Scenarios: s1 stream-leader pod deleted, s2 ten pod deletions in turn, s3 rollout restart, s4 config change via
# kubectl apply (max_payload 2Mi) that rolls the pods, s5 nats-server SIGKILLed (container restart, same pod),
# s6 homelab upgrade: data written with 1 replica; the in-place switch to 3 is refused, `npm run migrate` moves it.
# Asserts per scenario: every acked id in the stream exactly once; meta + stream leader present and agreed; all
# replicas current; no claim replaced. Records max publish gap, failed publishes, time until /healthz is green on
# every pod. Uses only namespace $NS (default nats-faults, deleted at the end) and at most 3 claims.
# Results: $FAULTS_OUT (default /tmp/faults-results/<time>): results.tsv, <scenario>.{stop,verify}.json, suite.log.
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"
NS=${FAULTS_NAMESPACE:-nats-faults}
case "$NS" in nats|nats-r3|nats-prod) die "refusing namespace $NS (belongs to another suite)";; esac
OUT=${FAULTS_OUT:-/tmp/faults-results/$(date +%Y%m%d-%H%M%S)}
WARM=${FAULTS_WARM:-8}          # seconds of publishing before each fault
COOL=${FAULTS_COOL:-8}          # seconds of publishing after the cluster is healthy again
HEALTH_TIMEOUT=${FAULTS_HEALTH_TIMEOUT:-300}
DELETIONS=${FAULTS_DELETIONS:-10}
SCENARIOS=${FAULTS_SCENARIOS:-"s1 s2 s3 s4 s5 s6"}
STREAM=FAULTS
SEL=app.kubernetes.io/component=server,app.kubernetes.io/instance=nats
mkdir -p "$OUT"
exec > >(tee -a "$OUT/suite.log") 2>&1
RESULTS=$OUT/results.tsv
printf 'scenario\tacked\tlost\tduplicates\tmax_gap_s\tfailed_publishes\ttime_to_all_healthy_s\tchecks\tnotes\n' > "$RESULTS"
FAILS=0
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); CHECKS="${CHECKS:+$CHECKS,}FAIL:$1"; }
now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)/1000}'; }

# ---------------------------------------------------------------- manifests
synth() { # outdir env...
  local d=$1; shift
  (cd "$REPO_DIR" && env "$@" NATS_NAMESPACE="$NS" npx cdk8s synth --no-check-upgrade -o "$d" >/dev/null)
}
log "synth into $OUT/dist-*"
synth "$OUT/dist-r3" NATS_REPLICAS=3
synth "$OUT/dist-r3-payload" NATS_REPLICAS=3 NATS_MAX_PAYLOAD=2Mi
synth "$OUT/dist-r1" NATS_REPLICAS=1
"$E2E_DIR/load-images.sh" "$OUT"/dist-r3/*.yaml >/dev/null
"$E2E_DIR/faults/build.sh"

cleanup_ns() {
  if kc get ns "$NS" >/dev/null 2>&1; then
    log "deleting namespace $NS"
    kc delete ns "$NS" --wait=true --timeout=180s >/dev/null || log "WARN: namespace $NS not gone in 180 s"
  fi
  "$E2E_DIR/lib/storage.sh" >/dev/null 2>&1 || log "WARN: storage.sh failed"
}
on_exit() {
  local rc=$?
  if [ "$rc" != 0 ] || [ "$FAILS" != 0 ]; then diag || true; fi
  if [ "${FAULTS_KEEP:-0}" != 1 ]; then cleanup_ns; fi
  log "results in $OUT"
}
diag() {
  kc -n "$NS" get pods,pvc -o wide >"$OUT/diag-pods.txt" 2>&1 || true
  kc -n "$NS" describe pods >>"$OUT/diag-pods.txt" 2>&1 || true
  kc -n "$NS" get events --sort-by=.lastTimestamp >"$OUT/diag-events.txt" 2>&1 || true
  for p in $(kc -n "$NS" get pods -o name 2>/dev/null); do
    kc -n "$NS" logs --all-containers --tail=200 "$p" >"$OUT/diag-log-${p#pod/}.txt" 2>&1 || true
    kc -n "$NS" logs --all-containers --previous --tail=200 "$p" >"$OUT/diag-prevlog-${p#pod/}.txt" 2>/dev/null || true
  done
  lg /events >"$OUT/diag-loadgen-events.txt" 2>/dev/null || true
}
trap on_exit EXIT
trap "exit 143" TERM INT

# ---------------------------------------------------------------- cluster helpers
replicas() { kc -n "$NS" get sts nats -o jsonpath='{.spec.replicas}'; }
pod_ips() { # "name ip" for live (not terminating) server pods
  kc -n "$NS" get pods -l "$SEL" -o json | jq -r '.items[] | select(.metadata.deletionTimestamp == null) | select(.status.podIP != null) | "\(.metadata.name) \(.status.podIP)"'
}
mon() { curl -s --max-time 3 "http://$1:8222$2"; }
# All pods present, not terminating, and full /healthz 200 on each (clustered: meta leader known, assets current).
all_healthy() {
  local n ip c=0 want
  want=$(replicas)
  while read -r n ip; do
    [ -n "$ip" ] || continue
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$ip:8222/healthz")" = 200 ] || return 1
    c=$((c + 1))
  done < <(pod_ips)
  [ "$c" = "$want" ]
}
wait_healthy() { # from_ms -> prints seconds
  local from=$1 end=$(( $(date +%s) + HEALTH_TIMEOUT ))
  until all_healthy; do
    [ "$(date +%s)" -lt "$end" ] || { echo timeout; return 1; }
    sleep 0.5
  done
  secs "$from" "$(now_ms)"
}
meta_view() { # per pod: name leader cluster_size current_peers
  local n ip
  while read -r n ip; do
    mon "$ip" /jsz | jq -r --arg n "$n" '"\($n) \(.meta_cluster.leader // "-") \(.meta_cluster.cluster_size // 0) \([.meta_cluster.replicas[]? | select(.current)] | length)"'
  done < <(pod_ips)
}
# Meta leader known and agreed by every pod, the leader sees every other peer current (only it tracks them); stream leader known, replicas current.
check_cluster() { # stream expected_replicas
  local stream=$1 want=$2 end=$(( $(date +%s) + 60 )) mv leaders sl
  while :; do
    mv=$(meta_view)
    leaders=$(echo "$mv" | awk '{print $2}' | sort -u)
    sl=$(lg "/leader?stream=$stream" 2>/dev/null || echo '{}')
    if [ "$(echo "$leaders" | wc -l)" = 1 ] && [ "$leaders" != - ] && [ -n "$leaders" ] && \
       echo "$mv" | awk -v w="$(replicas)" '$3 != w {bad=1} $1 == $2 && $4 != w - 1 {bad=1} END {exit bad}' && \
       [ "$(echo "$sl" | jq -r '.cluster.leader // ""')" != "" ] && \
       [ "$(echo "$sl" | jq -r '.replicas')" = "$want" ] && \
       [ "$(echo "$sl" | jq -r '[.cluster.replicas[]? | select(.current)] | length')" = "$((want - 1))" ]; then
      META_LEADER=$leaders; STREAM_LEADER=$(echo "$sl" | jq -r .cluster.leader)
      STREAM_SINCE=$(echo "$sl" | jq -r '.cluster.leader_since // ""')
      return 0
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
      log "cluster view: $(echo "$mv" | tr '\n' ';') stream: $(echo "$sl" | jq -c .)"
      return 1
    fi
    sleep 1
  done
}
stream_leader() { lg "/leader?stream=$1" 2>/dev/null | jq -r '.cluster.leader // ""'; }
claims() { kc -n "$NS" get pvc -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}{"\n"}{end}' | sort; }
pod_uid() { kc -n "$NS" get pod "$1" -o jsonpath='{.metadata.uid}' 2>/dev/null; }
restarts() { kc -n "$NS" get pod "$1" -o jsonpath='{.status.containerStatuses[?(@.name=="nats")].restartCount}'; }

# ---------------------------------------------------------------- load generator
deploy() { # dist dir
  kc apply -f "$1" >/dev/null
  kc -n "$NS" rollout status sts/nats --timeout=300s >/dev/null
}
start_loadgen() {
  kc apply -f - >/dev/null <<Y
apiVersion: v1
kind: Pod
metadata: { name: faults-loadgen, namespace: $NS, labels: { app.kubernetes.io/name: faults-loadgen } }
spec:
  automountServiceAccountToken: false
  enableServiceLinks: false
  securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: RuntimeDefault } }
  containers:
  - name: loadgen
    image: local.test/faults:loadgen
    imagePullPolicy: Never
    args: [serve, -url, "nats://nats:4222", -rate, "${FAULTS_RATE:-200}", -workers, "4"]
    ports: [{ name: control, containerPort: 8080 }]
    readinessProbe: { httpGet: { path: /healthz, port: 8080 }, periodSeconds: 1 }
    resources: { requests: { cpu: 50m, memory: 64Mi } }
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
Y
  kc -n "$NS" wait --for=condition=Ready pod/faults-loadgen --timeout=120s >/dev/null
  LG_IP=$(kc -n "$NS" get pod faults-loadgen -o jsonpath='{.status.podIP}')
}
lg() { local t=15; case $1 in /verify*|/ensure*|/stop*) t=600;; esac; curl -sf --max-time "$t" "http://$LG_IP:8080$1"; }

# ---------------------------------------------------------------- scenario frame
# run_scenario NAME STREAM REPLICAS FAULT_FUNCTION: publish, inject the fault (the function sets FAULT_T0 and
# HEALTHY_S), wait for the cluster, publish a little more, stop, read back, check, record.
run_scenario() {
  local name=$1 stream=$2 repl=$3 fn=$4 before after stop verify
  CHECKS=""; NOTES=""; HEALTHY_S=""; FAULT_T0=""
  log "=== $name: $fn"
  before=$(claims)
  local m0="" s0="" since0=""
  if [ "$(replicas)" -gt 1 ] && check_cluster "$stream" "$(lg "/leader?stream=$stream" | jq -r '.replicas // 0')" >/dev/null 2>&1; then
    m0=$META_LEADER; s0=$STREAM_LEADER; since0=$STREAM_SINCE
  fi
  lg "/start?stream=$stream&phase=$name" >/dev/null || { fail start; return; }
  sleep "$WARM"
  "$fn" || fail fault
  if check_cluster "$stream" "$repl"; then
    NOTES="$NOTES meta_leader=${m0:-?}->$META_LEADER stream_leader=${s0:-?}->$STREAM_LEADER"
    if [ -n "$since0" ] && [ "$since0" != "$STREAM_SINCE" ]; then NOTES="$NOTES (stream leader elected ${STREAM_SINCE:11:12})"
    elif [ "${REELECT_REQUIRED:-0}" = 1 ]; then fail stream-leader-not-reelected; fi
  else fail cluster-current; fi
  sleep "$COOL"
  stop=$(lg /stop) || { fail stop; return; }
  echo "$stop" > "$OUT/$name.stop.json"
  verify=$(lg "/verify?stream=$stream") || { fail verify; return; }
  echo "$verify" > "$OUT/$name.verify.json"
  after=$(claims)
  # Every claim that existed before must still be there with the same UID (new claims, e.g. scale-up, are fine).
  local c; for c in $before; do echo "$after" | grep -qxF "$c" || { fail claim-replaced; log "claim $c replaced; after: $(echo $after)"; }; done
  local acked lost dups inst gap failed gaveup
  read -r acked lost dups inst gaveup < <(echo "$verify" | jq -r --arg p "$name" '.phases[] | select(.phase==$p) | "\(.acked) \(.lost) \(.duplicates) \(.in_stream) \(.gave_up)"')
  gap=$(echo "$stop" | jq -r '.max_gap.ms / 1000')
  failed=$(echo "$stop" | jq -r .failed_publishes)
  [ "$lost" = 0 ] || fail lost
  [ "$dups" = 0 ] || fail duplicates
  [ "$(echo "$verify" | jq .lost)" = 0 ] || fail lost-earlier-phase
  [ "$(echo "$verify" | jq .duplicates)" = 0 ] || fail dup-earlier-phase
  [ "$acked" -gt 0 ] || fail no-acks
  NOTES="$NOTES stored=$inst gave_up=$gaveup stream_msgs=$(echo "$verify" | jq .messages) read_back=$(echo "$verify" | jq .read)"
  [ "$(echo "$verify" | jq .read)" = "$(echo "$verify" | jq .messages)" ] || fail read-back-short
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$acked" "$lost" "$dups" "$gap" "$failed" "${HEALTHY_S:-?}" \
    "${CHECKS:-ok}" "$(echo "$NOTES" | sed 's/^ //')" >> "$RESULTS"
  log "$name: acked=$acked lost=$lost dups=$dups max_gap=${gap}s failed=$failed healthy=${HEALTHY_S}s checks=${CHECKS:-ok}"
}

# ---------------------------------------------------------------- faults
delete_and_wait() { # pod -> appends to NOTES, sets LAST_HEALTHY
  local p=$1 uid t0 end
  uid=$(pod_uid "$p"); t0=$(now_ms)
  kc -n "$NS" delete pod "$p" --wait=false >/dev/null
  end=$(( $(date +%s) + HEALTH_TIMEOUT ))
  until [ -n "$(pod_uid "$p")" ] && [ "$(pod_uid "$p")" != "$uid" ]; do
    [ "$(date +%s)" -lt "$end" ] || { log "$p not recreated"; return 1; }
    sleep 0.5
  done
  LAST_HEALTHY=$(wait_healthy "$t0") || { log "not healthy after deleting $p"; return 1; }
}
f_leader() {
  local old t0 new="" end
  old=$(stream_leader "$STREAM"); [ -n "$old" ] || { log "no stream leader before"; return 1; }
  NOTES="$NOTES deleted=$old"
  FAULT_T0=$(now_ms); t0=$FAULT_T0
  kc -n "$NS" delete pod "$old" --wait=false >/dev/null
  end=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    new=$(stream_leader "$STREAM")
    if [ -n "$new" ] && [ "$new" != "$old" ]; then break; fi
    sleep 0.2
  done
  if [ -n "$new" ] && [ "$new" != "$old" ]; then NOTES="$NOTES new_stream_leader=$new@$(secs "$t0" "$(now_ms)")s"
  else fail stream-leader-reelected; fi
  local uid; uid=$(pod_uid "$old")
  # wait for the replacement pod (different UID), then all healthy
  until [ -n "$(pod_uid "$old")" ] && [ "$(pod_uid "$old")" != "$uid" ] || [ "$(date +%s)" -ge $(( end + HEALTH_TIMEOUT )) ]; do sleep 0.5; done
  HEALTHY_S=$(wait_healthy "$t0") || return 1
}
f_delete_each() {
  local i p max=0 total t0
  t0=$(now_ms)
  for i in $(seq 0 $((DELETIONS - 1))); do
    p=nats-$((i % $(replicas)))
    delete_and_wait "$p" || return 1
    log "  deletion $((i + 1))/$DELETIONS: $p healthy after ${LAST_HEALTHY}s"
    max=$(awk -v a="$max" -v b="$LAST_HEALTHY" 'BEGIN{print (b>a)?b:a}')
  done
  total=$(secs "$t0" "$(now_ms)")
  HEALTHY_S=$max
  NOTES="$NOTES deletions=$DELETIONS total=${total}s (time_to_all_healthy=max per deletion)"
}
f_rollout_restart() {
  local t0; t0=$(now_ms)
  kc -n "$NS" rollout restart sts/nats >/dev/null
  kc -n "$NS" rollout status sts/nats --timeout=600s >/dev/null || { fail rollout-stuck; return 1; }
  NOTES="$NOTES rollout=$(secs "$t0" "$(now_ms)")s"
  HEALTHY_S=$(wait_healthy "$t0") || return 1
}
f_config_change() {
  local t0 n ip bad=0; t0=$(now_ms)
  "$E2E_DIR/load-images.sh" "$OUT"/dist-r3-payload/*.yaml >/dev/null
  kc apply -f "$OUT/dist-r3-payload" >/dev/null
  kc -n "$NS" rollout status sts/nats --timeout=600s >/dev/null || { fail rollout-stuck; return 1; }
  NOTES="$NOTES rollout=$(secs "$t0" "$(now_ms)")s"
  HEALTHY_S=$(wait_healthy "$t0") || return 1
  while read -r n ip; do
    [ "$(mon "$ip" /varz | jq .max_payload)" = 2097152 ] || { log "$n max_payload not 2Mi"; bad=1; }
  done < <(pod_ips)
  [ "$bad" = 0 ] && NOTES="$NOTES max_payload=2Mi-on-all" || fail config-not-applied
}
f_kill_process() {
  local p uid rc cid pid t0 end
  p=$(stream_leader "$STREAM"); [ -n "$p" ] || p=nats-1
  uid=$(pod_uid "$p"); rc=$(restarts "$p")
  cid=$(kc -n "$NS" get pod "$p" -o jsonpath='{.status.containerStatuses[?(@.name=="nats")].containerID}'); cid=${cid#containerd://}
  pid=$(ctr_ task ls | awk -v c="$cid" '$1 == c {print $2}')
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm")" = nats-server ] || { log "no nats-server task for $p ($cid)"; return 1; }
  t0=$(now_ms)
  kill -KILL "$pid"   # from the host: a real SIGKILL, no lame duck, no preStop
  NOTES="$NOTES killed=$p(pid $pid)"
  end=$(( $(date +%s) + 120 ))
  until [ "$(restarts "$p")" -gt "$rc" ]; do [ "$(date +%s)" -lt "$end" ] || { fail restart-count; return 1; }; sleep 0.5; done
  HEALTHY_S=$(wait_healthy "$t0") || return 1
  [ "$(pod_uid "$p")" = "$uid" ] && NOTES="$NOTES same-pod restartCount=$rc->$(restarts "$p")" || fail pod-replaced
}
f_upgrade_r1_r3() {
  # In place, as a user would try first: Kubernetes must refuse it (a clustered nats-0 would delete the standalone
  # streams as orphans) and the running standalone server must not notice.
  local uid rc0 out t0
  uid=$(pod_uid nats-0); rc0=$(restarts nats-0)
  if out=$(kc apply -f "$OUT/dist-r3" 2>&1); then fail in-place-accepted; return 1; fi
  echo "$out" | grep -q 'StatefulSet "nats" is invalid' || { fail in-place-error; log "$out"; }
  sleep 5
  [ "$(pod_uid nats-0)" = "$uid" ] && [ "$(restarts nats-0)" = "$rc0" ] && [ "$(replicas)" = 1 ] || fail standalone-disturbed
  all_healthy || fail standalone-unhealthy
  NOTES="$NOTES in-place-apply-refused,standalone-untouched"
  # The supported path: npm run migrate (scripts/migrate-to-cluster.sh), publishing all along.
  t0=$(now_ms); FAULT_T0=$t0
  if ! (cd "$REPO_DIR" && KUBECTL="$KBIN/kubectl" NATS_NAMESPACE="$NS" NATS_REPLICAS=3 bash scripts/migrate-to-cluster.sh) >"$OUT/s6-migrate.log" 2>&1; then
    fail migrate; sed 's/^/    /' "$OUT/s6-migrate.log"; return 1
  fi
  sed 's/^/    /' "$OUT/s6-migrate.log"
  NOTES="$NOTES migrate=$(secs "$t0" "$(now_ms)")s"
  HEALTHY_S=$(wait_healthy "$t0") || return 1
  kc -n "$NS" get pvc nats-js-nats-0 >/dev/null 2>&1 && NOTES="$NOTES standalone-claim-kept" || fail standalone-claim-gone
  # Running it again finds the work done and changes nothing.
  if (cd "$REPO_DIR" && KUBECTL="$KBIN/kubectl" NATS_NAMESPACE="$NS" NATS_REPLICAS=3 bash scripts/migrate-to-cluster.sh) >"$OUT/s6-migrate-again.log" 2>&1 \
    && grep -q 'migration Job succeeded: finishing' "$OUT/s6-migrate-again.log"; then NOTES="$NOTES migrate-rerun-noop"
  else fail migrate-rerun; sed 's/^/    /' "$OUT/s6-migrate-again.log"; fi
  local my
  kc -n "$NS" wait --for=condition=complete job -l app.kubernetes.io/component=jetstream --timeout=180s >/dev/null || fail streams-job
  my=$(kc -n "$NS" exec deploy/nats-box -- nats stream info MY_STREAM --json | jq -r '"\(.state.messages) R\(.config.num_replicas)"')
  [ "$my" = "50 R3" ] && NOTES="$NOTES MY_STREAM=$my" || { fail my-stream; log "MY_STREAM after migration: $my (want 50 R3)"; }
}

# ---------------------------------------------------------------- run
T_SUITE=$(date +%s)
cleanup_ns
if echo "$SCENARIOS" | grep -qE 's[1-5]'; then
  log "deploy R3 into $NS"
  t=$(now_ms); deploy "$OUT/dist-r3"; start_loadgen
  log "R3 ready, all healthy after $(wait_healthy "$t")s"
  lg "/ensure?stream=$STREAM&replicas=3" >/dev/null
  for s in $SCENARIOS; do
    case $s in
      s1) REELECT_REQUIRED=1 run_scenario s1-leader-pod-deleted "$STREAM" 3 f_leader ;;
      s2) run_scenario s2-delete-each-x$DELETIONS "$STREAM" 3 f_delete_each ;;
      s3) run_scenario s3-rollout-restart "$STREAM" 3 f_rollout_restart ;;
      s4) run_scenario s4-config-change-apply "$STREAM" 3 f_config_change ;;
      s5) REELECT_REQUIRED=1 run_scenario s5-process-killed "$STREAM" 3 f_kill_process ;;
    esac
  done
fi
if echo "$SCENARIOS" | grep -q s6; then
  cleanup_ns
  log "deploy R1 into $NS (homelab)"
  deploy "$OUT/dist-r1"; start_loadgen
  wait_healthy "$(now_ms)" >/dev/null
  lg "/ensure?stream=HOMELAB&replicas=1" >/dev/null
  # Data written with R1 only (phase s6-r1-data), then the switch with publishing still on (phase s6-...).
  lg "/start?stream=HOMELAB&phase=s6-r1-data" >/dev/null; sleep 10; lg /stop > "$OUT/s6-r1-data.stop.json"
  # The app's declared stream holds data too: the migration must carry it, not race the streams Job (see migrate).
  kc -n "$NS" wait --for=condition=complete job -l app.kubernetes.io/component=jetstream --timeout=120s >/dev/null
  kc -n "$NS" exec deploy/nats-box -- nats pub events.user.login 'login {{Count}}' --count 50 --jetstream >/dev/null
  run_scenario s6-r1-to-r3-upgrade HOMELAB 3 f_upgrade_r1_r3
  r1lost=$(jq -r '.phases[] | select(.phase=="s6-r1-data") | "\(.acked) \(.lost) \(.duplicates)"' "$OUT/s6-r1-to-r3-upgrade.verify.json" 2>/dev/null || echo "? ? ?")
  log "s6 R1-era data: acked lost dups = $r1lost"
  read -r a l d <<<"$r1lost"
  [ "$l" = 0 ] && [ "$d" = 0 ] || { FAILS=$((FAILS + 1)); log "FAIL: R1-era data lost or duplicated after the switch"; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' s6-r1-era-data "$a" "$l" "$d" - - - "$([ "$l" = 0 ] && [ "$d" = 0 ] && echo ok || echo FAIL)" "written at R1 before the switch, read back at R3" >> "$RESULTS"
fi
log "suite took $(( $(date +%s) - T_SUITE ))s, $FAILS failure(s)"
"$E2E_DIR/faults/table.sh" "$RESULTS"
[ "$FAILS" = 0 ]
