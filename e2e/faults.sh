#!/usr/bin/env bash
# Entry point of the fault suite (issue 4): bounded in time, cleans its namespace up. See e2e/faults/suite.sh.
#   FAULTS_RUNS=2 e2e/faults.sh      # run it twice in a row
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
. "$D/lib/common.sh"
NS=${FAULTS_NAMESPACE:-nats-faults}
rc=0
for i in $(seq 1 "${FAULTS_RUNS:-1}"); do
  FAULTS_OUT=${FAULTS_OUT_BASE:-/tmp/faults-results}/$(date +%Y%m%d-%H%M%S)-run$i \
    timeout --kill-after=60 "${FAULTS_TIMEOUT:-2400}" "$D/faults/suite.sh" || rc=$?
  # A suite killed by the timeout may not have cleaned up.
  if [ "${FAULTS_KEEP:-0}" != 1 ] && kc get ns "$NS" >/dev/null 2>&1; then
    kc delete ns "$NS" --wait=true --timeout=180s >/dev/null || true
    "$D/lib/storage.sh" >/dev/null 2>&1 || true
  fi
  [ "$rc" = 0 ] || break
done
exit $rc
