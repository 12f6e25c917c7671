#!/usr/bin/env bash
# The NetworkPolicy is enforced as declared. Called by e2e/verify.sh when the manifests hold a NetworkPolicy:
#   e2e/verify/netpol.sh NAMESPACE STATEFULSET NATS_BOX_DEPLOYMENT
# Throwaway probe pods (nats-box image, restricted, no server labels) try the servers' ports on pod <sts>-0 and the
# client port through the Service: from the release namespace, from a fresh namespace the policy does not name, and
# from each namespace the policy names that does not exist yet (created and deleted here; existing namespaces are
# left alone). What each probe should see comes from the policies themselves. A port that must be closed has to stay
# silent for 3 s (a policy drops; a refusal would mean the packet got through); an open one may need a few tries
# while the enforcer learns a new pod's address. Prints PASS/FAIL lines; exit status = number of FAILs.
set -uo pipefail
NS=$1 STS=$2 BOX=$3
OTHER=$NS-np-other
fails=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; fails=$((fails + 1)); }
info() { echo "      $*"; }
kc() { timeout 120 kubectl "$@"; }

IMAGE=$(kc -n "$NS" get deploy "$BOX" -o jsonpath='{.spec.template.spec.containers[0].image}')
PULL=$(kc -n "$NS" get deploy "$BOX" -o jsonpath='{range .spec.template.spec.imagePullSecrets[*]}{.name}{" "}{end}')
LABELS=$(kc -n "$NS" get pod "$STS-0" -o json)
# Per port: which probe namespaces may connect, read from the policies that select the servers.
EXPECT=$(kc -n "$NS" get networkpolicy -o json | python3 -c '
import json, sys
ns, pod = sys.argv[1], json.loads(sys.argv[2])
labels = pod["metadata"].get("labels", {})
ports = {p["name"]: p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", []) if "name" in p}
allowed = {}    # port -> set of namespaces whose (unlabelled) pods may connect; "*" = any
named = set()
for pol in json.load(sys.stdin)["items"]:
    sel = pol["spec"].get("podSelector", {})
    if sel.get("matchExpressions") or any(labels.get(k) != v for k, v in sel.get("matchLabels", {}).items()):
        continue
    if "Ingress" not in pol["spec"].get("policyTypes", ["Ingress"]):
        continue
    for rule in pol["spec"].get("ingress", []):
        rports = [p["port"] for p in rule.get("ports", [])] or list(ports.values())
        for peer in rule.get("from", [{"namespaceSelector": {}}]):
            if "ipBlock" in peer or any(s.get("matchExpressions") for s in peer.values()):
                sys.exit("cannot evaluate peer %s" % json.dumps(peer))
            pods, nss = peer.get("podSelector"), peer.get("namespaceSelector")
            if pods and pods.get("matchLabels"):
                continue    # a labelled peer (e.g. the servers themselves): the probes never match it
            if nss is None:
                who = {ns}
            elif not nss.get("matchLabels"):
                who = {"*"}
            else:
                name = nss["matchLabels"].get("kubernetes.io/metadata.name")
                if name is None or len(nss["matchLabels"]) != 1:
                    sys.exit("cannot evaluate namespaceSelector %s" % json.dumps(nss))
                who = {name}
                named.add(name)
            for p in rports:
                allowed.setdefault(ports.get(p, p), set()).update(who)
print(" ".join(sorted(named)))
for name, port in sorted(ports.items()):
    print(name, port, ",".join(sorted(allowed.get(port, set()))) or "-")
' "$NS" "$LABELS" 2>&1) || { fail "NetworkPolicy: $EXPECT"; exit "$fails"; }
NAMED=$(echo "$EXPECT" | awk 'NR==1')
PORTS=$(echo "$EXPECT" | awk 'NR>1')
info "policy allows (port: namespaces): $(echo "$PORTS" | awk '{printf "%s %s: %s; ", $1, $2, $3}')"

# Probe namespaces: the release one, a fresh unnamed one, and the named ones this script may create.
PROBE_NS="$NS"; CREATED=""
for n in $OTHER $NAMED; do
  [ "$n" = "$NS" ] && continue
  if kc get ns "$n" >/dev/null 2>&1; then info "namespace $n exists: not probed from (it is not ours)"; continue; fi
  kc create ns "$n" >/dev/null && CREATED="$CREATED $n" && PROBE_NS="$PROBE_NS $n"
done
cleanup() {
  kc -n "$NS" delete pod np-probe --wait=false >/dev/null 2>&1
  # shellcheck disable=SC2086
  [ -z "$CREATED" ] || kc delete ns $CREATED --wait=false >/dev/null 2>&1
}
trap cleanup EXIT
for n in $PROBE_NS; do
  # The nats-box pull secrets, copied into the fresh namespaces (a private registry needs them there too).
  for s in $PULL; do
    [ "$n" = "$NS" ] && continue
    kc -n "$NS" get secret "$s" -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); m=d["metadata"]
d["metadata"]={"name":m["name"],"namespace":sys.argv[1]}; print(json.dumps(d))' "$n" | kc apply -f - >/dev/null
  done
  kc apply -f - >/dev/null <<YAML || fail "probe pod in $n not created"
apiVersion: v1
kind: Pod
metadata: { name: np-probe, namespace: $n, labels: { app.kubernetes.io/name: np-probe } }
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  imagePullSecrets: [$(for s in $PULL; do printf '{ name: %s },' "$s"; done)]
  securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: RuntimeDefault } }
  containers:
    - name: probe
      image: $IMAGE
      command: [sleep, "600"]
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }
      resources: { requests: { cpu: 10m, memory: 16Mi }, limits: { memory: 32Mi } }
YAML
done
for n in $PROBE_NS; do
  kc -n "$n" wait --for=condition=Ready pod/np-probe --timeout=90s >/dev/null || fail "probe pod in $n not Ready"
done

IP=$(kc -n "$NS" get pod "$STS-0" -o jsonpath='{.status.podIP}')
SVC=$STS.$NS.svc
try() { # ns host port -> "open" | "silent" | "refused: ..."
  local out
  # via sh: nats-box's nc may be a shell applet only. `-e true` (last: it takes the rest): exit 0 once connected.
  out=$(timeout 10 kubectl -n "$1" exec np-probe -- sh -c 'nc -w 3 "$0" "$1" -e true' "$2" "$3" 2>&1) && { echo open; return; }
  case $out in *"timed out"*) echo silent ;; *) echo "refused: $(echo "$out" | tail -1)" ;; esac
}
probe() { # ns host port label want(open|closed)
  local ns=$1 host=$2 port=$3 what=$4 want=$5 got i
  for i in 1 2 3 4 5; do
    got=$(try "$ns" "$host" "$port")
    [ "$want" = closed ] || [ "$got" = open ] && break
    sleep 2
  done
  case "$want:$got" in
    open:open) pass "NetworkPolicy: a pod in $ns reaches $what ($host:$port)$([ "$i" -gt 1 ] && echo " (try $i)")" ;;
    closed:silent) pass "NetworkPolicy: a pod in $ns gets no answer from $what ($host:$port, 3 s)" ;;
    closed:open) fail "NetworkPolicy not enforced: a pod in $ns connects to $what ($host:$port); does this cluster's CNI enforce NetworkPolicy?" ;;
    *) fail "NetworkPolicy: a pod in $ns -> $what ($host:$port): want $want, got $got" ;;
  esac
}
for n in $PROBE_NS; do
  while read -r name port who; do
    want=closed
    case ",$who," in *",*,"*|*",$n,"*) want=open ;; esac
    probe "$n" "$IP" "$port" "$name port of $STS-0" "$want"
    [ "$name" = client ] && probe "$n" "$SVC" "$port" "the client Service" "$want"
  done <<<"$PORTS"
done
exit "$fails"
