import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { claimUnique } from './internal/names';
import { NatsProps } from './nats-props';
import { INatsMetrics, NatsMetrics } from './metrics/metrics';
import { INatsCertificates, NatsCertificates } from './security/certificates';
import { INatsNetworkPolicy, NatsNetworkPolicy } from './security/network-policy';
import { NATS_BOX_VERSION, NATS_VERSION } from './server/images';
import { INatsBox, NatsBox } from './server/nats-box';
import { INatsServer, NatsServer } from './server/server';
import { INatsServices, NatsServices } from './server/services';
import { NatsSettings, resolveSettings } from './server/settings';
import { INatsWebSocketIngress, NatsWebSocketIngress } from './listeners/websocket-ingress';

/**
 * NATS with JetStream: the servers (StatefulSet, volume claims, nats.conf), their headless and
 * client Services, and a nats-box. Every property is checked at synth time.
 *
 * ```ts
 * new Nats(chart, 'nats', { replicas: 3 });
 * ```
 *
 * Its parts are reachable for `addJsonPatch` (`nats.server.statefulSet`, `nats.services.client`, …); they are
 * made by `Nats` alone, from the checked settings.
 */
export class Nats extends Construct {
  /**
   * The nats-server version of the default image (`nats:<version>-alpine`). The same value as the `NATS_VERSION`
   * constant, which only TypeScript sees: jsii carries static members to other languages, not module constants.
   */
  public static readonly NATS_VERSION: string = NATS_VERSION;
  /** The nats-box version of the default nats-box image (`natsio/nats-box:<version>`); `NATS_BOX_VERSION` in TypeScript. */
  public static readonly NATS_BOX_VERSION: string = NATS_BOX_VERSION;

  /** Name of the StatefulSet and the client Service. */
  public readonly name: string;
  /** Number of servers. */
  public readonly replicas: number;
  /** The in-cluster client URL, e.g. `nats://nats.nats.svc.cluster.local:4222`. */
  public readonly clientUrl: string;
  /** The servers: nats.conf ConfigMap, StatefulSet and (clustered) PodDisruptionBudget. */
  public readonly server: INatsServer;
  public readonly services: INatsServices;
  /** Present when `certManagerIssuer` is set. */
  public readonly certificates?: INatsCertificates;
  /** Present when `networkPolicy` is on. */
  public readonly networkPolicy?: INatsNetworkPolicy;
  /** Absent when `natsBox` is false. */
  public readonly natsBox?: INatsBox;
  /** The monitor, alert rules and dashboard; present when `metrics` is on. */
  public readonly metrics?: INatsMetrics;
  /** The WebSocket Ingress; present when `websocketIngressHost` is set. */
  public readonly websocketIngress?: INatsWebSocketIngress;
  /** @internal Properties with every default applied, for the constructs that build on this deployment. */
  public readonly _settings: NatsSettings;

  public constructor(scope: Construct, id: string, props: NatsProps = {}) {
    super(scope, id);
    const settings = resolveSettings(props);
    this._settings = settings;
    this.name = settings.name;
    this.replicas = settings.replicas;
    const namespace = Chart.of(this).namespace;
    claimUnique(this, 'NATS deployment', namespace, settings.name);
    this.server = new NatsServer(this, 'Server', settings);
    this.services = new NatsServices(this, 'Services', settings);
    const { tls, networkPolicy } = settings.security;
    if (tls?.certManagerIssuer) {
      this.certificates = new NatsCertificates(this, 'Certificates', settings);
    }
    if (networkPolicy) {
      this.networkPolicy = new NatsNetworkPolicy(this, 'NetworkPolicy', settings);
    }
    if (settings.natsBox) {
      this.natsBox = new NatsBox(this, 'Box', settings);
    }
    if (settings.metrics) {
      this.metrics = new NatsMetrics(this, 'Metrics', settings);
    }
    if (settings.listeners.websocket?.ingress) {
      this.websocketIngress = new NatsWebSocketIngress(this, 'WebSocketIngress', settings);
    }
    const host = namespace ? `${settings.name}.${namespace}.svc.cluster.local` : settings.name;
    this.clientUrl = `nats://${host}:${settings.clientPort}`;
  }
}
