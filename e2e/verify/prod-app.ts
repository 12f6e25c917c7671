// A production-style deployment for the e2e checks of issue 5: 3 replicas, TLS on client, routes and monitoring
// from existing Secrets, users and accounts with passwords from a Secret, NetworkPolicy, and the seed's stream and
// consumer applied by the Job as natsBoxUser, metrics with a ServiceMonitor. Synthesized by e2e/checks/prod.ts:
//   CDK8S_OUTDIR=/tmp/dist-prod NATS_NAMESPACE=nats-prod node -r ts-node/register/transpile-only e2e/verify/prod-app.ts
import { App, Chart } from 'cdk8s';
import { DeliverPolicy, JetStream, MetricsMonitor, NatsChart, SecurityProfile, StorageType } from '../../lib';

const namespace = process.env.NATS_NAMESPACE ?? 'nats-prod';
const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist-prod' });
const chart = new NatsChart(app, 'nats', {
  namespace,
  replicas: 3,
  security: SecurityProfile.PRODUCTION,        // clientTls + clusterTls + monitorTls + networkPolicy
  tlsSecretName: 'nats-tls',                   // tls.crt/tls.key: nats, nats.<ns>.svc, *.nats-headless, localhost
  tlsCaSecretName: 'nats-ca',                  // ca.crt: verifies route peers; nats-box and the Job trust it
  accounts: [{ name: 'APP', maxFileStore: '5Gi', maxStreams: 20 }, { name: 'SYS', jetStream: false }],
  systemAccount: 'SYS',
  users: [
    { name: 'app', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'app' },
    { name: 'admin', account: 'SYS', passwordSecretName: 'nats-users', passwordSecretKey: 'admin' },
  ],
  natsBoxUser: 'app',
  clientNamespaces: [`${namespace}-clients`],    // e2e/checks/netpol.ts probes from these two as well
  monitoringNamespace: `${namespace}-monitoring`,
  // The exporter reads the monitoring port over TLS; a ServiceMonitor (the R3 variant has the PodMonitor).
  metrics: true,
  metricsMonitor: MetricsMonitor.SERVICE_MONITOR,
});
const streams = new Chart(app, 'streams', { namespace, disableResourceNameHashes: true });
const jetStream = new JetStream(streams, 'JetStream', { nats: chart.nats });
const myStream = jetStream.addStream('MyStream', {
  name: 'MY_STREAM', subjects: ['events.>'], storage: StorageType.FILE, replicas: 3,
});
myStream.addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.ALL });
app.synth();
