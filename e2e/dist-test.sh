#!/usr/bin/env bash
# Applies the library's synthesized manifests (dist/*.yaml, or the files given) to the e2e cluster
# and checks the NATS StatefulSet comes up and JetStream works through nats-box.
# Expects: namespace nats, StatefulSet nats, Services nats + nats-headless, Deployment nats-box.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
NS=${NATS_NAMESPACE:-nats}
T0=$(date +%s)
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then shopt -s nullglob; FILES=("$REPO_DIR"/dist/*.yaml); fi
[ ${#FILES[@]} -gt 0 ] || die "no manifests (run npm run synth first)"
on_exit() {
  local rc=$? p
  [ "$rc" -eq 0 ] && return
  kc -n "$NS" get all,pvc,pdb -o wide >&2 || true
  kc -n "$NS" describe pods >&2 || true
  kc get events -n "$NS" --sort-by=.lastTimestamp >&2 || true
  for p in $(kc -n "$NS" get pods -o name 2>/dev/null); do kc -n "$NS" logs --all-containers --tail=30 "$p" >&2 || true; done
}
trap on_exit EXIT
"$E2E_DIR/load-images.sh" "${FILES[@]}" >/dev/null
"$E2E_DIR/lib/storage.sh" >/dev/null 2>&1
warn=0
for f in "${FILES[@]}"; do
  out=$(kc apply -f "$f" 2>&1) || { echo "$out" >&2; die "kubectl apply -f $f failed"; }
  echo "$out"
  if echo "$out" | has -i '^warning'; then warn=1; fi
done
[ "$warn" = 0 ] && echo "PASS  kubectl apply printed no warnings" || echo "WARN  kubectl apply printed warnings (see above)"
REPL=$(kc -n "$NS" get sts nats -o jsonpath='{.spec.replicas}')
kc -n "$NS" rollout status sts/nats --timeout="${ROLLOUT_TIMEOUT:-300s}"
echo "PASS  StatefulSet nats: $REPL/$REPL Ready after $(( $(date +%s) - T0 ))s"
kc -n "$NS" rollout status deploy/nats-box --timeout=120s
echo "PASS  Deployment nats-box Ready"
box() { kc -n "$NS" exec deploy/nats-box -- "$@"; }
S=nats://nats.$NS.svc.cluster.local:4222
OPT=()
if [ -n "${NATS_CREDS_ARGS:-}" ]; then read -r -a OPT <<< "$NATS_CREDS_ARGS"; fi
# The Service may lag pod readiness by a kube-proxy sync: wait until a client connection works.
for i in $(seq 1 30); do box nats -s "$S" "${OPT[@]}" server check connection >/dev/null 2>&1 && break; [ "$i" -lt 30 ] || die "cannot connect to $S"; sleep 1; done
echo "PASS  client connection via Service $S (after ${i} attempt(s))"
box nats -s "$S" "${OPT[@]}" server check jetstream 2>&1 | tail -3 || true
box nats -s "$S" "${OPT[@]}" stream add E2E --subjects 'e2e.>' --storage file --replicas "$REPL" --defaults >/dev/null
for i in 1 2 3; do box nats -s "$S" "${OPT[@]}" pub e2e.msg "m$i" >/dev/null 2>&1; done
msgs=$(box nats -s "$S" "${OPT[@]}" stream info E2E --json | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p' | awk 'NR==1')
[ "$msgs" = 3 ] || die "expected 3 messages in stream E2E (R$REPL), got '$msgs'"
echo "PASS  JetStream stream E2E (R$REPL) holds 3 messages published via Service nats"
if [ "$REPL" -ge 3 ]; then
  # Lose one server (graceful delete: preStop lame duck), keep serving the R$REPL stream, get the pod back.
  kc -n "$NS" delete pod nats-0 --wait=true --timeout=120s >/dev/null
  box nats -s "$S" "${OPT[@]}" pub e2e.msg m4 >/dev/null 2>&1 || die "publish failed while nats-0 was replaced"
  kc -n "$NS" rollout status sts/nats --timeout=180s >/dev/null
  for i in $(seq 1 30); do
    msgs=$(box nats -s "$S" "${OPT[@]}" stream info E2E --json 2>/dev/null | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p' | awk 'NR==1' || true)
    [ "$msgs" = 4 ] && break; sleep 1
  done
  [ "$msgs" = 4 ] || die "expected 4 messages after replacing nats-0, got '$msgs'"
  echo "PASS  R$REPL stream kept serving while nats-0 was deleted and recreated (4 messages)"
fi
box nats -s "$S" "${OPT[@]}" stream rm E2E -f >/dev/null
if [ -n "$(kc -n "$NS" get jobs -o name 2>/dev/null)" ]; then
  kc -n "$NS" wait --for=condition=complete job --all --timeout="${JOB_TIMEOUT:-180s}"
  echo "PASS  Jobs complete: $(kc -n "$NS" get jobs -o jsonpath='{range .items[*]}{.metadata.name} {end}')"
fi
echo "streams: $(box nats -s "$S" "${OPT[@]}" stream ls --names 2>/dev/null | tr '\n' ' ')"
echo "DIST OK in $(( $(date +%s) - T0 ))s"
