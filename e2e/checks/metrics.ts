/**
 * Observability on a real cluster, for a deployment synthesized with metrics on: the real Prometheus Operator turns
 * the library's PodMonitor or ServiceMonitor and PrometheusRule into a real Prometheus's configuration, which must
 * then scrape one healthy exporter per server (through the NetworkPolicy, and with monitor TLS when it is on), load
 * every alert, evaluate every dashboard query and alert expression, and fire and resolve NatsServerDown when a server
 * pod goes and comes back. Exporter CPU and memory (the kubelet's resource metrics) and series per server are
 * recorded in docs/results/metrics.md.
 */
import * as path from 'path';
import { Ctx, Deployment, describeDeployment, serverPods } from './deployment';
import { kubectl, kubectlOk, sleep } from './support/kube';
import { isReady, listPods } from './support/pods';
import { OPERATOR_VERSION, PROMETHEUS_VERSION, Prometheus, ensureOperator, getObject } from './support/prometheus';
import { upsertTableRow } from './support/results';

const REPO = path.resolve(__dirname, '..', '..');
/** Scrape and rule evaluation interval of the test's Prometheus. */
const INTERVAL_SECONDS = 1;
/**
 * NatsServerDown's `for` during the firing check: short, so that a deleted pod's absence (its replacement scrapes
 * again 8-10 s after the deletion) outlasts detection (a scrape) plus pending (an evaluation) plus `for`.
 */
const SHORT_FOR = '1s';
const NODE = process.env.E2E_NODE ?? 'k8s-e2e';

/** The monitor, rule and dashboard the deployment declares; undefined when metrics are off. */
export function metricsObjects(d: Deployment) {
  const monitor = d.manifests.find('PodMonitor') ?? d.manifests.find('ServiceMonitor');
  if (!monitor) return undefined;
  const dashboardCm = d.manifests.find('ConfigMap', (c) => c.metadata.labels?.grafana_dashboard === '1');
  const dashboard = dashboardCm ? JSON.parse(Object.values<string>(dashboardCm.data)[0]) : undefined;
  return { monitor, rule: d.manifests.find('PrometheusRule'), dashboard };
}

/** Before the apply: the CRDs the monitor and rule need, and the operator that acts on them. */
export async function prepareMetrics(d: Deployment, info: (text: string) => void): Promise<void> {
  if (metricsObjects(d)) info(await ensureOperator());
}

export async function checkMetrics(c: Ctx): Promise<void> {
  const { d, r } = c;
  const objects = metricsObjects(d);
  if (!objects) return;
  const started = Date.now();
  const prom = await Prometheus.start(`${d.ns}-monitoring`, d.ns, c.forwards, INTERVAL_SECONDS);
  const row: { [column: string]: string | number } = { Deployment: describeDeployment(d), Monitor: objects.monitor.kind };
  try {
    r.pass(`Prometheus ${prom.version} run by the operator in ${prom.ns}, Ready in ${secondsSince(started)}s`);
    await checkTargets(c, prom, objects.monitor.kind, row);
    const rule = objects.rule;
    if (rule) await checkRulesLoaded(c, prom, rule);
    await waitForScrapes(c, prom, 8);
    if (objects.dashboard) await checkDashboard(c, prom, objects.dashboard);
    if (rule) await checkAlertsQuiet(c, prom, rule);
    await recordUsage(c, prom, row);
    if (rule) await checkServerDownAlert(c, prom, rule, row);
  } finally {
    await prom.delete();
  }
  if (process.env.VERIFY_RESULTS === '1') writeResults(row);
}

/** One healthy target per server, each naming its pod, in the monitor's scrape pool. */
async function checkTargets(c: Ctx, prom: Prometheus, kind: string, row: { [k: string]: string | number }): Promise<void> {
  const { d, r } = c;
  const pool = `${kind === 'PodMonitor' ? 'podMonitor' : 'serviceMonitor'}/${d.ns}/`;
  const deadline = Date.now() + 90_000;
  let seen = '';
  for (;;) {
    const data = await prom.api<{ activeTargets: any[] }>('targets', { state: 'active' });
    const ours = data.activeTargets.filter((t) => String(t.scrapePool).startsWith(pool));
    const up = ours.filter((t) => t.health === 'up');
    seen = ours.map((t) => `${t.labels.pod}:${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join(', ');
    const pods = new Set(up.map((t) => t.labels.pod));
    if (ours.length === d.replicas && up.length === d.replicas && serverPods(d).every((p) => pods.has(p))) {
      r.pass(`${kind} -> ${up.length} healthy target(s), one per server (${[...pods].sort().join(', ')}), pool ${ours[0].scrapePool}`
        + `${d.monitorTls ? '; the exporters read the servers over monitor TLS' : ''}${d.networkPolicy ? '; scraped through the NetworkPolicy' : ''}`);
      row.Targets = `${up.length}/${d.replicas} up`;
      return;
    }
    if (Date.now() > deadline) throw new Error(`${kind}: targets after 90s: ${seen || 'none'} (expected ${d.replicas} up)`);
    await sleep(1000);
  }
}

/** Every alert of the PrometheusRule is loaded, and healthy. */
async function checkRulesLoaded(c: Ctx, prom: Prometheus, rule: any): Promise<void> {
  const declared: string[] = rule.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const data = await prom.api<{ groups: any[] }>('rules', { type: 'alert' });
    const loaded = data.groups.flatMap((g) => g.rules).filter((x: any) => declared.includes(x.name));
    if (loaded.length === declared.length) {
      const bad = loaded.filter((x: any) => x.health === 'err');
      c.r.check(bad.length === 0, `PrometheusRule ${rule.metadata.name}: all ${declared.length} alerts loaded by Prometheus (${declared.join(', ')})`,
        `alerts with errors: ${bad.map((x: any) => `${x.name}: ${x.lastError}`).join('; ')}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`PrometheusRule: ${loaded.length}/${declared.length} alerts loaded after 60s`);
    await sleep(1000);
  }
}

/** rate() over the dashboard's windows needs a few samples of every server. */
async function waitForScrapes(c: Ctx, prom: Prometheus, samples: number): Promise<void> {
  const expr = `min(count_over_time(gnatsd_varz_in_msgs{namespace="${c.d.ns}"}[1m]))`;
  const deadline = Date.now() + 90_000;
  while (Number((await prom.query(expr))[0]?.value[1] ?? 0) < samples) {
    if (Date.now() > deadline) throw new Error(`fewer than ${samples} scrapes of every server after 90s`);
    await sleep(1000);
  }
}

/** Every panel query evaluates and returns data (the proof a Grafana would show something). */
async function checkDashboard(c: Ctx, prom: Prometheus, dashboard: any): Promise<void> {
  const queries: Array<{ panel: string; expr: string }> = dashboard.panels
    .flatMap((p: any) => (p.targets ?? []).map((t: any) => ({ panel: p.title, expr: t.expr })));
  const failed: string[] = [];
  for (const q of queries) {
    try {
      if ((await prom.query(q.expr)).length === 0) failed.push(`${q.panel}: no data for ${q.expr}`);
    } catch (e) {
      failed.push(`${q.panel}: ${(e as Error).message}`);
    }
  }
  c.r.check(failed.length === 0, `dashboard: all ${queries.length} panel queries of ${dashboard.panels.length} panels evaluate and return data`,
    `dashboard queries: ${failed.join('; ')}`);
}

/**
 * A healthy deployment trips no alert: every expression evaluates, and none holds now. That includes
 * NatsRoutesMissing, whose threshold assumes 4 routes to each peer (a route pool of 3 plus the system account's).
 */
async function checkAlertsQuiet(c: Ctx, prom: Prometheus, rule: any): Promise<void> {
  const alerts: Array<{ alert: string; expr: string }> = rule.spec.groups.flatMap((g: any) => g.rules);
  const holding: string[] = [];
  for (const a of alerts) {
    const result = await prom.query(a.expr);
    if (result.length > 0) holding.push(`${a.alert}=${result.map((x) => x.value[1]).join(',')}`);
  }
  c.r.check(holding.length === 0, `alerts: all ${alerts.length} expressions evaluate; none holds on the healthy deployment`,
    `alert expressions holding on a healthy deployment: ${holding.join('; ')}`);
  if (c.d.replicas > 1) {
    const routes = await prom.query(`gnatsd_varz_routes{namespace="${c.d.ns}"}`);
    c.r.info(`routes per server: ${routes.map((x) => `${x.metric.server_id}=${x.value[1]}`).sort().join(' ')}`);
  }
}

/** Series per server (from Prometheus) and the exporter container's CPU and memory (from the kubelet). */
async function recordUsage(c: Ctx, prom: Prometheus, row: { [k: string]: string | number }): Promise<void> {
  const { d, r } = c;
  const series = await prom.query(`count by (pod) ({namespace="${d.ns}",pod=~"${d.sts}-[0-9]+"})`);
  const counts = series.map((x) => Number(x.value[1]));
  r.check(counts.length === d.replicas && counts.every((n) => n > 0),
    `series per server: ${series.map((x) => `${x.metric.pod}=${x.value[1]}`).sort().join(' ')}`, `series per server: ${JSON.stringify(series)}`);
  row['Series / server'] = counts.length ? `${Math.min(...counts)}–${Math.max(...counts)}` : '-';
  const first = await exporterUsage(d);
  await sleep(10_000);
  const second = await exporterUsage(d);
  const usage = serverPods(d).map((pod) => {
    const a = first.get(pod);
    const b = second.get(pod);
    if (!a || !b) return undefined;
    return { pod, millicores: ((b.cpu - a.cpu) / ((b.at - a.at) / 1000)) * 1000, mib: b.memory / 2 ** 20 };
  });
  if (usage.some((u) => u === undefined)) {
    r.info('exporter CPU/memory: the kubelet reported no resource metrics for every metrics container');
    row['Exporter CPU (m)'] = row['Exporter memory (MiB)'] = '-';
    return;
  }
  const u = usage as Array<{ pod: string; millicores: number; mib: number }>;
  r.info(`exporter per pod (kubelet resource metrics, 10 s): ${u.map((x) => `${x.pod} ${x.millicores.toFixed(1)}m CPU ${x.mib.toFixed(1)} MiB`).join('; ')}`);
  row['Exporter CPU (m)'] = u.map((x) => x.millicores.toFixed(1)).join(' / ');
  row['Exporter memory (MiB)'] = u.map((x) => x.mib.toFixed(1)).join(' / ');
}

/** The `metrics` containers' cumulative CPU seconds and working set, from the kubelet's /metrics/resource. */
async function exporterUsage(d: Deployment): Promise<Map<string, { cpu: number; memory: number; at: number }>> {
  const text = await kubectlOk(['get', '--raw', `/api/v1/nodes/${NODE}/proxy/metrics/resource`]);
  const at = Date.now();
  const out = new Map<string, { cpu: number; memory: number; at: number }>();
  for (const m of text.matchAll(/^container_(cpu_usage_seconds_total|memory_working_set_bytes)\{([^}]*)\} (\S+)/gm)) {
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.namespace !== d.ns || labels.container !== 'metrics') continue;
    const entry = out.get(labels.pod) ?? { cpu: 0, memory: 0, at };
    if (m[1] === 'cpu_usage_seconds_total') entry.cpu = Number(m[3]); else entry.memory = Number(m[3]);
    out.set(labels.pod, entry);
  }
  return out;
}

/**
 * NatsServerDown, with a short `for`, fires when a server pod is deleted and resolves once the StatefulSet has it
 * back. The rule is put back as declared afterwards (the re-apply check expects it unchanged).
 */
async function checkServerDownAlert(c: Ctx, prom: Prometheus, rule: any, row: { [k: string]: string | number }): Promise<void> {
  const { d, r } = c;
  const live = await getObject(d.ns, 'prometheusrule', rule.metadata.name);
  const shortened = JSON.parse(JSON.stringify(live));
  delete shortened.metadata.resourceVersion;
  for (const g of shortened.spec.groups) for (const x of g.rules) if (x.alert === 'NatsServerDown') x.for = SHORT_FOR;
  await kubectlOk(['replace', '-f', '-'], { input: JSON.stringify(shortened) });
  try {
    // The operator writes the rules into a ConfigMap volume, which the kubelet refreshes within its sync period (up
    // to 90 s, as in fault scenario s7); Prometheus's config reloader then reloads.
    await waitFor(150, 'NatsServerDown loaded with the short for', async () =>
      (await prom.api<{ groups: any[] }>('rules', { type: 'alert' })).groups.flatMap((g) => g.rules)
        .some((x: any) => x.name === 'NatsServerDown' && x.duration === parseInt(SHORT_FOR, 10)));
    const victim = serverPods(d)[d.replicas - 1];
    const oldUid = (await listPods(d.ns)).find((p) => p.metadata.name === victim)?.metadata.uid;
    const deletedAt = Date.now();
    await kubectlOk(['-n', d.ns, 'delete', 'pod', victim, '--wait=false']);
    const fired = await waitFor(120, 'NatsServerDown firing', async () => (await firing(prom, d)).length > 0);
    const firedAfter = (fired - deletedAt) / 1000;
    r.pass(`NatsServerDown fired ${firedAfter.toFixed(1)}s after pod ${victim} was deleted (for: ${SHORT_FOR})`);
    await waitFor(300, `${victim} Ready again`, async () => (await listPods(d.ns))
      .some((p) => p.metadata.name === victim && p.metadata.uid !== oldUid && isReady(p)));
    const resolved = await waitFor(120, 'NatsServerDown resolved', async () => (await firing(prom, d, true)).length === 0);
    r.pass(`NatsServerDown resolved ${((resolved - deletedAt) / 1000).toFixed(1)}s after the deletion, once ${victim} was back`);
    row['Server-down alert fired / resolved (s)'] = `${firedAfter.toFixed(0)} / ${((resolved - deletedAt) / 1000).toFixed(0)}`;
  } finally {
    const restored = JSON.parse(JSON.stringify(live));
    delete restored.metadata.resourceVersion;
    const put = await kubectl(['replace', '-f', '-'], { input: JSON.stringify(restored) });
    if (put.code !== 0) r.fail(`PrometheusRule not restored: ${put.stderr.trim()}`);
  }
}

/** NatsServerDown alerts of this deployment (firing, or also pending). */
async function firing(prom: Prometheus, d: Deployment, orPending = false): Promise<any[]> {
  const { alerts } = await prom.api<{ alerts: any[] }>('alerts');
  return alerts.filter((a) => a.labels.alertname === 'NatsServerDown' && (a.state === 'firing' || (orPending && a.state === 'pending'))
    && (a.labels.namespace === undefined || a.labels.namespace === d.ns));
}

/** Polls every 250 ms until `ok`; returns the time it held; throws after `seconds`. */
async function waitFor(seconds: number, what: string, ok: () => Promise<boolean>): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await ok().catch(() => false)) return Date.now();
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds}s`);
    await sleep(250);
  }
}

function secondsSince(t: number): string {
  return ((Date.now() - t) / 1000).toFixed(1);
}

function writeResults(row: { [k: string]: string | number }): void {
  upsertTableRow(path.join(REPO, 'docs', 'results', 'metrics.md'), { ...row, Date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z` }, {
    key: 'Deployment',
    columns: ['Deployment', 'Monitor', 'Targets', 'Series / server', 'Exporter CPU (m)', 'Exporter memory (MiB)',
      'Server-down alert fired / resolved (s)', 'Date'],
    preamble: '# Metrics on the e2e cluster\n\n'
      + `Written by \`e2e/checks/metrics.ts\` (verify runs with \`VERIFY_RESULTS=1\`): the real Prometheus Operator ${OPERATOR_VERSION} `
      + `and Prometheus ${PROMETHEUS_VERSION}, both built from the Go module proxy, scrape the deployment through its `
      + 'PodMonitor or ServiceMonitor. Exporter CPU is the '
      + 'kubelet\'s `container_cpu_usage_seconds_total` of each `metrics` container over 10 s (per server pod), memory its '
      + 'working set; series are all series of one server pod (exporter, Go runtime and process included). The alert '
      + `times are from deleting a server pod, with NatsServerDown's \`for\` set to ${SHORT_FOR} and a ${INTERVAL_SECONDS} s `
      + 'scrape and evaluation interval.',
  });
}
