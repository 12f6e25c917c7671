#!/usr/bin/env bash
# Storage for the e2e cluster:
#   local-fsgroup (default): static `local` PVs on pre-created root-owned 0755 directories.
#       The local volume plugin applies the pod's fsGroup, so a uid 1000 / fsGroup 1000 pod can write.
#   hostpath: the in-tree kubernetes.io/host-path provisioner (KCM --enable-hostpath-provisioner).
#       It creates root-owned 0750 dirs and ignores fsGroup - for testing an opt-in ownership fix.
# Re-run to recycle Released PVs (wipes their directories and makes them Available again).
set -euo pipefail
. "$(dirname "$0")/common.sh"
PV_COUNT=${PV_COUNT:-16}
{
cat <<Y
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-fsgroup
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: hostpath }
provisioner: kubernetes.io/host-path
volumeBindingMode: Immediate
reclaimPolicy: Delete
Y
for i in $(seq 0 $((PV_COUNT - 1))); do
  d=$STATE/pv/pv$i
  if [ ! -d "$d" ]; then mkdir -p "$d" && chmod 0755 "$d"; fi
cat <<Y
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: local-pv$i, labels: { k8s-e2e/pv: local } }
spec:
  capacity: { storage: 100Gi }
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local-fsgroup
  volumeMode: Filesystem
  local: { path: $d }
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{ key: kubernetes.io/hostname, operator: In, values: [$NODE] }]
Y
done
} > "$ETC/storage.yaml"
# Recycle Released PVs: wipe their data and clear the claim reference.
for pv in $(kc get pv -l k8s-e2e/pv=local -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
  d=$STATE/pv/${pv#local-}
  rm -rf "$d" && mkdir -p "$d" && chmod 0755 "$d"
  kc patch pv "$pv" --type json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
  log "recycled $pv"
done
kc apply -f "$ETC/storage.yaml" >/dev/null
log "storage: $PV_COUNT local PVs (default class local-fsgroup) + class hostpath"
