// Leafnodes, gateways, WebSocket and MQTT as manifests: the nats.conf blocks (each rendered config passes a real
// `nats-server -t`), one Service per listener with its exposure, the NetworkPolicy rules, TLS and the Ingress.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { JetStream, ListenerExposure, Nats, NatsChart, NatsProps, SecurityProfile } from '../lib';
import { appSettingsFromEnv } from '../lib/app/env';
import { TestCa } from './support/certs';
import { checkConfig, confOf, find, nats, synth } from './support/tools';

const ALL_ON: NatsProps = {
  serverNamePrefix: 'east-',
  // nats-server 2.15 needs a system account where gateways and leafnodes meet.
  accounts: [{ name: 'APP' }, { name: 'SYS', jetStream: false }],
  systemAccount: 'SYS',
  leafnodes: true,
  leafnodeRemotes: [{ urls: ['nats-leaf://hub-leafnodes.hub.svc:7422'], nkeySeedSecretName: 'leaf-seed', account: 'APP' }],
  gateways: true,
  gatewayName: 'east',
  gatewayRemotes: [{ name: 'west', urls: ['nats://west-gateway.west.svc.cluster.local:7222'] }],
  websocket: true,
  websocketNoTls: true,
  websocketAllowedOrigins: ['https://app.example.com'],
  websocketCompression: true,
  mqtt: true,
  jetStreamDomain: 'edge',
};

const ca = new TestCa();
const dir = mkdtempSync(join(tmpdir(), 'listeners-'));
afterAll(() => {
  ca.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A user seed made by the real CLI, for the leafnode remote's variable. */
function seed(): string {
  nats(['auth', 'nkey', 'gen', 'user', '--output', join(dir, 'leaf.nk')]);
  return readFileSync(join(dir, 'leaf.nk'), 'utf8').trim();
}

/** `nats-server -t` on a rendered config whose pod paths point at files that exist here (certificates, creds). */
function check(conf: string, env: { [name: string]: string } = {}): { ok: boolean; output: string } {
  const server = ca.issue('server', ['localhost']);
  const files: { [path: string]: string } = {
    '/etc/nats-certs/server/tls.crt': server.crt, '/etc/nats-certs/server/tls.key': server.key, '/etc/nats-certs/ca/ca.crt': ca.ca.crt,
    '/etc/nats-leafnodes/0/ca/ca.crt': ca.ca.crt,
  };
  // The auth sidecar's auth.conf defines the password variables in the pod; here they are defined in place.
  let local = conf.replace('include "../nats-auth/auth.conf"\n', 'NATS_PASSWORD_APP: "app-password"\n');
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path.replace(/\//g, '_'));
    writeFileSync(file, content);
    local = local.split(`"${path}"`).join(JSON.stringify(file));
  }
  return checkConfig(local, 'east-nats-0', { GATEWAY_ADVERTISE: 'nats-0.nats-headless.nats.svc.cluster.local:7222', ...env });
}

describe('every listener on, homelab', () => {
  const chart = Testing.chart();
  new Nats(chart, 'nats', { ...ALL_ON, replicas: 3 });
  const manifest = synth(chart);
  const conf = confOf(manifest);

  test('renders each block, and the cluster takes the gateway name', () => {
    expect(conf).toContain('cluster {\n  name: "east"\n');
    expect(conf).toContain('jetstream {\n  store_dir: "/data"\n  max_file_store: 9663676416\n  max_memory_store: 0\n  domain: "edge"\n}');
    expect(conf).toContain('leafnodes {\n  port: 7422\n  no_advertise: true\n  remotes: [\n    {\n      urls: [\n        "nats-leaf://hub-leafnodes.hub.svc:7422"\n      ]\n      account: "APP"\n      nkey: $NATS_LEAFNODE_SEED_0\n    }\n  ]\n}');
    expect(conf).toContain('gateway {\n  name: "east"\n  port: 7222\n  advertise: $GATEWAY_ADVERTISE\n  gateways: [\n    {\n      name: "west"\n');
    expect(conf).toContain('websocket {\n  port: 8080\n  no_tls: true\n  allowed_origins: [\n    "https://app.example.com"\n  ]\n  compression: true\n}');
    expect(conf).toContain('mqtt {\n  port: 1883\n}');
  });

  test('passes nats-server -t, with the seed and the advertised address the pod gets', () => {
    expect(check(conf, { NATS_LEAFNODE_SEED_0: seed() })).toEqual({ ok: true, output: expect.stringContaining('configuration file') });
    // The seed really is read: a bad one fails the check.
    expect(check(conf, { NATS_LEAFNODE_SEED_0: 'SUNOTASEED' }).output).toMatch(/Remote leafnode nkey is not a valid seed/);
  });

  test('the pod gets the ports, the seed from its Secret and the gateway address under the headless Service', () => {
    const container = find(manifest, 'StatefulSet').spec.template.spec.containers[0];
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([
      ['client', 4222], ['cluster', 6222], ['monitor', 8222], ['leafnodes', 7422], ['gateway', 7222], ['websocket', 8080], ['mqtt', 1883],
    ]);
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'GATEWAY_ADVERTISE', value: '$(POD_NAME).nats-headless.$(POD_NAMESPACE).svc.cluster.local:7222' },
      { name: 'NATS_LEAFNODE_SEED_0', valueFrom: { secretKeyRef: { name: 'leaf-seed', key: 'seed' } } },
    ]));
    expect(JSON.stringify(find(manifest, 'ConfigMap'))).not.toMatch(/SU[A-Z2-7]{50,}/);
  });

  test('one Service per listener, ClusterIP by default; the client Service is unchanged', () => {
    for (const [name, port] of [['nats-leafnodes', 7422], ['nats-gateway', 7222], ['nats-websocket', 8080], ['nats-mqtt', 1883]] as const) {
      const service = find(manifest, 'Service', name);
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: name.slice(5), port, targetPort: name.slice(5) }]);
    }
    const plain = synth(withChart((c) => new Nats(c, 'nats', { replicas: 3 })));
    expect(find(manifest, 'Service', 'nats')).toEqual(find(plain, 'Service', 'nats'));
    expect(manifest.filter((o) => o.kind === 'Service')).toHaveLength(6);
  });
});

test('each listener is exposed its own way, with its annotations', () => {
  const manifest = synth(withChart((c) => new Nats(c, 'nats', {
    mqtt: true, mqttExposure: ListenerExposure.LOAD_BALANCER, mqttServiceAnnotations: { 'metallb.universe.tf/address-pool': 'iot' },
    leafnodes: true, leafnodeExposure: ListenerExposure.NODE_PORT,
  })));
  expect(find(manifest, 'Service', 'nats-mqtt').spec.type).toBe('LoadBalancer');
  expect(find(manifest, 'Service', 'nats-mqtt').metadata.annotations).toEqual({ 'metallb.universe.tf/address-pool': 'iot' });
  expect(find(manifest, 'Service', 'nats-leafnodes').spec.type).toBe('NodePort');
  expect(find(manifest, 'Service', 'nats-leafnodes').metadata.annotations).toBeUndefined();
  expect(find(manifest, 'Service', 'nats-gateway')).toBeUndefined();
});

describe('production: TLS on every listener, NetworkPolicy sources', () => {
  const props: NatsProps = {
    security: SecurityProfile.PRODUCTION,
    certManagerIssuer: 'nats-ca',
    accounts: [{ name: 'APP' }, { name: 'SYS', jetStream: false }],
    systemAccount: 'SYS',
    users: [{ name: 'app', account: 'APP', passwordSecretName: 'nats-users' }],
    natsBoxUser: 'app',
    replicas: 3,
    serverNamePrefix: 'east-',
    leafnodes: true,
    leafnodeNamespaces: ['edge'],
    leafnodeRemotes: [{ urls: ['tls://hub.example.com:7422'], tlsCaSecretName: 'hub-ca', account: 'APP' }],
    gateways: true,
    gatewayNamespaces: ['west'],
    gatewayRemotes: [{ name: 'west', urls: ['nats://west-gateway.west.svc:7222'] }],
    websocket: true,
    websocketNamespaces: ['ingress-nginx'],
    websocketIngressHost: 'nats.example.com',
    websocketIngressTlsSecretName: 'nats-web-tls',
    mqtt: true,
    mqttCidrs: ['192.168.10.0/24'],
  };
  const chart = new NatsChart(Testing.app(), 'nats', { namespace: 'east', ...props });
  const manifest = synth(chart);
  const conf = confOf(manifest);
  const tls = (verify: boolean) => `tls {\n    cert_file: "/etc/nats-certs/server/tls.crt"\n    key_file: "/etc/nats-certs/server/tls.key"\n    ca_file: "/etc/nats-certs/ca/ca.crt"\n    verify: ${verify}\n    timeout: 5\n  }`;

  test('every listener serves TLS with the server certificate; gateways verify both ways; the remote verifies the hub', () => {
    expect(conf).toContain(`leafnodes {\n  port: 7422\n  no_advertise: true\n  ${tls(false)}\n  remotes: [\n    {\n      urls: [\n        "tls://hub.example.com:7422"\n      ]\n      account: "APP"\n      tls {\n        ca_file: "/etc/nats-leafnodes/0/ca/ca.crt"\n        timeout: 5\n      }\n    }\n  ]\n}`);
    expect(block(conf, 'gateway')).toContain(tls(true));
    expect(conf).toContain(`websocket {\n  port: 8080\n  ${tls(false)}\n}`);
    expect(conf).toContain(`mqtt {\n  port: 1883\n  ${tls(false)}\n}`);
    expect(check(conf)).toEqual({ ok: true, output: expect.stringContaining('configuration file') });
    const set = find(manifest, 'StatefulSet').spec.template.spec;
    expect(set.volumes).toContainEqual({ name: 'leafnode-0-ca', secret: { secretName: 'hub-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
    expect(set.containers[0].volumeMounts).toContainEqual({ name: 'leafnode-0-ca', mountPath: '/etc/nats-leafnodes/0/ca', readOnly: true });
  });

  test('the certificate names each listener Service', () => {
    const dnsNames = find(manifest, 'Certificate').spec.dnsNames;
    for (const service of ['nats-leafnodes', 'nats-gateway', 'nats-websocket', 'nats-mqtt']) {
      expect(dnsNames).toEqual(expect.arrayContaining([service, `${service}.east.svc`, `${service}.east.svc.cluster.local`]));
    }
  });

  test('the NetworkPolicy admits each listener from the release namespace and its declared sources only', () => {
    const rules = find(manifest, 'NetworkPolicy').spec.ingress;
    const rule = (port: number) => rules.find((r: any) => r.ports[0].port === port).from;
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    expect(rule(7422)).toEqual([{ podSelector: {} }, ns('edge')]);
    expect(rule(7222)).toEqual([{ podSelector: {} }, ns('west')]);
    expect(rule(8080)).toEqual([{ podSelector: {} }, ns('ingress-nginx')]);
    expect(rule(1883)).toEqual([{ podSelector: {} }, { ipBlock: { cidr: '192.168.10.0/24' } }]);
  });

  test('the Ingress routes the host to the WebSocket Service', () => {
    const ingress = find(manifest, 'Ingress', 'nats-websocket');
    expect(ingress.spec).toEqual({
      tls: [{ hosts: ['nats.example.com'], secretName: 'nats-web-tls' }],
      rules: [{ host: 'nats.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'nats-websocket', port: { name: 'websocket' } } } }] } }],
    });
  });
});

test('streams are placed in the cluster by its gateway name, which is the cluster name', () => {
  const chart = new NatsChart(Testing.app(), 'nats', { replicas: 3, gateways: true, gatewayName: 'east', serverNamePrefix: 'east-' });
  const js = new JetStream(chart, 'JetStream', { nats: chart.nats });
  expect(() => js.addStream('InEast', { name: 'IN_EAST', subjects: ['east.>'], replicas: 3, placementCluster: 'east' })).not.toThrow();
  expect(() => js.addStream('InNats', { name: 'IN_NATS', subjects: ['nats.>'], replicas: 3, placementCluster: 'nats' }))
    .toThrow('stream "IN_NATS" placementCluster must be this deployment\'s cluster, "east"');
});

test('a credentials file is mounted from its Secret and named in the remote', () => {
  const manifest = synth(withChart((c) => new Nats(c, 'nats', {
    leafnodeRemotes: [{ urls: ['tls://connect.ngs.global:7422'], credentialsSecretName: 'ngs', credentialsSecretKey: 'user.creds' }],
  })));
  const conf = confOf(manifest);
  expect(conf).toContain('credentials: "/etc/nats-leafnodes/0/creds/user.creds"');
  expect(conf).not.toMatch(/leafnodes \{\n {2}port/); // remotes only: no listener
  expect(find(manifest, 'StatefulSet').spec.template.spec.volumes).toContainEqual(
    { name: 'leafnode-0-creds', secret: { secretName: 'ngs', items: [{ key: 'user.creds', path: 'user.creds' }] } });
  expect(find(manifest, 'Service', 'nats-leafnodes')).toBeUndefined();
});

test('the app turns the listeners on with NATS_WEBSOCKET, NATS_MQTT and NATS_LEAFNODES', () => {
  const { props } = appSettingsFromEnv({ NATS_WEBSOCKET: 'true', NATS_MQTT: 'true', NATS_LEAFNODES: 'true' });
  expect(props).toEqual({ websocket: true, websocketNoTls: true, mqtt: true, leafnodes: true });
  const manifest = synth(new NatsChart(Testing.app(), 'nats', props));
  expect(['nats-websocket', 'nats-mqtt', 'nats-leafnodes'].map((n) => find(manifest, 'Service', n)?.spec.ports[0].port)).toEqual([8080, 1883, 7422]);
  expect(check(confOf(manifest)).ok).toBe(true);
  expect(appSettingsFromEnv({}).props).toEqual({});
});

function withChart(build: (c: ReturnType<typeof Testing.chart>) => unknown): ReturnType<typeof Testing.chart> {
  const chart = Testing.chart();
  build(chart);
  return chart;
}

/** A top-level block of nats.conf, from `<key> {` to its closing brace. */
function block(conf: string, key: string): string {
  const start = conf.indexOf(`\n${key} {\n`);
  if (start < 0) throw new Error(`no ${key} block in:\n${conf}`);
  return conf.slice(start, conf.indexOf('\n}\n', start) + 3);
}
