import { Chart, Testing } from 'cdk8s';
import { CertManagerIssuerKind, JetStream, Nats, SecurityProfile } from '../lib';
import { confOf, find, synth } from './support/tools';

// One setting turns on TLS everywhere, NetworkPolicy and required credentials; cert-manager issues the certificates.
const chart = new Chart(Testing.app(), 'prod', { namespace: 'nats' });
const nats = new Nats(chart, 'nats', {
  replicas: 3,
  security: SecurityProfile.PRODUCTION,
  clientMutualTls: true,
  certManagerIssuer: 'nats-ca',
  certManagerIssuerKind: CertManagerIssuerKind.CLUSTER_ISSUER,
  accounts: [{ name: 'APP', maxFileStore: '5Gi' }, { name: 'SYS' }],
  systemAccount: 'SYS',
  users: [
    { name: 'app', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'app' },
    { name: 'admin', account: 'SYS', passwordSecretName: 'nats-users', passwordSecretKey: 'admin' },
  ],
  natsBoxUser: 'app',
  clientNamespaces: ['jupyterhub'],
  monitoringNamespace: 'monitoring',
});
const manifest = synth(chart);
const conf = confOf(manifest);
const pod = find(manifest, 'StatefulSet').spec.template.spec;

test('snapshot', () => {
  expect(manifest).toMatchSnapshot();
});

test('TLS on clients (verified), routes (verified) and HTTPS monitoring', () => {
  expect(conf).toContain('https_port: 8222\ntls {\n  cert_file: "/etc/nats-certs/server/tls.crt"\n  key_file: "/etc/nats-certs/server/tls.key"\n  ca_file: "/etc/nats-certs/ca/ca.crt"\n  verify: true\n');
  expect(conf).toMatch(/cluster \{[\s\S]*tls \{\n {4}cert_file: "\/etc\/nats-certs\/server\/tls.crt"[\s\S]*verify: true/);
  expect(conf).not.toContain('http_port');
  const probes = ['startupProbe', 'readinessProbe', 'livenessProbe'].map((p) => pod.containers[0][p].httpGet.scheme);
  expect(probes).toEqual(['HTTPS', 'HTTPS', 'HTTPS']);
});

test('cert-manager Certificates with the Service and route names', () => {
  const server = find(manifest, 'Certificate', 'nats-tls');
  expect(server.apiVersion).toBe('cert-manager.io/v1');
  expect(server.spec.issuerRef).toEqual({ name: 'nats-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  expect(server.spec.dnsNames).toEqual(expect.arrayContaining([
    'nats', 'nats.nats.svc', 'nats.nats.svc.cluster.local', '*.nats-headless', '*.nats-headless.nats.svc.cluster.local',
  ]));
  expect(server.spec.usages).toEqual(['digital signature', 'server auth', 'client auth']);
  expect(find(manifest, 'Certificate', 'nats-box-tls').spec.usages).toEqual(['digital signature', 'client auth']);
  expect(nats.certificates).toBeDefined();
});

test('accounts, users with passwords from the Secret, system account', () => {
  expect(conf).toContain('accounts {\n  APP {\n    jetstream {\n      max_file: 5368709120\n    }\n    users: [\n      {\n        user: "app"\n        password: $NATS_PASSWORD_APP\n');
  expect(conf).toContain('system_account: "SYS"\n');
  expect(pod.containers[0].env).toContainEqual({ name: 'NATS_PASSWORD_ADMIN', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'admin' } } });
});

test('NetworkPolicy: 4222 from the namespace and jupyterhub, 6222 between servers, 8222 from the namespace and monitoring', () => {
  const policy = find(manifest, 'NetworkPolicy', 'nats').spec;
  // The servers of either topology (the selector minus nats.cdk8s.io/topology), so a migration keeps the policy.
  const { 'nats.cdk8s.io/topology': topology, ...servers } = find(manifest, 'StatefulSet').spec.selector.matchLabels;
  expect(topology).toBe('cluster');
  expect(policy.podSelector).toEqual({ matchLabels: servers });
  expect(policy.ingress).toEqual([
    { ports: [{ protocol: 'TCP', port: 4222 }], from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'jupyterhub' } } }] },
    { ports: [{ protocol: 'TCP', port: 6222 }], from: [{ podSelector: { matchLabels: servers } }] },
    { ports: [{ protocol: 'TCP', port: 8222 }], from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] },
  ]);
});

test('nats-box follows: TLS context with the CA and its client certificate, credentials from the Secret', () => {
  expect(JSON.parse(nats.natsBox!.contextFiles['context/default.json'])).toEqual({
    description: 'nats client Service',
    url: 'tls://nats:4222',
    ca: '/etc/nats-client-certs/ca/ca.crt',
    cert: '/etc/nats-client-certs/client/tls.crt',
    key: '/etc/nats-client-certs/client/tls.key',
  });
  const box = find(manifest, 'Deployment', 'nats-box').spec.template.spec;
  expect(box.containers[0].env).toContainEqual({ name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'app' } } });
  expect(box.volumes.map((v: any) => v.secret?.secretName).filter(Boolean)).toEqual(['nats-tls', 'nats-box-tls']);
});

test('homelab stays as the seed: no TLS, no users, no NetworkPolicy', () => {
  const homelab = synth((() => { const c = Testing.chart(); new Nats(c, 'nats'); return c; })());
  expect(find(homelab, 'NetworkPolicy')).toBeUndefined();
  expect(find(homelab, 'Certificate')).toBeUndefined();
  expect(find(homelab, 'ConfigMap', 'nats-config').data['nats.conf']).not.toMatch(/tls|authorization|accounts/);
});

test('the JetStream apply Job connects like nats-box: same user, CA and client certificate', () => {
  const app = Testing.app();
  const c = new Chart(app, 'js', { namespace: 'nats' });
  const secured = new Nats(c, 'nats', {
    clientTls: true, clientMutualTls: true, certManagerIssuer: 'nats-ca',
    users: [{ name: 'app', passwordSecretName: 'nats-users' }], natsBoxUser: 'app',
  });
  const js = new JetStream(c, 'JetStream', { nats: secured });
  js.addStream('S', { name: 'S', subjects: ['s.>'] });
  const job = find(synth(c), 'Job').spec.template.spec;
  expect(job.containers[0].env).toEqual(expect.arrayContaining([
    { name: 'NATS_CA', value: '/etc/nats-client-certs/ca/ca.crt' },
    { name: 'NATS_CERT', value: '/etc/nats-client-certs/client/tls.crt' },
    { name: 'NATS_USER', value: 'app' },
    { name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: 'nats-users', key: 'password' } } },
  ]));
  expect(job.volumes.map((v: any) => v.secret?.secretName).filter(Boolean)).toEqual(['nats-tls', 'nats-box-tls']);
});
