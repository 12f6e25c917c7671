/** What the suite needs to know about one synthesized deployment, read from its objects (never guessed). */
import { K8sObject, Manifests } from '../support/manifests';

interface ContainerPort { name?: string; containerPort: number }
interface Container { name: string; ports?: ContainerPort[]; readinessProbe?: { httpGet?: { scheme?: string } } }
interface ServicePort { name?: string; port: number }

export interface Target {
  /** The synth output directory (`kubectl apply -f` takes it). */
  readonly dir: string;
  readonly files: readonly string[];
  readonly namespace: string;
  readonly statefulSet: string;
  readonly replicas: number;
  /** The server container (its restartCount and containerID are what s5 watches). */
  readonly serverContainer: string;
  /** Label selector of every server pod, standalone or clustered: the client Service's. */
  readonly serverSelector: string;
  readonly monitorPort: number;
  readonly clientPort: number;
  readonly clusterPort: number;
  /** The monitoring port speaks HTTPS (the server's probes say so). */
  readonly monitorTls: boolean;
  /** The headless Service: pod `<name>` is `<name>.<headlessService>` in the namespace. */
  readonly headlessService: string;
  /** `nats://<client Service>:<port>`, as an in-namespace client connects. */
  readonly clientUrl: string;
  readonly natsBox: string;
  /** Label selector of the streams-as-code Jobs. */
  readonly jetStreamJobSelector: string;
  /** The name of the StatefulSet's JetStream claim template; claims are `<template>-<pod>`. */
  readonly claimTemplate: string;
  /** The first stream the app declares as code, and a subject of it to publish on. */
  readonly appStream: { readonly name: string; readonly subject: string };
}

export function readTarget(dir: string): Target {
  const m = Manifests.read(dir);
  const sts = m.one('StatefulSet');
  const containers: Container[] = sts.spec.template.spec.containers;
  const server = containers.find((c) => c.ports?.some((p) => p.name === 'client'));
  if (!server) throw new Error(`${dir}: the StatefulSet has no container with a client port`);
  const client = m.one('Service', (s) => s.spec.clusterIP !== 'None');
  const clientPort = (client.spec.ports as ServicePort[]).find((p) => p.name === 'client');
  const job = m.one('Job', (j) => label(j, 'app.kubernetes.io/component') === 'jetstream');
  const headless = m.one('Service', (s) => s.spec.clusterIP === 'None');
  return {
    dir,
    files: m.files,
    namespace: sts.metadata.namespace ?? 'default',
    statefulSet: sts.metadata.name,
    replicas: sts.spec.replicas,
    serverContainer: server.name,
    serverSelector: selector(client.spec.selector),
    monitorPort: port(server, 'monitor'),
    clientPort: port(server, 'client'),
    clusterPort: port(server, 'cluster'),
    monitorTls: server.readinessProbe?.httpGet?.scheme === 'HTTPS',
    headlessService: headless.metadata.name,
    clientUrl: `nats://${client.metadata.name}:${clientPort?.port ?? port(server, 'client')}`,
    natsBox: m.one('Deployment', (d) => label(d, 'app.kubernetes.io/component') === 'nats-box').metadata.name,
    jetStreamJobSelector: selector({
      'app.kubernetes.io/component': 'jetstream',
      'app.kubernetes.io/instance': label(job, 'app.kubernetes.io/instance') ?? '',
    }),
    claimTemplate: sts.spec.volumeClaimTemplates[0].metadata.name,
    appStream: appStream(m),
  };
}

export function podName(t: Target, ordinal: number): string {
  return `${t.statefulSet}-${ordinal}`;
}

export function claimName(t: Target, ordinal: number): string {
  return `${t.claimTemplate}-${podName(t, ordinal)}`;
}

function label(o: K8sObject, key: string): string | undefined {
  return o.metadata.labels?.[key];
}

function selector(labels: { [k: string]: string }): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function port(c: Container, name: string): number {
  const p = c.ports?.find((x) => x.name === name);
  if (!p) throw new Error(`container ${c.name} has no ${name} port`);
  return p.containerPort;
}

/** The streams Job's ConfigMap carries one `stream.<NAME>.json` definition per declared stream. */
function appStream(m: Manifests): Target['appStream'] {
  for (const cm of m.ofKind('ConfigMap')) {
    for (const [key, value] of Object.entries<string>(cm.data ?? {})) {
      if (!/^stream\..+\.json$/.test(key)) continue;
      const def: { name: string; subjects: string[] } = JSON.parse(value);
      // A wildcard subject needs a concrete token to publish on.
      return { name: def.name, subject: def.subjects[0].replace(/(^|\.)[>*]$/, '$1faults') };
    }
  }
  throw new Error(`${m.dir} declares no stream as code`);
}
