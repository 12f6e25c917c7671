/**
 * The server side as the suite observes it: pods (UIDs, restarts), claims, `/healthz` and `/jsz` on each pod's
 * monitoring port (polled from the node), and the stream's leader and replicas through the load generator.
 */
import { httpGet } from '../support/http';
import { kubectlJson, sleep } from '../support/kube';
import { LoadGen, StreamLeader } from './loadgen';
import { Target } from './target';

interface ContainerStatus { readonly name: string; readonly restartCount: number; readonly containerID?: string }

interface PodJson {
  readonly metadata: { readonly name: string; readonly uid: string; readonly deletionTimestamp?: string };
  readonly status?: {
    readonly podIP?: string;
    readonly containerStatuses?: ContainerStatus[];
    readonly initContainerStatuses?: ContainerStatus[];
  };
}

interface JszJson {
  readonly meta_cluster?: { readonly leader?: string; readonly cluster_size?: number; readonly replicas?: { current?: boolean }[] };
}

export interface ServerPod {
  readonly name: string;
  readonly ip: string;
}

/** One pod's view of the meta group. */
export interface MetaView {
  readonly pod: string;
  readonly leader: string;
  readonly clusterSize: number;
  /** Peers the pod sees as current (only the leader tracks them). */
  readonly currentPeers: number;
}

/** An agreed cluster: the meta leader and the stream's leader with its election time. */
export interface Leaders {
  readonly meta: string;
  readonly stream: string;
  readonly streamSince: string;
}

export interface PodState {
  readonly uid: string;
  /** Restarts of the server container. */
  readonly restarts: number;
  readonly containerId: string;
  /** `container=restartCount` of every container of the pod, sidecars and init containers included, sorted. */
  readonly allRestarts: string;
}

export class Servers {
  /** `caFile`: the CA that signed the servers' certificates, for a monitoring port on HTTPS. */
  public constructor(private readonly target: Target, private readonly healthTimeoutSeconds: number, private readonly caFile?: string) {
    if (target.monitorTls && !caFile) throw new Error(`${target.dir}: monitoring is on HTTPS, and no CA file was given`);
  }

  private get namespace(): string {
    return this.target.namespace;
  }

  /** The StatefulSet's desired replicas as it runs now. */
  public async replicas(): Promise<number> {
    const sts = await kubectlJson<{ spec: { replicas: number } }>(['-n', this.namespace, 'get', 'statefulset', this.target.statefulSet]);
    return sts.spec.replicas;
  }

  /** Server pods that are not terminating and have an IP. */
  public async pods(): Promise<ServerPod[]> {
    const list = await kubectlJson<{ items: PodJson[] }>(['-n', this.namespace, 'get', 'pods', '-l', this.target.serverSelector]);
    return list.items
      .filter((p) => !p.metadata.deletionTimestamp && p.status?.podIP)
      .map((p) => ({ name: p.metadata.name, ip: p.status!.podIP! }));
  }

  /** The pod's UID, restart count and container ID, or undefined when it does not exist. */
  public async pod(name: string): Promise<PodState | undefined> {
    const list = await kubectlJson<{ items: PodJson[] }>(['-n', this.namespace, 'get', 'pods', `--field-selector=metadata.name=${name}`]);
    const pod = list.items[0];
    if (!pod) return undefined;
    const c = pod.status?.containerStatuses?.find((s) => s.name === this.target.serverContainer);
    const all = [...pod.status?.containerStatuses ?? [], ...pod.status?.initContainerStatuses ?? []]
      .map((s) => `${s.name}=${s.restartCount}`).sort().join(',');
    return {
      uid: pod.metadata.uid, restarts: c?.restartCount ?? 0, containerId: (c?.containerID ?? '').replace(/^containerd:\/\//, ''), allRestarts: all,
    };
  }

  /** Every claim of the namespace, `name=uid`. */
  public async claims(): Promise<string[]> {
    const list = await kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(['-n', this.namespace, 'get', 'pvc']);
    return list.items.map((c) => `${c.metadata.name}=${c.metadata.uid}`).sort();
  }

  /** GET `path` on the pod's monitoring port, from the node; over HTTPS verified against the CA as `<pod>.<headless>`. */
  public async monitor<T>(pod: ServerPod, path: string): Promise<T> {
    const res = await this.get(pod, path);
    if (res.status !== 200) throw new Error(`${pod.name} ${path}: HTTP ${res.status}`);
    return JSON.parse(res.body) as T;
  }

  private get(pod: ServerPod, path: string): Promise<{ status: number; body: string }> {
    const t = this.target;
    return httpGet(`${t.monitorTls ? 'https' : 'http'}://${pod.ip}:${t.monitorPort}${path}`,
      { caFile: this.caFile, servername: `${pod.name}.${t.headlessService}.${t.namespace}`, timeoutSeconds: 3 });
  }

  private async healthzStatus(pod: ServerPod): Promise<number> {
    return (await this.get(pod, '/healthz').catch(() => ({ status: 0 }))).status;
  }

  /** Every replica present, none terminating, each answering the full `/healthz` (meta leader known, assets current). */
  public async allHealthy(): Promise<boolean> {
    const [want, pods] = await Promise.all([this.replicas(), this.pods()]);
    if (pods.length !== want) return false;
    const codes = await Promise.all(pods.map((p) => this.healthzStatus(p)));
    return codes.every((c) => c === 200);
  }

  /** Seconds from `fromMs` until all are healthy (0.5 s polls), or undefined after the health timeout. */
  public async waitHealthy(fromMs: number): Promise<number | undefined> {
    const deadline = Date.now() + this.healthTimeoutSeconds * 1000;
    for (;;) {
      if (await this.allHealthy().catch(() => false)) return seconds(fromMs);
      if (Date.now() >= deadline) return undefined;
      await sleep(500);
    }
  }

  /** Waits until pod `name` exists with a UID other than `oldUid`; false after `timeoutSeconds`. */
  public async waitReplaced(name: string, oldUid: string, timeoutSeconds: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const uid = (await this.pod(name).catch(() => undefined))?.uid;
      if (uid && uid !== oldUid) return true;
      if (Date.now() >= deadline) return false;
      await sleep(500);
    }
  }

  private async metaViews(): Promise<MetaView[]> {
    return Promise.all((await this.pods()).map(async (p) => {
      const jsz = await this.monitor<JszJson>(p, '/jsz').catch((): JszJson => ({}));
      const meta = jsz.meta_cluster ?? {};
      return {
        pod: p.name,
        leader: meta.leader ?? '-',
        clusterSize: meta.cluster_size ?? 0,
        currentPeers: (meta.replicas ?? []).filter((r) => r.current).length,
      };
    }));
  }

  /**
   * Polls up to 60 s for an agreed, current cluster: every pod names the same meta leader and sees the full cluster
   * size, the meta leader sees every other peer current, and `stream` has a leader and `want` replicas with all
   * followers current. Returns the leaders, or the last view as a string when it never got there.
   */
  public async settled(lg: LoadGen, stream: string, want: number): Promise<Leaders | string> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [size, views, sl] = await Promise.all([
        this.replicas(), this.metaViews(), lg.leader(stream).catch((e): StreamLeader | Error => e as Error),
      ]);
      const leaders = agreed(views, size);
      if (leaders && !(sl instanceof Error) && streamCurrent(sl, want)) {
        return { meta: leaders, stream: sl.cluster!.leader!, streamSince: sl.cluster!.leader_since ?? '' };
      }
      if (Date.now() >= deadline) {
        const v = views.map((x) => `${x.pod} leader=${x.leader} size=${x.clusterSize} current=${x.currentPeers}`).join('; ');
        return `cluster view: ${v}; stream: ${sl instanceof Error ? sl.message : JSON.stringify(sl)}`;
      }
      await sleep(1000);
    }
  }
}

/** The meta leader every pod agrees on, if each sees the full cluster and the leader sees all peers current. */
function agreed(views: MetaView[], size: number): string | undefined {
  const leaders = new Set(views.map((v) => v.leader));
  if (views.length === 0 || leaders.size !== 1 || leaders.has('-')) return undefined;
  const ok = views.every((v) => v.clusterSize === size && (v.pod !== v.leader || v.currentPeers === size - 1));
  return ok ? views[0].leader : undefined;
}

function streamCurrent(sl: StreamLeader, want: number): boolean {
  const current = (sl.cluster?.replicas ?? []).filter((r) => r.current).length;
  return !!sl.cluster?.leader && sl.replicas === want && current === want - 1;
}

/** Seconds since `fromMs`, to 0.1 s (the resolution the results have always had). */
export function seconds(fromMs: number, toMs = Date.now()): number {
  return Math.round((toMs - fromMs) / 100) / 10;
}
