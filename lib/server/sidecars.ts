/**
 * The containers beside nats-server that keep a running server's configuration current without a restart: the auth
 * sidecar renders the password variables from their Secrets, and nats-io's config reloader has the server reload
 * when nats.conf, the TLS files or those variables change.
 */
import * as k8s from '../internal/k8s';
import { RESTRICTED_CONTAINER } from '../internal/pod-security';
import { packagedScript } from '../internal/scripts';
import { SERVER_PATHS, authMap, passwordSources } from './server-config';
import { NatsSettings } from './settings';

/** `sh auth.sh MAP OUT`: renders and re-renders auth.conf (see the script). Shipped in the server's ConfigMap. */
export const AUTH_SCRIPT = packagedScript(__dirname, 'auth.sh');

/** What the sidecars add to the server pod. */
export interface SidecarParts {
  readonly initContainers: any[];
  readonly containers: any[];
  readonly volumes: any[];
  /** Mounts for the nats container. */
  readonly serverMounts: any[];
  /** ConfigMap entries beside nats.conf. */
  readonly configData: { [key: string]: string };
}

/** The sidecars of a server pod, whose config, pid file and TLS files are in the volumes `config`, `pid`, `tls` and `tls-ca`. */
export function configSidecars(s: NatsSettings): SidecarParts {
  const sources = passwordSources(s);
  const secrets = [...new Set(sources.map((p) => p.secret))].sort();
  const secretVolume = (i: number) => `passwords-${i}`;
  const authMount = { name: 'auth', mountPath: SERVER_PATHS.auth };
  const configMount = { name: 'config', mountPath: SERVER_PATHS.config, readOnly: true };
  const tls = s.security.tls;
  const tlsMounts = [
    ...(tls ? [{ name: 'tls', mountPath: SERVER_PATHS.cert, readOnly: true }] : []),
    ...(tls?.caSecretName ? [{ name: 'tls-ca', mountPath: SERVER_PATHS.ca, readOnly: true }] : []),
  ];
  const withAuth = sources.length > 0;

  const auth = withAuth ? [{
    // A native sidecar: it renders auth.conf before nats-server starts (its startup probe waits for the file),
    // then keeps it current as the Secrets change.
    name: 'auth',
    image: s.natsBoxImage,
    imagePullPolicy: 'IfNotPresent',
    restartPolicy: 'Always',
    command: ['sh', `${SERVER_PATHS.config}/auth.sh`, `${SERVER_PATHS.config}/auth.map`, `${SERVER_PATHS.auth}/auth.conf`],
    startupProbe: { exec: { command: ['test', '-f', `${SERVER_PATHS.auth}/auth.conf`] }, periodSeconds: 1, failureThreshold: 120 },
    resources: {
      requests: { cpu: k8s.Quantity.fromString('5m'), memory: k8s.Quantity.fromString('8Mi') },
      limits: { memory: k8s.Quantity.fromString('32Mi') },
    },
    volumeMounts: [
      configMount,
      authMount,
      ...secrets.map((secret, i) => ({ name: secretVolume(i), mountPath: `${SERVER_PATHS.secrets}/${secret}`, readOnly: true })),
    ],
    securityContext: RESTRICTED_CONTAINER,
  }] : [];

  const r = s.configReloader;
  const reloader = r ? [{
    // Watches nats.conf and what it names (the included auth.conf, the TLS files) and signals the server, which
    // shares the pod's process namespace, to reload.
    name: 'reloader',
    image: r.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['nats-server-config-reloader', '-pid', `${SERVER_PATHS.pid}/nats.pid`, '-config', `${SERVER_PATHS.config}/nats.conf`],
    resources: {
      requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
      limits: { memory: k8s.Quantity.fromString(r.memoryLimit) },
    },
    volumeMounts: [
      configMount,
      { name: 'pid', mountPath: SERVER_PATHS.pid, readOnly: true },
      ...tlsMounts,
      ...(withAuth ? [{ ...authMount, readOnly: true }] : []),
    ],
    securityContext: RESTRICTED_CONTAINER,
  }] : [];

  return {
    initContainers: auth,
    containers: reloader,
    volumes: withAuth ? [
      { name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
      // Whole Secrets, not single keys: a user whose password is a new key of a mounted Secret changes no pod template.
      ...secrets.map((secretName, i) => ({ name: secretVolume(i), secret: { secretName } })),
    ] : [],
    serverMounts: withAuth ? [{ ...authMount, readOnly: true }] : [],
    configData: withAuth ? { 'auth.sh': AUTH_SCRIPT, 'auth.map': authMap(s) } : {},
  };
}
