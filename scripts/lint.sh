#!/usr/bin/env bash
# `npm run lint` (part of `npm test`): typescript-eslint over every TypeScript file, shellcheck over every shell
# script (the Jobs' scripts in lib/ included). Zero findings is the bar. Installs Debian's shellcheck when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
npx eslint --max-warnings 0 .
mapfile -t scripts < <(find . -name '*.sh' -not -path './node_modules/*' -not -path './build/*' -not -path './.git/*' | sort)
shellcheck "${scripts[@]}"
echo "lint: eslint and shellcheck clean (${#scripts[@]} shell scripts)"
