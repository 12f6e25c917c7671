#!/usr/bin/env bash
# Entry point of the fault suite (issue 4): bounded in time, cleans its namespace up. The suite itself is
# e2e/checks/faults/suite.ts (scenarios, checks, results); see e2e/faults/README.md.
#   FAULTS_RUNS=2 e2e/faults.sh      # run it twice in a row (stops at the first failing run)
#   E2E_RESULTS=1 e2e/faults.sh      # also record each run in docs/results/faults.md
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)
. "$D/lib/common.sh"
NS=${FAULTS_NAMESPACE:-nats-faults}
# Only a caller that asks for it (CI) writes into the repository; a run on a developer's cluster does not.
if [ "${E2E_RESULTS:-0}" = 1 ]; then export FAULTS_RESULTS=1; else export FAULTS_RESULTS=0; fi
export FAULTS_CTR_SOCK=$CTR_SOCK
rc=0
for i in $(seq 1 "${FAULTS_RUNS:-1}"); do
  # From the repository, where node finds ts-node.
  (cd "$REPO_DIR" && FAULTS_OUT=${FAULTS_OUT_BASE:-/tmp/faults-results}/$(date +%Y%m%d-%H%M%S)-run$i \
    timeout --kill-after=60 "${FAULTS_TIMEOUT:-2400}" \
    node -r ts-node/register/transpile-only e2e/checks/faults/suite.ts) || rc=$?
  # A suite killed by the timeout leaves its namespace to us.
  if [ "${FAULTS_KEEP:-0}" != 1 ] && kc get ns "$NS" >/dev/null 2>&1; then
    kc delete ns "$NS" --wait=true --timeout=180s >/dev/null || true
    "$D/lib/storage.sh" >/dev/null 2>&1 || true
  fi
  [ "$rc" = 0 ] || break
done
exit $rc
