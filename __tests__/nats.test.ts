import { Duration, Testing } from 'cdk8s';
import { HealthCheck, Nats, StorageAccessMode } from '../lib';
import { checkConfig, confOf, find, synth } from './support/tools';

const build = (props: ConstructorParameters<typeof Nats>[2] = {}) => {
  const chart = Testing.chart();
  const nats = new Nats(chart, 'nats', props);
  return { nats, manifest: synth(chart) };
};
const podSpec = (manifest: any[]) => find(manifest, 'StatefulSet').spec.template.spec;
const server = (manifest: any[]) => podSpec(manifest).containers[0];

describe('homelab: one server', () => {
  const { manifest, nats } = build();

  test('snapshot', () => {
    expect(manifest).toMatchSnapshot();
  });

  test('names are stable and readable', () => {
    expect(manifest.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/nats-config',
      'StatefulSet/nats',
      'Service/nats-headless',
      'Service/nats',
      'ConfigMap/nats-box-contexts',
      'Deployment/nats-box',
    ]);
  });

  test('ports 4222, 6222 and 8222', () => {
    expect(server(manifest).ports).toEqual([
      { name: 'client', containerPort: 4222 },
      { name: 'cluster', containerPort: 6222 },
      { name: 'monitor', containerPort: 8222 },
    ]);
    expect(find(manifest, 'Service', 'nats').spec.ports.map((p: any) => p.port)).toEqual([4222, 8222]);
  });

  test('headless Service publishes not-ready pods on all three ports', () => {
    const headless = find(manifest, 'Service', 'nats-headless').spec;
    expect(headless.clusterIP).toBe('None');
    expect(headless.publishNotReadyAddresses).toBe(true);
    expect(headless.ports.map((p: any) => p.port)).toEqual([4222, 6222, 8222]);
    expect(find(manifest, 'StatefulSet').spec.serviceName).toBe('nats-headless');
  });

  test('Parallel pods, one at a time rolling, data kept', () => {
    const spec = find(manifest, 'StatefulSet').spec;
    expect(spec.podManagementPolicy).toBe('Parallel');
    expect(spec.replicas).toBe(1);
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('JetStream claim of 10Gi, max_file_store 90% of it, memory store off', () => {
    const claim = find(manifest, 'StatefulSet').spec.volumeClaimTemplates[0];
    expect(claim.metadata.name).toBe('nats-js');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } });
    expect(confOf(manifest)).toContain(`max_file_store: ${Math.floor(10 * 2 ** 30 * 0.9)}\n`);
    expect(confOf(manifest)).toContain('max_memory_store: 0\n');
    expect(server(manifest).volumeMounts).toContainEqual({ name: 'nats-js', mountPath: '/data' });
  });

  test('no cluster block and no PodDisruptionBudget for one server', () => {
    expect(confOf(manifest)).not.toContain('cluster');
    expect(find(manifest, 'PodDisruptionBudget')).toBeUndefined();
  });

  test('nats.conf passes the real nats-server', () => {
    expect(checkConfig(confOf(manifest))).toEqual({ ok: true, output: expect.stringContaining('configuration file') });
  });

  test('probes: startup on full /healthz, readiness and liveness on checks local to the server', () => {
    const c = server(manifest);
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'monitor' });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(900);
    expect(c.readinessProbe.httpGet.path).toBe('/healthz?js-server-only=true');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz?js-enabled-only=true');
    expect(c.livenessProbe.periodSeconds * c.livenessProbe.failureThreshold).toBe(90);
  });

  test('lame duck before stop, inside the termination grace period', () => {
    expect(server(manifest).lifecycle.preStop.exec.command).toEqual(['nats-server', '-sl=ldm=/var/run/nats/nats.pid']);
    expect(confOf(manifest)).toContain('lame_duck_duration: "30s"\nlame_duck_grace_period: "10s"\n');
    expect(podSpec(manifest).terminationGracePeriodSeconds).toBe(60);
  });

  test('server name from the pod name', () => {
    expect(confOf(manifest)).toContain('server_name: $SERVER_NAME\n');
    expect(server(manifest).env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'SERVER_NAME', value: '$(POD_NAME)' },
    ]);
  });

  test('restricted Pod Security: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    expect(podSpec(manifest).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000,
      fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const workload of [find(manifest, 'StatefulSet'), find(manifest, 'Deployment')]) {
      for (const c of workload.spec.template.spec.containers) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
        });
      }
      expect(workload.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    }
  });

  test('homelab requests, no limits, no GOMEMLIMIT', () => {
    expect(server(manifest).resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
    expect(server(manifest).env.map((e: any) => e.name)).not.toContain('GOMEMLIMIT');
  });

  test('the pod carries a checksum of nats.conf', () => {
    const annotations = find(manifest, 'StatefulSet').spec.template.metadata.annotations;
    expect(annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('soft spread over nodes', () => {
    expect(podSpec(manifest).topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: {
        'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'server',
        'nats.cdk8s.io/topology': 'standalone',
      } },
    }]);
  });

  test('standard labels on every object; selectors without the version', () => {
    for (const o of manifest) {
      expect(o.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/managed-by': 'cdk8s' });
    }
    expect(find(manifest, 'StatefulSet').spec.selector.matchLabels).not.toHaveProperty(['app.kubernetes.io/version']);
  });

  test('default images', () => {
    expect(server(manifest).image).toBe('nats:2.15.3-alpine');
    expect(find(manifest, 'Deployment').spec.template.spec.containers[0].image).toBe('natsio/nats-box:0.19.7');
  });

  test('nats-box default context points at the client Service', () => {
    expect(nats.natsBox!.contextFiles['context.txt']).toBe('default');
    expect(JSON.parse(nats.natsBox!.contextFiles['context/default.json']).url).toBe('nats://nats:4222');
    expect(nats.clientUrl).toBe('nats://nats:4222');
  });
});

describe('3-node cluster', () => {
  const { manifest } = build({ replicas: 3 });

  // A clustered server deletes a standalone store's streams as orphans: the switch must never happen in place.
  test('standalone and cluster cannot be switched in place: selector, claims and ConfigMap differ', () => {
    const standalone = build({}).manifest;
    const [one, three] = [standalone, manifest].map((m) => find(m, 'StatefulSet').spec);
    expect(one.selector.matchLabels['nats.cdk8s.io/topology']).toBe('standalone');
    expect(three.selector.matchLabels['nats.cdk8s.io/topology']).toBe('cluster');
    expect(one.volumeClaimTemplates[0].metadata.name).toBe('nats-js');
    expect(three.volumeClaimTemplates[0].metadata.name).toBe('nats-cluster-js');
    expect(three.template.spec.volumes[0]).toEqual({ name: 'config', configMap: { name: 'nats-cluster-config' } });
    expect(one.template.spec.volumes[0]).toEqual({ name: 'config', configMap: { name: 'nats-config' } });
    // The Services select servers of either topology, so clients keep the same address across a migration.
    for (const service of manifest.filter((o) => o.kind === 'Service')) {
      expect(service.spec.selector).not.toHaveProperty(['nats.cdk8s.io/topology']);
    }
  });

  test('5 servers keep the cluster topology: growing a cluster is an in-place change', () => {
    const five = find(build({ replicas: 5 }).manifest, 'StatefulSet').spec;
    const three = find(manifest, 'StatefulSet').spec;
    expect(five.selector).toEqual(three.selector);
    expect(five.volumeClaimTemplates).toEqual(three.volumeClaimTemplates);
  });

  test('snapshot', () => {
    expect(manifest).toMatchSnapshot();
  });

  test('routes to every replica through the headless Service', () => {
    expect(confOf(manifest)).toContain([
      'cluster {',
      '  name: "nats"',
      '  port: 6222',
      '  no_advertise: true',
      '  routes: [',
      '    "nats://nats-0.nats-headless:6222"',
      '    "nats://nats-1.nats-headless:6222"',
      '    "nats://nats-2.nats-headless:6222"',
      '  ]',
      '}',
    ].join('\n'));
    for (const pod of ['nats-0', 'nats-1', 'nats-2']) {
      expect(checkConfig(confOf(manifest), pod).ok).toBe(true);
    }
  });

  test('PodDisruptionBudget allows one server down', () => {
    expect(find(manifest, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: find(manifest, 'StatefulSet').spec.selector,
    });
  });

  test('a config change changes the checksum', () => {
    const other = build({ replicas: 3, maxPayload: '2Mi' }).manifest;
    const sum = (m: any[]) => find(m, 'StatefulSet').spec.template.metadata.annotations['checksum/config'];
    expect(sum(other)).not.toEqual(sum(manifest));
    expect(confOf(other)).toContain('max_payload: 2097152\n');
  });
});

describe('private registry', () => {
  const { manifest } = build({ registry: 'harbor.example.com/library', imagePullSecrets: ['harbor'] });

  test('snapshot', () => {
    expect(manifest).toMatchSnapshot();
  });

  test('every image comes from the mirror, with pull secrets', () => {
    expect(server(manifest).image).toBe('harbor.example.com/library/nats:2.15.3-alpine');
    const box = find(manifest, 'Deployment').spec.template.spec;
    expect(box.containers[0].image).toBe('harbor.example.com/library/nats-box:0.19.7');
    expect(podSpec(manifest).imagePullSecrets).toEqual([{ name: 'harbor' }]);
    expect(box.imagePullSecrets).toEqual([{ name: 'harbor' }]);
  });
});

describe('options', () => {
  test('storage class, access mode and size', () => {
    const { manifest } = build({ storageClassName: 'fast-ssd', storageAccessMode: StorageAccessMode.READ_WRITE_ONCE_POD, storageSize: '50Gi', maxFileStore: '47Gi' });
    expect(find(manifest, 'StatefulSet').spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOncePod'], storageClassName: 'fast-ssd', resources: { requests: { storage: '50Gi' } },
    });
    expect(confOf(manifest)).toContain(`max_file_store: ${47 * 2 ** 30}\n`);
  });

  test('memory store and memory limit give max_memory_store and GOMEMLIMIT', () => {
    const { manifest } = build({ maxMemoryStore: '256Mi', memoryLimit: '1Gi', cpuLimit: '1' });
    expect(confOf(manifest)).toContain(`max_memory_store: ${256 * 2 ** 20}\n`);
    expect(server(manifest).env).toContainEqual({ name: 'GOMEMLIMIT', value: '819MiB' });
    expect(server(manifest).resources.limits).toEqual({ cpu: '1', memory: '1Gi' });
    expect(checkConfig(confOf(manifest)).ok).toBe(true);
  });

  test('volume ownership opt-in: a root init container with only CHOWN and FOWNER', () => {
    const { manifest } = build({ prepareVolumeOwnership: true });
    const [init] = podSpec(manifest).initContainers;
    expect(init.command).toEqual(['sh', '-c', 'chown 1000:1000 /data && chmod 0770 /data']);
    expect(init.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] } });
    expect(init.volumeMounts).toEqual([{ name: 'nats-js', mountPath: '/data' }]);
    expect(podSpec(build().manifest).initContainers).toBeUndefined();
  });

  test('longer lame duck stretches the grace period', () => {
    const { manifest } = build({ lameDuckDuration: Duration.seconds(60), lameDuckGracePeriod: Duration.seconds(15) });
    expect(podSpec(manifest).terminationGracePeriodSeconds).toBe(95);
  });

  test('startup check is configurable', () => {
    const { manifest } = build({ startupCheck: HealthCheck.SERVER_ONLY });
    expect(server(manifest).startupProbe.httpGet.path).toBe('/healthz?js-server-only=true');
  });

  test('another name renames everything consistently', () => {
    const { manifest } = build({ name: 'events', replicas: 3, serverNamePrefix: 'east-' });
    expect(manifest.map((o) => o.metadata.name)).toEqual([
      'events-cluster-config', 'events', 'events', 'events-headless', 'events', 'events-box-contexts', 'events-box',
    ]);
    expect(confOf(manifest, 'events-cluster-config')).toContain('"nats://events-2.events-headless:6222"');
    expect(server(manifest).env[1]).toEqual({ name: 'SERVER_NAME', value: 'east-$(POD_NAME)' });
  });

  test('nats-box can be left out', () => {
    const { manifest, nats } = build({ natsBox: false });
    expect(find(manifest, 'Deployment')).toBeUndefined();
    expect(nats.natsBox).toBeUndefined();
  });

  test('extra config reaches nats.conf and passes the real server', () => {
    const { manifest } = build({ extraConfig: { max_connections: 500, write_deadline: '5s' } });
    expect(confOf(manifest)).toContain('max_connections: 500\nwrite_deadline: "5s"\n');
    expect(checkConfig(confOf(manifest)).ok).toBe(true);
  });
});
