import { NatsChartProps } from '../nats-chart';

/** The environment variables the app reads, each mapped to a `NatsChartProps` property. */
export const ENV_VARS: { [variable: string]: string } = {
  NATS_NAMESPACE: 'namespace',
  NATS_NAME: 'name',
  NATS_REPLICAS: 'replicas',
  NATS_STORAGE_SIZE: 'storageSize',
  NATS_STORAGE_CLASS: 'storageClassName',
  NATS_MAX_MEMORY_STORE: 'maxMemoryStore',
  NATS_PREPARE_VOLUME_OWNERSHIP: 'prepareVolumeOwnership',
  NATS_REGISTRY: 'registry',
  NATS_IMAGE_PULL_SECRETS: 'imagePullSecrets',
  NATS_MAX_PAYLOAD: 'maxPayload',
};

/** Variables of earlier versions, refused with their new name rather than ignored. */
const RENAMED_VARS: { [variable: string]: string } = {
  NATS_MEMORY_STORE_SIZE: 'NATS_MAX_MEMORY_STORE',
};

/**
 * Reads the app's settings from environment variables (unset or empty means the default).
 * Unknown `NATS_*` variables are refused so that a typo is not silently ignored.
 */
export function propsFromEnv(env: { [name: string]: string | undefined }): NatsChartProps {
  const props: { [key: string]: unknown } = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith('NATS_') || value === undefined || value === '') {
      continue;
    }
    const prop = ENV_VARS[variable];
    if (RENAMED_VARS[variable]) {
      throw new Error(`${variable} was renamed ${RENAMED_VARS[variable]} in 0.3.0: set ${RENAMED_VARS[variable]}="${value}" instead`);
    }
    if (!prop) {
      // NATS_URL and friends belong to NATS clients, not to this app.
      if (['NATS_URL', 'NATS_CONTEXT', 'NATS_CREDS', 'NATS_USER', 'NATS_PASSWORD'].includes(variable)) continue;
      throw new Error(`${variable} is not a setting of this app; valid ones are ${Object.keys(ENV_VARS).join(', ')}`);
    }
    props[prop] = parseValue(variable, prop, value);
  }
  return props as NatsChartProps;
}

function parseValue(variable: string, prop: string, value: string): unknown {
  switch (prop) {
    case 'replicas':
      if (!/^[0-9]+$/.test(value)) {
        throw new Error(`${variable} must be a whole number such as 1 or 3, got "${value}"`);
      }
      return Number(value);
    case 'prepareVolumeOwnership':
      if (value !== 'true' && value !== 'false') {
        throw new Error(`${variable} must be "true" or "false", got "${value}"`);
      }
      return value === 'true';
    case 'imagePullSecrets':
      return value.split(',').map((name) => name.trim()).filter((name) => name !== '');
    default:
      return value;
  }
}
