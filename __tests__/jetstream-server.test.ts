// The apply Job's own script, run here with the real nats CLI (v0.5.0) against a real nats-server: what the Job
// does in the cluster, minus Kubernetes. Loopback only; the server is stopped by PID afterwards.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Testing } from 'cdk8s';
import {
  AckPolicy, DeliverPolicy, DiscardPolicy, JetStream, NatsChart, NatsChartProps,
  RetentionPolicy, StorageType,
} from '../lib';
import { freePort, natsCli, natsServer } from './support/tools';

// nats-box is busybox plus the nats CLI: when this machine has busybox, the script runs with a PATH of only
// busybox's sh, sed, grep, sleep, awk and tr and the nats CLI, so it cannot lean on a tool the image may lack.
const BUSYBOX = '/usr/bin/busybox';
const SHELL = existsSync(BUSYBOX) ? [BUSYBOX, 'sh'] : ['sh'];
const BIN = mkdtempSync(join(tmpdir(), 'nats-box-bin-'));
symlinkSync(natsCli(), join(BIN, 'nats'));
if (existsSync(BUSYBOX)) ['sh', 'sed', 'grep', 'sleep', 'awk', 'tr'].forEach((applet) => symlinkSync(BUSYBOX, join(BIN, applet)));
const PATH = existsSync(BUSYBOX) ? BIN : `${BIN}:${process.env.PATH}`;

interface Server { proc: ChildProcess; url: string; port: number; storeDir: string }

function startServer(port: number): Server {
  const storeDir = mkdtempSync(join(tmpdir(), 'nats-js-'));
  const proc = spawn(natsServer(), ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', `${port}`], { stdio: 'ignore' });
  return { proc, url: `nats://127.0.0.1:${port}`, port, storeDir };
}

function stopServer(s: Server): void {
  if (s.proc.pid !== undefined && s.proc.exitCode === null) process.kill(s.proc.pid, 'SIGTERM');
  rmSync(s.storeDir, { recursive: true, force: true });
}

const home = mkdtempSync(join(tmpdir(), 'nats-home-'));
const env = (url: string, extra: { [k: string]: string } = {}) => ({
  PATH, HOME: home, NATS_URL: url, ...extra,
});

function cli(url: string, args: string[]): { status: number | null; out: string } {
  const run = spawnSync(natsCli(), args, { env: env(url), encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}
const info = (url: string, args: string[]) => {
  const run = cli(url, [...args, '--json']);
  if (run.status !== 0) throw new Error(run.out);
  return JSON.parse(run.out);
};

/** The ConfigMap the Job mounts, written to a directory. */
function definitionsDir(declare: (js: JetStream) => void, props: NatsChartProps = {}): string {
  const chart = new NatsChart(Testing.app(), 'nats', props);
  const js = new JetStream(chart, 'JetStream', { nats: chart.nats });
  declare(js);
  const cm = Testing.synth(chart).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-jetstream');
  const dir = mkdtempSync(join(tmpdir(), 'nats-defs-'));
  for (const [key, text] of Object.entries(cm.data as { [k: string]: string })) writeFileSync(join(dir, key), text);
  return dir;
}

function apply(url: string, dir: string, extra: { [k: string]: string } = {}): { status: number | null; log: string } {
  const run = spawnSync(SHELL[0], [...SHELL.slice(1), join(dir, 'apply.sh'), dir], {
    env: env(url, { JETSTREAM_READY_TIMEOUT: '20', ...extra }), encoding: 'utf8', timeout: 60_000,
  });
  return { status: run.status, log: `${run.stdout}${run.stderr}` };
}

/** The seed's MY_STREAM and MY_CONSUMER, as main.ts declares them. */
function seed(js: JetStream, edit: { maxAge?: Duration; maxDeliver?: number } = {}): void {
  const stream = js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'], storage: StorageType.FILE, replicas: 1, maxAge: edit.maxAge,
  });
  stream.addConsumer('MyConsumer', {
    durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.ALL, maxDeliver: edit.maxDeliver,
  });
}

let server: Server;
beforeAll(async () => {
  server = startServer(await freePort());
  for (let i = 0; i < 50 && cli(server.url, ['stream', 'ls', '--names']).status !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(() => {
  stopServer(server);
  rmSync(BIN, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('the apply script against a real nats-server', () => {
  test('creates the seed stream and consumer; the server reports what was declared', () => {
    const run = apply(server.url, definitionsDir((js) => seed(js)));
    expect(run).toEqual({ status: 0, log: expect.stringContaining('jetstream: stream MY_STREAM: created') });
    expect(run.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: created');
    const s = info(server.url, ['stream', 'info', 'MY_STREAM']).config;
    expect(s).toMatchObject({
      name: 'MY_STREAM', subjects: ['events.>'], storage: 'file', num_replicas: 1, retention: 'limits',
      discard: 'old', max_age: 0, duplicate_window: 120_000_000_000,
    });
    const c = info(server.url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']).config;
    expect(c).toMatchObject({
      durable_name: 'MY_CONSUMER', filter_subject: 'events.user.>', deliver_policy: 'all', ack_policy: 'explicit',
      ack_wait: 30_000_000_000, max_ack_pending: 1000,
    });
    expect(c.deliver_subject).toBeUndefined(); // pull
  });

  test('the nats CLI adding the same stream with --defaults finds it the same, not a conflict', () => {
    // The old homelab README's command, run after the Job made MY_STREAM: a no-op, not "already in use with a different configuration".
    expect(apply(server.url, definitionsDir((js) => seed(js))).status).toBe(0);
    const again = cli(server.url, ['stream', 'add', 'MY_STREAM', '--subjects', 'events.>', '--storage', 'file', '--replicas', '1', '--defaults']);
    expect(again).toEqual({ status: 0, out: expect.stringContaining('MY_STREAM') });
    expect(info(server.url, ['stream', 'info', 'MY_STREAM']).config.allow_direct).toBe(true);
  });

  test("the seed's publish to events.user.login is consumed through MY_CONSUMER", () => {
    expect(cli(server.url, ['pub', 'events.user.login', '{"user":"alice"}', '--jetstream']).status).toBe(0);
    const next = cli(server.url, ['consumer', 'next', 'MY_STREAM', 'MY_CONSUMER', '--raw']);
    expect(next).toEqual({ status: 0, out: expect.stringContaining('{"user":"alice"}') });
  });

  test('re-running unchanged definitions changes nothing', () => {
    const before = info(server.url, ['stream', 'info', 'MY_STREAM']);
    const consumerBefore = info(server.url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']);
    const run = apply(server.url, definitionsDir((js) => seed(js)));
    expect(run.status).toBe(0);
    expect(run.log).toContain('jetstream: stream MY_STREAM: unchanged');
    expect(run.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: unchanged');
    const after = info(server.url, ['stream', 'info', 'MY_STREAM']);
    expect(after.config).toEqual(before.config);
    expect(after.created).toBe(before.created);
    expect(after.state.messages).toBe(1);
    const consumerAfter = info(server.url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']);
    expect(consumerAfter.config).toEqual(consumerBefore.config);
    expect(consumerAfter.delivered).toEqual(consumerBefore.delivered);
  });

  test('an edited definition updates the stream and consumer in place, keeping the messages', () => {
    const created = info(server.url, ['stream', 'info', 'MY_STREAM']).created;
    const run = apply(server.url, definitionsDir((js) => seed(js, { maxAge: Duration.days(7), maxDeliver: 5 })));
    expect(run.status).toBe(0);
    expect(run.log).toContain('jetstream: stream MY_STREAM: updated');
    expect(run.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: updated');
    const s = info(server.url, ['stream', 'info', 'MY_STREAM']);
    expect(s.config.max_age).toBe(7 * 24 * 3600 * 1e9);
    expect(s.created).toBe(created);
    expect(s.state.messages).toBe(1);
    expect(info(server.url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']).config.max_deliver).toBe(5);
  });

  test('every stream and consumer setting reaches the server', () => {
    const dir = definitionsDir(declareEverySetting);
    const run = apply(server.url, dir);
    expect(run.log).not.toContain('REJECTED');
    expect(run).toEqual({ status: 0, log: expect.stringContaining('stream ORDERS_COPY: created') });
    expect(info(server.url, ['stream', 'info', 'ORDERS']).config).toMatchObject({
      subjects: ['orders.*.created', 'orders.*.paid'], description: 'orders', retention: 'workqueue', discard: 'new',
      max_msgs: 1000, max_bytes: 64 * 2 ** 20, max_age: 3600e9, max_msg_size: 2 ** 20, max_msgs_per_subject: 100,
      max_consumers: 10, duplicate_window: 60e9, deny_delete: true, deny_purge: false, allow_rollup_hdrs: true, allow_direct: true,
    });
    expect(info(server.url, ['stream', 'info', 'ORDERS_COPY']).config.mirror).toMatchObject({ name: 'ORDERS' });
    expect(info(server.url, ['consumer', 'info', 'ORDERS', 'WORKER']).config).toMatchObject({
      filter_subjects: ['orders.eu.created', 'orders.eu.paid'], ack_wait: 1e9, max_deliver: 4, backoff: [1e9, 5e9], max_ack_pending: 50,
    });
    expect(info(server.url, ['consumer', 'info', 'ORDERS', 'PUSH']).config).toMatchObject({
      filter_subject: 'orders.us.created', deliver_subject: 'deliver.orders', deliver_group: 'workers',
    });
    expect(apply(server.url, dir).log).not.toMatch(/created|updated/);
  });

  test('KV buckets and object stores: created, unchanged on re-run, edited in place', () => {
    const declare = (history: number) => (js: JetStream) => {
      js.addKeyValue('Config', { bucket: 'CONFIG', history, ttl: Duration.hours(1), maxValueSize: '64Ki', maxBytes: '16Mi', description: 'app config' });
      js.addObjectStore('Files', { bucket: 'FILES', maxBytes: '32Mi', ttl: Duration.days(1) });
    };
    const first = apply(server.url, definitionsDir(declare(5)));
    expect(first.status).toBe(0);
    expect(first.log).toContain('jetstream: kv CONFIG: created');
    expect(first.log).toContain('jetstream: object FILES: created');
    expect(info(server.url, ['stream', 'info', 'KV_CONFIG']).config).toMatchObject({
      max_msgs_per_subject: 5, max_age: 3600e9, max_msg_size: 65536, max_bytes: 16 * 2 ** 20, description: 'app config',
    });
    expect(info(server.url, ['stream', 'info', 'OBJ_FILES']).config).toMatchObject({ max_bytes: 32 * 2 ** 20, max_age: 86400e9 });
    expect(cli(server.url, ['kv', 'put', 'CONFIG', 'greeting', 'hello']).status).toBe(0);

    const again = apply(server.url, definitionsDir(declare(5)));
    expect(again.log).toContain('jetstream: kv CONFIG: unchanged');
    expect(again.log).toContain('jetstream: object FILES: unchanged');

    const edited = apply(server.url, definitionsDir(declare(10)));
    expect(edited.log).toContain('jetstream: kv CONFIG: updated');
    expect(info(server.url, ['stream', 'info', 'KV_CONFIG']).config.max_msgs_per_subject).toBe(10);
    expect(cli(server.url, ['kv', 'get', 'CONFIG', 'greeting', '--raw']).out).toContain('hello');
  });

  test('a definition the server rejects fails the run with a clear log; the rest are still applied', () => {
    // The server cannot change a consumer's deliver policy: the Job must say so and exit non-zero.
    const dir = definitionsDir((js) => {
      const stream = js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'], maxAge: Duration.days(7) });
      stream.addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.NEW, maxDeliver: 5 });
      js.addKeyValue('Late', { bucket: 'LATE' });
    });
    const run = apply(server.url, dir);
    expect(run.status).toBe(1);
    expect(run.log).toMatch(/jetstream: consumer MY_STREAM > MY_CONSUMER: REJECTED by the server:\n {2}.*deliver policy can not be updated/);
    expect(run.log).toContain('jetstream: kv LATE: created');
    expect(run.log).toContain('jetstream: failed: the server rejected at least one definition (see above)');
  });

  test('a stream removed from code is reported, never deleted', () => {
    const run = apply(server.url, definitionsDir((js) => seed(js, { maxAge: Duration.days(7), maxDeliver: 5 })));
    expect(run.log).toContain('jetstream: stream ORDERS is on the server but not declared: left in place (this Job never deletes)');
    expect(cli(server.url, ['stream', 'info', 'ORDERS']).status).toBe(0);
  });
});

describe('the rendered definitions alone, with the nats CLI as documented', () => {
  test('nats stream add --config and nats consumer add STREAM --config accept them', () => {
    const chart = new NatsChart(Testing.app(), 'nats', { maxMemoryStore: '64Mi', memoryLimit: '512Mi' });
    const js = new JetStream(chart, 'JetStream', { nats: chart.nats });
    const stream = js.addStream('Cache', { name: 'CACHE', subjects: ['cache.>'], storage: StorageType.MEMORY });
    const consumer = stream.addConsumer('Reader', { durableName: 'READER', filterSubjects: ['cache.hot.*'], deliverPolicy: DeliverPolicy.LAST_PER_SUBJECT });
    const dir = mkdtempSync(join(tmpdir(), 'nats-json-'));
    writeFileSync(join(dir, 'stream.json'), stream.toCliJson());
    writeFileSync(join(dir, 'consumer.json'), consumer.toCliJson());
    expect(cli(server.url, ['stream', 'add', '--config', join(dir, 'stream.json')]).status).toBe(0);
    expect(cli(server.url, ['consumer', 'add', 'CACHE', '--config', join(dir, 'consumer.json')]).status).toBe(0);
    expect(info(server.url, ['stream', 'info', 'CACHE']).config.storage).toBe('memory');
    expect(info(server.url, ['consumer', 'info', 'CACHE', 'READER']).config).toMatchObject({
      filter_subject: 'cache.hot.*', deliver_policy: 'last_per_subject',
    });
  });
});

describe('waiting for the server', () => {
  test('waits until the server answers, then applies', async () => {
    const port = await freePort();
    const dir = definitionsDir((js) => seed(js));
    const url = `nats://127.0.0.1:${port}`;
    const job = spawn(SHELL[0], [...SHELL.slice(1), join(dir, 'apply.sh'), dir], { env: env(url, { JETSTREAM_READY_TIMEOUT: '30' }) });
    let log = '';
    job.stdout!.on('data', (d) => { log += d; });
    job.stderr!.on('data', (d) => { log += d; });
    const exited = new Promise<number | null>((resolve) => job.on('exit', resolve));
    await new Promise((r) => setTimeout(r, 3000));
    const late = startServer(port);
    try {
      expect(await exited).toBe(0);
      expect(log).toContain('jetstream: stream MY_STREAM: created');
    } finally {
      stopServer(late);
    }
  });

  test('gives up after the ready timeout with the last error', async () => {
    const port = await freePort();
    const run = apply(`nats://127.0.0.1:${port}`, definitionsDir((js) => seed(js)), { JETSTREAM_READY_TIMEOUT: '2' });
    expect(run.status).toBe(1);
    expect(run.log).toContain(`jetstream: JetStream at nats://127.0.0.1:${port} not ready after 2s:`);
  });
});

describe('the repair schedule: the same script with JETSTREAM_APPLY_MODE=repair, against a real nats-server', () => {
  // Its own server, restarted on the same store directory to lose what a memory store holds.
  let port: number;
  let storeDir: string;
  let proc: ChildProcess;
  let url: string;
  const start = async () => {
    proc = spawn(natsServer(), ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', `${port}`], { stdio: 'ignore' });
    for (let i = 0; i < 100 && cli(url, ['stream', 'ls', '--names']).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  };
  const stop = async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGTERM');
    await exited;
  };
  const declare = (js: JetStream) => {
    seed(js);
    js.addStream('Cache', { name: 'CACHE', subjects: ['cache.>'], storage: StorageType.MEMORY });
    js.addKeyValue('Settings', { bucket: 'settings', history: 5 });
    js.addObjectStore('Files', { bucket: 'files' });
  };
  const withMemory = { maxMemoryStore: '64Mi', memoryLimit: '512Mi' };
  const repair = (dir: string) => apply(url, dir, { JETSTREAM_APPLY_MODE: 'repair' });
  const ok = (args: string[]) => expect(cli(url, args)).toEqual({ status: 0, out: expect.anything() });
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    url = `nats://127.0.0.1:${port}`;
    storeDir = mkdtempSync(join(tmpdir(), 'nats-js-repair-'));
    await start();
    dir = definitionsDir(declare, withMemory);
    expect(apply(url, dir).status).toBe(0);
  });
  afterAll(async () => {
    await stop();
    rmSync(storeDir, { recursive: true, force: true });
  });

  test('right after the apply Job, everything is unchanged: no false drift', () => {
    const run = repair(dir);
    expect(run.log).not.toMatch(/DRIFT|created|updated/);
    expect(run.status).toBe(0);
    for (const what of ['stream MY_STREAM', 'consumer MY_STREAM > MY_CONSUMER', 'stream CACHE', 'kv settings', 'object files']) {
      expect(run.log).toContain(`jetstream: ${what}: unchanged`);
    }
  });

  test('every stream and consumer setting the library renders compares equal to what the server reports', () => {
    const full = definitionsDir(declareEverySetting);
    expect(apply(url, full).status).toBe(0);
    const run = repair(full);
    expect(run.log).not.toMatch(/DRIFT|created/);
    expect(run.status).toBe(0);
    ok(['stream', 'rm', '-f', 'ORDERS_COPY']);
    ok(['stream', 'rm', '-f', 'ORDERS']);
  });

  test('re-creates a stream, a consumer, a KV bucket and an object store deleted by hand', () => {
    ok(['stream', 'rm', '-f', 'MY_STREAM']); // takes MY_CONSUMER with it
    ok(['kv', 'del', '-f', 'settings']);
    ok(['object', 'del', '-f', 'files']);
    const run = repair(dir);
    expect(run.status).toBe(0);
    for (const what of ['stream MY_STREAM', 'consumer MY_STREAM > MY_CONSUMER', 'kv settings', 'object files']) {
      expect(run.log).toContain(`jetstream: ${what}: re-created (it was missing)`);
    }
    expect(info(url, ['stream', 'info', 'MY_STREAM']).config).toMatchObject({ subjects: ['events.>'], storage: 'file' });
    expect(info(url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']).config).toMatchObject({ filter_subject: 'events.user.>' });
    expect(info(url, ['stream', 'info', 'KV_settings']).config.max_msgs_per_subject).toBe(5);
    ok(['object', 'info', 'files']);

    ok(['consumer', 'rm', '-f', 'MY_STREAM', 'MY_CONSUMER']);
    const again = repair(dir);
    expect(again.status).toBe(0);
    expect(again.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: re-created (it was missing)');
    expect(again.log).toContain('jetstream: stream MY_STREAM: unchanged');
  });

  test('re-creates a memory stream lost with a server restart', async () => {
    ok(['pub', 'cache.a', 'x', '--jetstream']);
    await stop();
    await start();
    expect(cli(url, ['stream', 'info', 'CACHE']).status).not.toBe(0);
    const run = repair(dir);
    expect(run.status).toBe(0);
    expect(run.log).toContain('jetstream: stream CACHE: re-created (it was missing)');
    expect(run.log).toContain('jetstream: stream MY_STREAM: unchanged'); // the file stream survived the restart
    expect(info(url, ['stream', 'info', 'CACHE']).config.storage).toBe('memory');
  });

  test('reports drift it must not repair, one line per object, exits 3 and touches nothing', () => {
    // By hand: a larger max_bytes on MY_STREAM (going back would drop data), CACHE re-made on file storage (storage
    // cannot be edited), MY_CONSUMER's max_deliver edited, the settings bucket re-made in memory.
    for (let i = 0; i < 3; i++) ok(['pub', `events.user.${i}`, 'x', '--jetstream']);
    ok(['stream', 'edit', 'MY_STREAM', '--max-bytes', '1MB', '-f']);
    ok(['stream', 'rm', '-f', 'CACHE']);
    ok(['stream', 'add', 'CACHE', '--subjects', 'cache.>', '--storage', 'file', '--replicas', '1', '--defaults']);
    ok(['consumer', 'edit', 'MY_STREAM', 'MY_CONSUMER', '--max-deliver', '9', '-f']);
    ok(['kv', 'del', '-f', 'settings']);
    ok(['kv', 'add', 'settings', '--history', '5', '--storage', 'memory']);
    const before = ['MY_STREAM', 'CACHE', 'KV_settings'].map((s) => info(url, ['stream', 'info', s]));
    const consumerBefore = info(url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']).config;

    const run = repair(dir);
    expect(run.status).toBe(3);
    expect(run.log).toContain('jetstream: stream MY_STREAM: DRIFT, not repaired: max_bytes: live 1048576, declared -1');
    expect(run.log).toContain('jetstream: stream CACHE: DRIFT, not repaired: storage: live "file", declared "memory"');
    expect(run.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: DRIFT, not repaired: max_deliver: live 9, declared -1');
    expect(run.log).toContain('jetstream: kv settings: DRIFT, not repaired: storage: live "memory", declared "file"');
    expect(run.log).toContain('jetstream: object files: unchanged');
    expect(run.log).toContain('jetstream: failed: DRIFT in 4 object(s): left as they are');

    const after = ['MY_STREAM', 'CACHE', 'KV_settings'].map((s) => info(url, ['stream', 'info', s]));
    after.forEach((a, i) => {
      expect(a.config).toEqual(before[i].config);
      expect(a.created).toBe(before[i].created);
      expect(a.state.messages).toBe(before[i].state.messages);
    });
    expect(after[0].state.messages).toBeGreaterThanOrEqual(3);
    expect(info(url, ['consumer', 'info', 'MY_STREAM', 'MY_CONSUMER']).config).toEqual(consumerBefore);

    // The apply Job, run by hand, is how a user takes the declarations back where the server allows it.
    const applied = apply(url, dir);
    expect(applied.log).toContain('jetstream: stream MY_STREAM: updated');
    expect(applied.log).toContain('jetstream: consumer MY_STREAM > MY_CONSUMER: updated');
  });

  test('an unknown mode is refused before anything runs', () => {
    const run = apply(url, dir, { JETSTREAM_APPLY_MODE: 'fix' });
    expect(run).toEqual({ status: 2, log: 'jetstream: JETSTREAM_APPLY_MODE must be "apply" or "repair", got "fix"\n' });
  });
});

/** A stream and consumers using every setting the library renders (two tests compare them with the server). */
function declareEverySetting(js: JetStream): void {
  const orders = js.addStream('Orders', { name: 'ORDERS', subjects: ['orders.*.created', 'orders.*.paid'], description: 'orders',
    retention: RetentionPolicy.WORK_QUEUE, discard: DiscardPolicy.NEW, maxMsgs: 1000, maxBytes: '64Mi',
    maxAge: Duration.hours(1), maxMsgSize: '1Mi', maxMsgsPerSubject: 100, maxConsumers: 10,
    duplicateWindow: Duration.minutes(1), denyDelete: true, allowRollup: true, allowDirect: true,
  });
  orders.addConsumer('Worker', {
    durableName: 'WORKER', filterSubjects: ['orders.eu.created', 'orders.eu.paid'], ackPolicy: AckPolicy.EXPLICIT,
    maxDeliver: 4, backoff: [Duration.seconds(1), Duration.seconds(5)], maxAckPending: 50,
  });
  js.addStream('OrdersCopy', { name: 'ORDERS_COPY', mirror: orders });
  orders.addConsumer('Push', { durableName: 'PUSH', filterSubjects: ['orders.us.created'], deliverSubject: 'deliver.orders', deliverGroup: 'workers' });
}
