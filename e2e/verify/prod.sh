#!/usr/bin/env bash
# Issue 5 on a real cluster: synthesizes e2e/verify/prod-app.ts (3 replicas, TLS everywhere, users and accounts
# from Secrets, NetworkPolicy), makes a throwaway CA + server certificate and passwords with openssl, creates them
# as Secrets in a fresh namespace, then runs e2e/verify.sh on the output (it deletes the namespace at the end).
#   e2e/verify/prod.sh [--keep]          NATS_NAMESPACE (default nats-prod), PROD_OUTDIR (default /tmp/dist-prod)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
NS=${NATS_NAMESPACE:-nats-prod}
OUT=${PROD_OUTDIR:-/tmp/dist-prod}
W=$(mktemp -d /tmp/nats-prod-pki.XXXXXX)
trap 'rm -rf "$W"' EXIT
if kubectl get ns "$NS" >/dev/null 2>&1; then echo "FAIL  namespace $NS exists"; exit 1; fi
rm -rf "$OUT"
(cd "$REPO" && CDK8S_OUTDIR="$OUT" NATS_NAMESPACE="$NS" node -r ts-node/register/transpile-only e2e/verify/prod-app.ts)
# Throwaway CA and one server certificate (serverAuth + clientAuth: routes present it to their peers).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nats-verify-ca" -keyout "$W/ca.key" -out "$W/ca.crt" 2>/dev/null
san="DNS:nats,DNS:nats.$NS,DNS:nats.$NS.svc,DNS:nats.$NS.svc.cluster.local,DNS:*.nats-headless,DNS:*.nats-headless.$NS,DNS:*.nats-headless.$NS.svc,DNS:*.nats-headless.$NS.svc.cluster.local,DNS:localhost,IP:127.0.0.1"
openssl req -newkey rsa:2048 -nodes -subj "/CN=nats.$NS.svc" -keyout "$W/tls.key" -out "$W/tls.csr" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$san" >"$W/ext"
openssl x509 -req -in "$W/tls.csr" -CA "$W/ca.crt" -CAkey "$W/ca.key" -CAcreateserial -days 2 -extfile "$W/ext" -out "$W/tls.crt" 2>/dev/null
# --save-config: the later `kubectl apply -f DIR` of the Namespace then prints no warning.
kubectl create namespace "$NS" --save-config >/dev/null
kubectl -n "$NS" create secret tls nats-tls --cert="$W/tls.crt" --key="$W/tls.key" >/dev/null
kubectl -n "$NS" create secret generic nats-ca --from-file=ca.crt="$W/ca.crt" >/dev/null
kubectl -n "$NS" create secret generic nats-users --from-literal=app="$(openssl rand -hex 16)" --from-literal=admin="$(openssl rand -hex 16)" >/dev/null
echo "      created namespace $NS with Secrets nats-tls, nats-ca, nats-users"
VERIFY_ADMIN_USER=admin VERIFY_ADMIN_SECRET=nats-users VERIFY_ADMIN_KEY=admin exec "$REPO/e2e/verify.sh" "$@" "$OUT"
