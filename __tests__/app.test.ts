import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { NatsChart } from '../lib';
import { NATS_CLI_VARS, appSettingsFromEnv } from '../lib/app/env';
import { JetStreamApplyMode } from '../lib';
import { natsCli } from './support/tools';

/** Synthesizes the app exactly as main.ts does, into a temporary directory. */
function synthApp(env: { [name: string]: string }): { files: string[]; docs: any[]; text: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'nats-dist-'));
  const app = new App({ outdir });
  new NatsChart(app, 'nats', appSettingsFromEnv(env).props);
  app.synth();
  const files = readdirSync(outdir);
  const text = files.map((f) => readFileSync(join(outdir, f), 'utf8')).join('');
  const docs = parseAllDocuments(text).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
  return { files, docs, text };
}

describe('the homelab app', () => {
  const { files, docs, text } = synthApp({});

  test('writes one file whose documents parse, Namespace first', () => {
    expect(files).toEqual(['nats.k8s.yaml']);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Namespace/nats',
      'ConfigMap/nats-config',
      'StatefulSet/nats',
      'Service/nats-headless',
      'Service/nats',
      'ConfigMap/nats-box-contexts',
      'Deployment/nats-box',
    ]);
  });

  test('everything but the Namespace lives in namespace nats; the Namespace enforces restricted', () => {
    const [ns, ...rest] = docs;
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    rest.forEach((d) => expect(d.metadata.namespace).toBe('nats'));
  });

  test('seed defaults: one replica, 10Gi, Service nats on 4222', () => {
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(docs.find((d) => d.kind === 'Service' && d.metadata.name === 'nats').spec.ports[0].port).toBe(4222);
  });

  test('the committed dist/ is what the app synthesizes', () => {
    expect(readFileSync(join(__dirname, '..', 'dist', 'nats.k8s.yaml'), 'utf8')).toEqual(text);
  });
});

describe('settings from the environment', () => {
  test('3-node cluster, storage class and mirror without code changes', () => {
    const { docs } = synthApp({
      NATS_REPLICAS: '3', NATS_STORAGE_CLASS: 'local-path', NATS_REGISTRY: 'harbor.example.com/library',
      NATS_IMAGE_PULL_SECRETS: 'harbor, other', NATS_STORAGE_SIZE: '20Gi',
    });
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('local-path');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(sts.spec.template.spec.containers[0].image).toBe('harbor.example.com/library/nats:2.15.3-alpine');
    expect(sts.spec.template.spec.imagePullSecrets).toEqual([{ name: 'harbor' }, { name: 'other' }]);
    expect(docs.find((d) => d.kind === 'PodDisruptionBudget')).toBeDefined();
  });

  test('NATS_IMAGE pins the server image (an upgrade or a rollback without code changes)', () => {
    const { docs } = synthApp({ NATS_IMAGE: 'harbor.example.com/library/nats:2.14.10-alpine' });
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.spec.template.spec.containers[0].image).toBe('harbor.example.com/library/nats:2.14.10-alpine');
    expect(() => synthApp({ NATS_IMAGE: 'nats:2.14.10 alpine' })).toThrow(/image/);
  });

  test('volume ownership opt-in lowers the namespace to baseline', () => {
    const { docs } = synthApp({ NATS_PREPARE_VOLUME_OWNERSHIP: 'true' });
    expect(docs[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test('bad values and unknown variables are refused by name', () => {
    const propsFromEnv = (env: { [name: string]: string }) => appSettingsFromEnv(env).props;
    expect(() => propsFromEnv({ NATS_REPLICAS: 'three' })).toThrow('NATS_REPLICAS must be a whole number such as 1 or 3, got "three"');
    expect(() => propsFromEnv({ NATS_PREPARE_VOLUME_OWNERSHIP: 'yes' })).toThrow('NATS_PREPARE_VOLUME_OWNERSHIP must be "true" or "false", got "yes"');
    expect(() => propsFromEnv({ NATS_REPLICA: '3' })).toThrow(/NATS_REPLICA is not a setting of this app; valid ones are NATS_NAMESPACE, NATS_NAME, NATS_REPLICAS/);
    expect(() => synthApp({ NATS_REPLICAS: '2' })).toThrow('replicas must be odd');
    expect(() => propsFromEnv({ NATS_MEMORY_STORE_SIZE: '64Mi' }))
      .toThrow('NATS_MEMORY_STORE_SIZE was renamed NATS_MAX_MEMORY_STORE in 0.3.0: set NATS_MAX_MEMORY_STORE="64Mi" instead');
    expect(propsFromEnv({ NATS_URL: 'nats://x:4222', PATH: '/bin', NATS_REPLICAS: '', NATS_TOOLS_DIR: '/tmp/tools' })).toEqual({});
    expect(() => propsFromEnv({ JETSTREAM_MOD: 'nack' })).toThrow(/JETSTREAM_MOD is not a setting of this app; valid ones are .*JETSTREAM_MODE, JETSTREAM_REPAIR_SCHEDULE, MIGRATE_FROM_STANDALONE/);
    expect(() => appSettingsFromEnv({ JETSTREAM_MODE: 'NACK' })).toThrow('JETSTREAM_MODE must be "job" or "nack", got "NACK"');
    expect(() => appSettingsFromEnv({ MIGRATE_FROM_STANDALONE: '1' })).toThrow('MIGRATE_FROM_STANDALONE must be "true" or "false", got "1"');
    expect(appSettingsFromEnv({ JETSTREAM_MODE: 'nack', MIGRATE_FROM_STANDALONE: 'true' }))
      .toEqual({ props: {}, jetStreamMode: JetStreamApplyMode.NACK, migrateFromStandalone: true });
    expect(appSettingsFromEnv({ JETSTREAM_REPAIR_SCHEDULE: '*/15 * * * *' }).jetStreamRepairSchedule).toBe('*/15 * * * *');
    expect(appSettingsFromEnv({ JETSTREAM_REPAIR_SCHEDULE: '' }).jetStreamRepairSchedule).toBeUndefined();
    expect(() => appSettingsFromEnv({ JETSTREAM_REPAIR_SCHEDULE: '0 25 * * *' }))
      .toThrow('JETSTREAM_REPAIR_SCHEDULE must be a cron schedule (five fields');
  });

  test("the nats CLI's own variables are left alone: the list is the real CLI's", () => {
    const help = execFileSync(natsCli(), ['--help'], { encoding: 'utf8' });
    const cliVars = [...new Set([...help.matchAll(/\(\$(NATS_[A-Z_]+)\)/g)].map((m) => m[1]))].sort();
    expect(cliVars.length).toBeGreaterThan(10);
    expect([...NATS_CLI_VARS].sort()).toEqual(cliVars);
    const env = Object.fromEntries(cliVars.map((v) => [v, 'x']));
    expect(appSettingsFromEnv(env).props).toEqual({});
  });
});

test('a failed npm run synth leaves dist/ as it was', () => {
  const root = join(__dirname, '..');
  const before = readdirSync(join(root, 'dist')).map((f) => readFileSync(join(root, 'dist', f), 'utf8'));
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'synth.js')], {
    cwd: root, env: { ...process.env, NATS_REPLICAS: '2' }, encoding: 'utf8', timeout: 120_000,
  });
  expect(run.status).not.toBe(0);
  expect(run.stderr).toContain('replicas must be odd');
  expect(run.stderr).toContain('synth failed: dist/ keeps the manifests of the last successful synth');
  expect(readdirSync(join(root, 'dist')).map((f) => readFileSync(join(root, 'dist', f), 'utf8'))).toEqual(before);
  expect(readdirSync(root).filter((f) => f.startsWith('dist.'))).toEqual([]);
}, 120_000);

describe('NATS_METRICS=true', () => {
  const { docs } = synthApp({ NATS_METRICS: 'true' });

  test('adds the exporter, the PodMonitor, the PrometheusRule and the dashboard, and nothing else changes kind', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Namespace/nats',
      'ConfigMap/nats-config',
      'StatefulSet/nats',
      'Service/nats-headless',
      'Service/nats',
      'ConfigMap/nats-box-contexts',
      'Deployment/nats-box',
      'PodMonitor/nats',
      'PrometheusRule/nats',
      'ConfigMap/nats-dashboard',
    ]);
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['nats', 'metrics']);
  });

  test('off by default, and NATS_METRICS=false is off', () => {
    expect(appSettingsFromEnv({}).props.metrics).toBeUndefined();
    expect(appSettingsFromEnv({ NATS_METRICS: 'false' }).props.metrics).toBe(false);
  });
});
