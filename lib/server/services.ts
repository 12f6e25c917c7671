import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../internal/k8s';
import { COMPONENT_SERVER, selectorLabels, standardLabels } from '../internal/labels';
import { NatsSettings } from './settings';

/** The Services, for `addJsonPatch`. */
export interface INatsServices extends IConstruct {
  /** `<name>-headless`: a DNS name per server pod, for routes. */
  readonly headless: ApiObject;
  /** `<name>`: where clients connect. */
  readonly client: ApiObject;
  /** `<name>-leafnodes`: where leaf nodes connect; present when `leafnodes` is on. */
  readonly leafnodes?: ApiObject;
  /** `<name>-gateway`: where the other clusters' gateways connect; present when `gateways` is on. */
  readonly gateway?: ApiObject;
  /** `<name>-websocket`; present when `websocket` is on. */
  readonly websocket?: ApiObject;
  /** `<name>-mqtt`; present when `mqtt` is on. */
  readonly mqtt?: ApiObject;
}

/**
 * The two Services in front of the servers: a headless one that gives each pod a stable DNS name for
 * cluster routes, and the client Service (`nats://<name>.<namespace>.svc.cluster.local:4222`). Created by `Nats`.
 */
export class NatsServices extends Construct implements INatsServices {
  public readonly headless: ApiObject;
  public readonly client: ApiObject;
  public readonly leafnodes?: ApiObject;
  public readonly gateway?: ApiObject;
  public readonly websocket?: ApiObject;
  public readonly mqtt?: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const labels = standardLabels(s.name, COMPONENT_SERVER, s.version);
    const selector = selectorLabels(s.name, COMPONENT_SERVER);
    const port = (name: string, number: number) => ({ name, port: number, targetPort: k8s.IntOrString.fromString(name) });

    this.headless = new k8s.KubeService(this, 'Headless', {
      metadata: { name: s.headlessServiceName, labels },
      spec: {
        clusterIp: 'None',
        // Starting servers must resolve each other before any is Ready, or the cluster never forms.
        publishNotReadyAddresses: true,
        selector,
        ports: [
          port('client', s.clientPort), port('cluster', s.clusterPort), port('monitor', s.monitorPort),
          // The exporters, for a ServiceMonitor.
          ...(s.metrics ? [port('metrics', s.metrics.port)] : []),
        ],
      },
    });

    this.client = new k8s.KubeService(this, 'Client', {
      metadata: { name: s.name, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        // Monitoring stays in-cluster (ClusterIP): `curl http://<name>.<namespace>.svc:8222/healthz`.
        ports: [port('client', s.clientPort), port('monitor', s.monitorPort)],
      },
    });

    // One Service per external listener, so that each is exposed its own way (ClusterIP, NodePort, LoadBalancer) with
    // its own annotations, and the client Service stays as it is.
    const ids = { leafnodes: 'Leafnodes', gateway: 'Gateway', websocket: 'Websocket', mqtt: 'Mqtt' };
    const made: { [kind: string]: ApiObject } = {};
    for (const l of s.listeners.all) {
      made[l.kind] = new k8s.KubeService(this, ids[l.kind], {
        metadata: {
          name: l.serviceName,
          labels,
          annotations: Object.keys(l.serviceAnnotations).length > 0 ? l.serviceAnnotations : undefined,
        },
        spec: { type: l.exposure, selector, ports: [port(l.portName, l.port)] },
      });
    }
    this.leafnodes = made.leafnodes;
    this.gateway = made.gateway;
    this.websocket = made.websocket;
    this.mqtt = made.mqtt;
  }
}
