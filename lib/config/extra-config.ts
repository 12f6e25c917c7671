/**
 * What `extraConfig` may add to nats.conf: one table of the server's top-level keys, read from nats-server's own
 * config parser (v2.14, `processConfigFileLine` in server/opts.go). nats-server folds keys to lower case and has
 * aliases, so the check folds and resolves them before it looks a key up; a key the table does not allow is refused
 * with the reason, or, when the server would not know it either, as a typo. Every value is checked against the type
 * the server parses it as, so a wrong type fails the synth instead of the server's start.
 */
import { show } from '../internal/props';

type ValueType = 'boolean' | 'integer' | 'duration' | 'string' | 'strings' | 'map';

/** An option with a few valid values, or a whole number within bounds. */
type Values = readonly string[] | { readonly min: number; readonly max: number };

/** Keys extraConfig may set, by their canonical name, with the type of their value (or its valid values). */
export const EXTRA_CONFIG_KEYS: { [key: string]: ValueType | Values } = {
  debug: 'boolean',
  trace: 'boolean',
  trace_verbose: 'boolean',
  trace_headers: 'boolean',
  logtime: 'boolean',
  logtime_utc: 'boolean',
  mappings: 'map',
  disable_sublist_cache: 'boolean',
  // Sizes in bytes: nats.conf reads `1MB` as a number only unquoted, and the renderer quotes every string.
  max_control_line: 'integer',
  max_pending: 'integer',
  max_connections: 'integer',
  max_traced_msg_len: 'integer',
  max_subscriptions: 'integer',
  max_sub_tokens: { min: 1, max: 255 },
  ping_interval: 'duration',
  ping_max: 'integer',
  write_deadline: 'duration',
  write_timeout: ['default', 'close', 'retry'],
  no_header_support: 'boolean',
  connect_error_reports: 'integer',
  reconnect_error_reports: 'integer',
  max_closed_clients: 'integer',
  no_fast_producer_stall: 'boolean',
  server_tags: 'strings',
  server_metadata: 'map',
};

/** Keys the server knows that extraConfig must not set, with what to do instead. */
export const REFUSED_CONFIG_KEYS: { [key: string]: string } = {
  listen: 'the client port is clientPort',
  port: 'the client port is clientPort',
  host: 'the servers listen on every address of their pod',
  client_advertise: 'clients connect through the client Service',
  server_name: 'server names come from the pod names (serverNamePrefix)',
  http: 'the monitoring port is monitorPort (HTTPS with monitorTls)',
  https: 'the monitoring port is monitorPort (HTTPS with monitorTls)',
  http_port: 'the monitoring port is monitorPort',
  https_port: 'the monitoring port is monitorPort with monitorTls',
  http_base_path: 'the probes call /healthz at the root',
  cluster: 'the cluster block comes from replicas and clusterPort',
  jetstream: 'JetStream is always on; its limits are maxFileStore and maxMemoryStore',
  store_dir: 'the store is the JetStream volume claim',
  accounts: 'accounts are the accounts property',
  authorization: 'users are the users property, with passwords from Secrets (never in the ConfigMap)',
  system_account: 'the system account is systemAccount',
  no_system_account: 'the servers need their system account for clustering and monitoring',
  no_auth_user: 'the identity of anonymous clients is noAuthUser',
  tls: 'client TLS is clientTls with tlsSecretName or certManagerIssuer',
  allow_non_tls: 'client TLS is clientTls',
  ocsp: 'TLS is managed by the TLS properties',
  ocsp_cache: 'TLS is managed by the TLS properties',
  max_payload: 'the maximum payload is maxPayload',
  lame_duck_duration: 'lame duck is lameDuckDuration',
  lame_duck_grace_period: 'lame duck is lameDuckGracePeriod',
  pid_file: 'the preStop hook needs the pid file where the construct puts it',
  ports_file_dir: 'the root filesystem is read-only',
  log_file: 'the root filesystem is read-only; the servers log to stdout for kubectl logs',
  log_size_limit: 'the servers log to stdout',
  log_max_num: 'the servers log to stdout',
  syslog: 'the pod runs no syslog daemon; the servers log to stdout for the cluster\'s log collector',
  remote_syslog: 'the servers log to stdout for the cluster\'s log collector (kubectl logs)',
  prof_port: 'it opens an unauthenticated profiling endpoint',
  prof_block_rate: 'profiling is not exposed',
  proxy_protocol: 'the client Service does not speak the PROXY protocol',
  proxies: 'the client Service does not speak the PROXY protocol',
  operator: 'operator (JWT) mode is not supported; use accounts and users',
  resolver: 'operator (JWT) mode is not supported; use accounts and users',
  resolver_tls: 'operator (JWT) mode is not supported',
  resolver_preload: 'operator (JWT) mode is not supported',
  resolver_pinned_accounts: 'operator (JWT) mode is not supported',
  trusted: 'operator (JWT) mode is not supported',
  default_sentinel: 'operator (JWT) mode is not supported',
  gateway: 'gateways are the gateways property (gatewayName, gatewayPort, gatewayRemotes, gatewayTls), with their Service and NetworkPolicy rule',
  leafnodes: 'leaf nodes are the leafnodes property (leafnodePort, leafnodeTls) and leafnodeRemotes, with their Service and NetworkPolicy rule',
  websocket: 'WebSocket is the websocket property (websocketPort, websocketNoTls, websocketAllowedOrigins, websocketCompression), with its Service and NetworkPolicy rule',
  mqtt: 'MQTT is the mqtt property (mqttPort, mqttTls), with its Service and NetworkPolicy rule',
  default_js_domain: 'JetStream domains are jetStreamDomain on each deployment (hub and leaf); clients name the domain they address',
  feature_flags: 'experimental server features are not supported',
};

/** nats-server's aliases, each to its canonical key. */
export const CONFIG_KEY_ALIASES: { [alias: string]: string } = {
  net: 'host',
  maps: 'mappings',
  no_sublist_cache: 'disable_sublist_cache',
  monitor_port: 'http_port',
  leaf: 'leafnodes',
  storedir: 'store_dir',
  logfile: 'log_file',
  logfile_size_limit: 'log_size_limit',
  logfile_max_num: 'log_max_num',
  pidfile: 'pid_file',
  max_conn: 'max_connections',
  max_subs: 'max_subscriptions',
  max_subscription_tokens: 'max_sub_tokens',
  operators: 'operator',
  roots: 'operator',
  root: 'operator',
  root_operators: 'operator',
  root_operator: 'operator',
  account_resolver: 'resolver',
  accounts_resolver: 'resolver',
  system: 'system_account',
  no_system: 'no_system_account',
  no_sys_acc: 'no_system_account',
  trusted_keys: 'trusted',
  ws: 'websocket',
};

/** Go durations ("2m", "1m30s", "500ms"). */
const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

const VALID: { [type in ValueType]: [string, (v: unknown) => boolean] } = {
  boolean: ['true or false', (v) => typeof v === 'boolean'],
  integer: ['a whole number', (v) => Number.isInteger(v)],
  duration: ['a Go duration such as "10s" or "2m"', (v) => typeof v === 'string' && DURATION.test(v)],
  string: ['a string', (v) => typeof v === 'string'],
  strings: ['a string or a list of strings', (v) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'))],
  map: ['a block of keys and values', (v) => v !== null && typeof v === 'object' && !Array.isArray(v)],
};

/**
 * Checks `extraConfig` and returns it with canonical, lower-case keys (as nats-server reads them); two keys that
 * fold to the same option are refused, since the server would pick one of them.
 */
export function checkExtraConfig(extra: { [key: string]: unknown }): { [key: string]: unknown } {
  const checked: { [key: string]: unknown } = {};
  const given = new Map<string, string>();
  for (const [key, value] of Object.entries(extra)) {
    const canonical = CONFIG_KEY_ALIASES[key.toLowerCase()] ?? key.toLowerCase();
    const what = `extraConfig key "${key}"${canonical !== key ? ` (nats-server reads it as "${canonical}")` : ''}`;
    const reason = REFUSED_CONFIG_KEYS[canonical];
    if (reason !== undefined) {
      throw new Error(`${what} is managed by the construct or not supported: ${reason}`);
    }
    const type = EXTRA_CONFIG_KEYS[canonical];
    if (type === undefined) {
      throw new Error(
        `${what} is not a nats-server option extraConfig may set (the server would refuse an unknown key); valid ones are ${Object.keys(EXTRA_CONFIG_KEYS).join(', ')}`,
      );
    }
    const twin = given.get(canonical);
    if (twin !== undefined) {
      throw new Error(`${what} and "${twin}" are the same nats-server option; set it once`);
    }
    given.set(canonical, key);
    const [valid, test] = validity(type);
    if (!test(value)) {
      throw new Error(`${what} must be ${valid}, got ${show(value)}`);
    }
    checked[canonical] = value;
  }
  return checked;
}

function validity(type: ValueType | Values): [string, (v: unknown) => boolean] {
  if (typeof type === 'string') return VALID[type];
  if (Array.isArray(type)) return [`one of "${type.join('", "')}"`, (v) => type.includes(v as string)];
  const { min, max } = type as { min: number; max: number };
  return [`a whole number from ${min} to ${max}`, (v) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max];
}
