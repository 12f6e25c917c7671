/**
 * The Grafana dashboard, as code: servers, clients, messages and bytes in and out, JetStream streams, consumers,
 * pending, storage use and leaders. Its datasource is a template variable, so it works with any Prometheus the
 * Grafana knows. __tests__/metrics-prometheus.test.ts runs every query against a real Prometheus.
 */
import { createHash } from 'crypto';
import { series } from './selector';

export interface DashboardPanel {
  readonly title: string;
  readonly unit: string;
  readonly kind: 'stat' | 'timeseries';
  readonly queries: { readonly expr: string; readonly legend: string }[];
}

/** The panels, in order, for a deployment whose series carry `matchers`. */
export function dashboardPanels(matchers: string): DashboardPanel[] {
  const s = (metric: string, extra = '') => series(metric, matchers, extra);
  const perServer = (expr: string) => `sum by (server_id) (${expr})`;
  const panel = (title: string, unit: string, kind: DashboardPanel['kind'], ...queries: [string, string][]): DashboardPanel =>
    ({ title, unit, kind, queries: queries.map(([expr, legend]) => ({ expr, legend })) });
  return [
    panel('Servers up', 'none', 'stat', [`count(${s('gnatsd_varz_connections')})`, 'servers']),
    panel('JetStream meta leader', 'none', 'stat',
      [`count by (server_name) (${s('jetstream_server_max_storage', 'is_meta_leader="true"')})`, '{{server_name}}']),
    panel('Streams', 'none', 'stat', [`max(${s('jetstream_server_total_streams')})`, 'streams']),
    panel('Consumers', 'none', 'stat', [`max(${s('jetstream_server_total_consumers')})`, 'consumers']),
    panel('Client connections', 'none', 'timeseries', [perServer(s('gnatsd_varz_connections')), '{{server_id}}']),
    panel('Subscriptions', 'none', 'timeseries', [perServer(s('gnatsd_varz_subscriptions')), '{{server_id}}']),
    panel('Messages in / out', 'msg/s', 'timeseries',
      [perServer(`rate(${s('gnatsd_varz_in_msgs')}[5m])`), 'in {{server_id}}'],
      [perServer(`rate(${s('gnatsd_varz_out_msgs')}[5m])`), 'out {{server_id}}']),
    panel('Bytes in / out', 'Bps', 'timeseries',
      [perServer(`rate(${s('gnatsd_varz_in_bytes')}[5m])`), 'in {{server_id}}'],
      [perServer(`rate(${s('gnatsd_varz_out_bytes')}[5m])`), 'out {{server_id}}']),
    panel('Slow consumers', 'none', 'timeseries', [perServer(s('gnatsd_varz_slow_consumers')), '{{server_id}}']),
    panel('Routes', 'none', 'timeseries', [perServer(s('gnatsd_varz_routes')), '{{server_id}}']),
    panel('Stream messages', 'none', 'timeseries',
      [`max by (account, stream_name) (${s('jetstream_stream_total_messages')})`, '{{stream_name}}']),
    panel('Stream bytes', 'bytes', 'timeseries',
      [`max by (account, stream_name) (${s('jetstream_stream_total_bytes')})`, '{{stream_name}}']),
    panel('Consumer pending', 'none', 'timeseries',
      [`max by (account, stream_name, consumer_name) (${s('jetstream_consumer_num_pending')})`, '{{stream_name}}/{{consumer_name}}']),
    panel('Consumer ack pending', 'none', 'timeseries',
      [`max by (account, stream_name, consumer_name) (${s('jetstream_consumer_num_ack_pending')})`, '{{stream_name}}/{{consumer_name}}']),
    panel('Store use (share of max_file_store)', 'percentunit', 'timeseries',
      [`max by (server_id) (${s('gnatsd_varz_jetstream_stats_storage')}) / max by (server_id) (${s('gnatsd_varz_jetstream_config_max_storage')})`, '{{server_id}}']),
    panel('Store used', 'bytes', 'timeseries', [perServer(s('gnatsd_varz_jetstream_stats_storage')), '{{server_id}}']),
    panel('Stream leaders per server', 'none', 'timeseries',
      [`count by (server_name) (${s('jetstream_stream_last_seq', 'is_stream_leader="true"')})`, '{{server_name}}']),
  ];
}

/** The dashboard JSON model Grafana imports, with a `datasource` variable every panel uses. */
export function dashboardJson(title: string, key: string, matchers: string): { [key: string]: unknown } {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  let y = 0;
  let x = 0;
  let rowHeight = 0;
  const panels = dashboardPanels(matchers).map((p, i) => {
    const w = p.kind === 'stat' ? 6 : 12;
    const h = p.kind === 'stat' ? 4 : 8;
    if (x + w > 24) { x = 0; y += rowHeight; rowHeight = 0; }
    const gridPos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return {
      id: i + 1,
      type: p.kind,
      title: p.title,
      datasource,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), datasource, expr: q.expr, legendFormat: q.legend })),
    };
  });
  return {
    // Grafana dashboard uids are at most 40 characters: one per deployment, stable across synths.
    uid: `nats-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`,
    title,
    tags: ['nats', 'jetstream'],
    editable: false,
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 }],
    },
    panels,
  };
}
