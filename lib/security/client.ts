import { NatsSettings } from '../server/settings';

const CA_DIR = '/etc/nats-client-certs/ca';
const CERT_DIR = '/etc/nats-client-certs/client';

/**
 * How the in-cluster tools (nats-box, the JetStream apply Job) reach the servers with the nats CLI:
 * the URL and TLS files, the `natsBoxUser` credentials as environment variables (the CLI reads
 * NATS_USER / NATS_PASSWORD on top of any context), and the Secret volumes holding the certificates.
 */
export interface NatsClientSetup {
  readonly url: string;
  /** Paths of the CA, client certificate and key inside the container, when TLS needs them. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly env: any[];
  readonly volumes: any[];
  readonly volumeMounts: any[];
}

export function natsClientSetup(s: NatsSettings): NatsClientSetup {
  const tls = s.security.tls?.client ? s.security.tls : undefined;
  const user = s.security.natsBoxUser;
  const secretVolume = (name: string, secretName: string, keys: string[], mountPath: string) => ({
    volume: { name, secret: { secretName, items: keys.map((key) => ({ key, path: key })) } },
    mount: { name, mountPath, readOnly: true },
  });
  const certs = [
    ...(tls?.caSecretName ? [secretVolume('tls-ca', tls.caSecretName, ['ca.crt'], CA_DIR)] : []),
    ...(tls?.mutual ? [secretVolume('tls-client', tls.natsBoxSecretName!, ['tls.crt', 'tls.key'], CERT_DIR)] : []),
  ];
  return {
    url: `${tls ? 'tls' : 'nats'}://${s.name}:${s.clientPort}`,
    ca: tls?.caSecretName ? `${CA_DIR}/ca.crt` : undefined,
    cert: tls?.mutual ? `${CERT_DIR}/tls.crt` : undefined,
    key: tls?.mutual ? `${CERT_DIR}/tls.key` : undefined,
    env: user ? [
      { name: 'NATS_USER', value: user.name },
      { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: user.passwordSecretName!, key: user.passwordSecretKey ?? 'password' } } },
    ] : [],
    volumes: certs.map((c) => c.volume),
    volumeMounts: certs.map((c) => c.mount),
  };
}
