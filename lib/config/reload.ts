/**
 * Reload or roll: what nats-server (v2.14) does when a top-level nats.conf key changes and the config reloader
 * signals it. One row per key the library can write, each shown on a real server in
 * __tests__/reload-server.test.ts: RELOAD keys are applied by `nats-server --signal reload`; for RESTART keys the
 * server refuses the reload ("config reload not supported"). The pod template's checksum covers only the RESTART
 * keys, so with the reloader on, any other change reaches the running servers in place, and a restart-only change
 * rolls the pods one at a time.
 */
import { createHash } from 'crypto';
import { NatsConfigModel, natsConfigEntries, renderEntries } from './nats-config';

export enum OnChange {
  /** The running server applies the change on a reload signal. */
  RELOAD = 'reload',
  /** The server refuses to reload it: the pods must restart. */
  RESTART = 'restart',
}

export const ON_CHANGE: { [key: string]: OnChange } = {
  server_name: OnChange.RESTART,
  host: OnChange.RESTART,
  port: OnChange.RESTART,
  http_port: OnChange.RESTART,
  https_port: OnChange.RESTART,
  tls: OnChange.RELOAD,
  pid_file: OnChange.RELOAD,
  lame_duck_duration: OnChange.RESTART,
  lame_duck_grace_period: OnChange.RESTART,
  max_payload: OnChange.RELOAD,
  // A larger store reloads, a smaller one does not; the library rolls for either.
  jetstream: OnChange.RESTART,
  // The name and routes reload, the port does not; the block as a whole rolls.
  cluster: OnChange.RESTART,
  // nats-server reload.go: leafnodes reload TLS, compression and remotes but not the port or authorization; gateways,
  // WebSocket and MQTT reload only TLS (MQTT also its ack and replica settings). Each block as a whole rolls.
  leafnodes: OnChange.RESTART,
  gateway: OnChange.RESTART,
  websocket: OnChange.RESTART,
  mqtt: OnChange.RESTART,
  accounts: OnChange.RELOAD,
  authorization: OnChange.RELOAD,
  system_account: OnChange.RESTART,
  no_auth_user: OnChange.RESTART,
  // extraConfig keys (lib/config/extra-config.ts)
  debug: OnChange.RELOAD,
  trace: OnChange.RELOAD,
  trace_verbose: OnChange.RELOAD,
  trace_headers: OnChange.RELOAD,
  logtime: OnChange.RELOAD,
  logtime_utc: OnChange.RELOAD,
  mappings: OnChange.RELOAD,
  disable_sublist_cache: OnChange.RESTART,
  max_control_line: OnChange.RELOAD,
  max_pending: OnChange.RESTART,
  max_connections: OnChange.RELOAD,
  max_traced_msg_len: OnChange.RELOAD,
  max_subscriptions: OnChange.RESTART,
  max_sub_tokens: OnChange.RESTART,
  ping_interval: OnChange.RELOAD,
  ping_max: OnChange.RELOAD,
  write_deadline: OnChange.RELOAD,
  write_timeout: OnChange.RESTART,
  no_header_support: OnChange.RESTART,
  connect_error_reports: OnChange.RELOAD,
  reconnect_error_reports: OnChange.RELOAD,
  max_closed_clients: OnChange.RESTART,
  no_fast_producer_stall: OnChange.RELOAD,
  server_tags: OnChange.RELOAD,
  server_metadata: OnChange.RELOAD,
};

/** RESTART unless the table knows better: an unknown key is never assumed to reload. */
export function onChange(key: string): OnChange {
  return ON_CHANGE[key] ?? OnChange.RESTART;
}

/**
 * A digest of what only a restart applies: the RESTART entries of the config, plus `extra` text that a running pod
 * reads only at start (the auth sidecar's script). Equal digests mean a running server can take the new config in
 * place.
 */
export function restartDigest(model: NatsConfigModel, extra = ''): string {
  const entries = natsConfigEntries(model);
  const restart = Object.fromEntries(Object.entries(entries).filter(([key]) => onChange(key) === OnChange.RESTART));
  const text = `${(model.includes ?? []).join('\n')}\n${renderEntries(restart)}\n${extra}`;
  return createHash('sha256').update(text).digest('hex');
}
