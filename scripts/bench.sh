#!/usr/bin/env bash
# Synth speed benchmark (`npm run bench`): median wall time of N runs (default 7) of `cdk8s synth`, of the plain node
# entry it runs, and of a baseline run side by side: a bare cdk8s app with one ConfigMap, which measures what
# node and cdk8s cost on this machine before the library does anything. Prints medians and the ratio to the
# baseline, and writes them to docs/results/bench.md. Targets on 2 cores: cdk8s synth <= 2.0 s, node entry <= 0.6 s.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
baseline="const { App, Chart, ApiObject } = require('cdk8s'); const app = new App({ outdir: process.env.CDK8S_OUTDIR });
new ApiObject(new Chart(app, 'baseline'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }); app.synth();"

median_ms() { # command... -> median milliseconds
  local times=() start end
  for _ in $(seq "$RUNS"); do
    start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

node scripts/app.js >/dev/null # build once if the sources changed; the runs below measure a warm synth
export CDK8S_OUTDIR=$out
base=$(median_ms node -e "$baseline")
entry=$(median_ms node build/app/main.js)
synth=$(median_ms node_modules/.bin/cdk8s synth --no-check-upgrade --output "$out")
row() { awk -v n="$1" -v ms="$2" -v b="$base" -v t="$3" 'BEGIN { printf "| %s | %.2f s | %.2f | %s |\n", n, ms / 1000, ms / b, t }'; }
table=$(
  echo "| Benchmark (median of $RUNS) | Time | Ratio to baseline | Target |"
  echo "|---|---:|---:|---|"
  # shellcheck disable=SC2016 # backquotes are Markdown here
  {
    row 'baseline: bare cdk8s app, one ConfigMap (`node`)' "$base" '-'
    row 'the app (`node build/app/main.js`)' "$entry" '<= 0.6 s'
    row '`cdk8s synth`' "$synth" '<= 2.0 s'
  }
)
echo "$table"
mkdir -p docs/results
{
  echo "# Synth benchmark"
  echo
  echo "Written by \`npm run bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores."
  echo
  echo "$table"
} > docs/results/bench.md
