// The reload-or-roll table (lib/config/reload.ts) against the real nats-server: for every key, a server runs a
// config, the key changes in the file, `nats-server --signal reload` asks it to apply the change, and the server's
// verdict must be the table's: RELOAD keys are applied, RESTART keys are refused.
import { spawnSync } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { EXTRA_CONFIG_KEYS } from '../lib/config/extra-config';
import { renderEntries } from '../lib/config/nats-config';
import { ON_CHANGE, OnChange } from '../lib/config/reload';
import { TestCa } from './support/certs';
import { startServer } from './support/server';
import { freePort, natsServer } from './support/tools';

type Entries = { [key: string]: unknown };
const ca = new TestCa();
const certFiles = (name: string) => ca.files(name, ca.issue(name, ['localhost'], ['127.0.0.1']));
const caFile = ca.files('ca', { crt: ca.ca.crt, key: ca.ca.key }).crt;
const serverCerts = { server: certFiles('server'), server2: certFiles('server2') };
const tls = (cert: 'server' | 'server2') => ({ cert_file: serverCerts[cert].crt, key_file: serverCerts[cert].key, ca_file: caFile, timeout: 5 });
afterAll(() => ca.destroy());
const users = (...names: string[]) => ({ users: names.map((user) => ({ user, password: 'pw' })) });

/** Per key: the base entries it runs with (besides port, http_port and pid_file) and the changed ones. */
const CHANGES: { [key: string]: (p: { port2: number; dir: string }) => [Entries, Entries] } = {
  server_name: () => [{ server_name: 'a' }, { server_name: 'b' }],
  host: () => [{ host: '127.0.0.1' }, { host: '0.0.0.0' }],
  port: ({ port2 }) => [{}, { port: port2 }],
  http_port: ({ port2 }) => [{}, { http_port: port2 }],
  https_port: ({ port2 }) => [{ tls: tls('server'), https_port: undefined }, { tls: tls('server'), https_port: port2 }],
  tls: () => [{ tls: tls('server') }, { tls: tls('server2') }],
  pid_file: ({ dir }) => [{}, { pid_file: join(dir, 'other.pid') }],
  lame_duck_duration: () => [{ lame_duck_duration: '30s' }, { lame_duck_duration: '40s' }],
  lame_duck_grace_period: () => [{ lame_duck_grace_period: '10s' }, { lame_duck_grace_period: '5s' }],
  max_payload: () => [{ max_payload: 1048576 }, { max_payload: 2097152 }],
  // The server reloads a larger store but refuses a smaller one: the table says RESTART for both.
  jetstream: ({ dir }) => [{ jetstream: { store_dir: dir, max_file_store: 2 * 2 ** 30 } }, { jetstream: { store_dir: dir, max_file_store: 2 ** 30 } }],
  // A changed name or route list reloads, a changed port does not: RESTART covers the block.
  cluster: ({ port2 }) => [{ cluster: { name: 'nats', port: port2 } }, { cluster: { name: 'nats', port: port2 + 1 } }],
  // Each listener block: its port (never reloaded), or for WebSocket a setting besides TLS.
  leafnodes: ({ port2 }) => [{ leafnodes: { port: port2 } }, { leafnodes: { port: port2 + 1 } }],
  gateway: ({ port2 }) => [{ gateway: { name: 'east', port: port2 } }, { gateway: { name: 'east', port: port2 + 1 } }],
  websocket: ({ port2 }) => [{ websocket: { port: port2, no_tls: true } }, { websocket: { port: port2, no_tls: true, compression: true } }],
  mqtt: ({ port2, dir }) => [
    { server_name: 'm', jetstream: { store_dir: dir }, mqtt: { port: port2 } },
    { server_name: 'm', jetstream: { store_dir: dir }, mqtt: { port: port2 + 1 } },
  ],
  accounts: () => [{ accounts: { APP: users('a') } }, { accounts: { APP: users('a', 'b') } }],
  authorization: () => [{ authorization: users('a') }, { authorization: users('a', 'b') }],
  system_account: () => [{ accounts: { APP: users('a'), ADMIN: users('b') } }, { accounts: { APP: users('a'), ADMIN: users('b') }, system_account: 'ADMIN' }],
  no_auth_user: () => [{ authorization: users('a', 'b'), no_auth_user: 'a' }, { authorization: users('a', 'b'), no_auth_user: 'b' }],
  debug: () => [{ debug: false }, { debug: true }],
  trace: () => [{ trace: false }, { trace: true }],
  trace_verbose: () => [{ trace_verbose: false }, { trace_verbose: true }],
  trace_headers: () => [{ trace_headers: false }, { trace_headers: true }],
  logtime: () => [{ logtime: true }, { logtime: false }],
  logtime_utc: () => [{ logtime_utc: false }, { logtime_utc: true }],
  mappings: () => [{ mappings: { 'a.*': 'b.{{wildcard(1)}}' } }, { mappings: { 'a.*': 'c.{{wildcard(1)}}' } }],
  disable_sublist_cache: () => [{ disable_sublist_cache: false }, { disable_sublist_cache: true }],
  max_control_line: () => [{ max_control_line: 4096 }, { max_control_line: 8192 }],
  max_pending: () => [{ max_pending: 67108864 }, { max_pending: 33554432 }],
  max_connections: () => [{ max_connections: 100 }, { max_connections: 200 }],
  max_traced_msg_len: () => [{ max_traced_msg_len: 10 }, { max_traced_msg_len: 100 }],
  max_subscriptions: () => [{ max_subscriptions: 10 }, { max_subscriptions: 100 }],
  max_sub_tokens: () => [{ max_sub_tokens: 10 }, { max_sub_tokens: 20 }],
  ping_interval: () => [{ ping_interval: '2m' }, { ping_interval: '1m' }],
  ping_max: () => [{ ping_max: 2 }, { ping_max: 3 }],
  write_deadline: () => [{ write_deadline: '10s' }, { write_deadline: '5s' }],
  write_timeout: () => [{ write_timeout: 'default' }, { write_timeout: 'close' }],
  no_header_support: () => [{ no_header_support: false }, { no_header_support: true }],
  connect_error_reports: () => [{ connect_error_reports: 3600 }, { connect_error_reports: 100 }],
  reconnect_error_reports: () => [{ reconnect_error_reports: 1 }, { reconnect_error_reports: 2 }],
  max_closed_clients: () => [{ max_closed_clients: 10000 }, { max_closed_clients: 100 }],
  no_fast_producer_stall: () => [{ no_fast_producer_stall: false }, { no_fast_producer_stall: true }],
  server_tags: () => [{ server_tags: ['zone:a'] }, { server_tags: ['zone:b'] }],
  server_metadata: () => [{ server_metadata: { zone: 'a' } }, { server_metadata: { zone: 'b' } }],
};

test('the table has a row for every key the library writes, extraConfig keys included, and each is tried here', () => {
  const written = ['server_name', 'host', 'port', 'http_port', 'https_port', 'tls', 'pid_file', 'lame_duck_duration',
    'lame_duck_grace_period', 'max_payload', 'jetstream', 'cluster', 'leafnodes', 'gateway', 'websocket', 'mqtt', 'accounts', 'authorization',
    'system_account', 'no_auth_user'];
  expect(Object.keys(ON_CHANGE).sort()).toEqual([...written, ...Object.keys(EXTRA_CONFIG_KEYS)].sort());
  expect(Object.keys(CHANGES).sort()).toEqual(Object.keys(ON_CHANGE).sort());
});

test.each(Object.keys(CHANGES))('%s', async (key) => {
  const port2 = await freePort();
  let base: Entries = {};
  let changed: Entries = {};
  const server = await startServer(({ client, monitor, dir }) => {
    [base, changed] = CHANGES[key]({ port2, dir });
    return renderEntries({ port: client, http_port: monitor, pid_file: join(dir, 'nats.pid'), ...base });
  });
  try {
    const head = { port: Number(server.url.split(':').pop()), http_port: Number(server.monitor.split(':').pop()), pid_file: join(server.dir, 'nats.pid') };
    writeFileSync(join(server.dir, 'nats.conf'), renderEntries({ ...head, ...base, ...changed }));
    expect(spawnSync(natsServer(), ['--signal', `reload=${server.pid}`]).status).toBe(0);
    const verdict = await waitForVerdict(server.log);
    expect([key, verdict]).toEqual([key, ON_CHANGE[key] === OnChange.RELOAD ? 'Reloaded server configuration' : 'config reload not supported']);
  } finally {
    server.stop();
  }
});

/** "Reloaded server configuration", "config reload not supported", or any other failure the server logged. */
async function waitForVerdict(log: () => string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const found = ['Reloaded server configuration', 'config reload not supported'].find((verdict) => log().includes(verdict))
      ?? /Failed to reload server configuration: .*/.exec(log())?.[0];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return `no verdict in the log:\n${log()}`;
}
