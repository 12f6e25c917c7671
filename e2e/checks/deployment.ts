/**
 * What the checks know about the deployment under test: read from the synthesized manifests (names, replicas,
 * security settings), then completed by the apply stage with what only the running cluster can tell.
 */
import { Manifests } from './support/manifests';
import { PortForwards } from './support/portforward';
import { Reporter } from './support/report';

export interface Deployment {
  readonly dir: string;
  readonly manifests: Manifests;
  readonly ns: string;
  readonly sts: string;
  readonly box: string;
  readonly clientService: string;
  readonly headlessService: string;
  readonly replicas: number;
  /** The StatefulSet's claim template: claims are `<template>-<sts>-<n>`. */
  readonly claimTemplate: string;
  readonly storageClass?: string;
  /** Label selectors (`k=v,…`) of the server pods and of their claims. */
  readonly serverSelector: string;
  readonly claimSelector: string;
  readonly natsConf: string;
  readonly monitorTls: boolean;
  readonly auth: boolean;
  readonly networkPolicy: boolean;
  /** An init container running as root (prepareVolumeOwnership) needs Pod Security `baseline`. */
  readonly rootInitContainer: boolean;
  readonly expectedPodSecurity: 'restricted' | 'baseline';
}

/** Facts of the running deployment, known once the apply stage has seen every pod Ready. */
export interface Live {
  readonly appliedAt: number;
  readonly readySeconds: number;
  /** nats-box's default context connects with TLS. */
  readonly clientTls: boolean;
  /** A local copy of the CA nats-box trusts, when TLS is on anywhere. */
  readonly caFile?: string;
}

/** Everything a check stage needs. */
export interface Ctx {
  readonly d: Deployment;
  readonly live: Live;
  readonly r: Reporter;
  readonly forwards: PortForwards;
  /** Scratch directory of this run, removed at the end. */
  readonly tmp: string;
}

/** Thrown when a check failed in a way that makes every later check meaningless: the run stops there. */
export class StopVerify extends Error {}

export function readDeployment(dir: string): Deployment {
  const m = Manifests.read(dir);
  if (m.files.length === 0) throw new StopVerify(`no manifests in ${dir} (run npm run synth first)`);
  const ns = m.find('Namespace')?.metadata.name;
  const sts = m.find('StatefulSet');
  const box = m.find('Deployment', (o) => o.metadata.name.endsWith('-box'));
  if (!ns || !sts || !box) throw new StopVerify(`${dir} lacks a Namespace, StatefulSet or nats-box Deployment`);
  const podLabels: { [k: string]: string } = sts.spec.template.metadata.labels ?? {};
  const headless = m.find('Service', (s) => s.metadata.name === sts.spec.serviceName);
  const client = m.find('Service', (s) => s.spec?.clusterIP !== 'None'
    && Object.entries<string>(s.spec?.selector ?? { none: '' }).every(([k, v]) => podLabels[k] === v));
  if (!headless || !client) throw new StopVerify(`${dir} lacks the headless or the client Service of StatefulSet ${sts.metadata.name}`);
  const claim = sts.spec.volumeClaimTemplates?.[0];
  const confMap = (sts.spec.template.spec.volumes ?? []).find((v: { name: string }) => v.name === 'config')?.configMap?.name;
  const natsConf: string | undefined = m.find('ConfigMap', (c) => c.metadata.name === confMap)?.data?.['nats.conf'];
  if (!claim || !natsConf) throw new StopVerify(`StatefulSet ${sts.metadata.name} in ${dir}: no claim template or no nats.conf ConfigMap`);
  const rootInit = (sts.spec.template.spec.initContainers ?? [])
    .some((c: { securityContext?: { runAsUser?: number } }) => c.securityContext?.runAsUser === 0);
  return {
    dir,
    manifests: m,
    ns,
    sts: sts.metadata.name,
    box: box.metadata.name,
    clientService: client.metadata.name,
    headlessService: headless.metadata.name,
    replicas: sts.spec.replicas ?? 1,
    claimTemplate: claim.metadata.name,
    storageClass: claim.spec?.storageClassName,
    serverSelector: selector(sts.spec.selector.matchLabels),
    claimSelector: selector(claim.metadata.labels ?? {}),
    natsConf,
    monitorTls: /^https_port/m.test(natsConf),
    auth: /^\s*(authorization|accounts) \{/m.test(natsConf),
    networkPolicy: m.ofKind('NetworkPolicy').length > 0,
    rootInitContainer: rootInit,
    expectedPodSecurity: rootInit ? 'baseline' : 'restricted',
  };
}

/** One line naming the variant, the key of its row in the results file. */
export function describeDeployment(d: Deployment): string {
  const parts = [`R${d.replicas}`, d.storageClass ? `storage class ${d.storageClass}` : 'default storage class'];
  if (d.rootInitContainer) parts.push('prepareVolumeOwnership');
  if (d.auth || d.monitorTls) parts.push('TLS + accounts');
  if (d.networkPolicy) parts.push('NetworkPolicy');
  return parts.join(', ');
}

/** The server pod `<sts>-<n>`'s DNS name through the headless Service. */
export function podHost(d: Deployment, n: number): string {
  return `${d.sts}-${n}.${d.headlessService}.${d.ns}.svc.cluster.local`;
}

export function serverPods(d: Deployment): string[] {
  return Array.from({ length: d.replicas }, (_, n) => `${d.sts}-${n}`);
}

function selector(labels: { [k: string]: string }): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

