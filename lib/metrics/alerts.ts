/**
 * The alert rules, as PrometheusRule groups: each watches one thing an operator must act on. docs/operations.md says
 * what each means; __tests__/metrics-alerts.test.ts proves each with `promtool test rules`.
 */
import { MetricsSettings } from '../server/settings';
import { series } from './selector';

/** nats-server (2.10+) keeps a pool of 3 routes to each peer plus one pinned to the system account. */
export const ROUTES_PER_PEER = 4;
/** Messages a stream replica may be behind its most current copy before it counts as lagging. */
export const REPLICA_LAG_MESSAGES = 1000;

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** A whole number of seconds as a Prometheus duration (`5m`, `90s`). */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0 && seconds > 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0 && seconds > 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** The rules for a deployment of `replicas` servers whose series carry `matchers`. */
export function alertGroups(name: string, replicas: number, matchers: string, m: MetricsSettings): RuleGroup[] {
  const s = (metric: string, extra = '') => series(metric, matchers, extra);
  const holdFor = m.alertForSeconds > 0 ? promDuration(m.alertForSeconds) : undefined;
  const rule = (alert: string, severity: string, expr: string, summary: string, description: string, held = true): AlertRule => ({
    alert,
    expr,
    ...(held && holdFor ? { for: holdFor } : {}),
    labels: { severity, nats_deployment: name },
    annotations: { summary, description },
  });
  const rules: AlertRule[] = [
    rule('NatsServerDown', 'critical',
      `(count(${s('gnatsd_varz_connections')}) or vector(0)) < ${replicas}`,
      `A NATS server of ${name} is down`,
      `{{ $value }} of ${replicas} servers report metrics: a server (or its exporter) is not running.`),
    rule('NatsJetStreamNoMetaLeader', 'critical',
      `count(${s('jetstream_server_max_storage')}) unless count(${s('jetstream_server_max_storage', 'is_meta_leader="true"')})`,
      `JetStream of ${name} has no meta leader`,
      'No server is the JetStream meta leader: streams and consumers cannot be created, changed or deleted.'),
    rule('NatsStreamNoLeader', 'critical',
      `count by (account, stream_name) (${s('jetstream_stream_last_seq')}) unless count by (account, stream_name) (${s('jetstream_stream_last_seq', 'is_stream_leader="true"')})`,
      'Stream {{ $labels.stream_name }} has no leader',
      'Stream {{ $labels.stream_name }} (account {{ $labels.account }}) has no leader: it takes no messages.'),
    rule('NatsStreamReplicaLagging', 'warning',
      `max by (account, stream_name) (${s('jetstream_stream_last_seq')}) - min by (account, stream_name) (${s('jetstream_stream_last_seq')}) > ${REPLICA_LAG_MESSAGES}`,
      'A replica of stream {{ $labels.stream_name }} is lagging',
      `A replica of stream {{ $labels.stream_name }} is {{ $value }} messages behind the most current one (more than ${REPLICA_LAG_MESSAGES}).`),
    rule('NatsConsumerPendingHigh', 'warning',
      `max by (account, stream_name, consumer_name) (${s('jetstream_consumer_num_pending')}) > ${m.alertConsumerPending}`,
      'Consumer {{ $labels.consumer_name }} of stream {{ $labels.stream_name }} is falling behind',
      `{{ $value }} messages are pending for consumer {{ $labels.consumer_name }} (more than ${m.alertConsumerPending}).`),
    rule('NatsStoreUsageHigh', 'warning',
      `max by (server_id) (${s('gnatsd_varz_jetstream_stats_storage')}) / max by (server_id) (${s('gnatsd_varz_jetstream_config_max_storage')}) > ${m.alertStoreUsage}`,
      'JetStream store of {{ $labels.server_id }} is filling up',
      `{{ $value | humanizePercentage }} of max_file_store is used on {{ $labels.server_id }} (more than ${m.alertStoreUsage * 100}%); at 100% JetStream refuses writes.`),
    rule('NatsSlowConsumers', 'warning',
      `increase(${s('gnatsd_varz_slow_consumers')}[5m]) > 0`,
      'NATS server {{ $labels.server_id }} has slow consumers',
      'Clients of {{ $labels.server_id }} could not keep up and were disconnected as slow consumers in the last 5 minutes.',
      false),
  ];
  if (replicas > 1) {
    const expected = (replicas - 1) * ROUTES_PER_PEER;
    rules.push(rule('NatsRoutesMissing', 'critical',
      `${s('gnatsd_varz_routes')} < ${expected}`,
      'NATS server {{ $labels.server_id }} has fewer routes than expected',
      `{{ $labels.server_id }} has {{ $value }} routes, expected ${expected} (${ROUTES_PER_PEER} to each of ${replicas - 1} peers): the cluster is partitioned.`));
  }
  return [{ name: `nats-${name}`, rules }];
}
