// The Kubernetes 1.28 L1 classes bundled with cdk8s-plus-28, imported directly: its index also loads
// every L2 module, which would double the app's start-up time for classes this library does not use.
export * from 'cdk8s-plus-28/lib/imports/k8s';
