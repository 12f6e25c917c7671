import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import {
  JetStream, JetStreamApplyMode, NatsChart, NatsChartProps, StorageType,
} from '../lib';

/** The seed's MY_STREAM and MY_CONSUMER on a NatsChart; returns the synthesized objects. */
function seedManifest(mode = JetStreamApplyMode.JOB, props: NatsChartProps = {}, maxAge?: Duration): any[] {
  const chart = new NatsChart(Testing.app(), 'nats', props);
  const js = new JetStream(chart, 'JetStream', { nats: chart.nats, mode });
  const stream = js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'], maxAge });
  stream.addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'] });
  js.addKeyValue('Config', { bucket: 'CONFIG', history: 5 });
  js.addObjectStore('Files', { bucket: 'FILES', maxBytes: '1Gi' });
  return Testing.synth(chart);
}
const jobOf = (m: any[]) => m.find((o) => o.kind === 'Job');
const definitionsOf = (m: any[]) => m.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-jetstream');

describe('controller-free mode (default): a ConfigMap and a Job', () => {
  const manifest = seedManifest();
  const job = jobOf(manifest);
  const cm = definitionsOf(manifest);

  test('snapshot', () => {
    expect([cm, job]).toMatchSnapshot();
  });

  test('the deployment itself is unchanged; the Job comes after its ConfigMap', () => {
    const plain = Testing.synth(new NatsChart(Testing.app(), 'nats'));
    expect(manifest.slice(0, plain.length)).toEqual(plain);
    expect(manifest.slice(plain.length).map((o) => o.kind)).toEqual(['ConfigMap', 'Job']);
  });

  test('the ConfigMap holds the script, the plan in dependency order and one file per definition', () => {
    expect(Object.keys(cm.data).sort()).toEqual([
      'apply.sh', 'consumer.MY_STREAM.MY_CONSUMER.json', 'kv.CONFIG.args', 'object.FILES.args', 'plan', 'stream.MY_STREAM.json',
    ]);
    expect(cm.data.plan).toBe('stream MY_STREAM\nconsumer MY_STREAM MY_CONSUMER\nkv CONFIG\nobject FILES\n');
    expect(JSON.parse(cm.data['stream.MY_STREAM.json'])).toMatchObject({ name: 'MY_STREAM', subjects: ['events.>'], storage: 'file', num_replicas: 1 });
    expect(cm.data['kv.CONFIG.args']).toContain('--history=5\n');
  });

  test('the Job runs the script with the nats-box image against the client Service, restricted', () => {
    expect(job.metadata.name).toMatch(/^nats-jetstream-[0-9a-f]{10}$/);
    expect(job.metadata.annotations['checksum/definitions']).toMatch(new RegExp(`^${job.metadata.name.slice(-10)}[0-9a-f]{54}$`));
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe('natsio/nats-box:0.19.7');
    expect(pod.containers[0].command).toEqual(['sh', '/etc/jetstream/apply.sh', '/etc/jetstream']);
    expect(pod.containers[0].env).toContainEqual({ name: 'NATS_URL', value: 'nats://nats.nats.svc.cluster.local:4222' });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(pod.volumes[0]).toEqual({ name: 'definitions', configMap: { name: 'nats-jetstream' } });
  });

  test('unchanged definitions keep the Job name; a changed one gets a new Job', () => {
    expect(jobOf(seedManifest()).metadata.name).toBe(job.metadata.name);
    const changed = seedManifest(JetStreamApplyMode.JOB, {}, Duration.days(7));
    expect(jobOf(changed).metadata.name).not.toBe(job.metadata.name);
    expect(definitionsOf(changed).metadata.name).toBe('nats-jetstream');
  });

  test('follows the deployment: mirror registry, pull secrets, name, and a name that fits 63 characters', () => {
    const name = 'n'.repeat(52);
    const m = seedManifest(JetStreamApplyMode.JOB, { name, registry: 'harbor.example.com/library', imagePullSecrets: ['harbor'] });
    const j = jobOf(m);
    expect(j.metadata.name.length).toBeLessThanOrEqual(63);
    expect(j.spec.template.spec.containers[0].image).toBe('harbor.example.com/library/nats-box:0.19.7');
    expect(j.spec.template.spec.imagePullSecrets).toEqual([{ name: 'harbor' }]);
    expect(j.spec.template.spec.containers[0].env).toContainEqual({ name: 'NATS_URL', value: `nats://${name}.nats.svc.cluster.local:4222` });
  });
});

describe('NACK mode: jetstream.nats.io custom resources', () => {
  const manifest = seedManifest(JetStreamApplyMode.NACK);
  const crs = manifest.filter((o) => o.apiVersion === 'jetstream.nats.io/v1beta2');

  test('snapshot', () => {
    expect(crs).toMatchSnapshot();
  });

  test('one resource per definition, no Job, never deleting the data', () => {
    expect(crs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Stream/my-stream', 'Consumer/my-stream-my-consumer', 'KeyValue/config', 'ObjectStore/files',
    ]);
    expect(manifest.find((o) => o.kind === 'Job')).toBeUndefined();
    crs.forEach((o) => {
      expect(o.spec.preventDelete).toBe(true);
      expect(o.spec.servers).toEqual(['nats://nats.nats.svc.cluster.local:4222']);
      expect(o.metadata.namespace).toBe('nats');
    });
    expect(crs[1].spec).toMatchObject({ streamName: 'MY_STREAM', durableName: 'MY_CONSUMER', filterSubject: 'events.user.>', deliverPolicy: 'all' });
  });

  test('every resource fits the CRD schema (field names, types, enums)', () => {
    const crds = parseAllDocuments(readFileSync(join(__dirname, '..', 'imports', 'nack-jetstream.nats.io-crds.yml'), 'utf8'))
      .map((d) => d.toJS()).filter((d) => d?.kind === 'CustomResourceDefinition');
    for (const cr of crs) {
      const crd = crds.find((d) => d.spec.group === 'jetstream.nats.io' && d.spec.names.kind === cr.kind);
      const version = crd.spec.versions.find((v: any) => v.name === 'v1beta2' && v.served);
      expect(schemaErrors(cr.spec, version.schema.openAPIV3Schema.properties.spec, `${cr.kind}.spec`)).toEqual([]);
    }
    // The check can fail: a wrong enum value, a wrong type and an unknown field are each found.
    const stream = crds.find((d) => d.spec.names.kind === 'Stream').spec.versions.find((v: any) => v.name === 'v1beta2');
    expect(schemaErrors({ storage: 'disk', replicas: '1', bogus: 1 }, stream.schema.openAPIV3Schema.properties.spec, 's')).toEqual([
      's.storage: "disk" not in ["file","memory"]', 's.replicas: expected an integer', 's.bogus: not in the CRD',
    ]);
  });

  test('a memory stream in a 3-server cluster with a memory store', () => {
    const chart = new NatsChart(Testing.app(), 'nats', { replicas: 3, maxMemoryStore: '256Mi', memoryLimit: '1Gi' });
    const js = new JetStream(chart, 'JetStream', { nats: chart.nats, mode: JetStreamApplyMode.NACK });
    js.addStream('Cache', { name: 'CACHE', subjects: ['cache.>'], storage: StorageType.MEMORY, replicas: 3, maxAge: Duration.hours(1) });
    const cr = Testing.synth(chart).find((o) => o.kind === 'Stream');
    expect(cr.spec).toMatchObject({ storage: 'memory', replicas: 3, maxAge: '3600s', duplicateWindow: '120s' });
  });
});

test('in a chart of their own, as the app does: a second file applied after the deployment', () => {
  const app = new App({ outdir: Testing.app().outdir });
  const nats = new NatsChart(app, 'nats');
  const streams = new Chart(app, 'streams', { namespace: 'nats', disableResourceNameHashes: true });
  const js = new JetStream(streams, 'JetStream', { nats: nats.nats });
  js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'] });
  app.synth();
  const files = readdirSync(app.outdir).sort();
  expect(files).toEqual(['nats.k8s.yaml', 'streams.k8s.yaml']);
});

/** A small structural check of a value against an OpenAPI v3 schema: unknown fields, wrong types, bad enum values. */
function schemaErrors(value: any, schema: any, path: string): string[] {
  if (value === undefined || value === null) return [];
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
      return Object.entries(value).flatMap(([k, v]) => {
        const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
        return sub ? schemaErrors(v, sub, `${path}.${k}`) : [`${path}.${k}: not in the CRD`];
      });
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => schemaErrors(v, schema.items, `${path}[${i}]`)) : [`${path}: expected an array`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected a number`];
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: expected a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    default:
      return [];
  }
}
