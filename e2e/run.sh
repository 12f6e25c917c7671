#!/usr/bin/env bash
# CI entry point: build (cached) -> up -> smoke -> library manifests -> production -> reach -> fault suite -> down.
# The R3 deployment has metrics on (PodMonitor; the production one a ServiceMonitor: e2e/checks/metrics.ts) and the
# JetStream repair schedule (e2e/checks/repair.ts).
# Always tears down; fails if any step, a daemon, or the egress guard check fails.
#   E2E_DIST_DIRS="d1 d2"  manifest directories to test one after another (default: synthesize dist/ (1 replica),
#                          a 3-replica cluster with metrics and
#                          the repair schedule in nats-r3 and hostpath + prepareVolumeOwnership in nats-hp)
#   E2E_TEST=verify        per directory: verify (e2e/checks/verify.ts, the seed's checks; default) or dist-test
#   E2E_SKIP_PROD=1        skip the production variant (e2e/checks/prod.ts: TLS, users, accounts in nats-prod)
#   E2E_SKIP_REACH=1       skip the hub/leaf, WebSocket and MQTT deployments (e2e/checks/reach.ts, plain and TLS)
#   E2E_SKIP_FAULTS=1      skip the fault suite (e2e/faults.sh: s1-s6 with a load generator, ~10 min)
#   E2E_SKIP_DIST=1        skip the library manifests
#   E2E_BUILD_TIMEOUT=N    seconds for build.sh (default 3600; a cold build takes ~20-30 min on 2 cores)
#   E2E_BUILD_BUDGET=N     if the Kubernetes binaries are not cached and N < 2400, print a visible SKIP and exit 0
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
. "$D/lib/common.sh"
T0=$(date +%s)
# The TypeScript suites (e2e/checks/). ts-node and its tsconfig by path: `node -r` looks for both from the working
# directory, which stays the caller's (E2E_DIST_DIRS may be relative to it).
TS_NODE=(env TS_NODE_PROJECT="$REPO_DIR/tsconfig.json" node -r "$REPO_DIR/node_modules/ts-node/register/transpile-only")
if [ -n "${E2E_BUILD_BUDGET:-}" ] && ! [ -f "$CACHE/k8s-$K8S_VERSION/stamp" ] && [ "$E2E_BUILD_BUDGET" -lt 2400 ]; then
  echo "SKIP  e2e: Kubernetes $K8S_VERSION not cached and E2E_BUILD_BUDGET=${E2E_BUILD_BUDGET}s < 2400s (cold build)"; exit 0
fi
timeout "${E2E_BUILD_TIMEOUT:-3600}" "$D/build.sh" || { echo "FAIL  e2e build (rc=$?)"; exit 1; }
TB=$(date +%s)
rc=0
if timeout 600 "$D/up.sh"; then
  timeout 600 "$D/smoke.sh" || rc=1
  if [ "$rc" = 0 ] && [ -z "${E2E_SKIP_DIST:-}" ]; then
    dirs=${E2E_DIST_DIRS:-}
    if [ -z "$dirs" ]; then
      S=$(mktemp -d /tmp/e2e-synth.XXXXXX)
      ( cd "$REPO_DIR" && timeout 300 npx cdk8s synth --no-check-upgrade >/dev/null \
        && NATS_REPLICAS=3 NATS_NAMESPACE=nats-r3 NATS_METRICS=true JETSTREAM_REPAIR_SCHEDULE=@yearly timeout 300 npx cdk8s synth --no-check-upgrade -o "$S/r3" >/dev/null \
        && NATS_STORAGE_CLASS=hostpath NATS_PREPARE_VOLUME_OWNERSHIP=true NATS_NAMESPACE=nats-hp \
           timeout 300 npx cdk8s synth --no-check-upgrade -o "$S/hostpath" >/dev/null ) || { echo "FAIL  cdk8s synth"; rc=1; }
      dirs="$REPO_DIR/dist $S/r3 $S/hostpath"
    fi
    for dir in $dirs; do
      [ "$rc" = 0 ] || break
      shopt -s nullglob; files=("$dir"/*.yaml); shopt -u nullglob
      if [ ${#files[@]} -eq 0 ]; then echo "SKIP  no manifests in $dir"; continue; fi
      echo "==== library manifests: $dir"
      if [ "${E2E_TEST:-verify}" = dist-test ]; then
        kc delete ns "${NATS_NAMESPACE:-nats}" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1 || true
        timeout 900 "$D/dist-test.sh" "${files[@]}" || { rc=1; break; }
      else
        VERIFY_LOAD_IMAGES=1 VERIFY_RECYCLE_PVS=1 VERIFY_RESULTS=1 timeout 900 "${TS_NODE[@]}" "$D/checks/verify.ts" "$dir" || { rc=1; break; }
      fi
    done
    if [ "$rc" = 0 ] && [ -z "${E2E_SKIP_PROD:-}" ]; then
      echo "==== production variant"
      VERIFY_RECYCLE_PVS=1 VERIFY_RESULTS=1 timeout 900 "${TS_NODE[@]}" "$D/checks/prod.ts" || rc=1
    fi
    if [ "$rc" = 0 ] && [ -z "${E2E_SKIP_REACH:-}" ]; then
      echo "==== reach: leafnodes, WebSocket, MQTT (e2e/checks/reach.ts)"
      timeout 1200 "${TS_NODE[@]}" "$D/checks/reach.ts" || rc=1
    fi
    if [ "$rc" = 0 ] && [ -z "${E2E_SKIP_FAULTS:-}" ]; then
      echo "==== fault suite (e2e/faults.sh)"
      E2E_RESULTS=1 FAULTS_TIMEOUT=2400 "$D/faults.sh" || rc=1
    fi
  fi
  daemons_alive || rc=1
else
  rc=1
fi
"$D/down.sh" || rc=$?
echo "e2e: rc=$rc build $(( TB - T0 ))s, cluster+tests+teardown $(( $(date +%s) - TB ))s"
exit "$rc"
