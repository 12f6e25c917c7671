#!/usr/bin/env bash
# Prints the fault-suite results (results.tsv from e2e/faults/suite.sh) as a Markdown table.
set -euo pipefail
f=${1:?usage: table.sh results.tsv}
awk -F'\t' 'NR==1 {print "| scenario | acked | lost | duplicates | max publish gap (s) | failed publishes | time to all-healthy (s) | checks | notes |"; print "|---|---:|---:|---:|---:|---:|---:|---|---|"; next}
{printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1,$2,$3,$4,$5,$6,$7,$8,$9}' "$f"
