// A TLS-only cluster from the rendered config: routes use TLS and verify each other against the CA
// (route authentication), clients must use TLS, and an R3 stream works across the three servers.
import { Testing } from 'cdk8s';
import { Nats } from '../lib';
import { TestCa } from './support/certs';
import { PodCluster, podsOf } from './support/netns';
import { confOf, synth } from './support/tools';

const chart = Testing.chart();
new Nats(chart, 'nats', { replicas: 3, clientTls: true, clusterTls: true, tlsSecretName: 'nats-tls', tlsCaSecretName: 'nats-ca' });
const manifest = synth(chart);
const ca = new TestCa();
// The SANs the README asks of a user's Secret: the Service names and the headless wildcard for routes.
const server = ca.issue('nats', ['nats', 'nats.default.svc', '*.nats-headless', '*.nats-headless.default.svc.cluster.local', 'localhost']);
const caFile = ca.files('ca', ca.ca).crt;
const cluster = new PodCluster(
  podsOf(manifest, { 'nats-tls': { 'tls.crt': server.crt, 'tls.key': server.key }, 'nats-ca': { 'ca.crt': ca.ca.crt } }),
  ['--server', 'tls://localhost:4222', '--tlsca', caFile],
);
const names = ['nats-0', 'nats-1', 'nats-2'];

beforeAll(async () => {
  await cluster.start();
}, 90_000);

afterAll(async () => {
  await cluster.destroy();
  ca.destroy();
}, 30_000);

test('the cluster block verifies route peers with the CA', () => {
  expect(confOf(manifest)).toMatch(/cluster \{[\s\S]*tls \{\n {4}cert_file: "\/etc\/nats-certs\/server\/tls.crt"\n {4}key_file: "\/etc\/nats-certs\/server\/tls.key"\n {4}ca_file: "\/etc\/nats-certs\/ca\/ca.crt"\n {4}verify: true/);
});

test('routes form over TLS and a meta leader is elected', async () => {
  // The cluster port only speaks TLS with verified peers (varz below), so every route counted here is one.
  await cluster.waitFor('three servers routed over TLS with one meta leader', 40_000, async () => {
    const leaders = new Set<string>();
    for (const pod of names) {
      const routez = JSON.parse((await cluster.httpGet(pod, 8222, '/routez')).body);
      const peers = new Set(routez.routes.map((r: any) => r.remote_name));
      if (peers.size !== 2) return undefined;
      leaders.add(JSON.parse((await cluster.httpGet(pod, 8222, '/jsz')).body).meta_cluster?.leader ?? '');
    }
    return leaders.size === 1 && !leaders.has('') ? true : undefined;
  });
  for (const pod of names) {
    const varz = JSON.parse((await cluster.httpGet(pod, 8222, '/varz')).body);
    expect(varz).toMatchObject({ tls_required: true, cluster: { tls_required: true, tls_verify: true } });
    expect(varz.tls_verify).toBeFalsy();
  }
});

test('an R3 stream works over TLS', async () => {
  const run = async (pod: string, ...args: string[]) => {
    const r = await cluster.nats(pod, args);
    if (r.code !== 0) throw new Error(`nats ${args.join(' ')} via ${pod}: ${r.stderr}\n${cluster.logs()}`);
    return r;
  };
  await run('nats-0', 'stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--replicas', '3', '--defaults');
  await cluster.waitFor('the stream on three servers', 20_000, async () => {
    const info = JSON.parse((await run('nats-0', 'stream', 'info', 'ORDERS', '--json')).stdout);
    return (info.cluster.replicas ?? []).filter((r: any) => r.current).length === 2 ? true : undefined;
  });
  expect((await run('nats-1', 'pub', '--jetstream', 'orders.new', 'over tls')).stderr).toMatch(/Stored in Stream: ORDERS Sequence: 1/);
  const msg = JSON.parse((await run('nats-2', 'stream', 'get', 'ORDERS', '1', '--json')).stdout);
  expect(Buffer.from(msg.data, 'base64').toString()).toBe('over tls');
});

test('a client without TLS is refused', async () => {
  const plain = await cluster.nats('nats-0', ['--server', 'nats://127.0.0.1:4222', 'pub', 'orders.x', 'x']);
  expect(plain.code).not.toBe(0);
});
