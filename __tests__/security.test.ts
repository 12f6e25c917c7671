// TLS and authentication, proven on a real nats-server run like its pod (netns + chroot, Secrets mounted
// and injected as the kubelet would): plaintext and anonymous clients are refused, the right credentials
// (passwords and nkeys) work, permissions hold, monitoring answers over HTTPS, and no password reaches a ConfigMap.
import { X509Certificate } from 'crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { Nats, NatsProps } from '../lib';
import { TestCa } from './support/certs';
import { PodCluster, Run, podsOf, runIn } from './support/netns';
import { find, natsCli, synth, userNkey } from './support/tools';

const PASSWORDS = { alice: 'alice-Secret-1', bob: 'bob-Secret-2', admin: 'admin-Secret-3' };
const keyDir = mkdtempSync(join(tmpdir(), 'nats-nkeys-'));
const carol = userNkey(keyDir, 'carol');       // her public key goes into nats.conf, the seed stays with her
const mallory = userNkey(keyDir, 'mallory');   // a valid user seed the server has never heard of
const props: NatsProps = {
  clientTls: true,
  monitorTls: true,
  clientMutualTls: true,
  tlsSecretName: 'nats-tls',
  tlsCaSecretName: 'nats-ca',
  natsBoxTlsSecretName: 'nats-box-tls',
  accounts: [{ name: 'APP', maxStreams: 2, maxFileStore: '1Gi' }, { name: 'SYS' }],
  systemAccount: 'SYS',
  users: [
    { name: 'alice', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'alice' },
    { name: 'bob', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'bob', publishAllow: ['orders.>'], subscribeAllow: ['_INBOX.>'] },
    { name: 'admin', account: 'SYS', passwordSecretName: 'nats-users', passwordSecretKey: 'admin' },
    { name: 'carol', account: 'APP', nkey: carol.publicKey, publishAllow: ['orders.>', '$JS.API.>'], subscribeAllow: ['_INBOX.>'] },
  ],
  natsBoxUser: 'alice',
};

const chart = Testing.chart();
new Nats(chart, 'nats', props);
const manifest = synth(chart);
const ca = new TestCa();
const server = ca.issue('nats', ['nats', 'nats.default.svc', '*.nats-headless', 'localhost'], ['127.0.0.1']);
const client = ca.files('client', ca.issue('client', ['nats-box']));
const caFile = ca.files('ca', ca.ca).crt;
const cluster = new PodCluster(podsOf(manifest, {
  'nats-tls': { 'tls.crt': server.crt, 'tls.key': server.key },
  'nats-ca': { 'ca.crt': ca.ca.crt },
  'nats-users': PASSWORDS,
}));

/** The nats CLI inside the pod's network namespace, over TLS with the CA, plus `args`. */
const natsAs = (args: string[]): Promise<Run> =>
  runIn('nats-0', [natsCli(), '--server', 'tls://localhost:4222', '--tlsca', caFile, '--timeout', '5s', ...args]);
const withCert = ['--tlscert', client.crt, '--tlskey', client.key];
const alice = [...withCert, '--user', 'alice', '--password', PASSWORDS.alice];

beforeAll(async () => {
  await cluster.start();
  await cluster.waitFor('the server to pass its startup probe over HTTPS', 30_000, async () =>
    ((await cluster.httpGet('nats-0', 8222, '/healthz', 'https')).status === 200 ? true : undefined));
  await cluster.waitFor('the config reloader to watch the files', 30_000, async () =>
    (cluster.logOf('nats-0/reloader').includes('Live, ready to kick') ? true : undefined));
}, 90_000);

afterAll(async () => {
  await cluster.destroy();
  ca.destroy();
  rmSync(keyDir, { recursive: true, force: true });
});

test('the rendered TLS and auth config passes nats-server -t inside the pod', async () => {
  const run = await cluster.exec('nats-0', ['nats-server', '-t', '--config', '/etc/nats-config/nats.conf']);
  expect(run).toMatchObject({ code: 0, stderr: expect.stringContaining('configuration file /etc/nats-config/nats.conf is valid') });
});

test('a plaintext client is refused', async () => {
  // Speak the protocol without TLS: the server must close the connection instead of answering PING.
  const script = `
    const s = require('net').connect(4222, '127.0.0.1'); let seen = '';
    s.on('data', (d) => { seen += d; if (seen.includes('INFO')) s.write('CONNECT {"user":"alice","pass":"${PASSWORDS.alice}"}\\r\\nPING\\r\\n'); });
    const done = () => { console.log(JSON.stringify(seen)); process.exit(0); };
    s.on('close', done); s.on('error', done); setTimeout(done, 5000);`;
  const run = await runIn('nats-0', [process.execPath, '-e', script]);
  const seen: string = JSON.parse(run.stdout.trim().split('\n')[0]);
  expect(seen).toContain('"tls_required":true');
  expect(seen).not.toContain('PONG');
});

test('a client without a certificate is refused (mutual TLS)', async () => {
  const run = await natsAs(['--user', 'alice', '--password', PASSWORDS.alice, 'pub', 'orders.1', 'x']);
  expect(run.code).not.toBe(0);
  expect(run.stderr).toMatch(/certificate|tls|EOF|connection reset/i);
});

test('an unauthenticated client is refused, a wrong password too', async () => {
  expect((await natsAs([...withCert, 'pub', 'orders.1', 'x'])).stderr).toContain('Authorization Violation');
  expect((await natsAs([...withCert, '--user', 'alice', '--password', 'wrong', 'pub', 'orders.1', 'x'])).stderr).toContain('Authorization Violation');
});

test('the right credentials work, with JetStream limits from the account', async () => {
  expect(await natsAs([...alice, 'pub', 'orders.1', 'hello'])).toMatchObject({ code: 0 });
  expect(await natsAs([...alice, 'stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--defaults'])).toMatchObject({ code: 0 });
  // The JetStream account-info API, as `nats account info` uses it.
  const info = JSON.parse((await natsAs([...alice, 'request', '$JS.API.INFO', '', '--raw'])).stdout);
  expect(info.limits).toMatchObject({ max_streams: 2, max_storage: 2 ** 30 });
  expect(info.streams).toBe(1);
});

test('a user is denied a subject outside its permissions', async () => {
  const bob = [...withCert, '--user', 'bob', '--password', PASSWORDS.bob];
  const denied = await natsAs([...bob, 'request', 'payments.new', 'x']);
  expect(denied.stderr).toContain('Permissions Violation for Publish to "payments.new"');
  expect(await natsAs([...bob, 'pub', 'orders.2', 'ok'])).toMatchObject({ code: 0 });
});

test('an nkey user signs in with its seed, in its account and with its permissions; another seed is refused', async () => {
  const asCarol = [...withCert, '--nkey', carol.seedFile];
  expect(await natsAs([...asCarol, 'pub', 'orders.3', 'signed'])).toMatchObject({ code: 0 });
  const info = JSON.parse((await natsAs([...asCarol, 'request', '$JS.API.INFO', '', '--raw'])).stdout);
  expect(info.limits).toMatchObject({ max_streams: 2 });   // account APP's limits
  expect((await natsAs([...asCarol, 'request', 'payments.new', 'x'])).stderr).toContain('Permissions Violation for Publish to "payments.new"');
  expect((await natsAs([...withCert, '--nkey', mallory.seedFile, 'pub', 'orders.3', 'x'])).stderr).toContain('Authorization Violation');
});

test('the system account sees the server', async () => {
  const run = await natsAs([...withCert, '--user', 'admin', '--password', PASSWORDS.admin, 'server', 'list', '--json']);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('"name": "nats-0"');
});

test('monitoring answers over HTTPS only', async () => {
  expect((await cluster.httpGet('nats-0', 8222, '/varz', 'https')).body).toContain('"server_name": "nats-0"');
  expect(await cluster.httpGet('nats-0', 8222, '/varz', 'http')).toEqual({ status: 400, body: 'Client sent an HTTP request to an HTTPS server.\n' });
});

test('no password appears in any ConfigMap or environment: the auth sidecar renders them from the mounted Secret', () => {
  const configMaps = JSON.stringify(manifest.filter((o) => o.kind === 'ConfigMap'));
  for (const password of Object.values(PASSWORDS)) {
    expect(configMaps).not.toContain(password);
  }
  const spec = find(manifest, 'StatefulSet').spec.template.spec;
  expect(JSON.stringify(spec.containers.map((c: any) => c.env ?? []))).not.toContain('NATS_PASSWORD');
  expect(spec.volumes).toContainEqual({ name: 'passwords-0', secret: { secretName: 'nats-users' } });
  // In the running pod: the variables sit in the memory-backed emptyDir the server includes.
  expect(readFileSync(cluster.pathIn('nats-0', '/etc/nats-auth/auth.conf'), 'utf8')).toContain(`NATS_PASSWORD_ALICE: "${PASSWORDS.alice}"`);
});

describe('changes reach the running server through the config reloader, without a restart', () => {
  const serverPid = () => Number(readFileSync(cluster.pathIn('nats-0', '/var/run/nats/nats.pid'), 'utf8'));
  /** Replaces a mounted file the way the kubelet does: a new file renamed over the old one. */
  const replace = (path: string, content: string) => {
    const file = cluster.pathIn('nats-0', path);
    writeFileSync(`${file}.new`, content, { mode: 0o444 });
    renameSync(`${file}.new`, file);
  };
  const connects = async (user: string, password: string) =>
    (await natsAs([...withCert, '--user', user, '--password', password, 'server', 'check', 'connection'])).code === 0;

  test('a rotated password: the new one works and the old one is refused', async () => {
    const pid = serverPid();
    replace('/etc/nats-secrets/nats-users/admin', 'admin-Rotated-9');
    await cluster.waitFor('admin to sign in with the new password', 30_000, async () => ((await connects('admin', 'admin-Rotated-9')) ? true : undefined));
    expect(await connects('admin', PASSWORDS.admin)).toBe(false);
    expect(serverPid()).toBe(pid);
    expect(cluster.isRunning('nats-0')).toBe(true);
  });

  test('a new user, in the ConfigMap and as a new key of the mounted Secret', async () => {
    const pid = serverPid();
    const newChart = Testing.chart();
    new Nats(newChart, 'nats', { ...props, users: [...props.users!, { name: 'dave', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'dave' }] });
    const newManifest = synth(newChart);
    // A reloadable change: the pod template, and so its checksum, stays as it was.
    expect(find(newManifest, 'StatefulSet').spec.template).toEqual(find(manifest, 'StatefulSet').spec.template);
    const data = newManifest.find((o: any) => o.kind === 'ConfigMap' && o.data['nats.conf']).data;
    replace('/etc/nats-secrets/nats-users/dave', 'dave-Secret-4');
    replace('/etc/nats-config/auth.map', data['auth.map']);
    replace('/etc/nats-config/nats.conf', data['nats.conf']);
    await cluster.waitFor('dave to sign in', 30_000, async () => ((await connects('dave', 'dave-Secret-4')) ? true : undefined));
    expect(await connects('dave', 'wrong')).toBe(false);
    expect(serverPid()).toBe(pid);
  });

  test('a renewed certificate from the same CA is presented', async () => {
    const pid = serverPid();
    const serial = async () => JSON.parse((await runIn('nats-0', [process.execPath, '-e', PEER_SERIAL])).stdout).serial as string;
    const before = await serial();
    const renewed = ca.issue('nats-renewed', ['nats', 'nats.default.svc', '*.nats-headless', 'localhost'], ['127.0.0.1']);
    replace('/etc/nats-certs/server/tls.key', renewed.key);
    replace('/etc/nats-certs/server/tls.crt', renewed.crt);
    const after = await cluster.waitFor('the renewed certificate on the HTTPS monitoring port', 30_000, async () => {
      const now = await serial();
      return now !== before ? now : undefined;
    });
    expect(after).toBe(new X509Certificate(renewed.crt).serialNumber);
    expect(await connects('alice', PASSWORDS.alice)).toBe(true);
    expect(serverPid()).toBe(pid);
  });
});

/** The serial of the certificate the server presents on its HTTPS monitoring port. */
const PEER_SERIAL = `
const s = require('tls').connect({ host: '127.0.0.1', port: 8222, rejectUnauthorized: false }, () => {
  process.stdout.write(JSON.stringify({ serial: s.getPeerCertificate().serialNumber })); s.end();
});`;
