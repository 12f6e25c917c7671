import { Duration, Testing } from 'cdk8s';
import {
  AckPolicy, DeliverPolicy, JetStream, JetStreamApplyMode, NatsChart, NatsProps,
  RetentionPolicy, StorageType, StreamProps,
} from '../lib';
import { subjectWithin, subjectsOverlap } from '../lib/internal/subjects';

function jetStream(props: NatsProps = {}, mode = JetStreamApplyMode.JOB): JetStream {
  const chart = new NatsChart(Testing.app(), 'nats', props);
  return new JetStream(chart, 'JetStream', { nats: chart.nats, mode });
}
const stream = (js: JetStream, props: Partial<StreamProps>, id = 'S') =>
  js.addStream(id, { name: 'MY_STREAM', subjects: ['events.>'], ...props });

describe('stream names and subjects are valid for NATS', () => {
  test.each([
    ['MY STREAM', 'stream name must be 1 to 64 letters, digits, \'-\' or \'_\' (no spaces, \'.\', \'*\' or \'>\'), got "MY STREAM"'],
    ['events.all', 'stream name must be 1 to 64 letters, digits, \'-\' or \'_\' (no spaces, \'.\', \'*\' or \'>\'), got "events.all"'],
    ['', 'stream name must be 1 to 64'],
    ['S'.repeat(65), 'stream name must be 1 to 64'],
  ])('fails with stream name %j', (name, message) => {
    expect(() => stream(jetStream(), { name })).toThrow(message);
  });

  test.each([
    ['events .>', 'stream "MY_STREAM" subject must be a NATS subject such as "events.>" or "orders.*.created" (no whitespace), got "events .>"'],
    ['events.>.user', '(\'>\' only as the last token), got "events.>.user"'],
    ['events..user', '(no empty tokens: no leading, trailing or double dots), got "events..user"'],
    ['.events', '(no empty tokens: no leading, trailing or double dots), got ".events"'],
    ['events.', '(no empty tokens: no leading, trailing or double dots), got "events."'],
    ['events.us*', '(\'*\' and \'>\' only as whole tokens), got "events.us*"'],
    ['', '(it is empty), got ""'],
  ])('fails with subject %j', (subject, message) => {
    expect(() => stream(jetStream(), { subjects: [subject] })).toThrow(message);
  });
});

test('fails when two streams have overlapping subjects', () => {
  const js = jetStream();
  stream(js, { name: 'ORDERS', subjects: ['orders.*.created'] }, 'A');
  expect(() => stream(js, { name: 'EU', subjects: ['orders.eu.>'] }, 'B')).toThrow(
    'stream "EU" subject "orders.eu.>" overlaps "orders.*.created" of stream "ORDERS": a message may be stored by one stream only; make the subjects disjoint',
  );
  expect(() => stream(js, { name: 'OTHER', subjects: ['orders.eu'] }, 'C')).not.toThrow();
});

test('fails when stream replicas exceed the cluster\'s replicas', () => {
  expect(() => stream(jetStream(), { replicas: 3 })).toThrow(
    'stream "MY_STREAM" replicas must be a whole number from 1 to the cluster\'s 1 server(s) (each replica needs its own server), got 3',
  );
  expect(() => stream(jetStream({ replicas: 3 }), { replicas: 3 })).not.toThrow();
  expect(() => jetStream().addKeyValue('K', { bucket: 'B', replicas: 0 })).toThrow('replicas must be a whole number');
});

test('fails when a consumer filter lies outside its stream\'s subjects', () => {
  const s = stream(jetStream(), { subjects: ['events.>'] });
  expect(() => s.addConsumer('C', { durableName: 'MY_CONSUMER', filterSubjects: ['orders.>'] })).toThrow(
    'consumer "MY_CONSUMER" of stream "MY_STREAM" filter "orders.>" must lie within the stream\'s subjects ("events.>"), or the consumer never receives a message',
  );
  expect(() => s.addConsumer('D', { durableName: 'WIDER', filterSubjects: ['>'] })).toThrow('filter ">" must lie within');
  expect(() => s.addConsumer('E', { durableName: 'OK', filterSubjects: ['events.user.>'] })).not.toThrow();
});

test('a mirror\'s consumers filter within the mirrored stream\'s subjects', () => {
  const js = jetStream();
  const origin = stream(js, { subjects: ['events.>'] });
  const copy = js.addStream('Copy', { name: 'COPY', mirror: origin });
  expect(() => copy.addConsumer('C', { durableName: 'C', filterSubjects: ['events.user.>'] })).not.toThrow();
  expect(() => copy.addConsumer('D', { durableName: 'D', filterSubjects: ['other.>'] })).toThrow('must lie within the stream\'s subjects ("events.>")');
});

test('fails with memory storage when the server has no memory store', () => {
  const message = 'stream "MY_STREAM" storage must be StorageType.FILE: the server has no memory store (set maxMemoryStore on Nats to use MEMORY), got MEMORY';
  expect(() => stream(jetStream(), { storage: StorageType.MEMORY })).toThrow(message);
  const js = jetStream();
  expect(() => js.addKeyValue('K', { bucket: 'B', storage: StorageType.MEMORY })).toThrow('KV bucket "B" storage must be StorageType.FILE');
  expect(() => js.addObjectStore('O', { bucket: 'B', storage: StorageType.MEMORY })).toThrow('object store "B" storage must be StorageType.FILE');
  expect(() => stream(jetStream({ maxMemoryStore: '64Mi', memoryLimit: '512Mi' }), { storage: StorageType.MEMORY })).not.toThrow();
});

describe('other rules the server would enforce, caught at synth time', () => {
  test('fails with two resources under one name', () => {
    const js = jetStream();
    const s = stream(js, {}, 'A');
    expect(() => stream(js, { subjects: ['other.>'] }, 'B')).toThrow('stream "MY_STREAM" needs the stream name "MY_STREAM", which stream "MY_STREAM" already has');
    js.addKeyValue('K', { bucket: 'CONFIG' });
    expect(() => stream(js, { name: 'KV_CONFIG', subjects: ['x'] }, 'C')).toThrow('stream "KV_CONFIG" needs the stream name "KV_CONFIG", which KV bucket "CONFIG" already has');
    s.addConsumer('C1', { durableName: 'C' });
    expect(() => s.addConsumer('C2', { durableName: 'C' })).toThrow('consumer "C" is declared twice on stream "MY_STREAM"');
  });

  test('fails with a mirror that has subjects or sources, or a stream with nothing to store', () => {
    const js = jetStream();
    const origin = stream(js, {});
    expect(() => js.addStream('M', { name: 'M', mirror: origin, subjects: ['m.>'] })).toThrow('stream "M" is a mirror of "MY_STREAM" and must have no subjects, got "m.>"');
    expect(() => js.addStream('N', { name: 'N', mirror: origin, sources: [origin] })).toThrow('stream "N" must be either a mirror or have sources');
    expect(() => js.addStream('E', { name: 'E' })).toThrow('stream "E" must have at least one subject (or a mirror or sources), got none');
  });

  test('fails with allowRollup and denyPurge together', () => {
    expect(() => stream(jetStream(), { allowRollup: true, denyPurge: true })).toThrow('stream "MY_STREAM" allowRollup needs purges: set denyPurge to false');
  });

  test('fails with a duplicate window longer than maxAge', () => {
    expect(() => stream(jetStream(), { maxAge: Duration.minutes(1), duplicateWindow: Duration.minutes(5) }))
      .toThrow('stream "MY_STREAM" duplicateWindow must not exceed maxAge (60000ms), got 300000ms');
    expect(JSON.parse(stream(jetStream(), { maxAge: Duration.minutes(1) }).toCliJson()).duplicate_window).toBe(60e9);
  });

  test('fails with limits below 1 and multi-line descriptions', () => {
    expect(() => stream(jetStream(), { maxMsgs: 0 })).toThrow('stream "MY_STREAM" maxMsgs must be a whole number of at least 1 (leave it unset for unlimited), got 0');
    expect(() => stream(jetStream(), { maxBytes: 'lots' })).toThrow('stream "MY_STREAM" maxBytes must be a whole number of bytes');
    expect(() => stream(jetStream(), { description: 'a\nb' })).toThrow('stream "MY_STREAM" description must be a single line, got "a\\nb"');
  });

  test('fails with consumer settings the server refuses', () => {
    const s = stream(jetStream(), {});
    expect(() => s.addConsumer('A', { durableName: 'MY CONSUMER' })).toThrow('consumer durableName must be 1 to 64 letters');
    expect(() => s.addConsumer('B', { durableName: 'B', maxDeliver: 2, backoff: [Duration.seconds(1), Duration.seconds(2)] }))
      .toThrow('consumer "B" of stream "MY_STREAM" maxDeliver must exceed the number of backoff delays (2), got 2');
    expect(() => s.addConsumer('C', { durableName: 'C', ackWait: Duration.seconds(5), backoff: [Duration.seconds(1)] }))
      .toThrow('consumer "C" of stream "MY_STREAM" ackWait must be unset when backoff is set');
    expect(() => s.addConsumer('D', { durableName: 'D', deliverGroup: 'g' })).toThrow('deliverGroup needs a deliverSubject (push consumer)');
    expect(() => s.addConsumer('E', { durableName: 'E', deliverSubject: 'out.>' })).toThrow('deliverSubject must be a literal subject without \'*\' or \'>\', got "out.>"');
    expect(() => s.addConsumer('F', { durableName: 'F', maxDeliver: 0 })).toThrow('maxDeliver must be a whole number of at least 1');
    expect(() => s.addConsumer('G', { durableName: 'G', maxAckPending: 0, ackPolicy: AckPolicy.ALL })).toThrow('maxAckPending must be a whole number of at least 1, got 0');
  });

  test('fails with work-queue consumers that do not deliver all or whose filters overlap', () => {
    const s = stream(jetStream(), { retention: RetentionPolicy.WORK_QUEUE });
    expect(() => s.addConsumer('A', { durableName: 'A', deliverPolicy: DeliverPolicy.NEW }))
      .toThrow('consumer "A" of stream "MY_STREAM" deliverPolicy must be DeliverPolicy.ALL on a work-queue stream, got new');
    s.addConsumer('EU', { durableName: 'EU', filterSubjects: ['events.eu.>'] });
    expect(() => s.addConsumer('All', { durableName: 'ALL' }))
      .toThrow('consumer "ALL" of stream "MY_STREAM" filters ("the whole stream") overlap those of consumer "EU" on work-queue stream "MY_STREAM"');
    expect(() => s.addConsumer('US', { durableName: 'US', filterSubjects: ['events.us.>'] })).not.toThrow();
  });

  test('fails with KV history outside 1 to 64', () => {
    const js = jetStream();
    expect(() => js.addKeyValue('K', { bucket: 'B', history: 65 })).toThrow('KV bucket "B" history must be a whole number from 1 to 64, got 65');
    expect(() => js.addKeyValue('L', { bucket: 'bad.name' })).toThrow('KV bucket name must be 1 to 64 letters');
  });

  test('NACK mode: fails when two names become one Kubernetes resource name, or none', () => {
    const js = jetStream({}, JetStreamApplyMode.NACK);
    stream(js, { name: 'MY_STREAM' }, 'A');
    expect(() => stream(js, { name: 'my-stream', subjects: ['other.>'] }, 'B'))
      .toThrow('"my-stream" and "MY_STREAM" both become the Stream resource "my-stream"; rename one of them');
    expect(() => stream(js, { name: '_private', subjects: ['p.>'] }, 'C')).toThrow('stream name must start and end with a letter or digit');
  });

  test('fails with a negative Job backoffLimit', () => {
    const chart = new NatsChart(Testing.app(), 'nats');
    expect(() => new JetStream(chart, 'JS', { nats: chart.nats, backoffLimit: -1 })).toThrow('backoffLimit must be a whole number of at least 0, got -1');
  });
});

describe('subject matching', () => {
  test.each([
    ['events.>', 'events.user.>', true], ['events.*', 'events.user', true], ['events.*', 'events.a.b', false],
    ['a.b', 'a.c', false], ['>', 'anything', true], ['a.*.c', 'a.b.*', true], ['a', 'a.b', false],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(subjectsOverlap(a, b)).toBe(expected);
    expect(subjectsOverlap(b, a)).toBe(expected);
  });

  test.each([
    ['events.user.>', 'events.>', true], ['events.>', 'events.>', true], ['events.*', 'events.>', true],
    ['events', 'events.>', false], ['events.>', 'events.*', false], ['events.a', 'events.*', true],
    ['events.*', 'events.a', false], ['a.b.c', 'a.*.c', true], ['>', 'events.>', false],
  ])('%s within %s: %s', (inner, outer, expected) => {
    expect(subjectWithin(inner, outer)).toBe(expected);
  });
});
