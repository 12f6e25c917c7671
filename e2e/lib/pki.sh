#!/usr/bin/env bash
# Generates the cluster CA, serving/client certificates, the service-account key and kubeconfigs
# under $ETC (fresh for every bring-up).
set -euo pipefail
. "$(dirname "$0")/common.sh"
P=$ETC/pki
rm -rf "$P" && mkdir -p "$P" "$STATE"
cd "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=k8s-e2e-ca" 2>/dev/null
openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

cert() { # name subject extfile-contents
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out "$1.crt" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
CLIENT='basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:10.96.0.1,IP:$NODE_IP,IP:127.0.0.1"
cert kubelet-serving "/CN=$NODE" "basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$NODE,DNS:localhost,IP:$NODE_IP,IP:127.0.0.1"
cert admin "/O=system:masters/CN=kubernetes-admin" "$CLIENT"
cert kcm "/CN=system:kube-controller-manager" "$CLIENT"
cert scheduler "/CN=system:kube-scheduler" "$CLIENT"
cert kubelet "/O=system:nodes/CN=system:node:$NODE" "$CLIENT"
cert proxy "/CN=system:kube-proxy" "$CLIENT"
cert apiserver-kubelet "/O=system:masters/CN=kube-apiserver-kubelet-client" "$CLIENT"
cert coredns "/O=system:masters/CN=coredns" "$CLIENT"  # read-only use; simpler than an RBAC role

kubeconfig() { # out cert-name
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: k8s-e2e
  cluster:
    server: https://$NODE_IP:6443
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: $2
  user:
    client-certificate-data: $(base64 -w0 "$2.crt")
    client-key-data: $(base64 -w0 "$2.key")
contexts:
- name: k8s-e2e
  context: { cluster: k8s-e2e, user: $2 }
current-context: k8s-e2e
KC
  chmod 600 "$1"
}
kubeconfig "$ETC/admin.kubeconfig" admin
kubeconfig "$ETC/kcm.kubeconfig" kcm
kubeconfig "$ETC/scheduler.kubeconfig" scheduler
kubeconfig "$ETC/kubelet.kubeconfig" kubelet
kubeconfig "$ETC/proxy.kubeconfig" proxy
kubeconfig "$ETC/coredns.kubeconfig" coredns
cp "$ETC/admin.kubeconfig" "$STATE/admin.kubeconfig"
