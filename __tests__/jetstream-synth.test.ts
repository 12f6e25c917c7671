import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { PRODUCTION_PROPS } from './support/profiles';
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

describe('repairSchedule: a CronJob that runs the same script in repair mode', () => {
  const withSchedule = (schedule: string, props: NatsChartProps = {}) => {
    const chart = new NatsChart(Testing.app(), 'nats', props);
    const js = new JetStream(chart, 'JetStream', { nats: chart.nats, repairSchedule: schedule });
    js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'] }).addConsumer('MyConsumer', { durableName: 'MY_CONSUMER' });
    return { js, manifest: Testing.synth(chart) };
  };
  const { js, manifest } = withSchedule('*/15 * * * *');
  const cron = manifest.find((o) => o.kind === 'CronJob');
  const job = jobOf(manifest);

  test('snapshot', () => {
    expect(cron).toMatchSnapshot();
  });

  test('none without a schedule, and the apply Job is the same with or without one', () => {
    const chart = new NatsChart(Testing.app(), 'nats');
    const plain = new JetStream(chart, 'JetStream', { nats: chart.nats });
    plain.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'] }).addConsumer('MyConsumer', { durableName: 'MY_CONSUMER' });
    const m = Testing.synth(chart);
    expect(m.filter((o) => o.kind === 'CronJob')).toEqual([]);
    expect(plain.applyJob!.repairCronJob).toBeUndefined();
    expect(jobOf(m)).toEqual(job);
    expect(js.applyJob!.repairCronJob).toBeDefined();
  });

  test('one run at a time, missed runs skipped, failed runs kept for their logs and for alerts', () => {
    expect(cron.metadata.name).toBe('nats-jetstream-repair');
    expect(cron.spec).toMatchObject({
      schedule: '*/15 * * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 3,
    });
    expect(cron.spec.jobTemplate.metadata.labels['app.kubernetes.io/component']).toBe('jetstream-repair');
    // Drift (apply.sh exits 3) fails the Job at once; anything else is retried like the apply Job.
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(job.spec.backoffLimit);
    expect(cron.spec.jobTemplate.spec.podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: 'apply', operator: 'In', values: [3] }, onPodConditions: [] },
    ]);
  });

  test("the apply Job's pod, with JETSTREAM_APPLY_MODE=repair: same image, script, definitions and pod security", () => {
    const repairPod = cron.spec.jobTemplate.spec.template.spec;
    const applyPod = job.spec.template.spec;
    const [repairContainer] = repairPod.containers;
    expect(repairContainer.env).toEqual([...applyPod.containers[0].env, { name: 'JETSTREAM_APPLY_MODE', value: 'repair' }]);
    expect({ ...repairPod, containers: [{ ...repairContainer, env: applyPod.containers[0].env }] }).toEqual(applyPod);
  });

  test('production: the same user, CA and client certificate as the apply Job', () => {
    const m = withSchedule('@hourly', { ...PRODUCTION_PROPS }).manifest;
    const repairPod = m.find((o) => o.kind === 'CronJob').spec.jobTemplate.spec.template.spec;
    const applyPod = jobOf(m).spec.template.spec;
    expect(repairPod.containers[0].env.filter((e: any) => e.name !== 'JETSTREAM_APPLY_MODE')).toEqual(applyPod.containers[0].env);
    expect(repairPod.containers[0].env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['NATS_CA', 'NATS_USER', 'NATS_PASSWORD']));
    expect(repairPod.volumes).toEqual(applyPod.volumes);
    expect(repairPod.containers[0].volumeMounts).toEqual(applyPod.containers[0].volumeMounts);
  });

  test.each(['0 3 * * *', '@hourly', '@DAILY', '*/5 1-6,22 * jan-mar MON-fri', '0 0 ? * 0', '15 */2 1,15 * *'])('accepts %j', (schedule) => {
    expect(withSchedule(schedule).manifest.find((o) => o.kind === 'CronJob').spec.schedule).toBe(schedule);
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
