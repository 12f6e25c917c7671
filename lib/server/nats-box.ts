import { natsBoxContextsName, natsBoxName } from '../internal/names';
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { pullSecretRefs } from './images';
import * as k8s from '../internal/k8s';
import { COMPONENT_BOX, selectorLabels, standardLabels } from '../internal/labels';
import { RESTRICTED_CONTAINER, restrictedPod } from '../internal/pod-security';
import { natsClientSetup } from '../security/client';
import { NatsSettings } from './settings';

/** Where the nats CLI looks for contexts: `$XDG_CONFIG_HOME/nats/`. */
const CONFIG_HOME = '/etc/nats-box';

/** nats-box's objects, for `addJsonPatch`. */
export interface INatsBox extends IConstruct {
  /** The nats CLI context files, keyed by their path under `$XDG_CONFIG_HOME/nats/`. */
  readonly contextFiles: { [path: string]: string };
  /** The ConfigMap holding the contexts. */
  readonly configMap: ApiObject;
  readonly deployment: ApiObject;
}

/**
 * A nats-box Deployment for operating the servers with the nats CLI:
 * `kubectl exec -n nats deploy/nats-box -- nats stream ls`. Its default context points at the
 * client Service. Created by `Nats`.
 */
export class NatsBox extends Construct implements INatsBox {
  /** The nats CLI context files, keyed by their path under `$XDG_CONFIG_HOME/nats/`. */
  public readonly contextFiles: { [path: string]: string };
  public readonly configMap: ApiObject;
  public readonly deployment: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const name = natsBoxName(s.name);
    const selector = selectorLabels(s.name, COMPONENT_BOX);
    const labels = standardLabels(s.name, COMPONENT_BOX);

    const client = natsClientSetup(s, 'nats-box');
    const context = { description: `${s.name} client Service`, url: client.url, ca: client.ca, cert: client.cert, key: client.key };
    this.contextFiles = {
      'context.txt': 'default',
      'context/default.json': JSON.stringify(context, null, 2),
    };
    // ConfigMap keys cannot hold '/': store flat keys and map them back to paths in the volume.
    const key = (path: string) => path.replace(/[/]/g, '_');
    const configMapName = natsBoxContextsName(s.name);
    this.configMap = new k8s.KubeConfigMap(this, 'Contexts', {
      metadata: { name: configMapName, labels },
      data: Object.fromEntries(Object.entries(this.contextFiles).map(([path, text]) => [key(path), text])),
    });

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 5,
            imagePullSecrets: pullSecretRefs(s.imagePullSecrets),
            securityContext: restrictedPod(1000, 1000),
            containers: [{
              name: 'nats-box',
              image: s.natsBoxImage,
              imagePullPolicy: 'IfNotPresent',
              // Idle until deleted; exits at once on SIGTERM instead of waiting out the grace period.
              command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"],
              env: [
                { name: 'XDG_CONFIG_HOME', value: CONFIG_HOME },
                { name: 'HOME', value: '/tmp' },
                ...client.env,
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                limits: { memory: k8s.Quantity.fromString('256Mi') },
              },
              volumeMounts: [
                { name: 'contexts', mountPath: `${CONFIG_HOME}/nats`, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...client.volumeMounts,
              ],
              securityContext: RESTRICTED_CONTAINER,
            }],
            volumes: [
              {
                name: 'contexts',
                configMap: {
                  name: configMapName,
                  items: Object.keys(this.contextFiles).map((path) => ({ key: key(path), path })),
                },
              },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ...client.volumes,
            ],
          },
        },
      },
    });
  }
}
