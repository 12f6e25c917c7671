#!/usr/bin/env bash
# Smoke test for the e2e cluster, independent of the library. Proves: PodSecurity "restricted"
# enforcement, a non-root nats-server (uid 1000, fsGroup 1000, read-only root) writing JetStream
# to a PVC of the default class, Service DNS + kube-proxy routing, kubectl exec, and that the
# hostpath class ignores fsGroup (expected: not writable by uid 1000).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
NS=e2e-smoke
T0=$(date +%s)
on_exit() {
  local rc=$?
  [ "$rc" -eq 0 ] && return
  kc -n "$NS" get all,pvc -o wide >&2 || true
  kc -n "$NS" describe pods >&2 || true
  kc get events -n "$NS" >&2 || true
  kc -n "$NS" logs nats >&2 || true
}
trap on_exit EXIT
kc delete ns "$NS" --ignore-not-found --grace-period=0 --force --wait=true >/dev/null 2>&1 || true
"$E2E_DIR/lib/storage.sh" >/dev/null 2>&1   # recycle PVs released by earlier runs

SEC_POD='securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: RuntimeDefault } }'
SEC_CTR='securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] } }'

# 1. PSA: a root pod must be rejected in a restricted namespace.
kc apply -f - >/dev/null <<Y
apiVersion: v1
kind: Namespace
metadata:
  name: $NS
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
Y
if out=$(kc -n "$NS" run root-pod --image="docker.io/library/nats:${NATS_SERVER_VERSION#v}-alpine" --restart=Never 2>&1); then
  die "PSA did not reject a root pod: $out"
fi
echo "$out" | has 'violates PodSecurity "restricted' || die "unexpected error: $out"
echo "PASS  PSA restricted rejects a non-compliant pod"

# 2. nats-server (JetStream, file store on a default-class PVC) + nats-box, both restricted-compliant.
kc apply -f - <<Y
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: $NS }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: hostpath-data, namespace: $NS }
spec: { storageClassName: hostpath, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: nats, namespace: $NS, labels: { app: nats } }
spec:
  $SEC_POD
  containers:
  - name: nats
    image: docker.io/library/nats:${NATS_SERVER_VERSION#v}-alpine
    args: ["-js", "-sd", "/data", "-m", "8222", "-n", "smoke"]
    ports: [{ containerPort: 4222, name: client }, { containerPort: 8222, name: monitor }]
    readinessProbe: { httpGet: { path: "/healthz?js-enabled-only=true", port: 8222 }, periodSeconds: 2 }
    resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 256Mi } }
    $SEC_CTR
    volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
---
apiVersion: v1
kind: Service
metadata: { name: nats, namespace: $NS }
spec:
  selector: { app: nats }
  ports: [{ name: client, port: 4222, targetPort: client }]
---
apiVersion: v1
kind: Pod
metadata: { name: nats-box, namespace: $NS }
spec:
  $SEC_POD
  containers:
  - name: box
    image: docker.io/natsio/nats-box:$NATS_BOX_TAG
    command: ["sh", "-c", "trap true INT TERM; sleep infinity & wait"]
    resources: { requests: { cpu: 10m, memory: 32Mi } }
    $SEC_CTR
    volumeMounts: [{ name: home, mountPath: /nsc }, { name: hp, mountPath: /hostpath }]
  volumes:
  - { name: home, emptyDir: {} }
  - { name: hp, persistentVolumeClaim: { claimName: hostpath-data } }
Y
kc -n $NS wait --for=condition=Ready pod/nats pod/nats-box --timeout=120s
echo "PASS  non-root nats-server Ready on a default-class PVC ($(kc -n $NS get pvc data -o jsonpath='{.spec.volumeName}'))"

# 3. Publish through the Service DNS name into a file-backed stream; read it back.
box() { kc -n $NS exec nats-box -- "$@"; }
S=nats://nats.$NS.svc.cluster.local:4222
box nslookup nats.$NS.svc.cluster.local | has Address || die "DNS lookup of the Service failed"
echo "PASS  Service DNS resolves in-cluster"
# The Service may lag pod readiness by a kube-proxy sync: wait until a client connection works.
for i in $(seq 1 30); do box nats -s "$S" server check connection >/dev/null 2>&1 && break; [ "$i" -lt 30 ] || die "cannot connect to $S"; sleep 1; done
echo "PASS  client connection via Service $S (after ${i} attempt(s))"
box nats -s "$S" stream add SMOKE --subjects 'smoke.>' --storage file --defaults >/dev/null
box nats -s "$S" pub smoke.hello "hello from nats-box" >/dev/null 2>&1
msgs=$(box nats -s "$S" stream info SMOKE --json | sed -n 's/.*"messages": *\([0-9]*\).*/\1/p' | awk 'NR==1')
[ "$msgs" = 1 ] || die "expected 1 message in stream SMOKE, got '$msgs'"
got=$(box nats -s "$S" stream get SMOKE 1 --raw 2>/dev/null || box nats -s "$S" stream get SMOKE 1 2>&1)
echo "$got" | has "hello from nats-box" || die "stream get did not return the message: $got"
echo "PASS  nats-box -> Service -> nats-server JetStream file store (1 message persisted)"
PV=$(kc -n $NS get pvc data -o jsonpath='{.spec.volumeName}')
D=$STATE/pv/${PV#local-}
find "$D" -path '*SMOKE*' -name '*.blk' | has . || die "no JetStream block file in $D"
echo "PASS  JetStream data on the host PV: $(stat -c '%U:%G %a' "$D") $(find "$D" -name '*.blk' -print -quit)"

# 4. The hostpath class ignores fsGroup: uid 1000 cannot write (what the library's opt-in fix must handle).
if box sh -c 'touch /hostpath/x' 2>/dev/null; then echo "NOTE  hostpath volume was writable by uid 1000 (fsGroup honoured?)";
else echo "PASS  hostpath class volume is NOT writable by uid 1000 (expected: it ignores fsGroup)"; fi

kc delete ns "$NS" --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
echo "SMOKE OK in $(( $(date +%s) - T0 ))s"
