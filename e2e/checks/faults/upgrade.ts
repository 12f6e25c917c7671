/**
 * s9: a server upgrade under load. The R3 deployment runs the previous default nats-server (NATS_IMAGE set to it,
 * scripts/versions.env NATS_SERVER_PREVIOUS_VERSION); the scenario applies the same deployment with today's default
 * image, as a user does after upgrading the library. Once a second it records every pod's version, readiness,
 * full /healthz and view of the meta leader, and afterwards checks: one server at a time, each upgraded server
 * healthy (its streams caught up) before the next one went, every server on the new version, and how long the
 * cluster had no agreed meta leader.
 */
import { kubectlJson, kubectlOk, sleep } from '../support/kube';
import { seconds } from './cluster';
import { Bench, ScenarioRun } from './scenario';
import { hostScript } from './scenarios';
import { podName } from './target';

interface Sample {
  readonly t: number;
  /** Pods not Ready or terminating. */
  readonly unavailable: string[];
  /** pod -> version, for pods answering /varz. */
  readonly versions: Map<string, string>;
  /** Pods answering the full /healthz with 200. */
  readonly healthy: Set<string>;
  /** Pods terminating now. */
  readonly terminating: string[];
  /**
   * Pods down now: not Ready, terminating, or absent (deleted, not yet re-created). A replaced pod is down for
   * seconds (its new readiness probe), while its terminating phase can fall between two samples.
   */
  readonly down: string[];
  /** The meta leader every answering pod agrees on, or undefined. */
  readonly leader?: string;
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export async function serverUpgrade(run: ScenarioRun, b: Bench): Promise<void> {
  const next = b.targets.r3;
  const ns = b.target.namespace;
  const from = await versions(b);
  run.note(`from=${[...new Set(from.values())].join(',')}`);
  await hostScript(b.settings.e2eDir, 'load-images.sh', [...next.files]);
  const t0 = Date.now();
  await kubectlOk(['apply', '-f', next.dir]);
  const samples: Sample[] = [];
  let done = false;
  const deadline = t0 + 900_000;
  while (!done && Date.now() < deadline) {
    const s = await sample(b, ns);
    samples.push(s);
    const target = [...s.versions.values()];
    done = s.down.length === 0 && target.length === next.replicas && s.healthy.size === next.replicas
      && samples.some((x) => x.terminating.length > 0) && new Set(target).size === 1 && !target.includes([...from.values()][0]);
    if (!done) await sleep(1000);
  }
  if (!done) run.abort('upgrade-stuck', 'not every server on the new version and healthy within 900 s of the apply');
  const to = await versions(b);
  const newVersion = [...new Set(to.values())];
  run.check(newVersion.length === 1 && to.size === next.replicas, 'versions',
    `all ${to.size} servers upgraded ${[...new Set(from.values())].join(',')} -> ${newVersion.join(',')} in ${seconds(t0)} s`);
  run.note(`to=${newVersion.join(',')} rollout=${seconds(t0)}s`);

  const most = Math.max(...samples.map((s) => s.down.length));
  run.check(most <= 1, 'not-one-at-a-time', `one server at a time: at most ${most} unavailable in ${samples.length} one-second samples`);

  // Each pod that went down came back healthy (full /healthz: JetStream current) before the next one went down.
  const order: string[] = [];
  for (const s of samples) for (const p of s.down) if (!order.includes(p)) order.push(p);
  const early: string[] = [];
  for (let i = 0; i + 1 < order.length; i++) {
    const nextDown = samples.findIndex((s) => s.down.includes(order[i + 1]));
    const back = samples.findIndex((s, k) => k > samples.findIndex((x) => x.down.includes(order[i]))
      && s.healthy.has(order[i]) && !s.down.includes(order[i]));
    if (back < 0 || back > nextDown) early.push(`${order[i + 1]} went before ${order[i]} was healthy`);
  }
  run.check(order.length === next.replicas && early.length === 0, 'no-catch-up',
    `replaced in order ${order.join(' -> ')}, each healthy (full /healthz) before the next went${early.length ? `: ${early.join('; ')}` : ''}`);

  // Longest run of samples without one meta leader all answering servers agree on.
  let gap = 0;
  let longest = 0;
  for (let i = 1; i < samples.length; i++) {
    gap = samples[i].leader ? 0 : gap + (samples[i].t - samples[i - 1].t);
    longest = Math.max(longest, gap);
  }
  run.note(`meta_leader_longest_gap=${(longest / 1000).toFixed(1)}s`);
  run.check(longest <= 30_000, 'meta-leader-lost', `meta leader agreed again within ${(longest / 1000).toFixed(1)} s at worst (limit 30 s)`);
  const healthyS = await b.servers.waitHealthy(t0);
  if (healthyS === undefined) run.abort('healthy', 'not all servers healthy after the upgrade');
  run.healthyS = healthyS;
}

async function versions(b: Bench): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of await b.servers.pods()) out.set(p.name, (await b.servers.monitor<{ version: string }>(p, '/varz')).version);
  return out;
}

async function sample(b: Bench, ns: string): Promise<Sample> {
  const t = Date.now();
  const list = await kubectlJson<{ items: PodJson[] }>(['-n', ns, 'get', 'pods', '-l', b.target.serverSelector]).catch(() => ({ items: [] as PodJson[] }));
  const unavailable: string[] = [];
  const terminating: string[] = [];
  const versionsNow = new Map<string, string>();
  const healthy = new Set<string>();
  const leaders: string[] = [];
  for (const p of list.items) {
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    if (p.metadata.deletionTimestamp) terminating.push(p.metadata.name);
    if (!ready || p.metadata.deletionTimestamp) unavailable.push(p.metadata.name);
    if (!p.status?.podIP || p.metadata.deletionTimestamp) continue;
    const pod = { name: p.metadata.name, ip: p.status.podIP };
    const varz = await b.servers.monitor<{ version: string }>(pod, '/varz').catch(() => undefined);
    if (varz) versionsNow.set(pod.name, varz.version);
    if (await b.servers.monitor(pod, '/healthz').then(() => true, () => false)) healthy.add(pod.name);
    const jsz = await b.servers.monitor<{ meta_cluster?: { leader?: string } }>(pod, '/jsz').catch(() => undefined);
    if (jsz?.meta_cluster?.leader) leaders.push(jsz.meta_cluster.leader);
  }
  const agreed = leaders.length > 0 && new Set(leaders).size === 1 ? leaders[0] : undefined;
  const present = new Set(list.items.map((p) => p.metadata.name));
  const absent = Array.from({ length: b.target.replicas }, (_, i) => podName(b.target, i)).filter((n) => !present.has(n));
  return { t, unavailable, versions: versionsNow, healthy, terminating, down: [...unavailable, ...absent], leader: agreed };
}
