#!/usr/bin/env bash
# Synth speed benchmark (`npm run bench`): median wall time of N runs (default 11) of the app's own entry
# (`node build/synth/main.js`, the bundle cdk8s.yaml runs), of the same app unbundled (`node build/app/main.js`,
# 150 modules), of `cdk8s synth` (the CLI's start-up plus the entry), and of baselines run side by side,
# interleaved A B A B so that other load on the machine hits every command alike:
#   - a bare cdk8s app with one ConfigMap: what node and cdk8s cost on this machine before the library does anything;
#   - `helm template` of the official nats chart, with JetStream on, when a helm binary and the chart are given:
#     HELM=/path/to/helm HELM_CHART=/path/to/nats-io/k8s/helm/charts/nats npm run bench
#     (neither ships with this repository; both need the network once: see docs/testing.md#npm-run-bench-synth-speed).
# Prints medians and ratios, and writes them to docs/results/bench.md. Targets on 2 cores: the entry at most 2x
# `helm template` (at most 0.6 s without helm), `cdk8s synth` at most 2.0 s.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
RUNS=${RUNS:-11}
HELM=${HELM:-$(command -v helm || true)}
HELM_CHART=${HELM_CHART:-}
load=$(cut -d' ' -f1 /proc/loadavg)
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
baseline="const { App, Chart, ApiObject } = require('cdk8s'); const app = new App({ outdir: process.env.CDK8S_OUTDIR });
new ApiObject(new Chart(app, 'baseline'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }); app.synth();"

node scripts/app.js >/dev/null # build once if the sources changed; the runs below measure a warm synth
export CDK8S_OUTDIR=$out

names=(base entry modules synth)
measure() { # name: runs it once
  case $1 in
    base) node -e "$baseline" ;;
    entry) node build/synth/main.js ;;
    modules) node build/app/main.js ;;
    synth) node_modules/.bin/cdk8s synth --no-check-upgrade --output "$out" ;;
    helm) "$HELM" template nats "$HELM_CHART" --namespace nats --set config.jetstream.enabled=true ;;
  esac
}
helm_note=''
if [ -n "$HELM" ] && [ -n "$HELM_CHART" ] && [ -f "$HELM_CHART/Chart.yaml" ]; then
  names+=(helm)
  helm_note="$("$HELM" version --short 2>/dev/null), chart $(sed -n 's/^version: *//p' "$HELM_CHART/Chart.yaml")"
  measure helm >/dev/null # fails here, not in the loop, when helm cannot render the chart
fi

declare -A times
for _ in $(seq "$RUNS"); do
  for n in "${names[@]}"; do
    start=$(date +%s%N); measure "$n" >/dev/null; end=$(date +%s%N)
    times[$n]+="$(( (end - start) / 1000000 )) "
  done
done
median() { tr ' ' '\n' <<<"${times[$1]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A ms
for n in "${names[@]}"; do ms[$n]=$(median "$n"); done

row() { # label, ms, target
  awk -v n="$1" -v ms="$2" -v b="${ms[base]}" -v h="${ms[helm]:-}" -v t="$3" 'BEGIN {
    printf "| %s | %.3f s | %.2f | %s | %s |\n", n, ms / 1000, ms / b, (h == "" ? "-" : sprintf("%.2f", ms / h)), t }'
}
target_entry='<= 0.6 s'
# shellcheck disable=SC2016 # backquotes are Markdown here
[ -n "${ms[helm]:-}" ] && target_entry='<= 2x `helm template`'
table=$(
  echo "| Benchmark (median of $RUNS, interleaved) | Time | Ratio to bare cdk8s | Ratio to \`helm template\` | Target |"
  echo "|---|---:|---:|---:|---|"
  # shellcheck disable=SC2016 # backquotes are Markdown here
  {
    row 'baseline: bare cdk8s app, one ConfigMap (`node`)' "${ms[base]}" '-'
    [ -n "${ms[helm]:-}" ] && row "baseline: \`helm template\` of the official nats chart, JetStream on ($helm_note)" "${ms[helm]}" '-'
    row 'the app (`node build/synth/main.js`, one bundled file)' "${ms[entry]}" "$target_entry"
    row 'the same app unbundled (`node build/app/main.js`, 150 modules)' "${ms[modules]}" '-'
    row '`cdk8s synth` (the CLI start-up plus the app)' "${ms[synth]}" '<= 2.0 s'
    row 'of which the cdk8s CLI start-up (not ours to change)' "$(( ms[synth] - ms[entry] ))" '-'
  }
)
echo "$table"
[ -z "${ms[helm]:-}" ] && echo "helm template: not measured (set HELM and HELM_CHART; neither is available offline by default)"
mkdir -p docs/results
{
  echo "# Synth benchmark"
  echo
  echo "Written by \`npm run bench\` (scripts/bench.sh) on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load average $load at the start."
  echo
  echo "$table"
  if [ -z "${ms[helm]:-}" ]; then
    echo
    echo "\`helm template\` was not measured in this run (no helm binary or chart given)."
  fi
} > docs/results/bench.md
