/**
 * Standalone (one server) and clustered (3 or 5) servers keep JetStream data differently: a clustered server
 * deletes the streams it finds in a standalone store as orphans. So each topology has its own volume claims and
 * nats.conf ConfigMap, and the StatefulSet's selector carries the topology: Kubernetes refuses to switch it in
 * place (selectors and claim templates are immutable), and `npm run migrate` moves the data instead.
 */

export const TOPOLOGY_LABEL = 'nats.cdk8s.io/topology';

export enum Topology {
  STANDALONE = 'standalone',
  CLUSTER = 'cluster',
}

export function topologyOf(replicas: number): Topology {
  return replicas > 1 ? Topology.CLUSTER : Topology.STANDALONE;
}
