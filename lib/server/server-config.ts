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
    jetStream: { storeDir: SERVER_PATHS.store, maxFileStore: s.maxFileStoreBytes, maxMemoryStore: s.maxMemoryStoreBytes },
    cluster: s.replicas > 1 && !options.loopbackOnly ? {
      name: s.name,
      port: s.clusterPort,
      // Every ordinal, itself included (the server drops its own route); names resolve through the
      // headless Service, which publishes not-ready pods so peers find each other while starting.
      routes: Array.from({ length: s.replicas }, (_, i) => `nats://${s.name}-${i}.${s.headlessServiceName}:${s.clusterPort}`),
      // Routes verify each other's certificate against the CA: that is the cluster's route authentication.
      tls: tls?.cluster ? tlsFiles(true) : undefined,
    } : undefined,
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
