// The migration Job's own script and source-server config, run here with the real nats CLI (v0.5.0) against real
// nats-servers: a standalone server writes the data, the Job's loopback config serves that store, and migrate.sh
// copies it into another server. Loopback only; every server is stopped by PID.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { NatsChart, NatsMigrationJob } from '../lib';
import { confOf, find, freePort, natsCli, natsServer } from './support/tools';

// nats-box is busybox plus the nats CLI: run the script with a PATH of only those when this machine has busybox.
const BUSYBOX = '/usr/bin/busybox';
const SHELL = existsSync(BUSYBOX) ? BUSYBOX : 'sh';
const BIN = mkdtempSync(join(tmpdir(), 'migrate-bin-'));
symlinkSync(natsCli(), join(BIN, 'nats'));
if (existsSync(BUSYBOX)) ['sh', 'sed', 'awk', 'wc', 'tr', 'rm', 'mkdir', 'sleep'].forEach((a) => symlinkSync(BUSYBOX, join(BIN, a)));
const PATH = existsSync(BUSYBOX) ? BIN : `${BIN}:${process.env.PATH}`;
const HOME = mkdtempSync(join(tmpdir(), 'migrate-home-'));
const WORK = mkdtempSync(join(tmpdir(), 'migrate-'));

function cli(url: string, args: string[]): { status: number | null; out: string } {
  const run = spawnSync(natsCli(), ['--server', url, ...args], { env: { PATH, HOME }, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}
const ok = (url: string, args: string[]): string => {
  const run = cli(url, args);
  if (run.status !== 0) throw new Error(`nats ${args.join(' ')}: ${run.out}`);
  return run.out;
};
const state = (url: string, stream: string) => JSON.parse(ok(url, ['stream', 'info', stream, '--json'])).state;

/** A nats.conf from the manifests, made runnable here: its store, pid file and ports moved to this machine. */
async function runnable(conf: string, storeDir: string): Promise<{ conf: string; url: string }> {
  const [port, http] = [await freePort(), await freePort()];
  const text = conf
    .replace('store_dir: "/data"', `store_dir: ${JSON.stringify(storeDir)}`)
    .replace('pid_file: "/var/run/nats/nats.pid"', `pid_file: ${JSON.stringify(join(storeDir, '..', `nats-${port}.pid`))}`)
    .replace(/^port: 4222$/m, `port: ${port}`)
    .replace(/^http_port: 8222$/m, `http_port: ${http}`);
  return { conf: text, url: `nats://127.0.0.1:${port}` };
}

interface Server { proc: ChildProcess; url: string }
const running: Server[] = [];
async function start(conf: string, storeDir: string, env: { [k: string]: string } = {}): Promise<Server> {
  const r = await runnable(conf, storeDir);
  const file = join(WORK, `nats-${running.length}.conf`);
  writeFileSync(file, r.conf);
  const check = spawnSync(natsServer(), ['-t', '--config', file], { env: { ...env, SERVER_NAME: 'test' }, encoding: 'utf8' });
  expect(check.stderr).toContain('is valid');
  const proc = spawn(natsServer(), ['--config', file], { env: { ...env, SERVER_NAME: `test-${running.length}` }, stdio: 'ignore' });
  const server = { proc, url: r.url };
  running.push(server);
  for (let i = 0; i < 100 && cli(r.url, ['stream', 'ls', '--names']).status !== 0; i++) await new Promise((res) => setTimeout(res, 100));
  return server;
}
async function stop(s: Server): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((res) => s.proc.once('exit', res));
  process.kill(s.proc.pid!, 'SIGTERM');
  await exited;
}
afterAll(async () => {
  for (const s of running) await stop(s);
  for (const dir of [BIN, HOME, WORK]) rmSync(dir, { recursive: true, force: true });
});

// The homelab deployment (1 replica) and the migration Job of the cluster (3 replicas) that replaces it.
const homelab = Testing.synth(new NatsChart(Testing.app(), 'nats', {}));
const clusterChart = new NatsChart(Testing.app(), 'nats', { replicas: 3 });
new NatsMigrationJob(clusterChart, 'Migration', { nats: clusterChart.nats });
const manifest = Testing.synth(clusterChart);
const script = find(manifest, 'ConfigMap', 'nats-migrate').data;

function migrate(source: string, target: string, jetStreamDir: string): { status: number | null; log: string } {
  const dir = mkdtempSync(join(WORK, 'job-'));
  writeFileSync(join(dir, 'migrate.sh'), script['migrate.sh']);
  const run = spawnSync(SHELL, [...(SHELL === BUSYBOX ? ['sh'] : []), join(dir, 'migrate.sh')], {
    env: {
      PATH, HOME, TMPDIR: dir, READY_TIMEOUT: '20',
      SOURCE_URL: source, SOURCE_JETSTREAM_DIR: jetStreamDir, SOURCE_ACCOUNT: '$G', TARGET_URL: target, TARGET_REPLICAS: '1',
    },
    encoding: 'utf8', timeout: 120_000,
  });
  return { status: run.status, log: `${run.stdout}${run.stderr}` };
}

test('the Job: old server on the standalone claim, loopback only, beside the nats CLI', () => {
  const job = find(manifest, 'Job', 'nats-migrate').spec.template.spec;
  expect(job.initContainers[0]).toMatchObject({ name: 'source', restartPolicy: 'Always', command: ['nats-server', '--config', '/etc/nats-config/nats.conf'] });
  expect(job.volumes).toContainEqual({ name: 'source', persistentVolumeClaim: { claimName: 'nats-js-nats-0' } });
  expect(job.containers[0].env).toEqual(expect.arrayContaining([
    { name: 'SOURCE_URL', value: 'nats://127.0.0.1:4222' },
    { name: 'TARGET_URL', value: 'nats://nats:4222' },
    { name: 'TARGET_REPLICAS', value: '3' },
  ]));
  expect(script['nats.conf']).toMatch(/^host: "127.0.0.1"$/m);
  expect(script['nats.conf']).not.toMatch(/cluster|tls/);
  // Same store as the standalone server it replaces.
  expect(script['nats.conf'].match(/jetstream \{[^}]*\}/)![0]).toBe(confOf(homelab).match(/jetstream \{[^}]*\}/)![0]);
});

test('snapshot', () => {
  expect(manifest.filter((o) => o.metadata.labels['app.kubernetes.io/component'] === 'migration')).toMatchSnapshot();
});

test('only a cluster can be the target', () => {
  const chart = new NatsChart(Testing.app(), 'nats', {});
  expect(() => new NatsMigrationJob(chart, 'Migration', { nats: chart.nats })).toThrow(/replicas must be 3 or 5, got 1/);
});

test('every stream, KV bucket and consumer moves with its sequence numbers; a re-run skips them; a conflict is not overwritten', async () => {
  const store = join(WORK, 'standalone-store');
  mkdirSync(store);
  // The homelab server writes data the way users do.
  const old = await start(confOf(homelab), store);
  ok(old.url, ['stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--defaults']);
  ok(old.url, ['pub', 'orders.new', 'order {{Count}}', '--count', '300', '--jetstream']);
  ok(old.url, ['stream', 'rmm', 'ORDERS', '7', '--force']); // a gap in the sequence
  ok(old.url, ['consumer', 'add', 'ORDERS', 'SHIPPING', '--pull', '--defaults']);
  ok(old.url, ['consumer', 'next', 'ORDERS', 'SHIPPING', '--count', '5', '--ack']);
  ok(old.url, ['kv', 'add', 'settings']);
  ok(old.url, ['kv', 'put', 'settings', 'colour', 'blue']);
  ok(old.url, ['stream', 'add', 'AUDIT', '--subjects', 'audit.>', '--storage', 'file', '--defaults']);
  ok(old.url, ['pub', 'audit.login', 'x', '--count', '4', '--jetstream']);
  const want = { ORDERS: state(old.url, 'ORDERS'), AUDIT: state(old.url, 'AUDIT') };
  expect(want.ORDERS).toMatchObject({ messages: 299, first_seq: 1, last_seq: 300 });
  await stop(old);
  expect(existsSync(join(store, 'jetstream', '$G', 'streams', 'ORDERS'))).toBe(true);

  // The Job's source server on that store, and a target that already holds a different AUDIT.
  const source = await start(script['nats.conf'], store);
  const target = await start('jetstream { store_dir: "/data" }\nport: 4222\nhttp_port: 8222\npid_file: "/var/run/nats/nats.pid"\n', join(WORK, 'target-store'));
  ok(target.url, ['stream', 'add', 'AUDIT', '--subjects', 'audit.>', '--storage', 'file', '--defaults']);
  ok(target.url, ['pub', 'audit.other', 'y', '--jetstream']);

  const first = migrate(source.url, target.url, join(store, 'jetstream'));
  expect(first.log).toContain('stream ORDERS: migrated, 1 replicas (source messages first last = 299 1 300, cluster now 299 1 300)');
  expect(first.log).toContain('stream KV_settings: migrated');
  expect(first.log).toMatch(/stream AUDIT: exists in the cluster with other data \(1 1 1, source 4 1 4\): NOT overwritten/);
  expect(first.status).toBe(1);
  expect(state(target.url, 'ORDERS')).toMatchObject({ messages: 299, first_seq: 1, last_seq: 300 });
  expect(JSON.parse(ok(target.url, ['consumer', 'info', 'ORDERS', 'SHIPPING', '--json'])).ack_floor.stream_seq).toBe(5);
  expect(ok(target.url, ['kv', 'get', 'settings', 'colour', '--raw']).trim()).toBe('blue');
  expect(ok(target.url, ['stream', 'get', 'ORDERS', '300', '--json'])).toContain(Buffer.from('order 300').toString('base64'));

  // Publishers write to the cluster as soon as a stream is there: a re-run sees appends, not other data.
  ok(target.url, ['stream', 'rm', 'AUDIT', '--force']);
  ok(target.url, ['pub', 'orders.new', 'order after', '--count', '3', '--jetstream']);
  const second = migrate(source.url, target.url, join(store, 'jetstream'));
  expect(second.log).toContain('stream ORDERS: already in the cluster (messages first last = 302 1 303), skipped');
  expect(second.log).toContain('stream AUDIT: migrated, 1 replicas (source messages first last = 4 1 4, cluster now 4 1 4)');
  expect(second.status).toBe(0);
  expect(state(target.url, 'AUDIT')).toMatchObject(want.AUDIT);
}, 120_000);

test('streams of another account are refused before anything is copied', async () => {
  const store = join(WORK, 'accounts-store');
  mkdirSync(join(store, 'jetstream', 'BILLING', 'streams', 'INVOICES'), { recursive: true });
  const run = migrate('nats://127.0.0.1:1', 'nats://127.0.0.1:1', join(store, 'jetstream'));
  expect(run.log).toContain('streams outside account $G (the Job\'s user) cannot be migrated by this Job:');
  expect(run.log).toContain('account BILLING: stream INVOICES');
  expect(run.status).toBe(1);
});
