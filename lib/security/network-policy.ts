import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../internal/k8s';
import { COMPONENT_SERVER, selectorLabels, standardLabels } from '../internal/labels';
import { NatsSettings } from '../server/settings';

/** The NetworkPolicy, for `addJsonPatch`. */
export interface INatsNetworkPolicy extends IConstruct {
  readonly policy: ApiObject;
}

/**
 * Ingress rules for the servers: the client port from the release namespace (nats-box included) and the
 * namespaces in `clientNamespaces`; the cluster port only from the servers themselves; the monitoring port
 * from the release namespace and `monitoringNamespace`, and so is the metrics port when `metrics` is on; each external listener
 * (leafnodes, gateway, WebSocket, MQTT) from the release namespace and its own namespaces and CIDRs. Created by `Nats` when
 * `networkPolicy` is on.
 */
export class NatsNetworkPolicy extends Construct implements INatsNetworkPolicy {
  public readonly policy: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const servers = selectorLabels(s.name, COMPONENT_SERVER);
    const { clientNamespaces, monitoringNamespace } = s.security;
    const port = (n: number) => [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(n) }];
    const sameNamespace = { podSelector: {} };
    const namespace = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });

    this.policy = new k8s.KubeNetworkPolicy(this, 'Resource', {
      metadata: { name: s.name, labels: standardLabels(s.name, COMPONENT_SERVER, s.version) },
      spec: {
        podSelector: { matchLabels: servers },
        policyTypes: ['Ingress'],
        ingress: [
          { ports: port(s.clientPort), from: [sameNamespace, ...clientNamespaces.map(namespace)] },
          { ports: port(s.clusterPort), from: [{ podSelector: { matchLabels: servers } }] },
          { ports: port(s.monitorPort), from: [sameNamespace, ...(monitoringNamespace ? [namespace(monitoringNamespace)] : [])] },
          // Prometheus scrapes the exporters.
          ...(s.metrics ? [{ ports: port(s.metrics.port), from: [sameNamespace, ...(monitoringNamespace ? [namespace(monitoringNamespace)] : [])] }] : []),
          // Leafnodes, gateways, WebSocket and MQTT: each from the release namespace and the sources declared for it.
          ...s.listeners.all.map((l) => ({
            ports: port(l.port),
            from: [sameNamespace, ...l.namespaces.map(namespace), ...l.cidrs.map((cidr) => ({ ipBlock: { cidr } }))],
          })),
        ],
      },
    });
  }
}
