import { ConfVariable, NatsConfigModel, TlsConfig, UserConfig, renderNatsConfig } from '../config/nats-config';
import { UserSettings } from '../security/settings';
import { NatsSettings } from './settings';

/** Where the server pods mount things. The migration Job's source server uses the same paths. */
export const SERVER_PATHS = {
  config: '/etc/nats-config',
  pid: '/var/run/nats',
  store: '/data',
  cert: '/etc/nats-certs/server',
  ca: '/etc/nats-certs/ca',
  /** The password variables (auth.conf), rendered by the auth sidecar. */
  auth: '/etc/nats-auth',
  /** Each password Secret, whole, at `<secrets>/<Secret name>/`. */
  secrets: '/etc/nats-secrets',
  /** Each leafnode remote's credentials and CA, at `<leafnodes>/<index>/creds/` and `<leafnodes>/<index>/ca/`. */
  leafnodes: '/etc/nats-leafnodes',
};

/** auth.conf as nats.conf includes it: relative to the config directory (SERVER_PATHS.auth/auth.conf). */
export const AUTH_INCLUDE = '../nats-auth/auth.conf';

/** Where the server's TLS files are, for nats.conf and for the reloader that watches them. */
export function tlsFilePaths(s: NatsSettings): string[] {
  const tls = s.security.tls;
  if (!tls) return [];
  return [`${SERVER_PATHS.cert}/tls.crt`, `${SERVER_PATHS.cert}/tls.key`, ...(tls.caSecretName ? [`${SERVER_PATHS.ca}/ca.crt`] : [])];
}

/** Users whose passwords come from Secrets: their variable, Secret and key. */
export function passwordSources(s: NatsSettings): { variable: string; secret: string; key: string }[] {
  return s.security.users.filter((u) => u.passwordEnv).map((u) => ({
    variable: u.passwordEnv!, secret: u.passwordSecretName!, key: u.passwordSecretKey ?? 'password',
  }));
}

/**
 * The auth sidecar's map (`<variable> <file>` per line): which mounted Secret file holds each password variable.
 * Part of the ConfigMap, so adding a user whose password is in an already-mounted Secret changes no pod template.
 */
export function authMap(s: NatsSettings): string {
  return passwordSources(s).map((p) => `${p.variable} ${SERVER_PATHS.secrets}/${p.secret}/${p.key}\n`).join('');
}

/** Options for a server that is not one of the StatefulSet's. */
export interface ServerConfigOptions {
  /** Loopback only, without TLS or cluster block: the migration's source server. */
  readonly loopbackOnly?: boolean;
}

/** The nats.conf of the settings' servers (`$SERVER_NAME` is expanded by each server from its pod name). */
export function renderServerConfig(s: NatsSettings, options: ServerConfigOptions = {}): string {
  return renderNatsConfig(serverConfigModel(s, options));
}

/**
 * The model of that nats.conf. Passwords are variables (`$NATS_PASSWORD_<USER>`): the servers define them in the
 * included auth.conf, which follows their Secrets; the migration's one-off source server gets them as environment.
 */
export function serverConfigModel(s: NatsSettings, options: ServerConfigOptions = {}): NatsConfigModel {
  const { accounts, users } = s.security;
  const tls = options.loopbackOnly ? undefined : s.security.tls;
  const tlsFiles = (verify: boolean): TlsConfig => ({
    certFile: `${SERVER_PATHS.cert}/tls.crt`,
    keyFile: `${SERVER_PATHS.cert}/tls.key`,
    caFile: tls?.caSecretName ? `${SERVER_PATHS.ca}/ca.crt` : undefined,
    verify,
  });
  return {
    // Relative to nats.conf, as nats-server and the config reloader both resolve includes.
    includes: passwordSources(s).length > 0 && !options.loopbackOnly ? [AUTH_INCLUDE] : undefined,
    serverName: new ConfVariable('SERVER_NAME'),
    host: options.loopbackOnly ? '127.0.0.1' : undefined,
    clientPort: s.clientPort,
    monitorPort: s.monitorPort,
    monitorTls: tls?.monitor,
    tls: tls?.client ? tlsFiles(tls.mutual) : undefined,
    pidFile: `${SERVER_PATHS.pid}/nats.pid`,
    lameDuckDurationSeconds: s.lameDuckDurationSeconds,
    lameDuckGracePeriodSeconds: s.lameDuckGracePeriodSeconds,
    maxPayload: s.maxPayloadBytes,
    jetStream: {
      storeDir: SERVER_PATHS.store, maxFileStore: s.maxFileStoreBytes, maxMemoryStore: s.maxMemoryStoreBytes, domain: s.listeners.jetStreamDomain,
    },
    cluster: s.replicas > 1 && !options.loopbackOnly ? {
      // The gateway name when gateways are on: nats-server refuses a cluster named otherwise.
      name: s.clusterName,
      port: s.clusterPort,
      // Every ordinal, itself included (the server drops its own route); names resolve through the
      // headless Service, which publishes not-ready pods so peers find each other while starting.
      routes: Array.from({ length: s.replicas }, (_, i) => `nats://${s.name}-${i}.${s.headlessServiceName}:${s.clusterPort}`),
      // Routes verify each other's certificate against the CA: that is the cluster's route authentication.
      tls: tls?.cluster ? tlsFiles(true) : undefined,
    } : undefined,
    ...(options.loopbackOnly ? {} : listenerModel(s, tlsFiles)),
    accounts: accounts.map((a) => ({
      name: a.name,
      jetStream: a.jetStream,
      maxFile: a.maxFileStoreBytes,
      maxMemory: a.maxMemoryStoreBytes,
      maxStreams: a.maxStreams,
      maxConsumers: a.maxConsumers,
      users: users.filter((u) => u.account === a.name).map(userConfig),
    })),
    users: users.filter((u) => u.account === undefined).map(userConfig),
    systemAccount: s.security.systemAccount,
    noAuthUser: s.security.noAuthUser,
    extra: s.extraConfig,
  };
}

/** The leafnodes, gateway, websocket and mqtt blocks. The listeners use the server certificate (not verifying clients). */
function listenerModel(s: NatsSettings, tlsFiles: (verify: boolean) => TlsConfig): Partial<NatsConfigModel> {
  const { leafnodes, leafnodeRemotes, gateway, websocket, mqtt } = s.listeners;
  const leafnodeDir = (i: number) => `${SERVER_PATHS.leafnodes}/${i}`;
  return {
    leafnodes: leafnodes || leafnodeRemotes.length > 0 ? {
      port: leafnodes?.port,
      tls: leafnodes?.tls ? tlsFiles(false) : undefined,
      remotes: leafnodeRemotes.map((r, i) => ({
        urls: r.urls,
        account: r.account,
        credentials: r.credentials ? `${leafnodeDir(i)}/creds/${r.credentials.key}` : undefined,
        nkey: r.nkeySeed ? new ConfVariable(r.nkeySeed.variable) : undefined,
        tls: r.tls ? { caFile: r.caSecretName ? `${leafnodeDir(i)}/ca/ca.crt` : undefined } : undefined,
      })),
    } : undefined,
    gateway: gateway ? {
      name: gateway.name,
      port: gateway.port,
      advertise: new ConfVariable('GATEWAY_ADVERTISE'),
      gateways: gateway.remotes,
      // Gateways are servers of other clusters: both sides verify each other against the CA, as routes do.
      tls: gateway.tls ? tlsFiles(true) : undefined,
    } : undefined,
    websocket: websocket ? {
      port: websocket.port,
      tls: websocket.tls ? tlsFiles(false) : undefined,
      allowedOrigins: websocket.allowedOrigins,
      compression: websocket.compression,
    } : undefined,
    mqtt: mqtt ? { port: mqtt.port, tls: mqtt.tls ? tlsFiles(false) : undefined } : undefined,
  };
}

/**
 * The server container's environment for its listeners: the gateway's advertised address (the pod's name under the
 * headless Service, which the other clusters resolve; a pod IP would change on restart) and the leafnode seeds.
 */
export function listenerEnv(s: NatsSettings): any[] {
  const { gateway, leafnodeRemotes } = s.listeners;
  return [
    ...(gateway ? [
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'GATEWAY_ADVERTISE', value: `$(POD_NAME).${s.headlessServiceName}.$(POD_NAMESPACE).svc.cluster.local:${gateway.port}` },
    ] : []),
    ...leafnodeRemotes.filter((r) => r.nkeySeed).map((r) => ({
      name: r.nkeySeed!.variable, valueFrom: { secretKeyRef: { name: r.nkeySeed!.secretName, key: r.nkeySeed!.key } },
    })),
  ];
}

/** The leafnode remotes' Secrets as volumes, and where the server mounts them. */
export function listenerVolumes(s: NatsSettings): { volumes: any[]; mounts: any[] } {
  const volumes: any[] = [];
  const mounts: any[] = [];
  s.listeners.leafnodeRemotes.forEach((r, i) => {
    if (r.credentials) {
      volumes.push({ name: `leafnode-${i}-creds`, secret: { secretName: r.credentials.secretName, items: [{ key: r.credentials.key, path: r.credentials.key }] } });
      mounts.push({ name: `leafnode-${i}-creds`, mountPath: `${SERVER_PATHS.leafnodes}/${i}/creds`, readOnly: true });
    }
    if (r.caSecretName) {
      volumes.push({ name: `leafnode-${i}-ca`, secret: { secretName: r.caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
      mounts.push({ name: `leafnode-${i}-ca`, mountPath: `${SERVER_PATHS.leafnodes}/${i}/ca`, readOnly: true });
    }
  });
  return { volumes, mounts };
}

/** The server container's environment: its name and memory limit. */
export function serverEnv(s: NatsSettings): any[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'SERVER_NAME', value: `${s.serverNamePrefix}$(POD_NAME)` },
    ...(s.goMemLimit ? [{ name: 'GOMEMLIMIT', value: s.goMemLimit }] : []),
  ];
}

/** The passwords as environment variables from their Secrets, for the migration's source server (which never reloads). */
export function passwordEnv(s: NatsSettings): any[] {
  return passwordSources(s).map((p) => ({ name: p.variable, valueFrom: { secretKeyRef: { name: p.secret, key: p.key } } }));
}

function userConfig(u: UserSettings): UserConfig {
  const hasPermissions = [u.publishAllow, u.publishDeny, u.subscribeAllow, u.subscribeDeny].some((list) => list !== undefined);
  return {
    user: u.passwordEnv ? u.name : undefined,
    password: u.passwordEnv ? new ConfVariable(u.passwordEnv) : undefined,
    nkey: u.nkey,
    permissions: hasPermissions ? u : undefined,
  };
}
