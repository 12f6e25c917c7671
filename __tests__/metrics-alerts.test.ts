// Every alert of the PrometheusRule, as rendered, proven with the real promtool (`promtool test rules`): each fires on
// the series that mean trouble, with its labels and rendered annotations, and stays quiet on healthy ones.
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { Nats } from '../lib';
import { find, promTool, synth } from './support/tools';

const chart = new Chart(Testing.app(), 'metrics', { namespace: 'nats' });
new Nats(chart, 'nats', { replicas: 3, metrics: true, alertConsumerPending: 1000, alertStoreUsage: 0.8 });
const rule = find(synth(chart), 'PrometheusRule');
const groups = rule.spec.groups;

const L = 'nats_deployment="nats",namespace="nats"';
const at = (series: string, values: string) => ({ series: `${series.replace('{', `{${L},`)}`, values });
const base = { severity: 'critical', nats_deployment: 'nats' };
const warn = { severity: 'warning', nats_deployment: 'nats' };

/** One promtool test group: the series over 1m steps, and the alerts expected at each time. */
const group = (name: string, series: { series: string; values: string }[], alerts: { at: string; name: string; exp: any[] }[]) => ({
  name, interval: '1m', input_series: series,
  alert_rule_test: alerts.map((a) => ({ eval_time: a.at, alertname: a.name, exp_alerts: a.exp })),
});

const tests = [
  group('a server stops reporting', [
    at('gnatsd_varz_connections{server_id="nats-0"}', '1x30'),
    at('gnatsd_varz_connections{server_id="nats-1"}', '1x30'),
    at('gnatsd_varz_connections{server_id="nats-2"}', '1x2'),
  ], [
    { at: '4m', name: 'NatsServerDown', exp: [] },
    { at: '20m', name: 'NatsServerDown', exp: [{ exp_labels: base, exp_annotations: {
      summary: 'A NATS server of nats is down',
      description: '2 of 3 servers report metrics: a server (or its exporter) is not running.' } }] },
  ]),
  group('every server reporting', [0, 1, 2].map((i) => at(`gnatsd_varz_connections{server_id="nats-${i}"}`, '1x30')), [
    { at: '20m', name: 'NatsServerDown', exp: [] },
  ]),
  group('no meta leader', [0, 1, 2].map((i) => at(`jetstream_server_max_storage{server_name="nats-${i}",is_meta_leader="${i === 0 ? 'true' : 'false'}"}`, '1x5'))
    .concat([0, 1, 2].map((i) => at(`jetstream_server_max_storage{server_name="nats-${i}",is_meta_leader="false",meta_leader=""}`, '_x6 1x20'))), [
    { at: '5m', name: 'NatsJetStreamNoMetaLeader', exp: [] },
    { at: '20m', name: 'NatsJetStreamNoMetaLeader', exp: [{ exp_labels: base, exp_annotations: {
      summary: 'JetStream of nats has no meta leader',
      description: 'No server is the JetStream meta leader: streams and consumers cannot be created, changed or deleted.' } }] },
  ]),
  group('streams with and without a leader', [0, 1, 2].flatMap((i) => [
    at(`jetstream_stream_last_seq{server_name="nats-${i}",account="APP",stream_name="ORDERS",is_stream_leader="false"}`, '10x20'),
    at(`jetstream_stream_last_seq{server_name="nats-${i}",account="APP",stream_name="EVENTS",is_stream_leader="${i === 1}"}`, '10x20'),
  ]), [
    { at: '10m', name: 'NatsStreamNoLeader', exp: [{ exp_labels: { ...base, account: 'APP', stream_name: 'ORDERS' }, exp_annotations: {
      summary: 'Stream ORDERS has no leader',
      description: 'Stream ORDERS (account APP) has no leader: it takes no messages.' } }] },
  ]),
  group('a lagging replica', [
    at('jetstream_stream_last_seq{server_name="nats-0",account="APP",stream_name="ORDERS",is_stream_leader="true"}', '5000x20'),
    at('jetstream_stream_last_seq{server_name="nats-1",account="APP",stream_name="ORDERS",is_stream_leader="false"}', '5000x20'),
    at('jetstream_stream_last_seq{server_name="nats-2",account="APP",stream_name="ORDERS",is_stream_leader="false"}', '1000x20'),
    at('jetstream_stream_last_seq{server_name="nats-0",account="APP",stream_name="EVENTS",is_stream_leader="true"}', '3000x20'),
    at('jetstream_stream_last_seq{server_name="nats-1",account="APP",stream_name="EVENTS",is_stream_leader="false"}', '2500x20'),
  ], [
    { at: '3m', name: 'NatsStreamReplicaLagging', exp: [] },
    { at: '10m', name: 'NatsStreamReplicaLagging', exp: [{ exp_labels: { ...warn, account: 'APP', stream_name: 'ORDERS' }, exp_annotations: {
      summary: 'A replica of stream ORDERS is lagging',
      description: 'A replica of stream ORDERS is 4000 messages behind the most current one (more than 1000).' } }] },
  ]),
  group('consumer pending', [0, 1].flatMap((i) => [
    at(`jetstream_consumer_num_pending{server_name="nats-${i}",account="APP",stream_name="ORDERS",consumer_name="C1"}`, '1500x20'),
    at(`jetstream_consumer_num_pending{server_name="nats-${i}",account="APP",stream_name="ORDERS",consumer_name="C2"}`, '1000x20'),
  ]), [
    { at: '10m', name: 'NatsConsumerPendingHigh', exp: [{ exp_labels: { ...warn, account: 'APP', stream_name: 'ORDERS', consumer_name: 'C1' }, exp_annotations: {
      summary: 'Consumer C1 of stream ORDERS is falling behind',
      description: '1500 messages are pending for consumer C1 (more than 1000).' } }] },
  ]),
  group('store use', [
    at('gnatsd_varz_jetstream_stats_storage{server_id="nats-0"}', '900x20'),
    at('gnatsd_varz_jetstream_config_max_storage{server_id="nats-0"}', '1000x20'),
    at('gnatsd_varz_jetstream_stats_storage{server_id="nats-1"}', '800x20'),
    at('gnatsd_varz_jetstream_config_max_storage{server_id="nats-1"}', '1000x20'),
  ], [
    { at: '10m', name: 'NatsStoreUsageHigh', exp: [{ exp_labels: { ...warn, server_id: 'nats-0' }, exp_annotations: {
      summary: 'JetStream store of nats-0 is filling up',
      description: '90% of max_file_store is used on nats-0 (more than 80%); at 100% JetStream refuses writes.' } }] },
  ]),
  group('slow consumers', [
    at('gnatsd_varz_slow_consumers{server_id="nats-0"}', '0 0 0 1 1 1 1 1 1 1 1 1 1 1'),
    at('gnatsd_varz_slow_consumers{server_id="nats-1"}', '3x14'),
  ], [
    { at: '2m', name: 'NatsSlowConsumers', exp: [] },
    { at: '4m', name: 'NatsSlowConsumers', exp: [{ exp_labels: { ...warn, namespace: 'nats', server_id: 'nats-0' }, exp_annotations: {
      summary: 'NATS server nats-0 has slow consumers',
      description: 'Clients of nats-0 could not keep up and were disconnected as slow consumers in the last 5 minutes.' } }] },
    { at: '12m', name: 'NatsSlowConsumers', exp: [] },
  ]),
  group('routes', [
    at('gnatsd_varz_routes{server_id="nats-0"}', '8x20'),
    at('gnatsd_varz_routes{server_id="nats-1"}', '4x20'),
    at('gnatsd_varz_routes{server_id="nats-2"}', '8 8 4 8x17'),
  ], [
    { at: '10m', name: 'NatsRoutesMissing', exp: [{ exp_labels: { ...base, namespace: 'nats', server_id: 'nats-1' }, exp_annotations: {
      summary: 'NATS server nats-1 has fewer routes than expected',
      description: 'nats-1 has 4 routes, expected 8 (4 to each of 2 peers): the cluster is partitioned.' } }] },
  ]),
];

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'nats-rules-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('every alert of the rendered PrometheusRule has a promtool test', () => {
  const alerts = groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)).sort();
  const tested = [...new Set(tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)))].sort();
  expect(alerts).toEqual(tested);
  expect(alerts).toHaveLength(8);
});

test('promtool checks the rules and passes their unit tests', () => {
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests }));
  const check = spawnSync(promTool('promtool'), ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
  expect(`${check.stdout}${check.stderr}`).toContain('SUCCESS: 8 rules found');
  expect(check.status).toBe(0);
  const run = spawnSync(promTool('promtool'), ['test', 'rules', join(dir, 'tests.yaml')], { cwd: dir, encoding: 'utf8' });
  expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
  expect(run.status).toBe(0);
});

test('a standalone server has no routes alert', () => {
  const single = new Chart(Testing.app(), 'single', { namespace: 'nats' });
  new Nats(single, 'nats', { metrics: true });
  const names = find(synth(single), 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert);
  expect(names).not.toContain('NatsRoutesMissing');
  expect(names).toHaveLength(7);
});
