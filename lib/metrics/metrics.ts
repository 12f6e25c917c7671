import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../internal/k8s';
import { monitoringCrds } from '../internal/lazy';
import { COMPONENT_SERVER, selectorLabels, standardLabels } from '../internal/labels';
import { MetricsMonitor } from '../nats-props';
import { NatsSettings } from '../server/settings';
import { alertGroups } from './alerts';
import { dashboardJson } from './dashboard-json';
import { DEPLOYMENT_LABEL, seriesMatchers } from './selector';

/** The observability objects, for `addJsonPatch`. */
export interface INatsMetrics extends IConstruct {
  /** The PodMonitor or ServiceMonitor; absent with `MetricsMonitor.NONE`. */
  readonly monitor?: ApiObject;
  /** The PrometheusRule with the alerts; absent when `metricsAlerts` is false. */
  readonly rule?: ApiObject;
  /** The Grafana dashboard ConfigMap; absent when `metricsDashboard` is false. */
  readonly dashboard?: ApiObject;
}

/**
 * What turns the exporters' metrics into monitoring: a PodMonitor or ServiceMonitor that makes the user's Prometheus
 * scrape them (labelling every series with the deployment's name), a PrometheusRule with the alerts, and a Grafana
 * dashboard in a ConfigMap for Grafana's sidecar. Created by `Nats` when `metrics` is on.
 */
export class NatsMetrics extends Construct implements INatsMetrics {
  public readonly monitor?: ApiObject;
  public readonly rule?: ApiObject;
  public readonly dashboard?: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const { PodMonitor, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } = monitoringCrds();
    const m = s.metrics!;
    const namespace = Chart.of(this).namespace;
    const labels = { ...standardLabels(s.name, COMPONENT_SERVER, s.version), ...m.labels };
    const selector = { matchLabels: selectorLabels(s.name, COMPONENT_SERVER) };
    // Every series gets the deployment's name, which the alerts and the dashboard select on.
    const relabelings = [{ targetLabel: DEPLOYMENT_LABEL, replacement: s.name }];
    const matchers = seriesMatchers(s.name, namespace);

    if (m.monitor === MetricsMonitor.POD_MONITOR) {
      this.monitor = new PodMonitor(this, 'PodMonitor', {
        metadata: { name: s.name, labels },
        spec: { selector, podMetricsEndpoints: [{ port: 'metrics', relabelings }] },
      });
    } else if (m.monitor === MetricsMonitor.SERVICE_MONITOR) {
      this.monitor = new ServiceMonitor(this, 'ServiceMonitor', {
        metadata: { name: s.name, labels },
        // Both Services carry these labels; only the headless one has the `metrics` port, so one target per server.
        spec: { selector, endpoints: [{ port: 'metrics', relabelings }] },
      });
    }

    if (m.alerts) {
      this.rule = new PrometheusRule(this, 'Rule', {
        metadata: { name: s.name, labels },
        spec: {
          groups: alertGroups(s.name, s.replicas, matchers, m).map((g) => ({
            name: g.name,
            rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
          })),
        },
      });
    }

    if (m.dashboard) {
      const key = `${namespace ?? ''}/${s.name}`;
      const title = namespace ? `NATS ${s.name} (${namespace})` : `NATS ${s.name}`;
      this.dashboard = new k8s.KubeConfigMap(this, 'Dashboard', {
        metadata: { name: `${s.name}-dashboard`, labels: { ...labels, grafana_dashboard: '1' } },
        data: { [`${s.name}.json`]: JSON.stringify(dashboardJson(title, key, matchers), null, 2) },
      });
    }
  }
}
