import { JetStreamApplyMode } from '../jetstream/enums';
import { NatsChartProps } from '../nats-chart';
import { checkCronSchedule } from '../internal/validate';

/** The `NATS_*` variables the app reads, each mapped to a `NatsChartProps` property. */
export const ENV_VARS: { [variable: string]: string } = {
  NATS_NAMESPACE: 'namespace',
  NATS_NAME: 'name',
  NATS_REPLICAS: 'replicas',
  NATS_STORAGE_SIZE: 'storageSize',
  NATS_STORAGE_CLASS: 'storageClassName',
  NATS_MAX_MEMORY_STORE: 'maxMemoryStore',
  NATS_MEMORY_REQUEST: 'memoryRequest',
  NATS_MEMORY_LIMIT: 'memoryLimit',
  NATS_PREPARE_VOLUME_OWNERSHIP: 'prepareVolumeOwnership',
  NATS_REGISTRY: 'registry',
  NATS_IMAGE: 'image',
  NATS_IMAGE_PULL_SECRETS: 'imagePullSecrets',
  NATS_MAX_PAYLOAD: 'maxPayload',
  NATS_METRICS: 'metrics',
  NATS_WEBSOCKET: 'websocket',
  NATS_MQTT: 'mqtt',
  NATS_LEAFNODES: 'leafnodes',
};

/** The app's other variables: how the streams are applied, and the migration Job of `npm run migrate`. */
const APP_VARS = ['JETSTREAM_MODE', 'JETSTREAM_REPAIR_SCHEDULE', 'MIGRATE_FROM_STANDALONE'];

/**
 * Variables of the nats CLI (`nats --help` lists them), which users keep in their shells: not settings of this app,
 * so they are left alone rather than refused.
 */
export const NATS_CLI_VARS = [
  'NATS_CA', 'NATS_CERT', 'NATS_COLOR', 'NATS_CONTEXT', 'NATS_CREDS', 'NATS_JWT', 'NATS_KEY', 'NATS_NKEY',
  'NATS_PASSWORD', 'NATS_SEED', 'NATS_SOCKS_PROXY', 'NATS_TIMEOUT', 'NATS_TOKEN', 'NATS_URL', 'NATS_USER',
];

/** Variables of this repository's own scripts (where `npm test` finds the NATS tools): not settings either. */
const TOOL_VARS = ['NATS_TOOLS_DIR'];

/** Variables of earlier versions, refused with their new name rather than ignored. */
const RENAMED_VARS: { [variable: string]: string } = {
  NATS_MEMORY_STORE_SIZE: 'NATS_MAX_MEMORY_STORE',
};

/** Prefixes the app owns: an unknown variable with one of them is a typo, refused by name. */
const OWNED_PREFIXES = ['NATS_', 'JETSTREAM_', 'MIGRATE_'];

/** Everything the app reads from its environment. */
export interface AppSettings {
  readonly props: NatsChartProps;
  readonly jetStreamMode: JetStreamApplyMode;
  /** JetStream's `repairSchedule` (checked by JetStream); undefined when unset. */
  readonly jetStreamRepairSchedule?: string;
  /** Add the migration Job (`npm run migrate` sets it). */
  readonly migrateFromStandalone: boolean;
}

type Env = { [name: string]: string | undefined };

/** Reads the app's settings (unset or empty means the default); a typo in a variable the app owns is refused. */
export function appSettingsFromEnv(env: Env): AppSettings {
  for (const [variable, value] of Object.entries(env)) {
    if (value === undefined || value === '' || !OWNED_PREFIXES.some((p) => variable.startsWith(p))) continue;
    const renamed = RENAMED_VARS[variable];
    if (renamed) {
      throw new Error(`${variable} was renamed ${renamed} in 0.3.0: set ${renamed}="${value}" instead`);
    }
    if (!ENV_VARS[variable] && !APP_VARS.includes(variable) && !NATS_CLI_VARS.includes(variable) && !TOOL_VARS.includes(variable)) {
      throw new Error(`${variable} is not a setting of this app; valid ones are ${[...Object.keys(ENV_VARS), ...APP_VARS].join(', ')}`);
    }
  }
  if (env.JETSTREAM_REPAIR_SCHEDULE) checkCronSchedule('JETSTREAM_REPAIR_SCHEDULE', env.JETSTREAM_REPAIR_SCHEDULE);
  return {
    props: propsFromEnv(env),
    jetStreamMode: choice('JETSTREAM_MODE', env.JETSTREAM_MODE, { job: JetStreamApplyMode.JOB, nack: JetStreamApplyMode.NACK }, JetStreamApplyMode.JOB),
    jetStreamRepairSchedule: env.JETSTREAM_REPAIR_SCHEDULE || undefined,
    migrateFromStandalone: choice('MIGRATE_FROM_STANDALONE', env.MIGRATE_FROM_STANDALONE, { true: true, false: false }, false),
  };
}

/** The `NatsChartProps` part of the settings. */
export function propsFromEnv(env: Env): NatsChartProps {
  const props: { [key: string]: unknown } = {};
  for (const [variable, prop] of Object.entries(ENV_VARS)) {
    const value = env[variable];
    if (value !== undefined && value !== '') props[prop] = parseValue(variable, prop, value);
  }
  // The app is the homelab profile, without certificates: WebSocket there is plain text, chosen here explicitly.
  if (props.websocket === true) props.websocketNoTls = true;
  return props as NatsChartProps;
}

function choice<T>(variable: string, value: string | undefined, valid: { [text: string]: T }, unset: T): T {
  if (value === undefined || value === '') return unset;
  if (!(value in valid)) {
    throw new Error(`${variable} must be ${Object.keys(valid).map((v) => `"${v}"`).join(' or ')}, got "${value}"`);
  }
  return valid[value];
}

function parseValue(variable: string, prop: string, value: string): unknown {
  switch (prop) {
    case 'replicas':
      if (!/^[0-9]+$/.test(value)) {
        throw new Error(`${variable} must be a whole number such as 1 or 3, got "${value}"`);
      }
      return Number(value);
    case 'prepareVolumeOwnership':
    case 'metrics':
    case 'websocket':
    case 'mqtt':
    case 'leafnodes':
      return choice(variable, value, { true: true, false: false }, false);
    case 'imagePullSecrets':
      return value.split(',').map((name) => name.trim()).filter((name) => name !== '');
    default:
      return value;
  }
}
