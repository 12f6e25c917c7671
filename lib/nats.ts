import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { NatsBox } from './nats-box';
import { NatsCertificates } from './nats-certificates';
import { NatsNetworkPolicy } from './nats-network-policy';
import { NatsProps } from './nats-props';
import { NatsServices } from './nats-services';
import { NatsStatefulSet } from './nats-statefulset';
import { NatsSettings, resolveSettings } from './settings';

/**
 * NATS with JetStream: the servers (StatefulSet, volume claims, nats.conf), their headless and
 * client Services, and a nats-box. Every property is checked at synth time.
 *
 * ```ts
 * new Nats(chart, 'nats', { replicas: 3 });
 * ```
 */
export class Nats extends Construct {
  /** Properties with every default applied. */
  public readonly settings: NatsSettings;
  public readonly server: NatsStatefulSet;
  public readonly services: NatsServices;
  /** Present when `certManagerIssuer` is set. */
  public readonly certificates?: NatsCertificates;
  /** Present when `networkPolicy` is on. */
  public readonly networkPolicy?: NatsNetworkPolicy;
  /** Absent when `natsBox` is false. */
  public readonly natsBox?: NatsBox;
  /** The in-cluster client URL, e.g. `nats://nats.nats.svc.cluster.local:4222`. */
  public readonly clientUrl: string;

  public constructor(scope: Construct, id: string, props: NatsProps = {}) {
    super(scope, id);
    this.settings = resolveSettings(props);
    this.server = new NatsStatefulSet(this, 'Server', this.settings);
    this.services = new NatsServices(this, 'Services', this.settings);
    const { tls, networkPolicy } = this.settings.security;
    if (tls?.certManagerIssuer) {
      this.certificates = new NatsCertificates(this, 'Certificates', this.settings);
    }
    if (networkPolicy) {
      this.networkPolicy = new NatsNetworkPolicy(this, 'NetworkPolicy', this.settings);
    }
    if (this.settings.natsBox) {
      this.natsBox = new NatsBox(this, 'Box', this.settings);
    }
    const namespace = Chart.of(this).namespace;
    const host = namespace ? `${this.settings.name}.${namespace}.svc.cluster.local` : this.settings.name;
    this.clientUrl = `nats://${host}:${this.settings.clientPort}`;
  }
}
