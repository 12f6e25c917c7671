#!/usr/bin/env bash
# Synth speed benchmark: median wall time of N runs (default 7) of `cdk8s synth` and of the plain
# node entry it runs. Targets on a 2-core machine: cdk8s synth <= 2.0 s, plain node <= 0.6 s.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

median() { # command...
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f s (runs: %d, min %.2f s, max %.2f s)\n", a[int((NR + 1) / 2)] / 1000, NR, a[1] / 1000, a[NR] / 1000 }'
}

node scripts/app.js >/dev/null # compile once if the sources changed; the runs below measure warm synth
echo "cdk8s synth:  $(median node_modules/.bin/cdk8s synth --no-check-upgrade --output "$out")"
echo "node entry:   $(CDK8S_OUTDIR="$out" median node build/main.js)"
