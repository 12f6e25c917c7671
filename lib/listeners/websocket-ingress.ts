import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../internal/k8s';
import { COMPONENT_SERVER, standardLabels } from '../internal/labels';
import { NatsSettings } from '../server/settings';

/** The WebSocket Ingress, for `addJsonPatch`. */
export interface INatsWebSocketIngress extends IConstruct {
  readonly ingress: ApiObject;
}

/**
 * An Ingress for browsers: `websocketIngressHost` routed to the `<name>-websocket` Service. With TLS on the server, the
 * ingress controller must speak HTTPS to it (its own annotation, in `websocketIngressAnnotations`). Created by `Nats`
 * when `websocketIngressHost` is set.
 */
export class NatsWebSocketIngress extends Construct implements INatsWebSocketIngress {
  public readonly ingress: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const ws = s.listeners.websocket!;
    const ingress = ws.ingress!;
    this.ingress = new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: ws.serviceName,
        labels: standardLabels(s.name, COMPONENT_SERVER, s.version),
        annotations: Object.keys(ingress.annotations).length > 0 ? ingress.annotations : undefined,
      },
      spec: {
        ingressClassName: ingress.className,
        tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
        rules: [{
          host: ingress.host,
          http: {
            paths: [{
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: ws.serviceName, port: { name: ws.portName } } },
            }],
          },
        }],
      },
    });
  }
}
