/**
 * nats-io's prometheus-nats-exporter beside each server: it reads the server's monitoring endpoint on localhost and
 * serves Prometheus metrics on the port named `metrics`.
 */
import * as k8s from '../internal/k8s';
import { RESTRICTED_CONTAINER } from '../internal/pod-security';
import { SERVER_PATHS } from '../server/server-config';
import { NatsSettings } from '../server/settings';

/**
 * What the exporter collects: server (varz), connections, routes, subscriptions, health, and JetStream down to
 * streams and consumers; its `server_id` label is the server's name (`nats-0`), which the dashboard shows.
 */
export const EXPORTER_COLLECTORS = ['-varz', '-connz', '-routez', '-subz', '-healthz', '-jsz=all', '-use_internal_server_name'];

/** The exporter's arguments for a server whose monitoring endpoint is `monitorUrl`. */
export function exporterArgs(port: number, monitorUrl: string): string[] {
  return [`-port=${port}`, ...EXPORTER_COLLECTORS, monitorUrl];
}

/** The exporter container of a server pod; only when metrics are on. */
export function exporterContainer(s: NatsSettings): any {
  const m = s.metrics!;
  const tls = s.security.tls;
  const https = tls?.monitor ?? false;
  // The server certificate names `localhost` (lib/security/certificates.ts). The exporter reads the endpoint with
  // Go's default HTTP client, which trusts the CA file that SSL_CERT_FILE names: the cluster's CA, never "insecure".
  const monitorUrl = `${https ? 'https' : 'http'}://localhost:${s.monitorPort}`;
  const trustCa = https && tls?.caSecretName !== undefined;
  return {
    name: 'metrics',
    image: m.image,
    imagePullPolicy: 'IfNotPresent',
    args: exporterArgs(m.port, monitorUrl),
    ports: [{ name: 'metrics', containerPort: m.port }],
    env: trustCa ? [{ name: 'SSL_CERT_FILE', value: `${SERVER_PATHS.ca}/ca.crt` }] : undefined,
    resources: {
      requests: { cpu: k8s.Quantity.fromString(m.cpuRequest), memory: k8s.Quantity.fromString(m.memoryRequest) },
      limits: { memory: k8s.Quantity.fromString(m.memoryLimit) },
    },
    volumeMounts: trustCa ? [{ name: 'tls-ca', mountPath: SERVER_PATHS.ca, readOnly: true }] : undefined,
    securityContext: RESTRICTED_CONTAINER,
  };
}
