/**
 * The in-cluster load generator (e2e/faults/loadgen, image local.test/faults:loadgen) and a client for its HTTP
 * API, reached from the node on the pod's IP. The types mirror the JSON the Go program answers.
 */
import { kubectlJson, kubectlOk } from '../support/kube';

export interface Gap {
  readonly ms: number;
  readonly from: string;
  readonly to: string;
}

/** `/stop`: the statistics of the phase that just ended. */
export interface PhaseStats {
  readonly phase: string;
  readonly stream: string;
  readonly acked: number;
  readonly dup_acks: number;
  readonly failed_publishes: number;
  readonly gave_up: string[] | null;
  readonly max_gap: Gap;
  readonly gaps_over_1s: Gap[] | null;
}

/** One phase in `/verify`: its acked ids against what the stream holds. */
export interface PhaseCheck {
  readonly phase: string;
  readonly acked: number;
  /** Acked but absent from the stream. */
  readonly lost: number;
  readonly lost_sample: string[] | null;
  /** Ids of the phase stored more than once. */
  readonly duplicates: number;
  readonly duplicates_sample: string[] | null;
  /** Distinct ids of the phase in the stream (includes stored-but-never-acked). */
  readonly in_stream: number;
  readonly gave_up: number;
}

/** `/verify`: the whole stream read back with an ordered consumer. */
export interface Verification {
  readonly stream: string;
  readonly messages: number;
  readonly read: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly phases: PhaseCheck[] | null;
}

export interface PeerInfo {
  readonly name: string;
  readonly current: boolean;
}

/** `/leader`: stream info as the client sees it. */
export interface StreamLeader {
  readonly cluster?: { readonly leader?: string; readonly leader_since?: string; readonly replicas?: PeerInfo[] };
  readonly msgs: number;
  readonly replicas: number;
}

const POD = 'faults-loadgen';
const CONTROL_PORT = 8080;

/** How the load generator logs in to a secured deployment: TLS verified against a CA, and a user with a password. */
export interface LoadGenAuth {
  /** Secret and key holding the CA certificate (mounted into the pod). */
  readonly caSecret: string;
  readonly caKey: string;
  readonly user: string;
  /** Secret and key holding the user's password (the pod's NATS_PASSWORD). */
  readonly passwordSecret: string;
  readonly passwordKey: string;
}

export class LoadGen {
  /** Starts the load generator pod in `namespace`, publishing to `natsUrl` at `rate` msg/s once told to. */
  public static async start(namespace: string, natsUrl: string, rate: number, auth?: LoadGenAuth): Promise<LoadGen> {
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(podManifest(namespace, natsUrl, rate, auth)) });
    await kubectlOk(['-n', namespace, 'wait', '--for=condition=Ready', `pod/${POD}`, '--timeout=120s'], { timeoutSeconds: 150 });
    const pod = await kubectlJson<{ status: { podIP: string } }>(['-n', namespace, 'get', 'pod', POD]);
    return new LoadGen(pod.status.podIP);
  }

  private constructor(private readonly ip: string) {}

  /** Creates the R`replicas` file stream `stream` on `stream.>` (2 min dedupe window), or updates its replicas. */
  public async ensure(stream: string, replicas: number): Promise<void> {
    await this.call(`/ensure?stream=${stream}&replicas=${replicas}`, 600);
  }

  /** Publishes continuously to `stream.phase`, each message with a unique id. */
  public async start(stream: string, phase: string): Promise<void> {
    await this.call(`/start?stream=${stream}&phase=${phase}`);
  }

  public async stop(): Promise<PhaseStats> {
    return JSON.parse(await this.call('/stop', 600));
  }

  public async verify(stream: string): Promise<Verification> {
    return JSON.parse(await this.call(`/verify?stream=${stream}`, 600));
  }

  public async leader(stream: string): Promise<StreamLeader> {
    return JSON.parse(await this.call(`/leader?stream=${stream}`));
  }

  /** The client's recent connection events (for diagnostics). */
  public events(): Promise<string> {
    return this.call('/events');
  }

  private async call(pathAndQuery: string, timeoutSeconds = 15): Promise<string> {
    const url = `http://${this.ip}:${CONTROL_PORT}${pathAndQuery}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutSeconds * 1000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`load generator ${pathAndQuery}: HTTP ${res.status} ${body.trim()}`);
    return body;
  }
}

function podManifest(namespace: string, natsUrl: string, rate: number, auth?: LoadGenAuth): object {
  const caDir = '/etc/faults-ca';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace, labels: { 'app.kubernetes.io/name': POD } },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // The namespace enforces the restricted Pod Security level.
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'loadgen',
        image: 'local.test/faults:loadgen',
        imagePullPolicy: 'Never',
        // Flags before the command: Go's flag package stops at the first argument that is not one.
        args: [
          '-url', natsUrl, '-rate', String(rate), '-workers', '4',
          ...(auth ? ['-ca', `${caDir}/${auth.caKey}`, '-user', auth.user] : []),
          'serve',
        ],
        env: auth ? [{ name: 'NATS_PASSWORD', valueFrom: { secretKeyRef: { name: auth.passwordSecret, key: auth.passwordKey } } }] : [],
        volumeMounts: auth ? [{ name: 'ca', mountPath: caDir, readOnly: true }] : [],
        ports: [{ name: 'control', containerPort: CONTROL_PORT }],
        readinessProbe: { httpGet: { path: '/healthz', port: CONTROL_PORT }, periodSeconds: 1 },
        resources: { requests: { cpu: '50m', memory: '64Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      }],
      volumes: auth ? [{ name: 'ca', secret: { secretName: auth.caSecret } }] : [],
    },
  };
}
