import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from './internal/k8s';
import { Nats } from './nats';
import { NatsProps } from './nats-props';
import { show } from './internal/props';
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
    const { namespace = 'nats', ...natsProps } = props ?? {};
    checkNamespace(namespace);
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
    this.nats = new Nats(this, 'Nats', natsProps);
    this.nats.node.addDependency(ns);
  }
}

/** Namespaces the cluster itself owns: the chart would relabel them with its Pod Security level, and delete them with `kubectl delete -f dist`. */
const CLUSTER_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function checkNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string') {
    throw new Error(`namespace must be a string, got ${show(namespace)}`);
  }
  checkDnsLabel('namespace', namespace);
  if (CLUSTER_NAMESPACES.includes(namespace)) {
    throw new Error(
      `namespace must not be one the cluster owns (${CLUSTER_NAMESPACES.join(', ')}): NatsChart creates its namespace and sets its Pod Security level; choose another, or put Nats in a Chart of your own, got "${namespace}"`,
    );
  }
}
