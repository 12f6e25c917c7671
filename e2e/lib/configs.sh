#!/usr/bin/env bash
# Writes containerd, CNI, CoreDNS, kube-proxy and kubelet configuration under $ETC.
set -euo pipefail
. "$(dirname "$0")/common.sh"
mkdir -p "$ETC/cni" "$STATE"
cat > "$ETC/containerd.toml" <<T
version = 2
root = "$STATE/containerd"
state = "$RUN/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTR_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$ETC/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
T
cat > "$ETC/cni/10-k8s-e2e.conflist" <<T
{ "cniVersion": "0.4.0", "name": "k8s-e2e",
  "plugins": [
    { "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }] } },
    { "type": "portmap", "capabilities": { "portMappings": true } } ] }
T
# Cluster names only: no "." zone and no forward, so nothing is ever resolved off the machine.
cat > "$ETC/Corefile" <<T
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $ETC/coredns.kubeconfig k8s-e2e
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loadbalance
}
T
echo "nameserver $NODE_IP" > "$ETC/resolv.conf"
cat > "$ETC/kube-proxy.yaml" <<T
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $ETC/proxy.kubeconfig }
hostnameOverride: $NODE
bindAddress: $NODE_IP
mode: iptables
clusterCIDR: $CLUSTER_CIDR
oomScoreAdj: 0
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
iptables: { localhostNodePorts: false }
nodePortAddresses: ["$NODE_IP/32"]
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
T
cat > "$ETC/kubelet.yaml" <<T
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CTR_SOCK
failSwapOn: false
failCgroupV1: false
oomScoreAdj: 0
clusterDNS: ["$NODE_IP"]
clusterDomain: cluster.local
resolvConf: $ETC/resolv.conf
tlsCertFile: $ETC/pki/kubelet-serving.crt
tlsPrivateKeyFile: $ETC/pki/kubelet-serving.key
authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: $ETC/pki/ca.crt } }
authorization: { mode: Webhook }
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
evictionHard: { memory.available: "200Mi", nodefs.available: "1Gi", imagefs.available: "1Gi", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
rotateCertificates: false
maxPods: 50
T
