// The metrics variant as synthesized: the exporter sidecar, the monitors, the NetworkPolicy rule, the rules and the
// dashboard; and none of it without `metrics`.
import { Chart, Testing } from 'cdk8s';
import { MetricsMonitor, Nats, NatsProps } from '../lib';
import { find, synth } from './support/tools';

function deploy(props: NatsProps, namespace = 'nats') {
  const chart = new Chart(Testing.app(), 'metrics', { namespace });
  const nats = new Nats(chart, 'nats', props);
  return { nats, manifest: synth(chart) };
}

describe('metrics on, three servers, NetworkPolicy', () => {
  const props: NatsProps = { replicas: 3, metrics: true, networkPolicy: true, monitoringNamespace: 'monitoring', metricsLabels: { release: 'kps' } };
  const { nats, manifest } = deploy(props);
  const pod = find(manifest, 'StatefulSet').spec.template.spec;
  const exporter = pod.containers.find((c: any) => c.name === 'metrics');

  test('snapshot', () => {
    expect(manifest).toMatchSnapshot();
  });

  test('the exporter runs beside every server, restricted, on the named metrics port', () => {
    expect(pod.containers.map((c: any) => c.name)).toEqual(['nats', 'metrics']);
    expect(exporter.image).toBe('natsio/prometheus-nats-exporter:0.20.1');
    expect(exporter.args).toEqual(['-port=7777', '-varz', '-connz', '-routez', '-subz', '-healthz', '-jsz=all', '-use_internal_server_name', 'http://localhost:8222']);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 7777 }]);
    expect(exporter.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(exporter.resources.limits.memory).toBe('128Mi');
    expect(find(manifest, 'StatefulSet').spec.template.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('nats');
  });

  test('the NetworkPolicy admits scrapes of the metrics port from the namespace and monitoringNamespace', () => {
    const rule = find(manifest, 'NetworkPolicy').spec.ingress.find((r: any) => r.ports[0].port === 7777);
    expect(rule.from).toEqual([{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
  });

  test('a PodMonitor on the metrics port that labels the series with the deployment, with the user\'s label', () => {
    const monitor = find(manifest, 'PodMonitor');
    expect(monitor.metadata.labels.release).toBe('kps');
    expect(monitor.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'server' } },
      podMetricsEndpoints: [{ port: 'metrics', relabelings: [{ targetLabel: 'nats_deployment', replacement: 'nats' }] }],
    });
    expect(find(manifest, 'ServiceMonitor')).toBeUndefined();
    expect(nats.metrics?.monitor).toBeDefined();
  });

  test('the rules and the dashboard select this deployment in its namespace', () => {
    const rule = find(manifest, 'PrometheusRule');
    expect(rule.metadata.labels.release).toBe('kps');
    for (const r of rule.spec.groups[0].rules) expect(r.expr).toContain('nats_deployment="nats",namespace="nats"');
    const dashboard = find(manifest, 'ConfigMap', 'nats-dashboard');
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1', release: 'kps' });
    const json = JSON.parse(dashboard.data['nats.json']);
    expect(json.uid).toMatch(/^nats-[0-9a-f]{16}$/);
    expect(json.title).toBe('NATS nats (nats)');
  });
});

test('a ServiceMonitor on the headless Service\'s metrics port, when chosen', () => {
  const { manifest } = deploy({ metrics: true, metricsMonitor: MetricsMonitor.SERVICE_MONITOR });
  expect(find(manifest, 'PodMonitor')).toBeUndefined();
  expect(find(manifest, 'ServiceMonitor').spec.endpoints).toEqual([{ port: 'metrics', relabelings: [{ targetLabel: 'nats_deployment', replacement: 'nats' }] }]);
  expect(find(manifest, 'Service', 'nats-headless').spec.ports.map((p: any) => p.name)).toEqual(['client', 'cluster', 'monitor', 'metrics']);
  expect(find(manifest, 'Service', 'nats').spec.ports.map((p: any) => p.name)).toEqual(['client', 'monitor']);
});

test('no monitor, rules or dashboard when turned off; the exporter stays', () => {
  const { manifest } = deploy({ metrics: true, metricsMonitor: MetricsMonitor.NONE, metricsAlerts: false, metricsDashboard: false, registry: 'harbor.example.com/library' });
  expect(manifest.map((o) => o.kind)).not.toEqual(expect.arrayContaining(['PodMonitor']));
  expect(manifest.filter((o) => ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
  expect(find(manifest, 'ConfigMap', 'nats-dashboard')).toBeUndefined();
  const exporter = find(manifest, 'StatefulSet').spec.template.spec.containers.find((c: any) => c.name === 'metrics');
  expect(exporter.image).toBe('harbor.example.com/library/prometheus-nats-exporter:0.20.1');
});

test('nothing of it without metrics', () => {
  const { nats, manifest } = deploy({ networkPolicy: true });
  expect(manifest.filter((o) => ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
  expect(find(manifest, 'StatefulSet').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['nats']);
  expect(find(manifest, 'NetworkPolicy').spec.ingress).toHaveLength(3);
  expect(nats.metrics).toBeUndefined();
});

test('alertFor sets how long each condition holds; slow consumers fire at once', () => {
  const { Duration } = jest.requireActual('cdk8s');
  const { manifest } = deploy({ metrics: true, alertFor: Duration.seconds(30) });
  const rules = find(manifest, 'PrometheusRule').spec.groups[0].rules;
  expect(rules.filter((r: any) => r.alert !== 'NatsSlowConsumers').every((r: any) => r.for === '30s')).toBe(true);
  expect(rules.find((r: any) => r.alert === 'NatsSlowConsumers').for).toBeUndefined();
});
