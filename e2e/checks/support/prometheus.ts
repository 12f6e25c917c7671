/**
 * The real Prometheus Operator and a real Prometheus on the e2e cluster, for the metrics checks: the operator's CRDs
 * and the operator itself (once per cluster, namespace `prometheus-operator`), and one Prometheus per deployment
 * under test in `<ns>-monitoring`, the namespace its NetworkPolicy admits scrapes from. Images and CRDs come from
 * e2e/build.sh (e2e/lib/build-monitoring.sh builds both from the Go module proxy).
 */
import * as fs from 'fs';
import * as path from 'path';
import { kubectl, kubectlJson, kubectlOk, sleep } from './kube';
import { PortForwards } from './portforward';
import { httpGet } from './http';

const E2E_DIR = path.resolve(__dirname, '..', '..');
const OPERATOR_NS = 'prometheus-operator';

/** The pins of e2e/versions.env, read once. */
function pins(): { [name: string]: string } {
  const text = fs.readFileSync(path.join(E2E_DIR, 'versions.env'), 'utf8');
  return Object.fromEntries([...text.matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
}

export const OPERATOR_VERSION = pins().PROMETHEUS_OPERATOR_VERSION;
/** The image tag e2e/load-images.sh gives the Prometheus it built, and the Prometheus resource's `version`. */
export const PROMETHEUS_VERSION = pins().PROMETHEUS_VERSION;
const CACHE = process.env.K8S_E2E_CACHE ?? '/var/cache/k8s-e2e';
const CRD_DIR = path.join(CACHE, 'monitoring', 'crds');
const OPERATOR_IMAGE = `quay.io/prometheus-operator/prometheus-operator:${OPERATOR_VERSION}`;
const CONFIG_RELOADER_IMAGE = `quay.io/prometheus-operator/prometheus-config-reloader:${OPERATOR_VERSION}`;

async function apply(objects: object[]): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
}

/**
 * The operator's CRDs (server-side: the Prometheus CRD is larger than client-side apply's annotation allows) and
 * the operator, waited for until Available. Idempotent; returns what it did, for the report.
 */
export async function ensureOperator(): Promise<string> {
  if (!fs.existsSync(CRD_DIR)) throw new Error(`${CRD_DIR} missing: run e2e/build.sh`);
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', CRD_DIR], { timeoutSeconds: 120 });
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', CRD_DIR], { timeoutSeconds: 90 });
  const labels = { 'app.kubernetes.io/name': 'prometheus-operator' };
  await apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prometheus-operator', namespace: OPERATOR_NS } },
    // A test cluster's operator: cluster-admin rather than a copy of upstream's role list.
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'e2e-prometheus-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus-operator', namespace: OPERATOR_NS }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'prometheus-operator', namespace: OPERATOR_NS, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'prometheus-operator',
            securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'operator',
              image: OPERATOR_IMAGE,
              args: [`--prometheus-config-reloader=${CONFIG_RELOADER_IMAGE}`, '--log-level=info'],
              ports: [{ name: 'http', containerPort: 8080 }],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    },
  ]);
  const rolled = await kubectl(['-n', OPERATOR_NS, 'rollout', 'status', 'deploy/prometheus-operator', '--timeout=120s'], { timeoutSeconds: 150 });
  if (rolled.code !== 0) {
    const logs = await kubectl(['-n', OPERATOR_NS, 'logs', 'deploy/prometheus-operator', '--tail=20']);
    throw new Error(`prometheus-operator not Available: ${rolled.stderr.trim()}\n${logs.stdout}`);
  }
  return `Prometheus Operator ${OPERATOR_VERSION} Available in ${OPERATOR_NS} (${fs.readdirSync(CRD_DIR).length} CRDs)`;
}

/** A Prometheus the operator runs for one deployment; `api` queries it through a 127.0.0.1 port-forward. */
export class Prometheus {
  /**
   * Creates namespace `ns` with a Prometheus selecting monitors and rules in `target` only, scraping and evaluating
   * every `intervalSeconds`, and waits until it answers.
   */
  public static async start(ns: string, target: string, forwards: PortForwards, intervalSeconds: number): Promise<Prometheus> {
    const version = PROMETHEUS_VERSION;
    const only = { matchLabels: { 'kubernetes.io/metadata.name': target } };
    const binding = `e2e-prometheus-${ns}`;
    await apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prometheus', namespace: ns } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'e2e-prometheus' },
        rules: [
          { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'nodes'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: binding },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'e2e-prometheus' },
        subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns }],
      },
      {
        apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'e2e', namespace: ns },
        spec: {
          image: `quay.io/prometheus/prometheus:${version}`,
          version,
          replicas: 1,
          serviceAccountName: 'prometheus',
          scrapeInterval: `${intervalSeconds}s`,
          evaluationInterval: `${intervalSeconds}s`,
          podMonitorSelector: {},
          podMonitorNamespaceSelector: only,
          serviceMonitorSelector: {},
          serviceMonitorNamespaceSelector: only,
          ruleSelector: {},
          ruleNamespaceSelector: only,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        },
      },
    ]);
    const pod = 'prometheus-e2e-0';
    const deadline = Date.now() + 180_000;
    for (;;) {
      const ready = await kubectl(['-n', ns, 'get', 'pod', pod, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      if (ready.stdout === 'True') break;
      if (Date.now() > deadline) {
        const why = await kubectl(['-n', ns, 'describe', 'prometheus/e2e', `pod/${pod}`]);
        const logs = await kubectl(['-n', OPERATOR_NS, 'logs', 'deploy/prometheus-operator', '--tail=15']);
        throw new Error(`Prometheus pod ${ns}/${pod} not Ready after 180s\n${why.stdout.slice(-2500)}\n${logs.stdout}`);
      }
      await sleep(1000);
    }
    const port = await forwards.open(ns, `pod/${pod}`, 9090);
    return new Prometheus(ns, binding, version, `http://127.0.0.1:${port}`);
  }

  private constructor(public readonly ns: string, private readonly binding: string, public readonly version: string,
    private readonly url: string) {}

  /** GET `/api/v1/<path>`; the `data` of a success, else throws with Prometheus's error. */
  public async api<T = any>(apiPath: string, params: { [k: string]: string } = {}): Promise<T> {
    const query = new URLSearchParams(params).toString();
    const res = await httpGet(`${this.url}/api/v1/${apiPath}${query ? `?${query}` : ''}`, { timeoutSeconds: 15 });
    const body = JSON.parse(res.body) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${apiPath} ${query}: ${body.error ?? res.body.slice(0, 200)}`);
    return body.data;
  }

  /** An instant query's result vector. */
  public async query(expr: string): Promise<Array<{ metric: { [k: string]: string }; value: [number, string] }>> {
    return (await this.api<{ result: any[] }>('query', { query: expr })).result;
  }

  /** The namespace and the cluster-wide binding go; the shared ClusterRole stays for the next deployment. */
  public async delete(): Promise<void> {
    await kubectl(['delete', 'clusterrolebinding', this.binding, '--ignore-not-found']);
    await kubectl(['delete', 'ns', this.ns, '--wait=true', '--timeout=120s'], { timeoutSeconds: 150 });
  }
}

/** The live object, for a check that changes it and puts it back. */
export async function getObject(ns: string, kind: string, name: string): Promise<any> {
  return kubectlJson(['-n', ns, 'get', kind, name]);
}
