// Every JetStream rule against the real nats-server and nats CLI: the library refuses a definition at synth time,
// and the same definition, sent by the CLI to a server with the deployment's limits, is refused by the server too
// (or misbehaves). A valid definition, changed in the one field the rule is about, is the input on both sides.
// Placement (tags, cluster name) needs a real cluster and is shown in cluster.test.ts.
import { spawnSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Duration, Testing } from 'cdk8s';
import { JetStream, NatsChart, StorageType, StreamProps } from '../lib';
import { RunningServer, startServer } from './support/server';
import { natsCli } from './support/tools';

// The deployment's limits, on both sides: file store 1Gi, memory store 64Mi, max_payload 1Mi, account APP 512Mi.
const CHART = {
  storageSize: '2Gi', maxFileStore: '1Gi', maxMemoryStore: '64Mi', memoryLimit: '512Mi', maxPayload: '1Mi',
  accounts: [{ name: 'APP', maxFileStore: '512Mi' }],
  users: [{ name: 'app', account: 'APP', passwordSecretName: 'nats-users' }],
  natsBoxUser: 'app',
};
const jetStream = () => {
  const chart = new NatsChart(Testing.app(), 'nats', CHART);
  return new JetStream(chart, 'JetStream', { nats: chart.nats });
};

let server: RunningServer;
const home = mkdtempSync(join(tmpdir(), 'nats-home-'));

beforeAll(async () => {
  server = await startServer(({ client, monitor, dir }) => `
port: ${client}
http_port: ${monitor}
max_payload: ${1024 * 1024}
jetstream { store_dir: "${dir}", max_file_store: ${1024 ** 3}, max_memory_store: ${64 * 1024 ** 2} }
accounts { APP { jetstream { max_file: ${512 * 1024 ** 2} }, users: [{ user: app, password: secret }] } }
`);
});
afterAll(() => server.stop());

function cli(args: string[], input?: string): { ok: boolean; out: string } {
  const run = spawnSync(natsCli(), args, {
    env: { HOME: home, NATS_URL: server.url, NATS_USER: 'app', NATS_PASSWORD: 'secret' }, input, encoding: 'utf8', timeout: 30_000,
  });
  return { ok: run.status === 0, out: `${run.stdout}${run.stderr}` };
}

/** The CLI definition of a valid stream, with `patch` applied: what the Job would send if the library let it through. */
function streamConfig(props: Partial<StreamProps>, patch: { [key: string]: unknown }): string {
  const stream = jetStream().addStream('S', { name: 'VALID', subjects: ['valid.>'], ...props });
  const file = join(mkdtempSync(join(tmpdir(), 'stream-')), 'stream.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(stream.toCliJson()), ...patch }));
  return file;
}
const addStream = (name: string, props: Partial<StreamProps>, patch: { [key: string]: unknown }) =>
  cli(['stream', 'add', name, '--config', streamConfig(props, { name, ...patch })]);

describe('the server refuses, and so does the synth', () => {
  test('a stream capturing every subject', () => {
    expect(addStream('ALL', {}, { subjects: ['>'] }).out).toContain('capturing all subjects requires no-ack to be true');
    expect(() => jetStream().addStream('S', { name: 'ALL', subjects: ['>'] })).toThrow('stream "ALL" subject ">" captures every subject');
  });

  test('a stream on the JetStream API', () => {
    expect(addStream('API', {}, { subjects: ['$JS.API.>'] }).out).toContain('subjects that overlap with jetstream api require no-ack to be true');
    expect(() => jetStream().addStream('S', { name: 'API', subjects: ['$JS.>'] }))
      .toThrow('stream "API" subject "$JS.>" overlaps the JetStream API ("$JS.API.>"), which the server refuses');
  });

  test("a stream over a KV bucket's or an object store's subjects, whichever comes first", () => {
    expect(cli(['kv', 'add', 'CONFIG']).ok).toBe(true);
    expect(addStream('OVERKV', {}, { subjects: ['$KV.CONFIG.>'] }).out).toContain('subjects overlap with an existing stream');
    expect(addStream('OVERO', {}, { subjects: ['$O.>'] }).ok).toBe(true);
    expect(cli(['object', 'add', 'FILES']).out).toContain('subjects overlap with an existing stream');
    const js = jetStream();
    js.addKeyValue('K', { bucket: 'CONFIG' });
    expect(() => js.addStream('S', { name: 'OVERKV', subjects: ['$KV.CONFIG.>'] }))
      .toThrow('stream "OVERKV" subject "$KV.CONFIG.>" overlaps "$KV.CONFIG.>" of KV bucket "CONFIG"');
    js.addStream('O', { name: 'OVERO', subjects: ['$O.>'] });
    expect(() => js.addObjectStore('F', { bucket: 'FILES' }))
      .toThrow('object store "FILES" subject "$O.FILES.C.>" overlaps "$O.>" of stream "OVERO"');
  });

  test('max bytes above the store', () => {
    expect(addStream('BIG', {}, { max_bytes: 2 * 1024 ** 3 }).out).toContain('insufficient storage resources available');
    expect(addStream('BIGMEM', {}, { storage: 'memory', max_bytes: 100 * 1024 ** 2 }).out).toContain('insufficient memory resources available');
    expect(() => jetStream().addStream('S', { name: 'BIG', subjects: ['big.>'], maxBytes: '2Gi' }))
      .toThrow('stream "BIG" maxBytes must fit the server\'s store (maxFileStore 1Gi), got 2Gi');
    expect(() => jetStream().addStream('S', { name: 'BIGMEM', subjects: ['m.>'], storage: StorageType.MEMORY, maxBytes: '100Mi' }))
      .toThrow('stream "BIGMEM" maxBytes must fit the server\'s store (maxMemoryStore 64Mi), got 100Mi');
  });

  test("max bytes above the account's limit, alone or summed", () => {
    expect(addStream('ACCT', {}, { max_bytes: 600 * 1024 ** 2 }).out).toContain('insufficient storage resources available');
    expect(addStream('HALF1', {}, { subjects: ['half1.>'], max_bytes: 300 * 1024 ** 2 }).ok).toBe(true);
    expect(addStream('HALF2', {}, { subjects: ['half2.>'], max_bytes: 300 * 1024 ** 2 }).out).toContain('insufficient storage resources available');
    expect(() => jetStream().addStream('S', { name: 'ACCT', subjects: ['a.>'], maxBytes: '600Mi' }))
      .toThrow('stream "ACCT" maxBytes takes account "APP" to 600Mi with replicas, above its JetStream limit (maxFileStore 512Mi)');
    const js = jetStream();
    js.addStream('H1', { name: 'HALF1', subjects: ['half1.>'], maxBytes: '300Mi' });
    expect(() => js.addStream('H2', { name: 'HALF2', subjects: ['half2.>'], maxBytes: '300Mi' }))
      .toThrow('stream "HALF2" maxBytes takes account "APP" to 600Mi with replicas, above its JetStream limit');
  });

  test('max age and duplicate window under 100 ms, for streams and buckets', () => {
    expect(addStream('AGE', {}, { subjects: ['age.>'], max_age: 50e6, duplicate_window: 50e6 }).out).toContain('max age needs to be >= 100ms');
    expect(addStream('DUP', {}, { subjects: ['dup.>'], duplicate_window: 50e6 }).out).toContain('duplicates window needs to be >= 100ms');
    expect(cli(['kv', 'add', 'SHORT', '--ttl', '50ms']).out).toContain('max age needs to be >= 100ms');
    expect(() => jetStream().addStream('S', { name: 'AGE', subjects: ['age.>'], maxAge: Duration.millis(50) }))
      .toThrow('stream "AGE" maxAge (or ttl) must be at least 100ms (the server\'s minimum), or unset for no limit, got 50ms');
    expect(() => jetStream().addStream('S', { name: 'DUP', subjects: ['dup.>'], duplicateWindow: Duration.millis(50) }))
      .toThrow('stream "DUP" duplicateWindow must be at least 100ms (the server\'s minimum), got 50ms');
    expect(() => jetStream().addKeyValue('K', { bucket: 'SHORT', ttl: Duration.millis(50) }))
      .toThrow('KV bucket "SHORT" maxAge (or ttl) must be at least 100ms');
  });

  test('more than 5 replicas', () => {
    expect(addStream('R7', {}, { subjects: ['r7.>'], num_replicas: 7 }).out).toContain('must be <= 5 but found 7');
    // A deployment has at most 5 servers, so the synth already refuses replicas above its server count.
    expect(() => jetStream().addStream('S', { name: 'R7', subjects: ['r7.>'], replicas: 7 }))
      .toThrow('stream "R7" replicas must be a whole number from 1 to the cluster\'s 1 server(s)');
  });
});

test('a message size above max_payload: the server takes the stream, then refuses every message above max_payload', () => {
  expect(addStream('MSZ', {}, { subjects: ['msz.>'], max_msg_size: 2 * 1024 ** 2 }).ok).toBe(true);
  const publish = cli(['pub', 'msz.big', '--force-stdin'], 'x'.repeat(1536 * 1024));
  expect(publish.ok).toBe(false);
  expect(publish.out).toContain('maximum payload exceeded');
  expect(() => jetStream().addStream('S', { name: 'MSZ', subjects: ['msz.>'], maxMsgSize: '2Mi' }))
    .toThrow('stream "MSZ" message size limit must be at most the server\'s max_payload (1Mi, maxPayload on Nats)');
  expect(() => jetStream().addKeyValue('K', { bucket: 'BIGVAL', maxValueSize: '2Mi' }))
    .toThrow('KV bucket "BIGVAL" message size limit must be at most the server\'s max_payload (1Mi, maxPayload on Nats)');
});
