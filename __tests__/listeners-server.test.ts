// Leafnodes, gateways, WebSocket and MQTT on real servers run from the rendered manifests, each pod in its own network
// namespace and chroot (support/netns.ts), with real clients: the nats CLI (also over ws://) and Debian's mosquitto
// clients. A hub and a leaf (plain, and TLS verified against the CA), two clusters joined by gateways, and a server
// with WebSocket and MQTT. Needs root and iproute2; fails (never skips) without them.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { Nats, NatsProps } from '../lib';
import { TestCa } from './support/certs';
import { PodCluster, Pod, Run, Secrets, podsOf, runIn } from './support/netns';
import { confOf, mosquitto, natsCli, synth, userNkey } from './support/tools';

const dir = mkdtempSync(join(tmpdir(), 'listeners-server-'));
const keys = { leaf: userNkey(dir, 'leaf'), app: userNkey(dir, 'app'), other: userNkey(dir, 'other') };
const ca = new TestCa();
const otherCa = new TestCa();
const FQDN = (pod: string, name: string) => `${pod}.${name}-headless.default.svc.cluster.local`;

const DEPLOYMENTS: { [name: string]: NatsProps } = {
  // The hub: leaf connections authenticate as its users and land in the user's account.
  hub: {
    leafnodes: true,
    accounts: [{ name: 'APP' }, { name: 'OTHER' }],
    users: [{ name: 'leaf', account: 'APP', nkey: keys.leaf.publicKey }, { name: 'app', account: 'APP', nkey: keys.app.publicKey },
      { name: 'other', account: 'OTHER', nkey: keys.other.publicKey }],
  },
  // The leaf: its global account joins the hub's APP through the leaf user's seed, from a Secret.
  leaf: {
    leafnodeRemotes: [{ urls: [`nats-leaf://${FQDN('hub-0', 'hub')}:7422`], nkeySeedSecretName: 'leaf-seed' }],
    jetStreamDomain: 'leaf',
  },
  // The same over TLS: the hub serves its certificate on the leafnode port, the leaf verifies it against the CA.
  hubtls: { leafnodes: true, leafnodeTls: true, tlsSecretName: 'hub-tls', tlsCaSecretName: 'hub-ca' },
  leaftls: { leafnodeRemotes: [{ urls: [`nats-leaf://${FQDN('hubtls-0', 'hubtls')}:7422`], tls: true, tlsCaSecretName: 'hub-ca' }], jetStreamDomain: 'leaf' },
  // A leaf trusting another CA must not connect.
  leafwrongca: { leafnodeRemotes: [{ urls: [`nats-leaf://${FQDN('hubtls-0', 'hubtls')}:7422`], tls: true, tlsCaSecretName: 'other-ca' }], jetStreamDomain: 'other' },
  // Two 3-server clusters of a supercluster; east dials west, west learns of east from the connection.
  east: { replicas: 3, gateways: true, serverNamePrefix: 'east-', gatewayRemotes: [{ name: 'west', urls: [`nats://${FQDN('west-0', 'west')}:7222`] }] },
  west: { replicas: 3, gateways: true, serverNamePrefix: 'west-' },
  // WebSocket in plain text (chosen explicitly) and MQTT.
  edge: { websocket: true, websocketNoTls: true, mqtt: true },
  // Both with TLS, from the server certificate.
  edgetls: { websocket: true, mqtt: true, mqttTls: true, tlsSecretName: 'edge-tls', tlsCaSecretName: 'hub-ca' },
};

const hubCert = ca.issue('hubtls', [FQDN('hubtls-0', 'hubtls'), 'hubtls-leafnodes']);
// Clients reach edgetls by address: its certificate names every address of the test network.
const edgeCert = ca.issue('edgetls', ['edgetls-websocket', 'edgetls-mqtt'], Array.from({ length: 30 }, (_, i) => `10.250.0.${10 + i}`));
const caFile = ca.files('ca', ca.ca).crt;
const SECRETS: Secrets = {
  'leaf-seed': { seed: readFileSync(keys.leaf.seedFile, 'utf8').trim() },
  'hub-tls': { 'tls.crt': hubCert.crt, 'tls.key': hubCert.key },
  'hub-ca': { 'ca.crt': ca.ca.crt },
  'other-ca': { 'ca.crt': otherCa.ca.crt },
  'edge-tls': { 'tls.crt': edgeCert.crt, 'tls.key': edgeCert.key },
};

const manifests: { [name: string]: any[] } = {};
const pods: Pod[] = Object.entries(DEPLOYMENTS).flatMap(([name, props]) => {
  const chart = Testing.chart();
  new Nats(chart, name, { name, natsBox: false, configReloader: false, ...props });
  manifests[name] = synth(chart);
  return podsOf(manifests[name], SECRETS);
}).map((pod, i) => ({ ...pod, ip: `10.250.0.${10 + i}` })); // one address per pod on the test network
const cluster = new PodCluster(pods);
const ip = (pod: string) => cluster.pod(pod).ip;

/** The real nats CLI in `pod`'s network namespace, against `server` (by default the pod's own server). */
function cli(pod: string, args: string[], options: { server?: string; nkey?: keyof typeof keys; timeoutMs?: number } = {}): Promise<Run> {
  const auth = options.nkey ? ['--nkey', keys[options.nkey].seedFile] : [];
  const tls = options.server?.startsWith('wss:') ? ['--tlsca', caFile] : [];
  return runIn(pod, [natsCli(), '--server', options.server ?? 'nats://127.0.0.1:4222', ...auth, ...tls, '--timeout', '3s', ...args], options.timeoutMs ?? 15_000);
}

/** A request through `pod`, retried until a responder answers; returns the answer. */
async function request(pod: string, subject: string, options: { server?: string; nkey?: keyof typeof keys } = {}): Promise<string> {
  return cluster.waitFor(`a reply on ${subject} via ${pod}`, 20_000, async () => {
    const run = await cli(pod, ['request', subject, 'ping', '--raw'], options);
    // "No responders are available" exits 0 with nothing on stdout: retry until one listens.
    if (run.code !== 0 || run.stdout.trim() === '') throw new Error(run.stderr.trim());
    return run.stdout.trim();
  });
}

/** A `nats reply --count N` that answered (the CLI exits 1 after draining, so its output tells, not its code). */
const served = (run: Run) => /Received on subject/.test(`${run.stdout}${run.stderr}`);

/** Waits until the pod's server passes its readiness check. */
const ready = (pod: string) => cluster.waitFor(`${pod} ready`, 20_000, async () =>
  ((await cluster.httpGet(pod, 8222, '/healthz?js-server-only=true')).status === 200 ? true : undefined));

beforeAll(async () => {
  await cluster.start();
  for (const pod of cluster.pods) await ready(pod.name);
}, 120_000);

afterAll(async () => {
  await cluster.destroy();
  ca.destroy();
  otherCa.destroy();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('leafnodes', () => {
  test('the leaf joins the hub, bound to the account of its credential', async () => {
    const leafz = await cluster.waitFor('the leaf connection on the hub', 20_000, async () => {
      const body = JSON.parse((await cluster.httpGet('hub-0', 8222, '/leafz')).body);
      return body.leafnodes === 1 ? body : undefined;
    });
    expect(leafz.leafs[0]).toMatchObject({ account: 'APP', name: 'leaf-0' });
    expect(confOf(manifests.leaf)).toContain('nkey: $NATS_LEAFNODE_SEED_0');
  });

  test('messages flow both ways, within the hub account APP only', async () => {
    // Responders on the hub in APP and in OTHER: the leaf's requests must reach APP's, never OTHER's.
    const hubApp = cli('hub-0', ['reply', 'edge.ping', 'from-hub-app', '--count', '3'], { nkey: 'app', timeoutMs: 90_000 });
    const hubOther = cli('hub-0', ['reply', 'edge.ping', 'from-hub-other', '--count', '2'], { nkey: 'other', timeoutMs: 90_000 });
    // OTHER's responder is listening (its own clients reach it) before the leaf asks.
    expect(await request('hub-0', 'edge.ping', { nkey: 'other' })).toBe('from-hub-other');
    for (let i = 0; i < 3; i++) expect(await request('leaf-0', 'edge.ping')).toBe('from-hub-app');
    expect(served(await hubApp)).toBe(true);
    // OTHER's responder got none of them: it still answers its second request.
    expect(await request('hub-0', 'edge.ping', { nkey: 'other' })).toBe('from-hub-other');
    expect(served(await hubOther)).toBe(true);
    // And back: a responder on the leaf answers a hub client of APP; OTHER's clients have no route to it.
    const leafReply = cli('leaf-0', ['reply', 'hub.ping', 'from-leaf', '--count', '2'], { timeoutMs: 60_000 });
    expect(await request('hub-0', 'hub.ping', { nkey: 'app' })).toBe('from-leaf');
    const fromOther = await cli('hub-0', ['request', 'hub.ping', 'ping', '--raw'], { nkey: 'other' });
    expect(fromOther.stdout.trim()).toBe('');
    expect(fromOther.stderr).toMatch(/No responders are available/);
    // The leaf's responder was there all along: it answers APP again.
    expect(await request('hub-0', 'hub.ping', { nkey: 'app' })).toBe('from-leaf');
    expect(served(await leafReply)).toBe(true);
  }, 120_000);

  test('over TLS: the hub serves its certificate, the leaf verifies it against the CA', async () => {
    const leafz = await cluster.waitFor('the TLS leaf connection on the hub', 20_000, async () => {
      const body = JSON.parse((await cluster.httpGet('hubtls-0', 8222, '/leafz')).body);
      return body.leafnodes === 1 ? body : undefined;
    });
    expect(leafz.leafs.map((l: { name: string }) => l.name)).toEqual(['leaftls-0']);
    // The leaf that trusts another CA refuses the hub's certificate.
    await cluster.waitFor('the wrong-CA leaf to refuse the hub', 20_000, async () =>
      (/certificate signed by unknown authority/.test(cluster.logs(200)) ? true : undefined));
    const varz = JSON.parse((await cluster.httpGet('hubtls-0', 8222, '/varz')).body);
    expect(varz.leaf).toMatchObject({ port: 7422, tls_required: true });
    expect(varz.leaf.tls_verify).toBeFalsy(); // the leaf authenticates by its credential, not a client certificate
    const reply = cli('hubtls-0', ['reply', 'tls.ping', 'from-hub', '--count', '1'], { timeoutMs: 60_000 });
    expect(await request('leaftls-0', 'tls.ping')).toBe('from-hub');
    expect(served(await reply)).toBe(true);
    // Plain text is refused on the TLS leafnode port.
    const plain = await runIn('leaftls-0', [process.execPath, '-e', PLAIN_PROBE, ip('hubtls-0'), '7422'], 10_000);
    expect(plain.stdout).toMatch(/"tls_required":true/);
  }, 60_000);
});

describe('gateways', () => {
  test('east and west join; a request in east is answered in west', async () => {
    // Every server keeps one outbound connection to the other cluster (to any of its servers, learnt by gossip).
    const servers = ['east-0', 'east-1', 'east-2', 'west-0', 'west-1', 'west-2'];
    await cluster.waitFor('every server of east and west with a gateway to the other cluster', 30_000, async () => {
      const missing: string[] = [];
      for (const pod of servers) {
        const other = pod.startsWith('east') ? 'west' : 'east';
        const gatewayz = JSON.parse((await cluster.httpGet(pod, 8222, '/gatewayz')).body);
        if (!gatewayz.outbound_gateways?.[other]?.connection) missing.push(`${pod} -> ${other}`);
      }
      if (missing.length === 0) return true;
      throw new Error(`no gateway connection yet: ${missing.join(', ')}`);
    });
    expect(confOf(manifests.east)).toContain('gateway {\n  name: "east"\n  port: 7222\n  advertise: $GATEWAY_ADVERTISE\n');
    // Each server advertises its pod name under the headless Service; west, which lists no remote, dialed east at the
    // address east advertised (learnt from east's connection), resolved to one of east's pods.
    const westVarz = JSON.parse((await cluster.httpGet('west-0', 8222, '/varz')).body);
    expect(westVarz.gateway).toMatchObject({ name: 'west', port: 7222, advertise: `${FQDN('west-0', 'west')}:7222` });
    const westz = JSON.parse((await cluster.httpGet('west-0', 8222, '/gatewayz')).body);
    expect(westz.outbound_gateways.east.configured).toBe(false);
    expect(['east-0', 'east-1', 'east-2'].map(ip)).toContain(westz.outbound_gateways.east.connection.ip);
    const reply = cli('west-0', ['reply', 'svc.where', 'answered-in-west', '--count', '1'], { timeoutMs: 60_000 });
    expect(await request('east-0', 'svc.where')).toBe('answered-in-west');
    expect(served(await reply)).toBe(true);
  }, 60_000);

  test('JetStream is reachable across: a stream made in west is used from east', async () => {
    // The supercluster's meta leader is elected once the gateways are up.
    await cluster.waitFor('a stream made in west', 40_000, async () => {
      const made = await cli('west-0', ['stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--replicas', '1', '--defaults']);
      if (made.code !== 0 && !/already in use/.test(made.stderr)) throw new Error(made.stderr.trim());
      return true;
    });
    const published = await cluster.waitFor('a JetStream publish from east acknowledged by west', 20_000, async () => {
      const run = await cli('east-0', ['pub', '--jetstream', 'orders.new', 'from-east']);
      return run.code === 0 ? run : undefined;
    });
    expect(`${published.stdout}${published.stderr}`).toMatch(/ORDERS/);
    const info = JSON.parse((await cli('east-0', ['stream', 'info', 'ORDERS', '--json'])).stdout);
    expect(info.state.messages).toBe(1);
    expect(info.cluster.name).toBe('west');
  }, 60_000);
});

describe('WebSocket', () => {
  test('a client over ws:// subscribes and publishes', async () => {
    const ws = `ws://${ip('edge-0')}:8080`;
    // Subscribe over WebSocket, answered to a plain client.
    const reply = cli('edge-0', ['reply', 'web.ping', 'over-websocket', '--count', '1'], { server: ws, timeoutMs: 60_000 });
    expect(await request('edge-0', 'web.ping')).toBe('over-websocket');
    expect(served(await reply)).toBe(true);
    // Publish over WebSocket, to a plain responder.
    const plain = cli('edge-0', ['reply', 'tcp.ping', 'over-tcp', '--count', '1'], { timeoutMs: 60_000 });
    expect(await request('edge-0', 'tcp.ping', { server: ws })).toBe('over-tcp');
    expect(served(await plain)).toBe(true);
    const connz = JSON.parse((await cluster.httpGet('edge-0', 8222, '/varz')).body);
    expect(connz.websocket).toMatchObject({ port: 8080, no_tls: true });
  }, 60_000);

  test('over TLS: wss:// verified against the CA; plain ws:// is refused', async () => {
    const wss = `wss://${ip('edgetls-0')}:8080`;
    const reply = cli('edgetls-0', ['reply', 'web.tls', 'over-wss', '--count', '1'], { server: wss, timeoutMs: 60_000 });
    expect(await request('edgetls-0', 'web.tls')).toBe('over-wss');
    expect(served(await reply)).toBe(true);
    const plain = await cli('edgetls-0', ['request', 'web.tls', 'ping'], { server: `ws://${ip('edgetls-0')}:8080` });
    expect(plain.code).not.toBe(0);
    // The client really verifies: trusting another CA, it refuses the server.
    const untrusted = await runIn('edgetls-0', [natsCli(), '--server', wss, '--tlsca', otherCa.files('other', otherCa.ca).crt, '--timeout', '3s', 'pub', 'web.tls', 'x']);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate/);
  }, 60_000);
});

describe('MQTT', () => {
  const mqtt = (tool: 'mosquitto_pub' | 'mosquitto_sub', args: string[], timeoutMs = 30_000) =>
    runIn('edge-0', [mosquitto(tool), '-h', ip('edge-0'), '-p', '1883', '-V', 'mqttv311', ...args], timeoutMs);

  test('QoS 1 from an MQTT client reaches a NATS subscriber, and back', async () => {
    // MQTT → NATS: topic devices/d1 is subject devices.d1.
    const sub = cli('edge-0', ['sub', 'devices.d1', '--count', '1', '--raw'], { timeoutMs: 60_000 });
    let got: Run | undefined;
    void sub.then((r) => (got = r));
    await cluster.waitFor('the NATS subscriber to get the MQTT message', 30_000, async () => {
      const pub = await mqtt('mosquitto_pub', ['-q', '1', '-i', 'device-1', '-t', 'devices/d1', '-m', 'reading-42']);
      if (pub.code !== 0) throw new Error(pub.stderr);
      return got;
    });
    expect(got!.stdout.trim()).toBe('reading-42');
    // NATS → MQTT, to a QoS 1 subscription of a persistent session.
    const mqttSub = mqtt('mosquitto_sub', ['-q', '1', '-i', 'app-1', '-c', '-t', 'commands/d1', '-C', '1', '-W', '30', '-F', '%q %t %p'], 40_000);
    let received: Run | undefined;
    void mqttSub.then((r) => (received = r));
    await cluster.waitFor('the MQTT subscriber to get the NATS message', 30_000, async () => {
      await cli('edge-0', ['pub', 'commands.d1', 'open-valve']);
      return received;
    });
    // Delivered at QoS 0: MQTT delivers at the lower of the published and the granted QoS, and a NATS publish has none.
    expect(received!.stdout.trim()).toBe('0 commands/d1 open-valve');
  }, 90_000);

  test('over TLS: mosquitto verifies the server against the CA, at QoS 1', async () => {
    const tlsMqtt = (tool: 'mosquitto_pub' | 'mosquitto_sub', args: string[], timeoutMs = 30_000) =>
      runIn('edgetls-0', [mosquitto(tool), '-h', ip('edgetls-0'), '-p', '1883', '-V', 'mqttv311', '--cafile', caFile, ...args], timeoutMs);
    const sub = cli('edgetls-0', ['sub', 'secure.d1', '--count', '1', '--raw'], { timeoutMs: 60_000 });
    let got: Run | undefined;
    void sub.then((r) => (got = r));
    await cluster.waitFor('the NATS subscriber to get the MQTT message over TLS', 30_000, async () => {
      const pub = await tlsMqtt('mosquitto_pub', ['-q', '1', '-i', 'secure-device', '-t', 'secure/d1', '-m', 'sealed']);
      if (pub.code !== 0) throw new Error(pub.stderr);
      return got;
    });
    expect(got!.stdout.trim()).toBe('sealed');
    // Without TLS the port does not speak MQTT.
    const plain = await runIn('edgetls-0', [mosquitto('mosquitto_pub'), '-h', ip('edgetls-0'), '-p', '1883', '-q', '1', '-t', 'x', '-m', 'y'], 15_000);
    expect(plain.code).not.toBe(0);
  }, 60_000);

  test('a retained message survives a server restart, kept in JetStream', async () => {
    const pub = await mqtt('mosquitto_pub', ['-q', '1', '-r', '-i', 'lamp-1', '-t', 'state/lamp', '-m', 'on']);
    expect(pub.code).toBe(0);
    const streams = JSON.parse((await cluster.httpGet('edge-0', 8222, '/jsz?accounts=true&streams=true')).body);
    expect(JSON.stringify(streams)).toContain('$MQTT_rmsgs');
    await cluster.kill('edge-0', 'SIGTERM');
    cluster.restart('edge-0');
    await ready('edge-0');
    const got = await cluster.waitFor('the retained message after the restart', 30_000, async () => {
      const run = await mqtt('mosquitto_sub', ['-q', '1', '-i', 'reader-1', '-t', 'state/lamp', '-C', '1', '-W', '5', '-F', '%r %t %p'], 15_000);
      return run.code === 0 && run.stdout.trim() ? run.stdout.trim() : undefined;
    });
    expect(got).toBe('1 state/lamp on');
  }, 90_000);
});

/** Connects in plain TCP and prints the server's INFO line: a TLS-only port says so there. */
const PLAIN_PROBE = `
const socket = require('net').connect(Number(process.argv[2]), process.argv[1]);
socket.setTimeout(3000, () => socket.destroy());
socket.once('data', (d) => { process.stdout.write(String(d)); socket.destroy(); });
socket.on('error', (e) => { process.stderr.write(String(e)); process.exitCode = 1; });`;
