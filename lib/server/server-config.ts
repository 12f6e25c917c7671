import { ConfVariable, TlsConfig, UserConfig, renderNatsConfig } from '../config/nats-config';
import { UserSettings } from '../security/settings';
import { NatsSettings } from './settings';

/** Where the server pods mount things. The migration Job's source server uses the same paths. */
export const SERVER_PATHS = {
  config: '/etc/nats-config',
  pid: '/var/run/nats',
  store: '/data',
  cert: '/etc/nats-certs/server',
  ca: '/etc/nats-certs/ca',
};

/** Options for a server that is not one of the StatefulSet's. */
export interface ServerConfigOptions {
  /** Loopback only, without TLS or cluster block: the migration's source server. */
  readonly loopbackOnly?: boolean;
}

/** The nats.conf of the settings' servers (`$SERVER_NAME` is expanded by each server from its pod name). */
export function renderServerConfig(s: NatsSettings, options: ServerConfigOptions = {}): string {
  const { accounts, users } = s.security;
  const tls = options.loopbackOnly ? undefined : s.security.tls;
  const tlsFiles = (verify: boolean): TlsConfig => ({
    certFile: `${SERVER_PATHS.cert}/tls.crt`,
    keyFile: `${SERVER_PATHS.cert}/tls.key`,
    caFile: tls?.caSecretName ? `${SERVER_PATHS.ca}/ca.crt` : undefined,
    verify,
  });
  return renderNatsConfig({
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
  });
}

/** The server container's environment: its name, memory limit, and the users' passwords from their Secrets. */
export function serverEnv(s: NatsSettings): any[] {
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'SERVER_NAME', value: `${s.serverNamePrefix}$(POD_NAME)` },
    ...(s.goMemLimit ? [{ name: 'GOMEMLIMIT', value: s.goMemLimit }] : []),
    // Passwords reach nats.conf as $NATS_PASSWORD_<USER>, so no secret is ever written into the ConfigMap.
    ...s.security.users.filter((u) => u.passwordEnv).map((u) => ({
      name: u.passwordEnv!,
      valueFrom: { secretKeyRef: { name: u.passwordSecretName!, key: u.passwordSecretKey ?? 'password' } },
    })),
  ];
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
