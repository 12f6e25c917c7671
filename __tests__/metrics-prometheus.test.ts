// The dashboard and the alerts against real parts: nats-server with JetStream (a stream and a consumer with data), the
// real prometheus-nats-exporter run with the container's arguments, and the real Prometheus scraping it. Every panel
// query and every alert expression must evaluate without error, and every panel query must return data.
import { spawnSync } from 'child_process';
import { tmpdir } from 'os';
import { Chart, Testing } from 'cdk8s';
import { Nats } from '../lib';
import { RunningPrometheus, Running, startExporter, startPrometheus, usage } from './support/prometheus';
import { RunningServer, startServer } from './support/server';
import { find, nats, natsCli, synth } from './support/tools';

jest.setTimeout(90_000);

const chart = new Chart(Testing.app(), 'metrics', { namespace: 'nats' });
new Nats(chart, 'nats', { metrics: true });
const manifest = synth(chart);
const exporterArgs: string[] = find(manifest, 'StatefulSet').spec.template.spec.containers.find((c: any) => c.name === 'metrics').args;
const dashboardCm = manifest.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
const dashboard = JSON.parse(dashboardCm.data['nats.json']);
const panelQueries: { panel: string; expr: string }[] = dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => ({ panel: p.title, expr: t.expr })));
const alertExprs: { alert: string; expr: string }[] = find(manifest, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => ({ alert: r.alert, expr: r.expr })));

let server: RunningServer;
let exporter: Running;
let prometheus: RunningPrometheus;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = await startServer(({ client, monitor, dir }) =>
    `server_name: nats-0\nlisten: 127.0.0.1:${client}\nhttp: 127.0.0.1:${monitor}\njetstream { store_dir: "${dir}/js", max_file_store: 1GB }\n`);
  nats(['--server', server.url, 'stream', 'add', 'ORDERS', '--subjects', 'orders.>', '--storage', 'file', '--defaults']);
  nats(['--server', server.url, 'consumer', 'add', 'ORDERS', 'WORKER', '--pull', '--defaults']);
  const pub = spawnSync(natsCli(), ['--server', server.url, 'pub', 'orders.new', 'order {{Count}}', '--count', '20'], { stdio: 'ignore', env: { HOME: tmpdir() } });
  expect(pub.status).toBe(0);
  exporter = await startExporter(exporterArgs, server.monitor);
  // The labels the PodMonitor's relabeling and the operator give every series.
  prometheus = await startPrometheus(exporter.url, { nats_deployment: 'nats', namespace: 'nats' });
  // rate() over the dashboard's windows needs a few scrapes of the exporter.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await prometheus.query('count_over_time(gnatsd_varz_in_msgs{nats_deployment="nats"}[1m])');
    if (Number(r.data?.result[0]?.value[1] ?? 0) >= 5) break;
    if (Date.now() > deadline) throw new Error(`Prometheus did not scrape the exporter:\n${prometheus.log()}\n${exporter.log()}`);
    await sleep(500);
  }
});

afterAll(() => {
  prometheus?.stop();
  exporter?.stop();
  server?.stop();
});

test('the dashboard has panels for servers, clients, messages, bytes, JetStream, pending, storage and leaders', () => {
  const titles = dashboard.panels.map((p: any) => p.title).join(' | ');
  for (const what of ['Servers', 'Client connections', 'Messages in / out', 'Bytes in / out', 'Streams', 'Consumers',
    'Consumer pending', 'Store use', 'meta leader', 'Stream leaders']) {
    expect(titles).toContain(what);
  }
  expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
  expect(dashboard.panels.every((p: any) => p.datasource.uid === '${datasource}')).toBe(true);
  expect(panelQueries.length).toBeGreaterThanOrEqual(17);
});

test('every dashboard query evaluates and returns data', async () => {
  const empty: string[] = [];
  for (const q of panelQueries) {
    const r = await prometheus.query(q.expr);
    expect({ panel: q.panel, status: r.status, error: r.error }).toEqual({ panel: q.panel, status: 'success', error: undefined });
    if (r.data!.result.length === 0) empty.push(`${q.panel}: ${q.expr}`);
  }
  expect(empty).toEqual([]);
});

test('the queries see the stream, the consumer and its pending messages', async () => {
  const pending = await prometheus.query(panelQueries.find((q) => q.panel === 'Consumer pending')!.expr);
  expect(pending.data!.result).toEqual([expect.objectContaining({
    metric: { account: '$G', stream_name: 'ORDERS', consumer_name: 'WORKER' }, value: [expect.any(Number), '20'],
  })]);
  const messages = await prometheus.query(panelQueries.find((q) => q.panel === 'Stream messages')!.expr);
  expect(messages.data!.result[0].value[1]).toBe('20');
  const servers = await prometheus.query(panelQueries.find((q) => q.panel === 'Servers up')!.expr);
  expect(servers.data!.result[0].value[1]).toBe('1');
});

test('every alert expression evaluates, and a healthy server fires none', async () => {
  const firing: string[] = [];
  for (const a of alertExprs) {
    const r = await prometheus.query(a.expr);
    expect({ alert: a.alert, status: r.status, error: r.error }).toEqual({ alert: a.alert, status: 'success', error: undefined });
    if (r.data!.result.length > 0) firing.push(a.alert);
  }
  expect(firing).toEqual([]);
  expect(alertExprs).toHaveLength(7);
});

test('series per server and the exporter\'s footprint', async () => {
  const series = await prometheus.query('scrape_samples_scraped{job="nats"}');
  const count = Number(series.data!.result[0].value[1]);
  const { rssKiB, cpuSeconds } = usage(exporter.pid);
  console.log(`one server with a stream and a consumer: ${count} series per scrape; exporter RSS ${Math.round(rssKiB / 1024)} MiB, CPU ${cpuSeconds}s so far`);
  expect(count).toBeGreaterThan(100);
  expect(rssKiB).toBeLessThan(128 * 1024); // the default metricsMemoryLimit
});
