// The fault suite's production-like deployment for s7 (certificate rotation), s8 (credentials reload) and s12 (an
// account's JetStream limit reached): the production profile of e2e/verify/prod-app.ts (3 replicas, TLS on clients,
// routes and monitoring from existing Secrets, users and accounts with passwords from the Secret nats-users,
// NetworkPolicy), plus the load generator's user, the user s8 rotates, and s12's user in the account LIMITED with a
// small JetStream file limit. FAULTS_ADDED_USER=NAME adds user NAME, whose password is the key NAME of nats-users:
// s8 applies that second synthesis. Synthesized by e2e/checks/faults/suite.ts:
//   CDK8S_OUTDIR=DIR NATS_NAMESPACE=nats-faults [FAULTS_ADDED_USER=added] node -r ts-node/register/transpile-only e2e/faults/secure-app.ts
import { App, Chart } from 'cdk8s';
import { DeliverPolicy, JetStream, NatsChart, SecurityProfile, StorageType } from '../../lib';
import { SECURE } from '../checks/faults/secure';

const namespace = process.env.NATS_NAMESPACE ?? 'nats-faults';
const added = process.env.FAULTS_ADDED_USER;
const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist-faults-secure' });
const password = (name: string) => ({ passwordSecretName: SECURE.usersSecret, passwordSecretKey: name });
const chart = new NatsChart(app, 'nats', {
  namespace,
  replicas: 3,
  security: SecurityProfile.PRODUCTION,
  tlsSecretName: SECURE.tlsSecret,
  tlsCaSecretName: SECURE.caSecret,
  accounts: [
    { name: 'APP', maxFileStore: '5Gi', maxStreams: 20 },
    { name: SECURE.limitedAccount, maxFileStore: SECURE.limitedAccountMaxFileStore.setting, maxStreams: 2 },
    { name: 'SYS', jetStream: false },
  ],
  systemAccount: 'SYS',
  users: [
    { name: 'app', account: 'APP', ...password('app') },
    { name: SECURE.loadgenUser, account: 'APP', ...password(SECURE.loadgenUser) },
    { name: SECURE.rotatedUser, account: 'APP', ...password(SECURE.rotatedUser) },
    ...(added ? [{ name: added, account: 'APP', ...password(added) }] : []),
    { name: 'admin', account: 'SYS', ...password('admin') },
    { name: SECURE.fillerUser, account: SECURE.limitedAccount, ...password(SECURE.fillerUser) },
  ],
  natsBoxUser: 'app',
  clientNamespaces: [`${namespace}-clients`],
  monitoringNamespace: `${namespace}-monitoring`,
});
const streams = new Chart(app, 'streams', { namespace, disableResourceNameHashes: true });
const jetStream = new JetStream(streams, 'JetStream', { nats: chart.nats });
const myStream = jetStream.addStream('MyStream', {
  name: 'MY_STREAM', subjects: ['events.>'], storage: StorageType.FILE, replicas: 3,
});
myStream.addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.ALL });
app.synth();
