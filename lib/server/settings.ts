import { Duration } from 'cdk8s';
import { checkExtraConfig } from '../config/extra-config';
import { SERVER_LIMITS } from '../jetstream/rules';
import { EXPORTER_IMAGE, NATS_BOX_IMAGE, NATS_IMAGE, NATS_VERSION, RELOADER_IMAGE, defaultImage } from './images';
import { headlessServiceName } from '../internal/names';
import { Schema, checkProps, enumOf } from '../internal/props';
import { GIB, MIB, formatBytes, parseBytes, parseMillicores } from '../internal/quantity';
import { checkDistinctPorts, checkDnsLabel, checkDnsSubdomain, checkImage, checkRegistry } from '../internal/validate';
import { ClaimRetention, HealthCheck, MetricsMonitor, NatsProps, StorageAccessMode } from '../nats-props';
import { SECURITY_PROPS_SCHEMA, SecuritySettings, resolveSecurity } from '../security/settings';
import { LISTENER_PROPS_SCHEMA, ListenersSettings, listenersUsingTls, resolveListeners } from '../listeners/settings';
import { SecurityProfile } from '../security/props';

/** Every property resolved: defaults applied, quantities parsed, all checks passed. */
export interface NatsSettings {
  readonly name: string;
  readonly headlessServiceName: string;
  readonly replicas: number;
  readonly serverNamePrefix: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly monitorPort: number;
  readonly storageSize: string;
  readonly storageClassName?: string;
  readonly storageAccessMode: StorageAccessMode;
  readonly maxFileStoreBytes: number;
  readonly maxMemoryStoreBytes: number;
  readonly claimRetentionOnDelete: ClaimRetention;
  readonly claimRetentionOnScaleDown: ClaimRetention;
  readonly prepareVolumeOwnership: boolean;
  readonly maxPayloadBytes?: number;
  readonly lameDuckDurationSeconds: number;
  readonly lameDuckGracePeriodSeconds: number;
  readonly startupCheck: HealthCheck;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly cpuLimit?: string;
  readonly memoryLimit?: string;
  /** `GOMEMLIMIT` value (Go syntax), set when there is a memory limit. */
  readonly goMemLimit?: string;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly image: string;
  /** `app.kubernetes.io/version`, known only for the default image. */
  readonly version?: string;
  readonly natsBox: boolean;
  readonly natsBoxImage: string;
  /** Set when the config reloader runs beside each server. */
  readonly configReloader?: {
    readonly image: string;
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
  };
  /** Set when the metrics exporter runs beside each server. */
  readonly metrics?: MetricsSettings;
  readonly imagePullSecrets: string[];
  readonly extraConfig: { [key: string]: any };
  /** TLS, users and accounts, NetworkPolicy. */
  readonly security: SecuritySettings;
  /** Leafnodes, gateways, WebSocket, MQTT. */
  readonly listeners: ListenersSettings;
  /** The cluster block's name: the gateway name when gateways are on (nats-server requires them equal), else `name`. */
  readonly clusterName: string;
}

/** The exporter sidecar and what is built on its metrics. */
export interface MetricsSettings {
  readonly image: string;
  readonly port: number;
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
  readonly monitor: MetricsMonitor;
  readonly labels: { [key: string]: string };
  readonly alerts: boolean;
  readonly alertForSeconds: number;
  readonly alertConsumerPending: number;
  readonly alertStoreUsage: number;
  readonly dashboard: boolean;
}

/** StatefulSet names above this make the `controller-revision-hash` label exceed 63 characters. */
const MAX_STATEFULSET_NAME = 52;
const MIN_STORAGE = GIB;
const MIN_FILE_STORE = 256 * MIB;
const MIN_MEMORY_STORE = 16 * MIB;
const MIN_MEMORY = 64 * MIB;
/** Filesystem metadata and journal take a few percent of a volume. */
const FILE_STORE_SHARE = 0.9;
/** ext4 keeps 5% for root by default, which the non-root server cannot use. */
const MAX_FILE_STORE_SHARE = 0.95;
/** JetStream keeps at most 5 replicas of a stream; more servers only add RAFT traffic. */
const MAX_REPLICAS = 5;
/** The server runs as non-root with every capability dropped, so it cannot bind privileged ports. */
const MIN_PORT = 1024;
/** The Go runtime needs headroom below the cgroup limit to collect before the kernel kills. */
const GOMEMLIMIT_SHARE = 0.8;

/** What each property may hold, checked at runtime for callers without TypeScript's types. */
const NATS_PROPS_SCHEMA: Schema<NatsProps> = {
  name: 'string',
  replicas: 'integer',
  serverNamePrefix: 'string',
  clientPort: 'integer',
  clusterPort: 'integer',
  monitorPort: 'integer',
  storageSize: 'string',
  storageClassName: 'string',
  storageAccessMode: enumOf('StorageAccessMode', StorageAccessMode),
  maxFileStore: 'string',
  maxMemoryStore: 'string',
  claimRetentionOnDelete: enumOf('ClaimRetention', ClaimRetention),
  claimRetentionOnScaleDown: enumOf('ClaimRetention', ClaimRetention),
  prepareVolumeOwnership: 'boolean',
  maxPayload: 'string',
  lameDuckDuration: 'duration',
  lameDuckGracePeriod: 'duration',
  startupCheck: enumOf('HealthCheck', HealthCheck),
  cpuRequest: 'string',
  memoryRequest: 'string',
  cpuLimit: 'string',
  memoryLimit: 'string',
  runAsUser: 'integer',
  runAsGroup: 'integer',
  registry: 'string',
  image: 'string',
  natsBox: 'boolean',
  natsBoxImage: 'string',
  configReloader: 'boolean',
  configReloaderImage: 'string',
  configReloaderCpuRequest: 'string',
  configReloaderMemoryRequest: 'string',
  configReloaderMemoryLimit: 'string',
  metrics: 'boolean',
  metricsExporterImage: 'string',
  metricsPort: 'integer',
  metricsCpuRequest: 'string',
  metricsMemoryRequest: 'string',
  metricsMemoryLimit: 'string',
  metricsMonitor: enumOf('MetricsMonitor', MetricsMonitor),
  metricsLabels: 'object',
  metricsAlerts: 'boolean',
  alertFor: 'duration',
  alertConsumerPending: 'integer',
  alertStoreUsage: 'number',
  metricsDashboard: 'boolean',
  imagePullSecrets: 'string[]',
  extraConfig: 'object',
  ...SECURITY_PROPS_SCHEMA,
  ...LISTENER_PROPS_SCHEMA,
};

/** Properties of earlier versions, refused with their new name (a JavaScript caller would otherwise lose them). */
const RENAMED_PROPS: { [old: string]: string } = {
  memoryStoreSize: 'maxMemoryStore',
};

export function resolveSettings(props: NatsProps): NatsSettings {
  for (const [old, renamed] of Object.entries(RENAMED_PROPS)) {
    if (props !== null && typeof props === 'object' && old in props) {
      throw new Error(`${old} was renamed ${renamed} in 0.3.0: set ${renamed} instead, got ${old} ${JSON.stringify((props as any)[old])}`);
    }
  }
  checkProps('', props, NATS_PROPS_SCHEMA);
  const name = props.name ?? 'nats';
  checkDnsLabel('name', name, MAX_STATEFULSET_NAME, ' (the StatefulSet controller-revision-hash label must fit 63)');

  const replicas = props.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new Error(`replicas must be a whole number of at least 1, got ${replicas}`);
  }
  if (replicas > MAX_REPLICAS) {
    throw new Error(
      `replicas must be at most ${MAX_REPLICAS}: a stream keeps at most 5 copies and more servers only add RAFT traffic (join clusters with gateways to grow further), got ${replicas}`,
    );
  }
  if (replicas % 2 === 0) {
    throw new Error(
      `replicas must be odd (1, 3 or 5): JetStream clustering needs a majority, and ${replicas} servers lose quorum on a single failure, got ${replicas}`,
    );
  }

  const serverNamePrefix = props.serverNamePrefix ?? '';
  if (serverNamePrefix && !/^[a-z0-9]([-a-z0-9]*[-a-z0-9])?$/.test(serverNamePrefix)) {
    throw new Error(`serverNamePrefix must be lowercase letters, digits and '-', got "${serverNamePrefix}"`);
  }

  const clientPort = props.clientPort ?? 4222;
  const clusterPort = props.clusterPort ?? 6222;
  const monitorPort = props.monitorPort ?? 8222;
  checkDistinctPorts({ clientPort, clusterPort, monitorPort });
  for (const [what, port] of [['clientPort', clientPort], ['clusterPort', clusterPort], ['monitorPort', monitorPort]] as const) {
    if (port < MIN_PORT) {
      throw new Error(`${what} must be from ${MIN_PORT} to 65535: the server runs as non-root without capabilities and cannot bind a privileged port, got ${port}`);
    }
  }

  const storageSize = props.storageSize ?? '10Gi';
  const storageBytes = parseBytes('storageSize', storageSize);
  if (storageBytes < MIN_STORAGE) {
    throw new Error(`storageSize must be at least 1Gi, got "${storageSize}"`);
  }
  if (props.storageClassName !== undefined) {
    checkDnsSubdomain('storageClassName', props.storageClassName);
  }

  const maxFileStoreBytes = props.maxFileStore === undefined
    ? Math.floor(storageBytes * FILE_STORE_SHARE)
    : parseBytes('maxFileStore', props.maxFileStore);
  if (maxFileStoreBytes > storageBytes * MAX_FILE_STORE_SHARE) {
    throw new Error(
      `maxFileStore must be at most 95% of storageSize ("${storageSize}", ${formatBytes(storageBytes * MAX_FILE_STORE_SHARE)}): the filesystem needs headroom, or the volume fills before JetStream's limit, got "${props.maxFileStore}"`,
    );
  }
  if (maxFileStoreBytes < MIN_FILE_STORE) {
    throw new Error(`maxFileStore must be at least 256Mi, got "${props.maxFileStore}"`);
  }

  const memoryRequest = props.memoryRequest ?? '256Mi';
  const memoryRequestBytes = parseBytes('memoryRequest', memoryRequest);
  if (memoryRequestBytes < MIN_MEMORY) {
    throw new Error(`memoryRequest must be at least 64Mi, got "${memoryRequest}"`);
  }
  let goMemLimit: string | undefined;
  let memoryLimitBytes: number | undefined;
  if (props.memoryLimit !== undefined) {
    memoryLimitBytes = parseBytes('memoryLimit', props.memoryLimit);
    if (memoryLimitBytes < memoryRequestBytes) {
      throw new Error(`memoryLimit must be at least memoryRequest ("${memoryRequest}"), got "${props.memoryLimit}"`);
    }
    goMemLimit = `${Math.floor((memoryLimitBytes * GOMEMLIMIT_SHARE) / MIB)}MiB`;
  }

  let maxMemoryStoreBytes = 0;
  if (props.maxMemoryStore !== undefined) {
    maxMemoryStoreBytes = parseBytes('maxMemoryStore', props.maxMemoryStore);
    if (maxMemoryStoreBytes < MIN_MEMORY_STORE) {
      throw new Error(`maxMemoryStore must be at least 16Mi, got "${props.maxMemoryStore}"`);
    }
    if (memoryLimitBytes === undefined) {
      throw new Error(
        `maxMemoryStore needs memoryLimit: the memory store lives in the server's memory, and without a limit (and GOMEMLIMIT) a full store takes the node's memory; set memoryLimit to at least ${formatBytes(maxMemoryStoreBytes / 0.75)}, got maxMemoryStore "${props.maxMemoryStore}" and no memoryLimit`,
      );
    }
    if (maxMemoryStoreBytes > memoryRequestBytes) {
      throw new Error(
        `maxMemoryStore must be at most memoryRequest ("${memoryRequest}"): the scheduler reserves only the request for the store, got "${props.maxMemoryStore}"`,
      );
    }
    if (maxMemoryStoreBytes > memoryLimitBytes * 0.75) {
      throw new Error(
        `maxMemoryStore must be at most 75% of memoryLimit (${formatBytes(memoryLimitBytes * 0.75)}), or the server is killed before the store is full, got "${props.maxMemoryStore}"`,
      );
    }
  }

  const cpuRequest = props.cpuRequest ?? '100m';
  const cpuRequestMilli = parseMillicores('cpuRequest', cpuRequest);
  if (props.cpuLimit !== undefined && parseMillicores('cpuLimit', props.cpuLimit) < cpuRequestMilli) {
    throw new Error(`cpuLimit must be at least cpuRequest ("${cpuRequest}"), got "${props.cpuLimit}"`);
  }

  const maxPayloadBytes = props.maxPayload === undefined ? undefined : parseBytes('maxPayload', props.maxPayload);
  if (maxPayloadBytes !== undefined && (maxPayloadBytes < 1 || maxPayloadBytes > 64 * MIB)) {
    throw new Error(`maxPayload must be from 1 byte to 64Mi (nats-server's hard limit), got "${props.maxPayload}"`);
  }

  const extraConfig = checkExtraConfig(props.extraConfig ?? {});
  // nats-server 2.15 refuses to start when a client's pending buffer cannot hold one message.
  const payloadLimit = maxPayloadBytes ?? SERVER_LIMITS.defaultMaxPayload;
  if (typeof extraConfig.max_pending === 'number' && extraConfig.max_pending < payloadLimit) {
    throw new Error(`extraConfig max_pending must be at least max_payload (${payloadLimit} bytes${maxPayloadBytes === undefined ? ', the default' : ', maxPayload'}): `
      + `the server refuses to start otherwise, got ${extraConfig.max_pending}`);
  }

  const lameDuckDurationSeconds = wholeSeconds('lameDuckDuration', props.lameDuckDuration ?? Duration.seconds(30));
  const lameDuckGracePeriodSeconds = wholeSeconds('lameDuckGracePeriod', props.lameDuckGracePeriod ?? Duration.seconds(10));
  if (lameDuckGracePeriodSeconds >= lameDuckDurationSeconds) {
    throw new Error(
      `lameDuckGracePeriod must be shorter than lameDuckDuration (${lameDuckDurationSeconds}s), got ${lameDuckGracePeriodSeconds}s`,
    );
  }

  const runAsUser = props.runAsUser ?? 1000;
  const runAsGroup = props.runAsGroup ?? 1000;
  for (const [what, id] of [['runAsUser', runAsUser], ['runAsGroup', runAsGroup]] as const) {
    if (!Number.isInteger(id) || id < 1 || id > 2147483647) {
      throw new Error(`${what} must be a non-root id from 1 to 2147483647, got ${id}`);
    }
  }

  if (props.registry !== undefined) {
    checkRegistry('registry', props.registry);
  }
  const image = props.image ?? defaultImage(NATS_IMAGE, props.registry);
  checkImage('image', image);
  const natsBoxImage = props.natsBoxImage ?? defaultImage(NATS_BOX_IMAGE, props.registry);
  checkImage('natsBoxImage', natsBoxImage);
  const imagePullSecrets = props.imagePullSecrets ?? [];
  const natsBox = props.natsBox ?? true;
  imagePullSecrets.forEach((secret) => checkDnsSubdomain('imagePullSecrets entry', secret));

  const production = props.security === SecurityProfile.PRODUCTION;
  const security = resolveSecurity(props, name, listenersUsingTls(props, production));
  const configReloader = resolveReloader(props, security.tls !== undefined || security.users.length > 0);
  const metrics = resolveMetrics(props, { clientPort, clusterPort, monitorPort });
  const listeners = resolveListeners(props, {
    name,
    replicas,
    serverNamePrefix,
    production,
    ports: { clientPort, clusterPort, monitorPort, ...(metrics ? { metricsPort: metrics.port } : {}) },
    accounts: security.accounts,
    systemAccount: security.systemAccount,
    accountsWithUsers: [...new Set(security.users.map((u) => u.account).filter((a): a is string => a !== undefined))],
    caSecretName: security.tls?.caSecretName,
  });

  return {
    name,
    headlessServiceName: headlessServiceName(name),
    replicas,
    serverNamePrefix,
    clientPort,
    clusterPort,
    monitorPort,
    storageSize,
    storageClassName: props.storageClassName,
    storageAccessMode: props.storageAccessMode ?? StorageAccessMode.READ_WRITE_ONCE,
    maxFileStoreBytes,
    maxMemoryStoreBytes,
    claimRetentionOnDelete: props.claimRetentionOnDelete ?? ClaimRetention.RETAIN,
    claimRetentionOnScaleDown: props.claimRetentionOnScaleDown ?? ClaimRetention.RETAIN,
    prepareVolumeOwnership: props.prepareVolumeOwnership ?? false,
    maxPayloadBytes,
    lameDuckDurationSeconds,
    lameDuckGracePeriodSeconds,
    startupCheck: props.startupCheck ?? HealthCheck.FULL,
    cpuRequest,
    memoryRequest,
    cpuLimit: props.cpuLimit,
    memoryLimit: props.memoryLimit,
    goMemLimit,
    runAsUser,
    runAsGroup,
    image,
    version: props.image === undefined ? NATS_VERSION : undefined,
    natsBox,
    natsBoxImage,
    imagePullSecrets,
    extraConfig,
    security,
    configReloader,
    metrics,
    listeners,
    clusterName: listeners.gateway?.name ?? name,
  };
}

function wholeSeconds(what: string, duration: Duration): number {
  const millis = duration.toMilliseconds();
  if (millis <= 0 || millis % 1000 !== 0) {
    throw new Error(`${what} must be a positive whole number of seconds, got ${millis}ms`);
  }
  return millis / 1000;
}

/** The config reloader, on by default where there is something to reload in place (TLS files, credentials). */
function resolveReloader(props: NatsProps, inUse: boolean): NatsSettings['configReloader'] {
  const on = props.configReloader ?? inUse;
  if (!on) {
    for (const prop of ['configReloaderImage', 'configReloaderCpuRequest', 'configReloaderMemoryRequest', 'configReloaderMemoryLimit'] as const) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} is set but the config reloader is off: set configReloader to true, or remove ${prop}`);
      }
    }
    return undefined;
  }
  const image = props.configReloaderImage ?? defaultImage(RELOADER_IMAGE, props.registry);
  checkImage('configReloaderImage', image);
  const cpuRequest = props.configReloaderCpuRequest ?? '10m';
  parseMillicores('configReloaderCpuRequest', cpuRequest);
  const memoryRequest = props.configReloaderMemoryRequest ?? '16Mi';
  const memoryLimit = props.configReloaderMemoryLimit ?? '64Mi';
  if (parseBytes('configReloaderMemoryLimit', memoryLimit) < parseBytes('configReloaderMemoryRequest', memoryRequest)) {
    throw new Error(`configReloaderMemoryLimit must be at least configReloaderMemoryRequest ("${memoryRequest}"), got "${memoryLimit}"`);
  }
  return { image, cpuRequest, memoryRequest, memoryLimit };
}

const METRICS_PROPS = [
  'metricsExporterImage', 'metricsPort', 'metricsCpuRequest', 'metricsMemoryRequest', 'metricsMemoryLimit', 'metricsMonitor',
  'metricsLabels', 'metricsAlerts', 'alertFor', 'alertConsumerPending', 'alertStoreUsage', 'metricsDashboard',
] as const;

/** The exporter and its monitor, alerts and dashboard; off unless `metrics` is true. */
function resolveMetrics(props: NatsProps, ports: { [name: string]: number }): MetricsSettings | undefined {
  if (!props.metrics) {
    for (const prop of METRICS_PROPS) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} is set but metrics are off: set metrics to true, or remove ${prop}`);
      }
    }
    return undefined;
  }
  const image = props.metricsExporterImage ?? defaultImage(EXPORTER_IMAGE, props.registry);
  checkImage('metricsExporterImage', image);
  const port = props.metricsPort ?? 7777;
  checkDistinctPorts({ ...ports, metricsPort: port });
  if (port < MIN_PORT) {
    throw new Error(`metricsPort must be from ${MIN_PORT} to 65535: the exporter runs as non-root without capabilities and cannot bind a privileged port, got ${port}`);
  }
  const cpuRequest = props.metricsCpuRequest ?? '10m';
  parseMillicores('metricsCpuRequest', cpuRequest);
  const memoryRequest = props.metricsMemoryRequest ?? '32Mi';
  const memoryLimit = props.metricsMemoryLimit ?? '128Mi';
  if (parseBytes('metricsMemoryLimit', memoryLimit) < parseBytes('metricsMemoryRequest', memoryRequest)) {
    throw new Error(`metricsMemoryLimit must be at least metricsMemoryRequest ("${memoryRequest}"), got "${memoryLimit}"`);
  }
  const labels = props.metricsLabels ?? {};
  for (const [key, value] of Object.entries(labels)) {
    checkLabel(key, value);
  }
  const alertForMillis = props.alertFor === undefined ? 300_000 : props.alertFor.toMilliseconds();
  if (alertForMillis % 1000 !== 0 || alertForMillis < 0) {
    throw new Error(`alertFor must be a whole number of seconds, zero or more, got ${alertForMillis}ms`);
  }
  const alertForSeconds = alertForMillis / 1000;
  const alertConsumerPending = props.alertConsumerPending ?? 1000;
  if (alertConsumerPending < 1) {
    throw new Error(`alertConsumerPending must be a whole number of at least 1, got ${alertConsumerPending}`);
  }
  const alertStoreUsage = props.alertStoreUsage ?? 0.8;
  if (!(alertStoreUsage > 0 && alertStoreUsage < 1)) {
    throw new Error(`alertStoreUsage must be a share of max_file_store between 0 and 1 (such as 0.8), got ${alertStoreUsage}`);
  }
  return {
    image, port, cpuRequest, memoryRequest, memoryLimit,
    monitor: props.metricsMonitor ?? MetricsMonitor.POD_MONITOR,
    labels,
    alerts: props.metricsAlerts ?? true,
    alertForSeconds,
    alertConsumerPending,
    alertStoreUsage,
    dashboard: props.metricsDashboard ?? true,
  };
}

/** A Kubernetes label: an optionally prefixed name of at most 63 characters, and a value of at most 63. */
function checkLabel(key: string, value: unknown): void {
  const name = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
  if (!name.test(key) || key.split('/')[0].length > 253) {
    throw new Error(`metricsLabels key must be a Kubernetes label name (letters, digits, '-', '_', '.', at most 63, optional DNS prefix), got "${key}"`);
  }
  if (typeof value !== 'string' || !/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/.test(value)) {
    throw new Error(`metricsLabels["${key}"] must be a label value (letters, digits, '-', '_', '.', at most 63), got ${JSON.stringify(value)}`);
  }
}
