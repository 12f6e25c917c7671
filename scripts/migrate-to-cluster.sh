#!/usr/bin/env bash
# npm run migrate: moves a standalone (1 replica) deployment's JetStream data into a cluster (3 or 5 replicas).
#   NATS_REPLICAS=3 npm run migrate      # same NATS_* settings as `npm run synth`; kubectl's current context
# `kubectl apply` cannot make that switch (the StatefulSet's selector and claims differ, see lib/server/topology.ts):
# a clustered server would delete a standalone store's streams. So this script, with downtime for publishers:
#   1. deletes the standalone StatefulSet (its pod drains in lame duck; the claim <name>-js-<name>-0 stays),
#   2. applies the cluster (new claims <name>-cluster-js-<name>-N) and waits for it,
#   3. runs the migration Job (lib/operations/migration-job.ts): the old server on loopback, every stream copied in,
#   4. applies the rest of the app (streams as code), and leaves the old claim for you to delete.
# Safe to run again after a failure: each step checks what is already done. Publishers get errors, never acks
# that are lost, between step 1 and the end of step 3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KUBECTL=${KUBECTL:-kubectl}
TIMEOUT=${MIGRATE_TIMEOUT:-600}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
log() { printf '%s migrate: %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*"; exit 1; }

cd "$ROOT"
MIGRATE_FROM_STANDALONE=true npx cdk8s synth --no-check-upgrade -o "$OUT" >/dev/null
# namespace, StatefulSet, replicas and topology of the synthesized cluster, and the migration Job's name.
read -r NS STS REPLICAS TOPOLOGY JOB < <(node -e '
  const { parseAllDocuments } = require("yaml"); const fs = require("fs");
  const docs = (f) => parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => d.toJS()).filter(Boolean);
  const sts = docs(process.argv[1]).find((o) => o.kind === "StatefulSet");
  const job = docs(process.argv[2]).find((o) => o.kind === "Job");
  console.log(sts.metadata.namespace, sts.metadata.name, sts.spec.replicas, sts.metadata.labels["nats.cdk8s.io/topology"], job.metadata.name);
' "$OUT/nats.k8s.yaml" "$OUT/migration.k8s.yaml")
[ "$TOPOLOGY" = cluster ] || die "the app is synthesized with $REPLICAS replica(s): set NATS_REPLICAS=3 (or 5) to migrate into a cluster"
k() { "$KUBECTL" -n "$NS" "$@"; }
OLD_CLAIM=$STS-js-$STS-0
ROLLBACK="to go back: $KUBECTL -n $NS delete statefulset $STS; NATS_REPLICAS=1 npm run synth; $KUBECTL apply -f dist (the data is on claim $OLD_CLAIM)"

# A streams-as-code Job from an in-place apply of the cluster would create empty streams in the new cluster before
# the copy, which then refuses to overwrite them: remove unfinished ones (and their pods) while the standalone
# server still serves; step 4 applies them again.
for job in $(k get jobs -l app.kubernetes.io/component=jetstream -o jsonpath='{range .items[*]}{.metadata.name} {end}'); do
  [ "$(k get job "$job" -o jsonpath='{.status.succeeded}')" = 1 ] || k delete job "$job" --cascade=foreground --wait=true >/dev/null
done

live=$(k get statefulset "$STS" -o jsonpath='{.metadata.labels.nats\.cdk8s\.io/topology}/{.spec.replicas}' 2>/dev/null || echo absent)
case $live in
  cluster/*)
    if [ "$(k get job "$JOB" -o jsonpath='{.status.succeeded}' 2>/dev/null)" = 1 ]; then
      log "$NS/$STS is already a cluster and its migration Job succeeded: finishing"; COPIED=1
    fi
    [ -n "${COPIED:-}" ] || k get pvc "$OLD_CLAIM" >/dev/null 2>&1 || die "$NS/$STS is already a cluster and there is no standalone claim $OLD_CLAIM: nothing to migrate"
    [ -n "${COPIED:-}" ] || log "$NS/$STS is already a cluster; the standalone claim $OLD_CLAIM is still there: resuming at the copy" ;;
  standalone/1 | /1)
    k get pvc "$OLD_CLAIM" >/dev/null 2>&1 || die "standalone $NS/$STS has no claim $OLD_CLAIM: nothing to migrate"
    log "1/4 deleting the standalone StatefulSet $NS/$STS (claim $OLD_CLAIM is kept)"
    k delete statefulset "$STS" --cascade=foreground --wait=true --timeout="${TIMEOUT}s" >/dev/null
    # The pod drains in lame duck; two servers must never open the same store.
    k wait --for=delete "pod/$STS-0" --timeout="${TIMEOUT}s" >/dev/null 2>&1 || true
    [ -z "$(k get pod "$STS-0" -o name 2>/dev/null)" ] || die "pod $STS-0 still exists after ${TIMEOUT}s; $ROLLBACK" ;;
  absent)
    k get pvc "$OLD_CLAIM" >/dev/null 2>&1 || die "no StatefulSet $STS and no claim $OLD_CLAIM in namespace $NS: nothing to migrate"
    log "no StatefulSet $NS/$STS (an earlier run removed it); resuming" ;;
  *) die "$NS/$STS is $live (topology/replicas): only a standalone deployment with 1 replica can be migrated" ;;
esac

if [ "${live%%/*}" != cluster ]; then
  log "2/4 applying the $REPLICAS-server cluster and waiting for it"
  k apply -f "$OUT/nats.k8s.yaml" >/dev/null || die "applying the cluster failed; $ROLLBACK"
  k rollout status statefulset "$STS" --timeout="${TIMEOUT}s" >/dev/null || die "the cluster did not become ready; $ROLLBACK"
fi

if [ -z "${COPIED:-}" ]; then
log "3/4 copying the streams (Job $JOB)"
# Two servers must never open one store: e.g. a standalone pod orphaned by `kubectl delete sts --cascade=orphan`.
users=$(k get pods -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.spec.volumes[*].persistentVolumeClaim.claimName}{"\n"}{end}' \
  | awk -v c="$OLD_CLAIM" -v j="$JOB-" '{ for (i = 2; i <= NF; i++) if ($i == c && index($1, j) != 1) print $1 }')
[ -z "$users" ] || die "pod(s) $(echo "$users" | xargs) still use claim $OLD_CLAIM: delete them first (the data stays on the claim)"
if [ "$(k get job "$JOB" -o jsonpath='{.status.failed}' 2>/dev/null || true)" != "" ]; then
  k delete job "$JOB" --wait=true >/dev/null # a failed earlier run: start over (copied streams are skipped)
fi
k apply -f "$OUT/migration.k8s.yaml" >/dev/null
end=$((SECONDS + TIMEOUT))
until [ "$(k get job "$JOB" -o jsonpath='{.status.succeeded}')" = 1 ]; do
  if [ "$(k get job "$JOB" -o jsonpath='{.status.conditions[?(@.type=="Failed")].status}')" = True ] || [ $SECONDS -ge $end ]; then
    k logs "job/$JOB" -c migrate --tail=50 || true
    die "the migration Job did not succeed; the cluster runs without the old streams. Fix the cause and run again, or $ROLLBACK"
  fi
  sleep 2
done
k logs "job/$JOB" -c migrate | sed 's/^/    /'
fi

log "4/4 applying the rest of the app"
for f in "$OUT"/*.k8s.yaml; do
  [ "$f" = "$OUT/migration.k8s.yaml" ] || k apply -f "$f" >/dev/null
done
log "done: $NS/$STS is a $REPLICAS-server cluster with the standalone data. Run \`NATS_REPLICAS=$REPLICAS npm run synth\` so dist/ matches."
log "the standalone claim $OLD_CLAIM is kept; once you are satisfied, remove it and the migration's leftovers:"
log "  $KUBECTL -n $NS delete pvc $OLD_CLAIM; $KUBECTL -n $NS delete job,configmap $JOB; $KUBECTL -n $NS delete configmap $STS-config"
