#!/usr/bin/env bash
# `npm run verify`: deploys synthesized manifests with `kubectl apply -f DIR` on whatever cluster KUBECONFIG
# points at and checks the seed's promises end to end. One PASS/FAIL line per check; exits 1 on any FAIL.
#
#   e2e/verify.sh [--keep] [DIR]          DIR: a `cdk8s synth` output (default: dist)
#
# It creates the namespace the manifests declare and deletes it (with its claims) at the end: that namespace
# must not exist yet, so never point it at a deployment you care about. Synthesize with another namespace
# instead: `NATS_NAMESPACE=nats-verify npx cdk8s synth -o /tmp/dist-verify && e2e/verify.sh /tmp/dist-verify`.
# Needs: kubectl, python3 (JSON checks; the nats-py check makes a venv and installs nats-py from PyPI once),
# curl for HTTPS monitoring. Only 127.0.0.1 port-forwards are opened on this machine.
# With a NetworkPolicy in DIR it also starts probe pods (nats-box image) in the namespace, in a fresh
# <ns>-np-other and in the namespaces the policy names if they do not exist yet (e2e/verify/netpol.sh).
#
# Environment:
#   VERIFY_KEEP=1            keep the namespace (same as --keep); VERIFY_KEEP=on-failure keeps it only after a FAIL
#   VERIFY_READY_TIMEOUT=300 seconds for all pods to become Ready
#   VERIFY_PERSIST_MSGS=100  messages published before the pods are deleted
#   VERIFY_VENV=DIR          venv for nats-py (default /var/cache/nats-cdk8s/verify-venv, or ~/.cache/...)
#   VERIFY_SKIP_PYTHON=1     skip the nats-py check (printed as SKIP)
#   VERIFY_NACK=auto|0       NACK CRDs server-side dry run (auto: synth JETSTREAM_MODE=nack when run from the repo)
#   VERIFY_ADMIN_USER / VERIFY_ADMIN_SECRET[/KEY]  a system-account user for `nats server info` when auth is on
#   VERIFY_LOAD_IMAGES=1     e2e cluster only: e2e/load-images.sh DIR/*.yaml first
#   VERIFY_RECYCLE_PVS=1     e2e cluster only: recycle this namespace's Released local PVs after the cleanup
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KEEP=${VERIFY_KEEP:-}
DIR=
for a in "$@"; do
  case $a in
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "unknown option $a" >&2; exit 2 ;;
    *) DIR=$a ;;
  esac
done
DIR=${DIR:-$REPO/dist}
T_START=$(date +%s)
FAILS=0 PASSES=0
TMP=$(mktemp -d /tmp/nats-verify.XXXXXX)
pass() { PASSES=$((PASSES + 1)); echo "PASS  $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL  $*"; }
skip() { echo "SKIP  $*"; }
info() { echo "      $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
kc() { timeout 120 kubectl "$@"; }   # bounded; longer waits call timeout N kubectl
has() { grep -c "$@" >/dev/null; }
# python3 as a tiny jq: json on stdin, a Python expression over `d` as $1.
jpy() { python3 -c 'import json,sys; d=json.load(sys.stdin); r=eval(sys.argv[1]); print(json.dumps(r) if isinstance(r,(dict,list)) else r)' "$1"; }

command -v kubectl >/dev/null || { echo "FAIL  kubectl not found"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL  python3 not found (needed for the JSON checks)"; exit 1; }
shopt -s nullglob; FILES=("$DIR"/*.yaml); shopt -u nullglob
[ ${#FILES[@]} -gt 0 ] || { echo "FAIL  no manifests in $DIR (run npm run synth first)"; exit 1; }

# Names from the manifests: the Namespace, the StatefulSet (= client Service), the nats-box Deployment.
names() { awk -v k="$1" '/^---/ {kind=""; md=0} /^kind: / {kind=$2} /^metadata:/ {md=1} /^[a-z]/ && !/^metadata:/ {md=0}
  md && kind==k && /^  name: / {print $2; md=0}' "${FILES[@]}"; }
NS=$(names Namespace | awk 'NR==1')
STS=$(names StatefulSet | awk 'NR==1')
BOX=$(names Deployment | grep -- '-box$' | awk 'NR==1')
[ -n "$NS" ] && [ -n "$STS" ] && [ -n "$BOX" ] || { echo "FAIL  $DIR lacks a Namespace, StatefulSet or nats-box Deployment"; exit 1; }
EXPECT_PSA=restricted
if grep -h -A30 'initContainers:' "${FILES[@]}" | has -E '^ *runAsUser: 0$'; then EXPECT_PSA=baseline; fi
echo "==== verify $DIR -> namespace $NS (context $(kubectl config current-context 2>/dev/null || echo ?)), $(date -u +%H:%M:%SZ)"

dump() {
  echo "==== diagnostics for namespace $NS"
  kc get events -n "$NS" --sort-by=.lastTimestamp 2>&1 | tail -60
  kc -n "$NS" get all,pvc,pdb -o wide 2>&1
  kc -n "$NS" describe pods 2>&1 | tail -200
  local p
  for p in $(kc -n "$NS" get pods -o name 2>/dev/null); do
    echo "---- logs $p"; kc -n "$NS" logs --all-containers --tail=40 "$p" 2>&1
  done
}
stop_portfwds() {
  local p
  [ -f "$TMP/pf.pids" ] || return 0
  for p in $(cat "$TMP/pf.pids"); do kill "$p" 2>/dev/null; done
  rm -f "$TMP/pf.pids"
}
cleanup() { stop_portfwds; rm -rf "$TMP"; }
finish() {
  local code=0
  [ "$FAILS" -eq 0 ] || code=1
  # diagnostics only for a deployment this run applied (never for a namespace it refused to touch)
  if [ "$code" -ne 0 ] && [ -n "${CREATED_NS:-}" ]; then dump; fi
  stop_portfwds
  if [ -n "${CREATED_NS:-}" ]; then
    if [ "${KEEP:-}" = 1 ] || { [ "$code" -ne 0 ] && [ "${KEEP:-}" = on-failure ]; }; then
      echo "kept namespace $NS (delete it with: kubectl delete ns $NS)"
    else
      local t; t=$(now)
      if timeout 200 kubectl delete ns "$NS" --wait=true --timeout=180s >/dev/null 2>&1; then info "namespace $NS deleted in $(since "$t")s"
      else echo "FAIL  cleanup: namespace $NS not deleted within 180s"; code=1; fi
      if [ "${VERIFY_RECYCLE_PVS:-}" = 1 ]; then bash "$HERE/verify/recycle-pvs.sh" "$NS" 2>&1 | sed 's/^/      /'; fi
    fi
  fi
  echo "==== verify $NS: $PASSES passed, $FAILS failed in $(( $(date +%s) - T_START ))s"
  cleanup
  exit "$code"
}
fatal() { fail "$*"; finish; }
trap 'echo "interrupted"; FAILS=$((FAILS + 1)); finish' INT TERM

kc version -o json >/dev/null 2>&1 || fatal "cluster not reachable with KUBECONFIG=${KUBECONFIG:-~/.kube/config}"
if kc get ns "$NS" >/dev/null 2>&1; then
  # Allowed only when nothing runs there yet: e.g. created with `kubectl create ns $NS --save-config` to hold the
  # TLS and password Secrets the manifests reference. It is deleted at the end all the same.
  if [ -n "$(kc -n "$NS" get sts,deploy,pods,pvc -o name 2>/dev/null)" ]; then
    fatal "namespace $NS already holds workloads or claims: verify deploys and deletes its own; synthesize with NATS_NAMESPACE=<unused name>"
  fi
  info "namespace $NS exists without workloads ($(kc -n "$NS" get secrets -o name 2>/dev/null | xargs)): applying into it, deleting it at the end"
fi
if [ "${VERIFY_LOAD_IMAGES:-}" = 1 ]; then bash "$HERE/load-images.sh" "${FILES[@]}" >/dev/null || fatal "e2e/load-images.sh"; fi

# ---- apply, exactly `kubectl apply -f DIR`, and time it until every pod is Ready --------------------------------
T_APPLY=$(now)
CREATED_NS=1
if ! kubectl apply -f "$DIR" >"$TMP/apply.out" 2>"$TMP/apply.err"; then
  cat "$TMP/apply.out" "$TMP/apply.err"; fatal "kubectl apply -f $DIR"
fi
sed 's/^/      /' "$TMP/apply.out"
if has -i 'warning' "$TMP/apply.err"; then cat "$TMP/apply.err"; fail "kubectl apply -f $DIR printed warnings"
else pass "kubectl apply -f $DIR: $(wc -l <"$TMP/apply.out") objects, 0 warnings (stderr empty: $([ -s "$TMP/apply.err" ] && echo no || echo yes))"; fi
psa=$(kc get ns "$NS" -o jsonpath='{.metadata.labels.pod-security\.kubernetes\.io/enforce}')
[ "$psa" = "$EXPECT_PSA" ] && pass "namespace $NS enforces pod-security $psa" || fail "namespace $NS enforce label '$psa', expected $EXPECT_PSA"

REPL=$(kc -n "$NS" get sts "$STS" -o jsonpath='{.spec.replicas}')
want=$((REPL + 1))
deadline=$(( $(date +%s) + ${VERIFY_READY_TIMEOUT:-300} ))
ready=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  # pods not owned by a Job: the servers and nats-box
  ready=$(kubectl -n "$NS" get pods -o jsonpath='{range .items[?(@.metadata.ownerReferences[0].kind!="Job")]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | grep -c ' True$')
  [ "$ready" -ge "$want" ] && break
  sleep 0.5
done
READY_S=$(since "$T_APPLY")
[ "$ready" -ge "$want" ] || fatal "only $ready/$want pods Ready after ${VERIFY_READY_TIMEOUT:-300}s"
pass "apply -> all pods Ready: ${READY_S}s ($REPL server(s) + nats-box)"
echo "TIMING apply_to_ready_seconds=$READY_S replicas=$REPL namespace=$NS"

box() { timeout "${BOX_TIMEOUT:-60}" kubectl -n "$NS" exec deploy/"$BOX" -- "$@"; }
# The Service may lag pod readiness by a kube-proxy sync: wait until the default context connects.
for i in $(seq 1 60); do box nats server check connection >/dev/null 2>&1 && break; [ "$i" -lt 60 ] || fatal "nats-box cannot connect with its default context after 60 tries"; sleep 1; done
pass "nats-box default context connects (attempt $i, $(since "$T_APPLY")s after apply)"
# JetStream answers once the meta leader is elected.
for i in $(seq 1 60); do box nats stream ls --names >/dev/null 2>&1 && break; [ "$i" -lt 60 ] || fatal "JetStream API not answering nats-box after 60 tries"; sleep 1; done
pass "JetStream API answers ($(since "$T_APPLY")s after apply)"

# The JetStream store: the server's user can write it (fsGroup, or the prepare-volume init container).
# Claims are <template>-<sts>-<n>; the template differs between standalone and cluster (lib/topology.ts).
CLAIM=$(kubectl -n "$NS" get sts "$STS" -o jsonpath='{.spec.volumeClaimTemplates[0].metadata.name}')
for p in $(seq 0 $((REPL - 1))); do
  w=$(timeout 30 kubectl -n "$NS" exec "$STS-$p" -c nats -- sh -c 'touch /data/.verify-w && rm /data/.verify-w && echo "uid $(id -u) writes /data ($(stat -c "%u:%g %a" /data))"' 2>&1)
  case $w in uid*writes*) pass "$STS-$p JetStream store: $w, claim class $(kubectl -n "$NS" get pvc "$CLAIM-$STS-$p" -o jsonpath='{.spec.storageClassName}' 2>/dev/null)" ;; *) fail "$STS-$p JetStream store not writable: $w" ;; esac
done
CONTEXT=$(box sh -c 'cat "$XDG_CONFIG_HOME/nats/context/$(cat "$XDG_CONFIG_HOME/nats/context.txt").json"' 2>/dev/null)
CLIENT_TLS=0; case $(echo "$CONTEXT" | jpy 'd["url"]') in tls://*) CLIENT_TLS=1 ;; esac
# The nats.conf ConfigMap the pods mount (<sts>-config or <sts>-cluster-config, see lib/topology.ts).
CONF_CM=$(kc -n "$NS" get sts "$STS" -o jsonpath='{.spec.template.spec.volumes[?(@.name=="config")].configMap.name}')
CONF=$(kc -n "$NS" get cm "$CONF_CM" -o jsonpath='{.data.nats\.conf}')
[ -n "$CONF" ] || fatal "no nats.conf in ConfigMap '$CONF_CM' of StatefulSet $STS"
MON_TLS=0; echo "$CONF" | has '^https_port' && MON_TLS=1
AUTH=0; echo "$CONF" | has -E '^\s*(authorization|accounts) \{' && AUTH=1
info "replicas=$REPL client_tls=$CLIENT_TLS monitor_tls=$MON_TLS auth=$AUTH"

# ---- port-forward helper (127.0.0.1 only) ------------------------------------------------------------------------
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
portfwd() { # target remote-port -> prints local port
  local port log pid
  port=$(freeport); log="$TMP/pf.$port.log"
  kubectl -n "$NS" port-forward --address 127.0.0.1 "$1" "$port:$2" >"$log" 2>&1 &
  pid=$!; echo "$pid" >>"$TMP/pf.pids"   # called in $(...): the parent reads the file to stop them
  for _ in $(seq 1 40); do has 'Forwarding from' "$log" && { echo "$port"; return 0; }; kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  cat "$log" >&2; return 1
}

# ---- the JetStream apply Job (issue 6) -----------------------------------------------------------------------
JOBS=$(kc -n "$NS" get jobs -l app.kubernetes.io/component=jetstream -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
if [ -n "$JOBS" ]; then
  if timeout 200 kubectl -n "$NS" wait --for=condition=complete job -l app.kubernetes.io/component=jetstream --timeout=180s >/dev/null; then
    pass "JetStream apply Job $(echo "$JOBS" | tr '\n' ' ')complete, $(since "$T_APPLY")s after apply"
    for j in $JOBS; do kc -n "$NS" logs "job/$j" 2>&1 | sed 's/^/      job: /'; done
  else
    fail "JetStream apply Job did not complete in 180s"; for j in $JOBS; do kc -n "$NS" logs "job/$j" 2>&1 | tail -20; done
  fi
else
  skip "no JetStream apply Job in $DIR"
fi

# ---- monitoring: /healthz and /varz on 8222 of the client Service ------------------------------------------------
MON_HOST=$STS.$NS.svc.cluster.local
if [ "$MON_TLS" = 0 ]; then
  hz=$(box wget -qO- "http://$MON_HOST:8222/healthz" 2>&1)
  [ "$hz" = '{"status":"ok"}' ] && pass "GET http://$MON_HOST:8222/healthz from nats-box: $hz" || fail "healthz: '$hz'"
  box wget -qO- "http://$MON_HOST:8222/varz" >"$TMP/varz.json" 2>&1
  v=$(jpy '"%s %s jetstream=%s" % (d["server_name"], d["version"], bool(d.get("jetstream",{}).get("config")))' <"$TMP/varz.json" 2>&1)
  case $v in *jetstream=True) pass "GET http://$MON_HOST:8222/varz: $v" ;; *) fail "varz: $v $(head -c 200 "$TMP/varz.json")" ;; esac
else
  box cat "$(echo "$CONTEXT" | jpy 'd.get("ca","")')" >"$TMP/ca.crt" 2>/dev/null
  if mp=$(portfwd "svc/$STS" 8222); then
    hz=$(curl -sS --max-time 10 --cacert "$TMP/ca.crt" "https://localhost:$mp/healthz" 2>&1)
    [ "$hz" = '{"status":"ok"}' ] && pass "GET https://svc/$STS:8222/healthz (port-forward, verified against the CA): $hz" || fail "https healthz: '$hz'"
    curl -sS --max-time 10 --cacert "$TMP/ca.crt" "https://localhost:$mp/varz" >"$TMP/varz.json" 2>&1
    v=$(jpy '"%s %s jetstream=%s" % (d["server_name"], d["version"], bool(d.get("jetstream",{}).get("config")))' <"$TMP/varz.json" 2>&1)
    case $v in *jetstream=True) pass "GET https://.../varz: $v" ;; *) fail "https varz: $v" ;; esac
    plain=$(curl -sS --max-time 5 "http://localhost:$mp/healthz" 2>&1)
    [ "$plain" != '{"status":"ok"}' ] && pass "plain http on the monitoring port is refused" || fail "monitoring port answers plain http"
  else fail "port-forward svc/$STS 8222"; fi
fi
# Per server: cluster routes and the JetStream meta leader (R>1).
if [ "$REPL" -gt 1 ]; then
  leaders=""
  for p in $(seq 0 $((REPL - 1))); do
    host=$STS-$p.$STS-headless.$NS.svc.cluster.local
    if [ "$MON_TLS" = 0 ]; then
      box wget -qO- "http://$host:8222/jsz" >"$TMP/jsz.$p" 2>/dev/null; box wget -qO- "http://$host:8222/routez" >"$TMP/routez.$p" 2>/dev/null
    else
      mp=$(portfwd "pod/$STS-$p" 8222) || true
      curl -sS --max-time 10 --cacert "$TMP/ca.crt" "https://localhost:$mp/jsz" >"$TMP/jsz.$p" 2>/dev/null
      curl -sS --max-time 10 --cacert "$TMP/ca.crt" "https://localhost:$mp/routez" >"$TMP/routez.$p" 2>/dev/null
    fi
    leaders="$leaders $(jpy 'd.get("meta_cluster",{}).get("leader","")' <"$TMP/jsz.$p" 2>/dev/null)"
    peers=$(jpy 'len({r.get("remote_name") for r in d.get("routes",[])})' <"$TMP/routez.$p" 2>/dev/null)
    [ "${peers:-0}" -ge $((REPL - 1)) ] && pass "$STS-$p routes to $peers peer(s)$([ "$MON_TLS" = 1 ] && echo ' (cluster TLS configured)')" \
      || fail "$STS-$p routes: ${peers:-none} peers, expected $((REPL - 1))"
  done
  uniq_leaders=$(echo "$leaders" | tr ' ' '\n' | grep -v '^$' | sort -u)
  if [ "$(echo "$uniq_leaders" | grep -c .)" = 1 ] && [ "$(echo "$leaders" | wc -w)" = "$REPL" ]; then
    pass "JetStream meta leader elected: $uniq_leaders (all $REPL servers agree)"
  else fail "JetStream meta leader: '$leaders'"; fi
fi

# ---- nats-box: server / account info --------------------------------------------------------------------------
if box nats server info >"$TMP/si" 2>&1; then pass "nats server info: $(grep -m1 -E 'Server Name|Name:' "$TMP/si" | xargs)"
elif [ -n "${VERIFY_ADMIN_USER:-}" ]; then
  apw=$(kc -n "$NS" get secret "${VERIFY_ADMIN_SECRET:-nats-users}" -o jsonpath="{.data.${VERIFY_ADMIN_KEY:-$VERIFY_ADMIN_USER}}" | base64 -d)
  if box env NATS_USER="$VERIFY_ADMIN_USER" NATS_PASSWORD="$apw" nats server list >"$TMP/sl" 2>&1; then
    pass "nats server list as system user $VERIFY_ADMIN_USER: $(grep -c "$STS-" "$TMP/sl") server line(s)"
  else fail "nats server list as $VERIFY_ADMIN_USER: $(tail -2 "$TMP/sl")"; fi
else
  # Without a system-account user the server answers no $SYS requests: say so rather than hide it.
  if has 'system privileges' "$TMP/si"; then
    pass "nats server info refused without a system account (homelab has none; set VERIFY_ADMIN_USER with one) - /varz above is the server info"
  else fail "nats server info: $(tail -2 "$TMP/si")"; fi
fi
if box nats account info >"$TMP/ai" 2>&1 && has -E 'JetStream Account Information|Account Limits' "$TMP/ai"; then
  pass "nats account info: account $(grep -m1 'Account:' "$TMP/ai" | awk '{print $2}'), JetStream enabled"
else fail "nats account info: $(tail -3 "$TMP/ai")"; fi

# ---- security: refused clients, and no Secret value in any ConfigMap (cluster and DIR) -----------------------------------
if [ "$AUTH" = 1 ]; then
  out=$(box env -u NATS_USER -u NATS_PASSWORD nats server check connection 2>&1)
  if ! box env -u NATS_USER -u NATS_PASSWORD nats account info >/dev/null 2>&1 && echo "$out" | has -i 'authorization'; then
    pass "a client without credentials is refused: $(echo "$out" | grep -i -m1 authorization | cut -c1-120)"
  else fail "a client without credentials was not refused: $out"; fi
  out=$(box sh -c 'nats --user "$NATS_USER" --password wrong-password account info'  2>&1)
  echo "$out" | has -i 'authorization' && pass "a wrong password is refused" || fail "wrong password not refused: $(echo "$out" | tail -2)"
fi
if [ "$CLIENT_TLS" = 1 ]; then
  out=$(box nats --no-context -s "nats://$STS:4222" account info 2>&1)
  echo "$out" | has -i -E 'tls|secure' && pass "the client port requires TLS (a client without the CA fails): $(echo "$out" | grep -i -m1 -E 'tls|secure' | cut -c1-100)" || fail "client without the CA not refused: $(echo "$out" | tail -2)"
  # A genuinely plaintext client (raw protocol, no TLS upgrade) through a 127.0.0.1 port-forward.
  if pp=$(portfwd "svc/$STS" 4222); then
    out=$(python3 - "$pp" <<'PY' 2>&1
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
info = s.recv(4096).decode(errors="replace")
s.sendall(b'CONNECT {"verbose":false,"tls_required":false}\r\nPING\r\n')
try:
    reply = s.recv(4096).decode(errors="replace")
except Exception as e:
    reply = "closed: %s" % e
print("tls_required" if '"tls_required":true' in info else "no-tls_required", "|", reply.strip()[:80] or "closed")
PY
)
    case $out in tls_required*) case $out in *PONG*) fail "plaintext client got PONG: $out" ;; *) pass "a plaintext client is refused: INFO says tls_required, reply: ${out#*| }" ;; esac ;;
      *) fail "plaintext probe: $out" ;; esac
  else fail "port-forward svc/$STS 4222 for the plaintext probe"; fi
fi
kc -n "$NS" get secrets -o json >"$TMP/secrets.json" 2>/dev/null; kc -n "$NS" get cm -o json >"$TMP/cms.json" 2>/dev/null
leaks=$(python3 - "$TMP/secrets.json" "$TMP/cms.json" "${FILES[@]}" <<'PY'
import base64, json, sys
secrets = json.load(open(sys.argv[1]))["items"]
values = {}
for s in secrets:
    for k, v in (s.get("data") or {}).items():
        try:
            t = base64.b64decode(v).decode()
        except Exception:
            continue
        for line in ([t] if "BEGIN" not in t else [l for l in t.splitlines() if len(l) >= 40 and "-----" not in l]):
            if len(line.strip()) >= 8:
                values[line.strip()] = "%s/%s" % (s["metadata"]["name"], k)
cms = json.dumps(json.load(open(sys.argv[2])))
dist = "".join(open(f).read() for f in sys.argv[3:])
found = ["%s in a ConfigMap" % n for v, n in values.items() if v in cms] + ["%s in %s" % (n, "the manifests") for v, n in values.items() if v in dist]
print("%d\n%s" % (len(values), "; ".join(found)))
PY
)
nvals=$(echo "$leaks" | awk 'NR==1'); leaks=$(echo "$leaks" | awk 'NR>1')
if [ "${nvals:-0}" -gt 0 ]; then
  [ -z "$leaks" ] && pass "none of the $nvals Secret value(s) in $NS appears in any ConfigMap or in $DIR" || fail "Secret values leaked: $leaks"
fi

# ---- NetworkPolicy: enforced as declared (probe pods; e2e/verify/netpol.sh) -----------------------------------------
if [ -n "$(names NetworkPolicy)" ]; then
  out=$(bash "$HERE/verify/netpol.sh" "$NS" "$STS" "$BOX" 2>&1)
  echo "$out"
  PASSES=$((PASSES + $(echo "$out" | grep -c '^PASS'))); FAILS=$((FAILS + $(echo "$out" | grep -c '^FAIL')))
fi

# ---- core pub/sub on test.subject -----------------------------------------------------------------------------
tok=hello-$RANDOM$RANDOM
timeout 30 kubectl -n "$NS" exec deploy/"$BOX" -- nats sub test.subject --count 1 --raw >"$TMP/sub.out" 2>&1 &
sp=$!
for _ in $(seq 1 40); do
  sleep 0.5; box nats pub test.subject "$tok" >/dev/null 2>&1
  kill -0 "$sp" 2>/dev/null || break
done
wait "$sp" 2>/dev/null
has -x "$tok" "$TMP/sub.out" && pass "nats sub test.subject received the message from nats pub" || fail "nats sub/pub test.subject: $(tail -3 "$TMP/sub.out")"

# ---- the seed's stream and consumer -----------------------------------------------------------------------------
# Declared by the app (apply Job): compare with the server. Otherwise run the seed's commands literally.
JSCM=$(kc -n "$NS" get cm -l app.kubernetes.io/component=jetstream -o name 2>/dev/null | awk 'NR==1')
if [ -n "$JSCM" ]; then
  kc -n "$NS" get "$JSCM" -o json >"$TMP/jscm.json"
  for key in $(jpy '"\n".join(k for k in d["data"] if k.endswith(".json"))' <"$TMP/jscm.json"); do
    jpy "json.loads(d['data']['$key'])" <"$TMP/jscm.json" >"$TMP/declared.json"
    case $key in
      stream.*) s=${key#stream.}; s=${s%.json}; box nats stream info "$s" --json >"$TMP/info.json" 2>&1; what="stream $s" ;;
      consumer.*) s=${key#consumer.}; s=${s%.json}; c=${s#*.}; s=${s%%.*}; box nats consumer info "$s" "$c" --json >"$TMP/info.json" 2>&1; what="consumer $s > $c" ;;
      *) continue ;;
    esac
    diffs=$(python3 - "$TMP/declared.json" "$TMP/info.json" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))
try:
    have = json.load(open(sys.argv[2]))["config"]
except Exception as e:
    print("no info: %s" % open(sys.argv[2]).read()[:200]); sys.exit()
norm = lambda v: sorted(v) if isinstance(v, list) else v
print("; ".join("%s: declared %r, server %r" % (k, v, have.get(k)) for k, v in want.items() if norm(have.get(k)) != norm(v)))
PY
)
    summary=$(jpy '", ".join("%s=%s" % (k, d["config"].get(k)) for k in ("subjects","filter_subject","storage","num_replicas","deliver_policy","ack_policy") if k in d["config"])' <"$TMP/info.json" 2>/dev/null)
    [ -z "$diffs" ] && pass "$what matches its declaration ($summary)" || fail "$what differs: $diffs"
  done
fi
if box nats stream info MY_STREAM >/dev/null 2>&1; then
  CLI_STREAM=VERIFY_STREAM CLI_SUBJ=verify CLI_CONSUMER=VERIFY_CONSUMER
else
  CLI_STREAM=MY_STREAM CLI_SUBJ=events CLI_CONSUMER=MY_CONSUMER   # no Job: the seed's commands create them
fi
if box nats stream add "$CLI_STREAM" --subjects "$CLI_SUBJ.>" --storage file --replicas "$REPL" --defaults >"$TMP/sa" 2>&1; then
  pass "nats stream add $CLI_STREAM --subjects \"$CLI_SUBJ.>\" --storage file --replicas $REPL"
else fail "nats stream add $CLI_STREAM: $(tail -3 "$TMP/sa")"; fi
if box nats consumer add "$CLI_STREAM" "$CLI_CONSUMER" --filter "$CLI_SUBJ.user.>" --deliver all --pull --defaults >"$TMP/ca" 2>&1; then
  pass "nats consumer add $CLI_STREAM $CLI_CONSUMER --filter \"$CLI_SUBJ.user.>\" --deliver all"
else fail "nats consumer add $CLI_STREAM $CLI_CONSUMER: $(tail -3 "$TMP/ca")"; fi
pairs=("MY_STREAM MY_CONSUMER events")
[ "$CLI_STREAM" = MY_STREAM ] || pairs+=("$CLI_STREAM $CLI_CONSUMER $CLI_SUBJ")
for pair in "${pairs[@]}"; do
  read -r st co sj <<<"$pair"
  box nats pub "$sj.user.login" '{"user":"alice"}' >/dev/null 2>&1 || fail "nats pub $sj.user.login"
  got=$(box nats consumer next "$st" "$co" --count 1 --raw --timeout 10s 2>&1)
  [ "$got" = '{"user":"alice"}' ] && pass "nats pub $sj.user.login '{\"user\":\"alice\"}' consumed through $st > $co (nats consumer next)" \
    || fail "consume $st > $co: '$got'"
done
if [ "$REPL" -gt 1 ]; then
  box nats stream info "$CLI_STREAM" --json >"$TMP/si.json" 2>&1
  r=$(jpy '"leader=%s replicas=%s" % (d["cluster"]["leader"], ",".join("%s:current=%s" % (x["name"], x.get("current")) for x in d["cluster"].get("replicas",[])))' <"$TMP/si.json" 2>&1)
  [ "$(echo "$r" | grep -o 'current=True' | wc -l)" = $((REPL - 1)) ] && pass "R$REPL stream $CLI_STREAM: $r" || fail "R$REPL stream $CLI_STREAM: $r"
fi

# ---- KV bucket and object store ---------------------------------------------------------------------------------
kvv=v-$RANDOM
if box nats kv add VERIFY_KV --replicas "$REPL" >/dev/null 2>&1 && box nats kv put VERIFY_KV greeting "$kvv" >/dev/null 2>&1 \
   && [ "$(box nats kv get VERIFY_KV greeting --raw 2>&1)" = "$kvv" ]; then
  pass "KV bucket VERIFY_KV (R$REPL): put/get greeting=$kvv"
else fail "KV put/get: $(box nats kv get VERIFY_KV greeting --raw 2>&1 | tail -2)"; fi
# The blob is made inside nats-box: `kubectl exec -i` stdin was seen truncated at 96 KiB on the e2e cluster.
if box nats object add VERIFY_OBJ --replicas "$REPL" >/dev/null 2>&1 \
   && box sh -c 'head -c 300000 /dev/urandom >/tmp/verify.blob' \
   && box nats object put VERIFY_OBJ /tmp/verify.blob --name blob -f >/dev/null 2>&1 \
   && box nats object get VERIFY_OBJ blob -O /tmp/verify.out -f >/dev/null 2>&1; then
  want_sum=$(box cat /tmp/verify.blob | sha256sum | cut -c1-64); got_sum=$(box cat /tmp/verify.out | sha256sum | cut -c1-64)
  size=$(box cat /tmp/verify.out | wc -c)
  [ "$got_sum" = "$want_sum" ] && [ "$size" = 300000 ] && pass "object store VERIFY_OBJ (R$REPL): put/get $size bytes, sha256 matches" || fail "object get: $size bytes, sha256 differs"
  box rm -f /tmp/verify.blob /tmp/verify.out >/dev/null 2>&1
else fail "object store put/get"; fi

# ---- the seed's Python example through kubectl port-forward -------------------------------------------------------
if [ "${VERIFY_SKIP_PYTHON:-}" = 1 ]; then skip "nats-py example (VERIFY_SKIP_PYTHON=1)"
else
  VENV=${VERIFY_VENV:-}
  if [ -z "$VENV" ]; then if [ -w /var/cache ]; then VENV=/var/cache/nats-cdk8s/verify-venv; else VENV=$HOME/.cache/nats-cdk8s/verify-venv; fi; fi
  if ! "$VENV/bin/python" -c 'import nats' 2>/dev/null; then
    mkdir -p "$(dirname "$VENV")"
    { python3 -m venv "$VENV" && timeout 300 "$VENV/bin/pip" install -q "nats-py==${VERIFY_NATS_PY_VERSION:-2.16.0}"; } >"$TMP/pip.log" 2>&1 \
      || { tail -5 "$TMP/pip.log"; fail "venv with nats-py in $VENV"; }
  fi
  if "$VENV/bin/python" -c 'import nats' 2>/dev/null && cp=$(portfwd "svc/$STS" 4222); then
    scheme=nats; [ "$CLIENT_TLS" = 1 ] && scheme=tls
    envs=(NATS_URL="$scheme://127.0.0.1:$cp")
    if [ "$CLIENT_TLS" = 1 ]; then [ -s "$TMP/ca.crt" ] || box cat "$(echo "$CONTEXT" | jpy 'd.get("ca","")')" >"$TMP/ca.crt"; envs+=(NATS_CA="$TMP/ca.crt"); fi
    if [ "$AUTH" = 1 ]; then
      envs+=(NATS_USER="$(box sh -c 'echo "$NATS_USER"')" NATS_PASSWORD="$(box sh -c 'echo "$NATS_PASSWORD"')")
    fi
    env "${envs[@]}" timeout 90 "$VENV/bin/python" "$HERE/verify/seed_example.py" >"$TMP/py.out" 2>&1
    while read -r line; do case $line in PASS*) pass "${line#PASS  }" ;; FAIL*) fail "${line#FAIL  }" ;; *) info "$line" ;; esac; done <"$TMP/py.out"
    has -E '^(PASS|FAIL)' "$TMP/py.out" || fail "python example printed nothing"
  else fail "port-forward svc/$STS 4222 or nats-py unavailable"; fi
fi

# ---- re-applying unchanged manifests changes nothing (issue 6) -------------------------------------------------------
state() {
  # every object's resourceVersion: an apply that changes nothing writes nothing
  kubectl -n "$NS" get all,cm,secret,svc,pdb,networkpolicy -o jsonpath='{range .items[*]}{.kind}/{.metadata.name} rv={.metadata.resourceVersion}{"\n"}{end}' | grep -v '^Pod/' | sort
  echo "namespace rv=$(kubectl get ns "$NS" -o jsonpath='{.metadata.resourceVersion}')"
  kubectl -n "$NS" get jobs -o jsonpath='{range .items[*]}job {.metadata.name} uid={.metadata.uid}{"\n"}{end}'
  echo "job pods: $(kubectl -n "$NS" get pods -l app.kubernetes.io/component=jetstream --no-headers 2>/dev/null | wc -l)"
  box nats stream info MY_STREAM --json 2>/dev/null | jpy 'd["config"]'
  box nats consumer info MY_STREAM MY_CONSUMER --json 2>/dev/null | jpy 'd["config"]'
}
state >"$TMP/state.before" 2>&1
kubectl apply -f "$DIR" >"$TMP/apply2.out" 2>"$TMP/apply2.err"; rc=$?
changed=$(grep -v ' unchanged$' "$TMP/apply2.out" | awk '{print $1}' | xargs)
sleep 5
state >"$TMP/state.after" 2>&1
if [ "$rc" = 0 ] && ! has -i warning "$TMP/apply2.err" && cmp -s "$TMP/state.before" "$TMP/state.after"; then
  pass "re-apply of unchanged manifests changes nothing: no object written (resourceVersions equal), same Job $(awk '/^job .* uid=/{print $2}' "$TMP/state.after" | tr '\n' ' ')and no new Job run, MY_STREAM/MY_CONSUMER config unchanged"
  # kubectl sends a (no-op) patch when the manifest holds a field the server drops, e.g. `limits: {}`.
  [ -z "$changed" ] && pass "re-apply: kubectl reports every object unchanged" \
    || pass "re-apply: kubectl reports '$changed' configured, but nothing was written (no-op patches: e.g. the StatefulSet's resources.limits: {} is dropped by the API server, so kubectl re-sends it)"
else
  fail "re-apply changed something: rc=$rc ${changed:+kubectl configured: $changed} $(diff "$TMP/state.before" "$TMP/state.after" | head -10)"
fi

# ---- NACK mode: its custom resources pass server-side validation against the CRDs ---------------------------------
if [ "${VERIFY_NACK:-auto}" != 0 ] && [ -x "$REPO/node_modules/.bin/cdk8s" ] && [ -f "$REPO/imports/nack-jetstream.nats.io-crds.yml" ]; then
  ( cd "$REPO" && env JETSTREAM_MODE=nack NATS_NAMESPACE="$NS" NATS_REPLICAS="$REPL" NATS_NAME="$STS" \
      timeout 120 npx cdk8s synth --no-check-upgrade -o "$TMP/nack" >"$TMP/nack.log" 2>&1 ) || fail "JETSTREAM_MODE=nack synth: $(tail -3 "$TMP/nack.log")"
  crds=$(awk '/^kind: CustomResourceDefinition/ {c=1} c && /^  name: / {print $2; c=0}' "$REPO/imports/nack-jetstream.nats.io-crds.yml")
  created_crds=""
  for c in $crds; do kc get crd "$c" >/dev/null 2>&1 || created_crds="$created_crds $c"; done
  if [ -n "$created_crds" ]; then kc apply --server-side -f "$REPO/imports/nack-jetstream.nats.io-crds.yml" >/dev/null 2>&1 \
      && kc wait --for=condition=Established crd $created_crds --timeout=60s >/dev/null; fi
  if [ -f "$TMP/nack/streams.k8s.yaml" ] && kc apply --dry-run=server -f "$TMP/nack/streams.k8s.yaml" >"$TMP/nack.out" 2>"$TMP/nack.err" && ! has -i warning "$TMP/nack.err"; then
    pass "NACK custom resources pass kubectl apply --dry-run=server: $(sed 's/ (server dry run)//' "$TMP/nack.out" | awk '{print $1}' | tr '\n' ' ')"
  else fail "NACK dry-run: $(cat "$TMP/nack.err" | head -5)"; fi
  # shellcheck disable=SC2086
  [ -n "$created_crds" ] && kc delete crd $created_crds --wait=true >/dev/null 2>&1
else
  skip "NACK dry-run (VERIFY_NACK=0 or not run from the repo)"
fi

# ---- persistence: publish, delete the pods, same claims back, every message still there --------------------------------
N=${VERIFY_PERSIST_MSGS:-100}
box nats stream add PERSIST --subjects 'persist.>' --storage file --replicas "$REPL" --defaults >/dev/null 2>&1 || fail "stream PERSIST add"
box nats pub persist.msg "m{{Count}}" --count "$N" >/dev/null 2>&1 || fail "publish $N to PERSIST"
pvcs() { kubectl -n "$NS" get pvc -l app.kubernetes.io/name=nats,app.kubernetes.io/instance="$STS" -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.uid}={.spec.volumeName}{"\n"}{end}' | sort; }
pvcs >"$TMP/pvc.before"
before_my=$(box nats stream info MY_STREAM --json 2>/dev/null | jpy 'd["state"]["messages"]')
SERVERS=app.kubernetes.io/component=server,app.kubernetes.io/name=nats,app.kubernetes.io/instance="$STS"
ready_uids() { kubectl -n "$NS" get pod -l "$SERVERS" -o jsonpath='{range .items[*]}{.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null | awk '$2=="True"{print $1}'; }
old_uids=$(kubectl -n "$NS" get pod -l "$SERVERS" -o jsonpath='{.items[*].metadata.uid}')
T_DEL=$(now)
# Not `delete --wait`: the StatefulSet recreates the pods under the same names, and that wait was seen to sit out
# its whole timeout (180 s) on pods that were back in 15 s. Wait for REPL Ready pods with new UIDs instead.
kc -n "$NS" delete pod -l "$SERVERS" --wait=false >/dev/null 2>&1
for _ in $(seq 1 600); do
  [ "$(ready_uids | grep -cvxF -e "${old_uids// /$'\n'}")" -ge "$REPL" ] && break; sleep 0.5
done
ok=0
for _ in $(seq 1 120); do
  n=$(box nats stream info PERSIST --json 2>/dev/null | jpy 'd["state"]["messages"]' 2>/dev/null)
  [ "$n" = "$N" ] && { ok=1; break; }; sleep 1
done
info "pods deleted -> back Ready and PERSIST readable: $(since "$T_DEL")s"
pvcs >"$TMP/pvc.after"
claims=$(kubectl -n "$NS" get pods -l app.kubernetes.io/component=server,app.kubernetes.io/instance="$STS" -o jsonpath='{range .items[*]}{.spec.volumes[?(@.name=="'"$CLAIM"'")].persistentVolumeClaim.claimName} {end}')
if cmp -s "$TMP/pvc.before" "$TMP/pvc.after" && [ "$(wc -l <"$TMP/pvc.after")" = "$REPL" ]; then
  pass "pods came back on the same claims (PVC UIDs and volumes unchanged: $claims)"
else fail "claims changed: $(diff "$TMP/pvc.before" "$TMP/pvc.after")"; fi
msgdata() { box nats stream get PERSIST "$1" --json 2>/dev/null | jpy '__import__("base64").b64decode(d["data"]).decode()' 2>/dev/null; }
first=$(msgdata 1); last=$(msgdata "$N")
[ "$ok" = 1 ] && [ "$first" = m1 ] && [ "$last" = "m$N" ] && pass "all $N messages of file stream PERSIST (R$REPL) survived deleting every server pod (first=$first last=$last)" \
  || fail "persistence: messages=${n:-?}/$N first='$first' last='$last'"
after_my=$(box nats stream info MY_STREAM --json 2>/dev/null | jpy 'd["state"]["messages"]')
[ -n "$before_my" ] && [ "$before_my" = "$after_my" ] && pass "MY_STREAM kept its $after_my message(s)" || fail "MY_STREAM messages before=$before_my after=$after_my"
[ "$(box nats kv get VERIFY_KV greeting --raw 2>&1)" = "$kvv" ] && pass "KV VERIFY_KV still holds greeting=$kvv" || fail "KV value lost after restart"

finish
