#!/bin/sh
# The auth sidecar of each server pod: renders the password variables nats.conf includes (`NATS_PASSWORD_<USER>:
# "…"`) from the password Secrets mounted whole under /etc/nats-secrets, and renders them again whenever a Secret or
# the user list changes, so a rotated password reaches the running server through a reload (the config reloader
# watches the file) and no password is ever written into a ConfigMap.
#   sh auth.sh MAP OUT    MAP: lines "<variable> <file>" (from the ConfigMap); OUT: the file nats.conf includes
set -u
trap 'exit 0' TERM
map=${1:?usage: auth.sh MAP OUT}
out=${2:?usage: auth.sh MAP OUT}

render() {
  while read -r variable file; do
    [ -n "$variable" ] || continue
    if [ -r "$file" ]; then
      # A nats.conf string: backslashes and quotes escaped, line breaks as \n.
      value=$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' "$file" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')
      printf '%s: "%s"\n' "$variable" "$value"
    else
      printf '# %s: %s is missing\n' "$variable" "$file"
    fi
  done <"$map"
}

while :; do
  rendered=$(render)
  if [ ! -f "$out" ] || [ "$rendered" != "$(cat "$out")" ]; then
    printf '%s\n' "$rendered" >"$out.tmp" && mv "$out.tmp" "$out"
    echo "auth: rendered $(grep -c '^NATS_' "$out") password variable(s) $(grep '^# ' "$out" | tr '\n' ' ')"
  fi
  sleep 2
done
