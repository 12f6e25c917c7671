// The rendered cluster config forms a real cluster: three real nats-server processes, each run like its
// pod (own network namespace, chroot with the pod's mounts, user, command and env, resolvable by its
// headless-Service name), elect a JetStream meta leader, keep an R3 file stream, and keep serving it
// after losing the stream's leader. Needs root and iproute2; fails (never skips) without them.
import { existsSync } from 'fs';
import { Testing } from 'cdk8s';
import { JetStream, Nats } from '../lib';
import { PodCluster, podsOf } from './support/netns';
import { confOf, find, synth } from './support/tools';

const chart = Testing.chart();
const deployment = new Nats(chart, 'nats', { replicas: 3, extraConfig: { server_tags: ['zone:a'] } });
const manifest = synth(chart);
const cluster = new PodCluster(podsOf(manifest));
const names = cluster.pods.map((p) => p.name);

/** The nats CLI in `pod`'s network namespace, against that pod's server; throws with the servers' logs on failure. */
async function nats(pod: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const run = await cluster.nats(pod, args);
  if (run.code !== 0) throw new Error(`nats ${args.join(' ')} via ${pod} failed (${run.code}): ${run.stderr.trim()}\n${cluster.logs()}`);
  return run;
}
const streamInfo = async (pod: string) => JSON.parse((await nats(pod, 'stream', 'info', 'ORDERS', '--json')).stdout);
/** Message `seq` of ORDERS read through `pod`. A direct get may be answered by a replica still applying it, so retry briefly. */
const message = (pod: string, seq: number) =>
  cluster.waitFor(`ORDERS message ${seq} through ${pod}`, 10_000, async () =>
    Buffer.from(JSON.parse((await nats(pod, 'stream', 'get', 'ORDERS', String(seq), '--json')).stdout).data, 'base64').toString());
/** JetStream publish with a message id, so a retry after a lost ack cannot store it twice; returns the ack (natscli prints it on stderr). */
const publish = async (pod: string, id: string, body: string) =>
  (await nats(pod, 'pub', '--jetstream', '-H', `Nats-Msg-Id:${id}`, 'orders.new', body)).stderr;

/** The JetStream meta leader, once every server passes the pod's startup probe and names the same one. */
async function metaLeader(pods: string[]): Promise<string | undefined> {
  const leaders = new Set<string>();
  for (const pod of pods) {
    const health = await cluster.httpGet(pod, 8222, '/healthz');
    if (health.status !== 200) throw new Error(`${pod} /healthz: ${health.status} ${health.body}`);
    leaders.add(JSON.parse((await cluster.httpGet(pod, 8222, '/jsz')).body).meta_cluster?.leader ?? '');
  }
  return leaders.size === 1 && !leaders.has('') ? [...leaders][0] : undefined;
}

// Up to 60 s of it is waiting for a concurrent run of this file to release the namespace names.
beforeAll(async () => {
  await cluster.start();
}, 90_000);

afterAll(async () => {
  await cluster.destroy();
}, 30_000);

test('every pod runs the rendered config unchanged, named like its pod', () => {
  const conf = confOf(manifest);
  expect(conf).toContain('server_name: $SERVER_NAME\n');
  expect(conf).toContain('"nats://nats-0.nats-headless:6222"');
  expect(names).toEqual(['nats-0', 'nats-1', 'nats-2']);
  // The pods resolve each other through /etc/hosts from the start, as the headless Service makes DNS do.
  expect(find(manifest, 'Service', 'nats-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  for (const pod of cluster.pods) {
    expect(pod.files['/etc/nats-config/nats.conf']).toBe(conf);
    expect(pod.command).toEqual(['nats-server', '--config', '/etc/nats-config/nats.conf']);
    expect(pod.env.SERVER_NAME).toBe(pod.name);
    expect(pod.hostname).toBe(`${pod.name}.nats-headless`);
  }
});

test('the three servers route to each other and elect a JetStream meta leader', async () => {
  const leader = await cluster.waitFor('a JetStream meta leader all three servers agree on', 30_000, () => metaLeader(names));
  expect(names).toContain(leader);
  for (const pod of names) {
    expect(JSON.parse((await cluster.httpGet(pod, 8222, '/jsz')).body).meta_cluster).toMatchObject({ name: 'nats', leader, cluster_size: 3 });
    const varz = JSON.parse((await cluster.httpGet(pod, 8222, '/varz')).body);
    expect(varz).toMatchObject({ server_name: pod, cluster: { name: 'nats', cluster_port: 6222 } });
    const routez = JSON.parse((await cluster.httpGet(pod, 8222, '/routez')).body);
    expect(new Set(routez.routes.map((r: any) => r.remote_name))).toEqual(new Set(names.filter((n) => n !== pod)));
  }
});

test('an R3 file stream takes a message through nats-0 and serves it through nats-1', async () => {
  await nats('nats-0', 'stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--replicas', '3', '--defaults');
  expect((await streamInfo('nats-0')).config).toMatchObject({ name: 'ORDERS', storage: 'file', num_replicas: 3 });
  await cluster.waitFor('three current ORDERS replicas', 20_000, async () => {
    const info = await streamInfo('nats-0');
    const peers = [info.cluster.leader, ...(info.cluster.replicas ?? []).filter((r: any) => r.current).map((r: any) => r.name)];
    return info.cluster.leader && peers.length === 3 ? peers : undefined;
  });

  expect(await publish('nats-0', 'order-1', 'order 1')).toMatch(/Stored in Stream: ORDERS Sequence: 1\b/);
  expect(await message('nats-1', 1)).toBe('order 1');
  // Each pod keeps its replica on its own volume: /data of the rendered store_dir.
  for (const pod of names) expect(existsSync(cluster.pathIn(pod, '/data/jetstream/$G/streams/ORDERS'))).toBe(true);
});

test('placement no server can take is refused by the servers, and by the synth', async () => {
  const refused = async (...args: string[]) => {
    const run = await cluster.nats('nats-0', args);
    expect(run.code).not.toBe(0);
    return `${run.stdout}${run.stderr}`;
  };
  expect(await refused('stream', 'add', 'TAGGED', '--subjects', 'tagged.>', '--tag', 'zone:b', '--defaults')).toContain('no suitable peers for placement');
  expect(await refused('stream', 'add', 'ELSEWHERE', '--subjects', 'else.>', '--cluster', 'other', '--defaults')).toContain('no suitable peers for placement');
  await nats('nats-0', 'stream', 'add', 'PLACED', '--subjects', 'placed.>', '--tag', 'zone:a', '--cluster', 'nats', '--replicas', '3', '--defaults');

  const js = new JetStream(chart, 'JetStream', { nats: deployment });
  expect(() => js.addStream('T', { name: 'TAGGED', subjects: ['tagged.>'], placementTags: ['zone:b'] }))
    .toThrow('stream "TAGGED" placementTags must be tags the servers have (extraConfig server_tags: "zone:a"), or no server is suitable, got "zone:b"');
  expect(() => js.addStream('E', { name: 'ELSEWHERE', subjects: ['else.>'], placementCluster: 'other' }))
    .toThrow('stream "ELSEWHERE" placementCluster must be this deployment\'s cluster, "nats" (no server of another cluster is reachable), got "other"');
  js.addStream('P', { name: 'PLACED', subjects: ['placed.>'], placementTags: ['zone:a'], placementCluster: 'nats', replicas: 3 });
});

test('after its leader is killed the stream still accepts and serves messages', async () => {
  const lost = (await streamInfo('nats-0')).cluster.leader as string;
  const [writer, reader] = names.filter((n) => n !== lost);
  await cluster.kill(lost);

  // The first publish waits out the election of a new stream leader among the survivors.
  const ack = await cluster.waitFor(`ORDERS to accept a publish through ${writer} without ${lost}`, 30_000, () => publish(writer, 'order-2', 'order 2'));
  expect(ack).toMatch(/Stored in Stream: ORDERS Sequence: 2\b/);

  expect(await message(reader, 1)).toBe('order 1');
  expect(await message(reader, 2)).toBe('order 2');
  const info = await streamInfo(reader);
  expect(info.state).toMatchObject({ messages: 2, first_seq: 1, last_seq: 2 });
  expect([writer, reader]).toContain(info.cluster.leader);
  expect(info.cluster.replicas).toContainEqual(expect.objectContaining({ name: lost, current: false }));
  expect(cluster.isRunning(lost)).toBe(false);
});
