/**
 * `npm run verify:reach`: leafnodes, WebSocket and MQTT on a real cluster (issue 16). For each variant (plain, then TLS)
 * it synthesizes e2e/verify/reach-app.ts, a hub and a leaf in two namespaces, applies both, and checks:
 *   - the leaf connects to the hub through the hub's leafnodes Service, and messages flow both ways;
 *   - a client pod in the clients namespace reaches WebSocket (nats CLI, ws:// or wss://) and MQTT (mosquitto_pub and
 *     mosquitto_sub, QoS 1, both ways with NATS) through their Services;
 *   - the hub's NetworkPolicy: the release namespace and the declared ones reach exactly their ports (netpol.ts), and
 *     the clients namespace gets no answer on the leafnode port.
 * Then it deletes the namespaces (claims included).
 *   reach.ts [--keep] [plain|tls ...]     REACH_NAMESPACE (default nats-reach), REACH_OUTDIR (default /tmp/dist-reach)
 * Needs kubectl and openssl. The client pod runs the nats-box image of the manifests, which must carry mosquitto_pub and
 * mosquitto_sub (Debian's or Alpine's mosquitto-clients) in /usr/bin.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Ctx, Deployment, readDeployment } from './deployment';
import { applyAndWait } from './apply';
import { checkNetworkPolicy } from './netpol';
import { RunResult, kubectl, kubectlOk, nats, run, sleep, waitFor } from './support/kube';
import { PortForwards } from './support/portforward';
import { Reporter } from './support/report';
import { lastLines } from './support/text';

const REPO = path.resolve(__dirname, '..', '..');
const CLIENT = 'reach-client';
const CA_DIR = '/etc/reach-ca';

type Variant = 'plain' | 'tls';

interface Namespaces {
  readonly prefix: string;
  readonly hub: string;
  readonly leaf: string;
  readonly clients: string;
}

async function main(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const variants = argv.filter((a): a is Variant => a === 'plain' || a === 'tls');
  const r = new Reporter();
  for (const variant of variants.length > 0 ? variants : ['plain', 'tls'] as Variant[]) {
    r.section(`reach: ${variant}`);
    const prefix = `${process.env.REACH_NAMESPACE ?? 'nats-reach'}-${variant}`;
    const ns: Namespaces = { prefix, hub: `${prefix}-hub`, leaf: `${prefix}-leaf`, clients: `${prefix}-clients` };
    await r.group(`reach ${variant}`, () => runVariant(r, variant, ns));
    if (!keep) await kubectl(['delete', 'ns', ns.hub, ns.leaf, ns.clients, '--ignore-not-found', '--wait=true'], { timeoutSeconds: 300 });
  }
  console.log(r.summary());
  return r.ok ? 0 : 1;
}

async function runVariant(r: Reporter, variant: Variant, ns: Namespaces): Promise<void> {
  for (const n of [ns.hub, ns.leaf, ns.clients]) {
    if ((await kubectl(['get', 'ns', n])).code === 0) throw new Error(`namespace ${n} exists: reach.ts only uses namespaces it creates`);
  }
  const out = path.join(process.env.REACH_OUTDIR ?? '/tmp/dist-reach', variant);
  fs.rmSync(out, { recursive: true, force: true });
  await must(run('node', ['-r', 'ts-node/register/transpile-only', 'e2e/verify/reach-app.ts'],
    { cwd: REPO, env: { CDK8S_OUTDIR: out, REACH_VARIANT: variant, REACH_NAMESPACE: ns.prefix } }), 'synthesize e2e/verify/reach-app.ts');
  const hub = readDeployment(path.join(out, 'hub'));
  const leaf = readDeployment(path.join(out, 'leaf'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-reach.'));
  try {
    for (const n of [ns.hub, ns.leaf, ns.clients]) await kubectlOk(['create', 'namespace', n, '--save-config']);
    if (variant === 'tls') await createTlsSecrets(tmp, ns);
    const hubLive = await applyAndWait(hub, r, 300, tmp);
    await applyAndWait(leaf, r, 300, tmp);

    await checkLeaf(r, hub, leaf);
    await startClient(r, hub, ns, variant === 'tls');
    await checkWebSocket(r, ns, variant === 'tls');
    await checkMqtt(r, hub, ns, variant === 'tls');
    const closed = await connect(ns.clients, `nats-leafnodes.${ns.hub}.svc`, 7422);
    r.check(closed === 'silent', 'NetworkPolicy: the clients namespace gets no answer from the leafnodes Service (3 s)',
      `NetworkPolicy: the clients namespace -> the leafnodes Service: want no answer, got ${closed}`);
    const ctx: Ctx = { d: hub, live: hubLive, r, forwards: new PortForwards(), tmp };
    await checkNetworkPolicy(ctx);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The leaf's connection on the hub, then a request each way between the two nats-boxes. */
async function checkLeaf(r: Reporter, hub: Deployment, leaf: Deployment): Promise<void> {
  const leafz = await waitFor(async () => {
    const got = await kubectl(['-n', hub.ns, 'exec', `deploy/${hub.box}`, '--', 'wget', '-qO-', `http://${hub.clientService}.${hub.ns}.svc:8222/leafz`]);
    const body = got.code === 0 ? JSON.parse(got.stdout) : undefined;
    return body?.leafnodes >= 1 ? body : undefined;
  }, 60);
  if (!r.check(leafz !== undefined, `leaf ${leaf.ns} connected to hub ${hub.ns} through its leafnodes Service`,
    `no leaf connection on hub ${hub.ns} after 60 s`)) return;
  r.info(`hub /leafz: ${leafz.leafs.map((l: { name: string; account: string; ip: string }) => `${l.name} (${l.account}) from ${l.ip}`).join(', ')}`);
  await requestAcross(r, 'leaf -> hub', { ns: hub.ns, box: hub.box }, { ns: leaf.ns, box: leaf.box }, 'reach.hub');
  await requestAcross(r, 'hub -> leaf', { ns: leaf.ns, box: leaf.box }, { ns: hub.ns, box: hub.box }, 'reach.leaf');
}

/** A responder in `responder`'s nats-box, a request from `requester`'s; the answer must come back. */
async function requestAcross(r: Reporter, what: string, responder: { ns: string; box: string }, requester: { ns: string; box: string }, subject: string): Promise<void> {
  const answer = `answered-in-${responder.ns}`;
  const reply = nats(responder.ns, responder.box, ['reply', subject, answer, '--count', '1'], { timeoutSeconds: 90 });
  const got = await waitFor(async () => {
    const res = await nats(requester.ns, requester.box, ['request', subject, 'ping', '--raw', '--timeout', '3s'], { timeoutSeconds: 20 });
    // "No responders are available" exits 0 with an empty stdout: retry until the responder listens.
    return res.code === 0 && res.stdout.trim() !== '' ? res.stdout.trim() : undefined;
  }, 60, 1000);
  r.check(got === answer, `${what}: a request on ${subject} from ${requester.ns} is answered in ${responder.ns}`,
    `${what}: request on ${subject} from ${requester.ns}: want "${answer}", got ${got === undefined ? 'no answer in 60 s' : `"${got}"`}`);
  await reply;
}

/** A nats-box pod in the clients namespace (restricted, no server labels), with the hub's CA when TLS is on. */
async function startClient(r: Reporter, hub: Deployment, ns: Namespaces, tls: boolean): Promise<void> {
  const boxPod = hub.manifests.one('Deployment', (o) => o.metadata.name === hub.box).spec.template.spec;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: CLIENT, namespace: ns.clients, labels: { 'app.kubernetes.io/name': CLIENT } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      imagePullSecrets: boxPod.imagePullSecrets,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client',
        image: boxPod.containers[0].image,
        command: ['sleep', '900'],
        env: [{ name: 'HOME', value: '/tmp' }],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(tls ? [{ name: 'ca', mountPath: CA_DIR, readOnly: true }] : [])],
      }],
      volumes: [{ name: 'tmp', emptyDir: {} }, ...(tls ? [{ name: 'ca', secret: { secretName: 'hub-ca' } }] : [])],
    },
  };
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(pod) });
  const ready = await kubectl(['-n', ns.clients, 'wait', '--for=condition=Ready', `pod/${CLIENT}`, '--timeout=120s'], { timeoutSeconds: 150 });
  if (ready.code !== 0) throw new Error(`client pod in ${ns.clients} not Ready: ${ready.stderr.trim()}`);
  r.pass(`client pod ${CLIENT} Ready in ${ns.clients}`);
}

function clientExec(ns: Namespaces, argv: string[], timeoutSeconds = 30): Promise<RunResult> {
  return kubectl(['-n', ns.clients, 'exec', CLIENT, '--', ...argv], { timeoutSeconds });
}

/** The nats CLI in the client pod over WebSocket: a responder over ws(s):// answers a request over ws(s)://. */
async function checkWebSocket(r: Reporter, ns: Namespaces, tls: boolean): Promise<void> {
  const url = `${tls ? 'wss' : 'ws'}://nats-websocket.${ns.hub}.svc.cluster.local:8080`;
  const cli = (args: string[], timeoutSeconds = 30) =>
    clientExec(ns, ['nats', '--server', url, ...(tls ? ['--tlsca', `${CA_DIR}/ca.crt`] : []), '--timeout', '5s', ...args], timeoutSeconds);
  const reply = cli(['reply', 'reach.web', 'over-websocket', '--count', '1'], 90);
  const got = await waitFor(async () => {
    const res = await cli(['request', 'reach.web', 'ping', '--raw']);
    return res.code === 0 && res.stdout.trim() !== '' ? res.stdout.trim() : undefined;
  }, 60, 1000);
  r.check(got === 'over-websocket', `WebSocket: the nats CLI in ${ns.clients} subscribes and publishes through ${url}`,
    `WebSocket through ${url}: want "over-websocket", got ${got === undefined ? 'no answer in 60 s' : `"${got}"`}`);
  // `nats reply --count 1` exits 1 after draining: its output, not its code, says whether it served.
  const replied = await reply;
  if (!/Received on subject/.test(replied.stdout + replied.stderr)) r.info(`responder: ${lastLines(replied.stderr, 3)}`);
}

/** mosquitto in the client pod through the MQTT Service: QoS 1 to a NATS subscriber in the hub's nats-box, and back. */
async function checkMqtt(r: Reporter, hub: Deployment, ns: Namespaces, tls: boolean): Promise<void> {
  const host = `nats-mqtt.${ns.hub}.svc.cluster.local`;
  const mqtt = (tool: string, args: string[], timeoutSeconds = 30) =>
    clientExec(ns, [`/usr/bin/${tool}`, '-h', host, '-p', '1883', '-V', 'mqttv311', ...(tls ? ['--cafile', `${CA_DIR}/ca.crt`] : []), ...args], timeoutSeconds);

  // MQTT -> NATS
  const sub = nats(hub.ns, hub.box, ['sub', 'reach.mqtt.up', '--count', '1', '--raw'], { timeoutSeconds: 90 });
  let up: RunResult | undefined;
  void sub.then((res) => { up = res; });
  for (let i = 0; i < 30 && up === undefined; i++) {
    const pub = await mqtt('mosquitto_pub', ['-q', '1', '-i', 'reach-device', '-t', 'reach/mqtt/up', '-m', 'from-mqtt']);
    if (pub.code !== 0 && i === 0) r.info(`mosquitto_pub: ${lastLines(pub.stderr, 2)}`);
    await sleep(2000);
  }
  r.check(up?.stdout.trim() === 'from-mqtt', `MQTT: mosquitto_pub at QoS 1 in ${ns.clients} through ${host} reaches a NATS subscriber`,
    `MQTT -> NATS through ${host}: want "from-mqtt", got ${up === undefined ? 'nothing in 60 s' : `"${up.stdout.trim()}" ${lastLines(up.stderr, 2)}`}`);

  // NATS -> MQTT
  const mqttSub = mqtt('mosquitto_sub', ['-q', '1', '-i', 'reach-app', '-t', 'reach/mqtt/down', '-C', '1', '-W', '60', '-F', '%q %t %p'], 90);
  let down: RunResult | undefined;
  void mqttSub.then((res) => { down = res; });
  for (let i = 0; i < 30 && down === undefined; i++) {
    await nats(hub.ns, hub.box, ['pub', 'reach.mqtt.down', 'from-nats']);
    await sleep(2000);
  }
  // QoS 0 on delivery: the lower of the published QoS (a NATS publish has none) and the granted one.
  r.check(down?.stdout.trim() === '0 reach/mqtt/down from-nats', `MQTT: a NATS message reaches mosquitto_sub (QoS 1 subscription) in ${ns.clients} through ${host}`,
    `NATS -> MQTT through ${host}: want "0 reach/mqtt/down from-nats", got ${down === undefined ? 'nothing in 60 s' : `"${down.stdout.trim()}" ${lastLines(down.stderr, 2)}`}`);
}

/** One TCP connect from the client pod: `open`, `silent` (no answer in 3 s) or why not. */
async function connect(namespace: string, host: string, port: number): Promise<string> {
  const res = await kubectl(['-n', namespace, 'exec', CLIENT, '--', 'sh', '-c', 'nc -w 3 "$0" "$1" -e true', host, String(port)], { timeoutSeconds: 15 });
  if (res.code === 0) return 'open';
  if (res.code === 124) return 'kubectl exec did not return in 15 s';
  return /timed out/.test(res.stdout + res.stderr) ? 'silent' : `refused: ${lastLines(res.stdout + res.stderr, 1)}`;
}

/**
 * A CA and the hub's certificate for its listener Services and pods (nats-tls, nats-ca in the hub's namespace), the CA
 * for the leaf (hub-ca in the leaf's namespace) and for the client pod (hub-ca in the clients namespace).
 */
async function createTlsSecrets(dir: string, ns: Namespaces): Promise<void> {
  const f = (name: string) => path.join(dir, name);
  const hosts = ['nats', 'nats-leafnodes', 'nats-websocket', 'nats-mqtt', '*.nats-headless']
    .flatMap((h) => [h, `${h}.${ns.hub}`, `${h}.${ns.hub}.svc`, `${h}.${ns.hub}.svc.cluster.local`]);
  fs.writeFileSync(f('ext'), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`
    + 'keyUsage=digitalSignature,keyEncipherment\n');
  await must(run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nats-reach-ca',
    '-keyout', f('ca.key'), '-out', f('ca.crt')]), 'openssl: CA');
  await must(run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=nats.${ns.hub}.svc`, '-keyout', f('tls.key'),
    '-out', f('tls.csr')]), 'openssl: server key');
  await must(run('openssl', ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', f('ext'), '-out', f('tls.crt')]), 'openssl: server certificate');
  await kubectlOk(['-n', ns.hub, 'create', 'secret', 'tls', 'nats-tls', `--cert=${f('tls.crt')}`, `--key=${f('tls.key')}`]);
  await kubectlOk(['-n', ns.hub, 'create', 'secret', 'generic', 'nats-ca', `--from-file=ca.crt=${f('ca.crt')}`]);
  for (const n of [ns.leaf, ns.clients]) await kubectlOk(['-n', n, 'create', 'secret', 'generic', 'hub-ca', `--from-file=ca.crt=${f('ca.crt')}`]);
}

async function must(result: Promise<{ code: number; stderr: string }>, what: string): Promise<void> {
  const res = await result;
  if (res.code !== 0) throw new Error(`${what}: ${res.stderr.trim()}`);
}

void main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => {
  console.log(`FAIL  ${e.message}`);
  process.exit(1);
});
