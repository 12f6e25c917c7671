import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from './internal/k8s';
import { Nats } from './nats';
import { NatsProps } from './nats-props';
import { checkDnsLabel } from './internal/validate';

/** Properties of a `NatsChart`: the namespace plus every `Nats` property. */
export interface NatsChartProps extends NatsProps {
  /**
   * Namespace created for the deployment and holding all of it.
   *
   * @default 'nats'
   */
  readonly namespace?: string;
}

/**
 * A whole NATS deployment in its own namespace, as `cdk8s synth` writes it for `kubectl apply -f dist`:
 * the Namespace first (with the Pod Security level its pods meet), then `Nats`.
 */
export class NatsChart extends Chart {
  public readonly nats: Nats;

  public constructor(scope: Construct, id: string, props: NatsChartProps = {}) {
    const namespace = props.namespace ?? 'nats';
    checkDnsLabel('namespace', namespace);
    super(scope, id, { namespace, disableResourceNameHashes: true });

    // The volume-ownership init container runs as root, which only the baseline level admits.
    const level = props.prepareVolumeOwnership ? 'baseline' : 'restricted';
    const ns = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/audit': level,
        },
      },
    });
    // A Namespace is cluster-scoped: it must not carry the chart's namespace.
    ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    this.nats = new Nats(this, 'Nats', props);
    this.nats.node.addDependency(ns);
  }
}
