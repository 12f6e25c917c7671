import { ConfVariable, NatsConfigModel, renderNatsConfig } from '../lib/config/nats-config';
import { checkConfig } from './support/tools';

const base: NatsConfigModel = {
  serverName: new ConfVariable('SERVER_NAME'),
  clientPort: 4222,
  monitorPort: 8222,
  pidFile: '/var/run/nats/nats.pid',
  lameDuckDurationSeconds: 30,
  lameDuckGracePeriodSeconds: 10,
  jetStream: { storeDir: '/data', maxFileStore: 9663676416, maxMemoryStore: 0 },
};

test('renders a standalone server', () => {
  expect(renderNatsConfig(base)).toMatchSnapshot();
});

test('renders the cluster block with every route', () => {
  const conf = renderNatsConfig({
    ...base,
    cluster: { name: 'nats', port: 6222, routes: ['nats://nats-0.h:6222', 'nats://nats-1.h:6222'] },
  });
  expect(conf).toContain('cluster {\n  name: "nats"\n  port: 6222\n  no_advertise: true\n  routes: [\n    "nats://nats-0.h:6222"\n    "nats://nats-1.h:6222"\n  ]\n}');
  expect(checkConfig(conf)).toEqual({ ok: true, output: expect.any(String) });
});

test('writes variables bare and strings quoted', () => {
  const conf = renderNatsConfig({ ...base, extra: { debug: false, server_tags: ['a b', 'c"d'] } });
  expect(conf).toContain('server_name: $SERVER_NAME\n');
  expect(conf).toContain('server_tags: [\n  "a b"\n  "c\\"d"\n]');
  expect(checkConfig(conf).ok).toBe(true);
});

test('is deterministic and orders extra keys', () => {
  const a = renderNatsConfig({ ...base, extra: { write_deadline: '10s', max_connections: 100 } });
  const b = renderNatsConfig({ ...base, extra: { max_connections: 100, write_deadline: '10s' } });
  expect(a).toEqual(b);
  expect(a.indexOf('max_connections')).toBeLessThan(a.indexOf('write_deadline'));
});

test('nested extra blocks with subject keys pass the real server', () => {
  const conf = renderNatsConfig({
    ...base,
    extra: { mappings: { 'orders.*': 'orders.new.{{wildcard(1)}}' }, max_connections: 1000 },
  });
  expect(conf).toContain('mappings {\n  "orders.*": "orders.new.{{wildcard(1)}}"\n}');
  expect(checkConfig(conf)).toEqual({ ok: true, output: expect.any(String) });
});

test('the real server rejects what the renderer would get wrong', () => {
  // Proves checkConfig can fail: an unknown key makes nats-server -t exit non-zero.
  const verdict = checkConfig(renderNatsConfig({ ...base, extra: { not_a_nats_option: 1 } }));
  expect(verdict.ok).toBe(false);
  expect(verdict.output).toMatch(/unknown field "not_a_nats_option"/);
});

test('refuses extra keys that the construct manages', () => {
  expect(() => renderNatsConfig({ ...base, extra: { jetstream: {} } }))
    .toThrow('extra nats.conf key "jetstream" is managed by the construct; use its typed property instead');
});

test('refuses keys and values nats.conf cannot hold', () => {
  expect(() => renderNatsConfig({ ...base, extra: { 'bad"key': 1 } })).toThrow(/key "bad\\"key" must be non-empty, without quotes/);
  expect(() => renderNatsConfig({ ...base, extra: { a: 'x\ny' } })).toThrow(/nats.conf.a must not contain control characters/);
  expect(() => renderNatsConfig({ ...base, extra: { a: null } })).toThrow(/nats.conf.a has a value nats.conf cannot hold/);
  expect(() => new ConfVariable('lower')).toThrow(/upper-case/);
});
