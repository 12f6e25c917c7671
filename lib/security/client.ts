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

/**
 * The one check that an in-cluster tool (`tool` names it in errors) can do its work: every tool connects with the
 * same identity, natsBoxUser (or, without one, the identity noAuthUser gives anonymous clients). With users defined
 * it needs one; its account needs JetStream (the tools manage streams, which the system account cannot); under
 * mutual TLS it needs a client certificate.
 */
export function natsClientSetup(s: NatsSettings, tool: string): NatsClientSetup {
  const { users, accounts, natsBoxUser, noAuthUser, systemAccount } = s.security;
  const identity = natsBoxUser ?? users.find((u) => u.name === noAuthUser);
  if (users.length > 0 && !identity) {
    throw new Error(
      `${tool} needs credentials when users are defined: set natsBoxUser (a password user) or noAuthUser${tool === 'nats-box' ? ', or natsBox: false' : ''}`,
    );
  }
  const account = identity && accounts.find((a) => a.name === identity.account);
  if (identity && account && !account.jetStream) {
    throw new Error(
      `${tool} connects as ${natsBoxUser ? 'natsBoxUser' : 'noAuthUser'} "${identity.name}", whose account "${account.name}" has no JetStream${account.name === systemAccount ? ' (it is the systemAccount)' : ''}: choose a user of an account with JetStream`,
    );
  }
  if (s.security.tls?.mutual && !s.security.tls.natsBoxSecretName) {
    throw new Error(
      `${tool} needs a client certificate under clientMutualTls: with tlsSecretName, set natsBoxTlsSecretName (the certificate nats-box and the Jobs present)${tool === 'nats-box' ? ', or natsBox: false' : ''}`,
    );
  }
  const tls = s.security.tls?.client ? s.security.tls : undefined;
  const user = natsBoxUser;
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
