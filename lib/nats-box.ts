import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from './k8s';
import { COMPONENT_BOX, selectorLabels, standardLabels } from './labels';
import { NatsSettings } from './settings';

/** Where the nats CLI looks for contexts: `$XDG_CONFIG_HOME/nats/`. */
const CONFIG_HOME = '/etc/nats-box';
const CA_DIR = '/etc/nats-box-certs/ca';
const CERT_DIR = '/etc/nats-box-certs/client';

/**
 * A nats-box Deployment for operating the servers with the nats CLI:
 * `kubectl exec -n nats deploy/nats-box -- nats stream ls`. Its default context points at the
 * client Service. Created by `Nats`.
 */
export class NatsBox extends Construct {
  /** The nats CLI context files, keyed by their path under `$XDG_CONFIG_HOME/nats/`. */
  public readonly contextFiles: { [path: string]: string };
  public readonly configMap: ApiObject;
  public readonly deployment: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const name = `${s.name}-box`;
    const selector = selectorLabels(s.name, COMPONENT_BOX);
    const labels = standardLabels(s.name, COMPONENT_BOX);

    const tls = s.security.tls?.client ? s.security.tls : undefined;
    const user = s.security.natsBoxUser;
    const context = {
      description: `${s.name} client Service`,
      url: `${tls ? 'tls' : 'nats'}://${s.name}:${s.clientPort}`,
      ca: tls?.caSecretName ? `${CA_DIR}/ca.crt` : undefined,
      cert: tls?.mutual ? `${CERT_DIR}/tls.crt` : undefined,
      key: tls?.mutual ? `${CERT_DIR}/tls.key` : undefined,
    };
    this.contextFiles = {
      'context.txt': 'default',
      'context/default.json': JSON.stringify(context, null, 2),
    };
    // The CLI takes the user's credentials from NATS_USER / NATS_PASSWORD on top of the context.
    const credentials = user ? [
      { name: 'NATS_USER', value: user.name },
      { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: user.passwordSecretName!, key: user.passwordSecretKey ?? 'password' } } },
    ] : [];
    const secretVolume = (name: string, secretName: string, keys: string[]) => ({
      name, secret: { secretName, items: keys.map((key) => ({ key, path: key })) },
    });
    const certVolumes = [
      ...(tls?.caSecretName ? [{ volume: secretVolume('tls-ca', tls.caSecretName, ['ca.crt']), mountPath: CA_DIR }] : []),
      ...(tls?.mutual ? [{ volume: secretVolume('tls-client', tls.natsBoxSecretName!, ['tls.crt', 'tls.key']), mountPath: CERT_DIR }] : []),
    ];
    // ConfigMap keys cannot hold '/': store flat keys and map them back to paths in the volume.
    const key = (path: string) => path.replace(/[/]/g, '_');
    const configMapName = `${name}-contexts`;
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
            imagePullSecrets: s.imagePullSecrets.length ? s.imagePullSecrets.map((name) => ({ name })) : undefined,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'nats-box',
              image: s.natsBoxImage,
              imagePullPolicy: 'IfNotPresent',
              // Idle until deleted; exits at once on SIGTERM instead of waiting out the grace period.
              command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"],
              env: [
                { name: 'XDG_CONFIG_HOME', value: CONFIG_HOME },
                { name: 'HOME', value: '/tmp' },
                ...credentials,
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                limits: { memory: k8s.Quantity.fromString('256Mi') },
              },
              volumeMounts: [
                { name: 'contexts', mountPath: `${CONFIG_HOME}/nats`, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...certVolumes.map((c) => ({ name: c.volume.name, mountPath: c.mountPath, readOnly: true })),
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
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
              ...certVolumes.map((c) => c.volume),
            ],
          },
        },
      },
    });
  }
}
