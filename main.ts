// The homelab app: `cdk8s synth` writes the NATS deployment to dist/. Settings come from the
// environment (see docs/operations.md), so another size of deployment needs no code change:
//   NATS_REPLICAS=3 npm run synth
import { App, Chart } from 'cdk8s';
import { DeliverPolicy, JetStream, NatsChart, NatsMigrationJob, StorageType } from './lib';
import { appSettingsFromEnv } from './lib/app/env';

const settings = appSettingsFromEnv(process.env);
const app = new App(); // writes to dist/, or to $CDK8S_OUTDIR when the cdk8s CLI sets it
const chart = new NatsChart(app, 'nats', settings.props);
const nats = chart.nats;

// The homelab's stream and consumer as code. Their own chart is dist/streams.k8s.yaml, which `kubectl apply -f dist`
// applies after nats.k8s.yaml. JETSTREAM_MODE=nack renders NACK custom resources instead of the apply Job;
// JETSTREAM_REPAIR_SCHEDULE (a cron schedule) adds the CronJob that re-creates them if they go missing.
const streams = new Chart(app, 'streams', { namespace: chart.namespace, disableResourceNameHashes: true });
const jetStream = new JetStream(streams, 'JetStream', {
  nats, mode: settings.jetStreamMode, repairSchedule: settings.jetStreamRepairSchedule,
});
const myStream = jetStream.addStream('MyStream', {
  name: 'MY_STREAM',
  subjects: ['events.>'],
  storage: StorageType.FILE,
  replicas: nats.replicas,
});
myStream.addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.ALL });

// `npm run migrate` (scripts/migrate-to-cluster.sh) adds the Job that moves a standalone deployment's data into
// the cluster; it synthesizes into its own directory, so dist/ never holds the Job.
if (settings.migrateFromStandalone) {
  const migration = new Chart(app, 'migration', { namespace: chart.namespace, disableResourceNameHashes: true });
  new NatsMigrationJob(migration, 'Migration', { nats });
}
app.synth();

