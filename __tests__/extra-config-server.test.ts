// Every extraConfig rule against the real nats-server: what the server does with the input the rule refuses, and
// that what the table allows is what the server accepts. No rule is invented, and none is missing where the server
// has one.
import { Chart, Testing } from 'cdk8s';
import { Nats } from '../lib';
import { checkExtraConfig, CONFIG_KEY_ALIASES, EXTRA_CONFIG_KEYS, REFUSED_CONFIG_KEYS } from '../lib/config/extra-config';
import { ConfVariable, renderNatsConfig } from '../lib/config/nats-config';
import { startServer } from './support/server';
import { checkConfig } from './support/tools';

const conf = (extra: { [key: string]: unknown }) => renderNatsConfig({
  serverName: new ConfVariable('SERVER_NAME'), clientPort: 4222, monitorPort: 8222, pidFile: '/tmp/nats.pid',
  lameDuckDurationSeconds: 30, lameDuckGracePeriodSeconds: 10,
  jetStream: { storeDir: '/tmp/js', maxFileStore: 1 << 30, maxMemoryStore: 0 }, extra,
});

test('nats-server reads keys in any case: "PORT" is the client port, so the guard folds case', async () => {
  const server = await startServer(({ client, monitor }) => `PORT: ${client}\nhttp_port: ${monitor}\n`);
  try {
    expect((await server.varz()).port).toBe(Number(server.url.split(':').pop()));
  } finally {
    server.stop();
  }
  expect(() => checkExtraConfig({ PORT: 4333 }))
    .toThrow('extraConfig key "PORT" (nats-server reads it as "port") is managed by the construct or not supported: the client port is clientPort');
});

test('nats-server has aliases: "listen" sets the client port, "monitor_port" the monitoring port', async () => {
  const server = await startServer(({ client, monitor }) => `listen: "127.0.0.1:${client}"\nmonitor_port: ${monitor}\n`);
  try {
    const varz = await server.varz();
    expect(varz.port).toBe(Number(server.url.split(':').pop()));
    expect(varz.http_port).toBe(Number(server.monitor.split(':').pop()));
  } finally {
    server.stop();
  }
  expect(() => checkExtraConfig({ listen: '0.0.0.0:4333' })).toThrow('extraConfig key "listen" is managed by the construct');
  expect(() => checkExtraConfig({ Monitor_Port: 9000 }))
    .toThrow('extraConfig key "Monitor_Port" (nats-server reads it as "http_port") is managed by the construct or not supported: the monitoring port is monitorPort');
});

test('"JetStream" is read as "jetstream": beside the managed block it turns JetStream on or off by map order', async () => {
  // With both keys in one file the server applies them in Go map order, which changes from start to start (seen:
  // JetStream off in some starts, on in others). Each spelling alone shows the server reads the folded key.
  const jetStreamOf = async (line: (dir: string) => string) => {
    const server = await startServer(({ client, monitor, dir }) => `port: ${client}\nhttp_port: ${monitor}\n${line(dir)}\n`);
    try {
      return (await server.varz()).jetstream;
    } finally {
      server.stop();
    }
  };
  expect(await jetStreamOf((dir) => `JetStream { store_dir: "${dir}" }`)).toHaveProperty('config.store_dir');
  expect(await jetStreamOf(() => 'JetStream: false')).toEqual({});
  expect(() => checkExtraConfig({ JetStream: false })).toThrow('extraConfig key "JetStream" (nats-server reads it as "jetstream") is managed');
});

test('two spellings of one option are refused: the server would keep either', () => {
  expect(() => checkExtraConfig({ max_conn: 10, max_connections: 20 }))
    .toThrow('extraConfig key "max_connections" and "max_conn" are the same nats-server option; set it once');
});

test('a plain-text token is refused with the rest of authorization: it would sit in the ConfigMap', () => {
  expect(() => checkExtraConfig({ authorization: { token: 's3cret' } }))
    .toThrow('extraConfig key "authorization" is managed by the construct or not supported: users are the users property');
});

describe('the table is the server\'s: every allowed key, with a value of its type, passes nats-server -t; a wrong type fails it', () => {
  const samples: { [type: string]: [unknown, unknown] } = {
    boolean: [true, 'yes'],
    integer: [1000, 'lots'],
    duration: ['10s', 'ten'],
    string: ['udp://127.0.0.1:514', 5],
    strings: [['zone:a'], 7],
    map: [{ 'orders.*': 'orders.new.{{wildcard(1)}}' }, 'x'],
  };
  test.each(Object.entries(EXTRA_CONFIG_KEYS))('%s', (key, type) => {
    const [good, bad] = Array.isArray(type) ? [type[0], 'bogus']
      : typeof type === 'object' ? [(type as any).max, (type as any).max + 1] : samples[type as string];
    // max_pending below max_payload (1 MiB by default) is refused by nats-server 2.15: the construct refuses it too.
    const value = key === 'server_metadata' ? { zone: 'a' } : key === 'max_pending' ? 64 * 1024 * 1024 : good;
    expect(checkExtraConfig({ [key]: value })).toEqual({ [key]: value });
    expect(checkConfig(conf({ [key]: value }))).toEqual({ ok: true, output: expect.any(String) });
    expect(() => checkExtraConfig({ [key]: bad })).toThrow(`extraConfig key "${key}" must be`);
    expect(checkConfig(conf({ [key]: bad })).ok).toBe(false);
  });
});

test('max_pending below max_payload: the server refuses it, and so does the construct, naming both', () => {
  expect(checkConfig(conf({ max_pending: 1000 }))).toEqual({ ok: false, output: expect.stringContaining('cannot be higher than max_pending') });
  expect(() => new Nats(new Chart(Testing.app(), 'c'), 'nats', { extraConfig: { max_pending: 1000 } }))
    .toThrow('extraConfig max_pending must be at least max_payload (1048576 bytes, the default): the server refuses to start otherwise, got 1000');
  expect(() => new Nats(new Chart(Testing.app(), 'c'), 'nats', { maxPayload: '2Mi', extraConfig: { max_pending: 1048576 } }))
    .toThrow('extraConfig max_pending must be at least max_payload (2097152 bytes, maxPayload)');
});

test('keys the table refuses or maps are keys the server knows; a typo is one it does not', () => {
  for (const key of [...Object.keys(REFUSED_CONFIG_KEYS), ...Object.keys(CONFIG_KEY_ALIASES)]) {
    // Whatever else it says about a dummy value, the server does not call a known key unknown.
    expect([key, checkConfig(`${key}: 1\n`).output]).not.toEqual([key, expect.stringContaining('unknown field')]);
  }
  const typo = checkConfig(conf({ max_conections: 5 }));
  expect(typo.ok).toBe(false);
  expect(typo.output).toContain('unknown field "max_conections"');
  expect(() => checkExtraConfig({ max_conections: 5 }))
    .toThrow('extraConfig key "max_conections" is not a nats-server option extraConfig may set (the server would refuse an unknown key); valid ones are debug,');
});
