/**
 * The NetworkPolicy is enforced as declared. Throwaway probe pods (nats-box image, restricted, no server labels) try
 * the servers' ports on pod <sts>-0 and the client port through the Service: from the release namespace, from a fresh
 * namespace the policy does not name, and from each namespace the policy names that does not exist yet (created and
 * deleted here; existing namespaces are left alone). What each probe should see comes from the policies themselves.
 * A port that must be closed has to stay silent for 3 s (a policy drops; a refusal would mean the packet got
 * through); an open one may need a few tries while the enforcer learns a new pod's address.
 */
import { Ctx, Deployment } from './deployment';
import { kubectl, kubectlJson, kubectlOk, sleep } from './support/kube';
import { Pod } from './support/pods';
import { lastLines } from './support/text';

const PROBE = 'np-probe';

interface LabelSelector {
  matchLabels?: { [k: string]: string };
  matchExpressions?: unknown[];
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface NetworkPolicy {
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: Array<{ ports?: Array<{ port: number | string }>; from?: PolicyPeer[] }>;
  };
}

/** A server port and the namespaces whose (unlabelled) pods may connect to it; `*` = any namespace. */
interface PortAccess {
  readonly name: string;
  readonly port: number;
  readonly from: Set<string>;
}

interface Expectation {
  readonly ports: PortAccess[];
  /** Namespaces the policies name (namespaceSelector on kubernetes.io/metadata.name). */
  readonly named: Set<string>;
}

/** Evaluates the policies that select `server` for pods without labels in each namespace. */
function expectedAccess(ns: string, server: Pod, policies: NetworkPolicy[]): Expectation {
  const labels = server.metadata.labels ?? {};
  const ports = new Map<string, number>();
  for (const c of server.spec.containers) for (const p of c.ports ?? []) if (p.name) ports.set(p.name, p.containerPort);
  const allowed = new Map<number, Set<string>>();
  const named = new Set<string>();
  for (const pol of policies) {
    const sel = pol.spec.podSelector ?? {};
    if (sel.matchExpressions || Object.entries(sel.matchLabels ?? {}).some(([k, v]) => labels[k] !== v)) continue;
    if (!(pol.spec.policyTypes ?? ['Ingress']).includes('Ingress')) continue;
    for (const rule of pol.spec.ingress ?? []) {
      const rulePorts = rule.ports?.map((p) => p.port) ?? [...ports.values()];
      for (const peer of rule.from ?? [{ namespaceSelector: {} }]) {
        const who = peerNamespaces(peer);
        if (who.kind === 'named') named.add(who.name);
        if (who.kind === 'labelled-pods') continue; // e.g. the servers themselves: the probes never match it
        for (const p of rulePorts) {
          const port = typeof p === 'string' ? ports.get(p) ?? Number(p) : p;
          if (!allowed.has(port)) allowed.set(port, new Set());
          allowed.get(port)!.add(who.kind === 'any' ? '*' : who.kind === 'named' ? who.name : ns);
        }
      }
    }
  }
  return {
    ports: [...ports].sort(([a], [b]) => a.localeCompare(b)).map(([name, port]) => ({ name, port, from: allowed.get(port) ?? new Set() })),
    named,
  };
}

type PeerNamespaces = { kind: 'own' } | { kind: 'any' } | { kind: 'named'; name: string } | { kind: 'labelled-pods' };

function peerNamespaces(peer: PolicyPeer): PeerNamespaces {
  if (peer.ipBlock || peer.podSelector?.matchExpressions || peer.namespaceSelector?.matchExpressions) {
    throw new Error(`cannot evaluate peer ${JSON.stringify(peer)}`);
  }
  if (Object.keys(peer.podSelector?.matchLabels ?? {}).length > 0) return { kind: 'labelled-pods' };
  const nss = peer.namespaceSelector;
  if (nss === undefined) return { kind: 'own' };
  const match = nss.matchLabels ?? {};
  if (Object.keys(match).length === 0) return { kind: 'any' };
  const name = match['kubernetes.io/metadata.name'];
  if (name === undefined || Object.keys(match).length !== 1) throw new Error(`cannot evaluate namespaceSelector ${JSON.stringify(nss)}`);
  return { kind: 'named', name };
}

export async function checkNetworkPolicy(c: Ctx): Promise<void> {
  const { d, r } = c;
  if (!d.networkPolicy) return;
  const server = await kubectlJson<Pod>(['-n', d.ns, 'get', 'pod', `${d.sts}-0`]);
  const policies = (await kubectlJson<{ items: NetworkPolicy[] }>(['-n', d.ns, 'get', 'networkpolicy'])).items;
  let expect: Expectation;
  try {
    expect = expectedAccess(d.ns, server, policies);
  } catch (e) {
    r.fail(`NetworkPolicy: ${(e as Error).message}`);
    return;
  }
  r.info(`policy allows (port: namespaces): ${expect.ports.map((p) => `${p.name} ${p.port}: ${[...p.from].sort().join(',') || '-'}`).join('; ')}`);
  const created = await createProbeNamespaces(c, [`${d.ns}-np-other`, ...expect.named]);
  try {
    const probeNamespaces = [d.ns, ...created];
    await startProbes(c, probeNamespaces);
    const ip = server.status.podIP ?? '';
    for (const n of probeNamespaces) {
      for (const p of expect.ports) {
        const open = p.from.has('*') || p.from.has(n);
        await probe(c, n, ip, p.port, `${p.name} port of ${d.sts}-0`, open);
        if (p.name === 'client') await probe(c, n, `${d.clientService}.${d.ns}.svc`, p.port, 'the client Service', open);
      }
    }
  } finally {
    await kubectl(['-n', d.ns, 'delete', 'pod', PROBE, '--wait=false']);
    if (created.length > 0) await kubectl(['delete', 'ns', ...created, '--wait=false']);
  }
}

/** Creates the probe namespaces that do not exist yet; returns those (only they are probed from and deleted). */
async function createProbeNamespaces(c: Ctx, wanted: string[]): Promise<string[]> {
  const created: string[] = [];
  for (const n of wanted.filter((w) => w !== c.d.ns)) {
    if ((await kubectl(['get', 'ns', n])).code === 0) {
      c.r.info(`namespace ${n} exists: not probed from (it is not ours)`);
      continue;
    }
    await kubectlOk(['create', 'ns', n]);
    created.push(n);
  }
  return created;
}

async function startProbes(c: Ctx, namespaces: string[]): Promise<void> {
  const { d, r } = c;
  const boxPod = d.manifests.one('Deployment', (o) => o.metadata.name === d.box).spec.template.spec;
  const pullSecrets: Array<{ name: string }> = boxPod.imagePullSecrets ?? [];
  for (const n of namespaces) {
    // The nats-box pull secrets, copied into the fresh namespaces (a private registry needs them there too).
    if (n !== d.ns) for (const s of pullSecrets) await copySecret(d, s.name, n);
    const applied = await kubectl(['apply', '-f', '-'], { input: JSON.stringify(probePod(n, boxPod.containers[0].image, pullSecrets)) });
    if (applied.code !== 0) r.fail(`probe pod in ${n} not created: ${applied.stderr.trim()}`);
  }
  for (const n of namespaces) {
    const ready = await kubectl(['-n', n, 'wait', '--for=condition=Ready', `pod/${PROBE}`, '--timeout=90s']);
    if (ready.code !== 0) r.fail(`probe pod in ${n} not Ready`);
  }
}

async function copySecret(d: Deployment, name: string, to: string): Promise<void> {
  const secret = await kubectlJson<{ metadata: object }>(['-n', d.ns, 'get', 'secret', name]);
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ ...secret, metadata: { name, namespace: to } }) });
}

function probePod(ns: string, image: string, pullSecrets: Array<{ name: string }>): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: PROBE, namespace: ns, labels: { 'app.kubernetes.io/name': PROBE } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      imagePullSecrets: pullSecrets,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'probe',
        image,
        command: ['sleep', '600'],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      }],
    },
  };
}

/** One TCP connect from the probe pod in `ns`: `open`, `silent` (no answer in 3 s) or why not. */
async function tryConnect(ns: string, host: string, port: number): Promise<string> {
  // via sh: nats-box's nc may be a shell applet only. `-e true` (last: it takes the rest): exit 0 once connected.
  const res = await kubectl(['-n', ns, 'exec', PROBE, '--', 'sh', '-c', 'nc -w 3 "$0" "$1" -e true', host, String(port)],
    { timeoutSeconds: 15 });
  if (res.code === 0) return 'open';
  if (res.code === 124) return 'kubectl exec did not return in 15 s';
  const out = res.stdout + res.stderr;
  return /timed out/.test(out) ? 'silent' : `refused: ${lastLines(out, 1)}`;
}

async function probe(c: Ctx, ns: string, host: string, port: number, what: string, wantOpen: boolean): Promise<void> {
  let got = '';
  let tries = 0;
  while (tries < 5) {
    tries++;
    got = await tryConnect(ns, host, port);
    if (!wantOpen || got === 'open') break;
    await sleep(2000);
  }
  const where = `${what} (${host}:${port})`;
  if (wantOpen && got === 'open') c.r.pass(`NetworkPolicy: a pod in ${ns} reaches ${where}${tries > 1 ? ` (try ${tries})` : ''}`);
  else if (!wantOpen && got === 'silent') c.r.pass(`NetworkPolicy: a pod in ${ns} gets no answer from ${what} (${host}:${port}, 3 s)`);
  else if (!wantOpen && got === 'open') {
    c.r.fail(`NetworkPolicy not enforced: a pod in ${ns} connects to ${where}; does this cluster's CNI enforce NetworkPolicy?`);
  } else c.r.fail(`NetworkPolicy: a pod in ${ns} -> ${where}: want ${wantOpen ? 'open' : 'closed'}, got ${got}`);
}
