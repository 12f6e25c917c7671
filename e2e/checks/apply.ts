/**
 * Deploying: exactly `kubectl apply -f DIR`, timed until every pod is Ready, then the first signs of life (nats-box
 * connects, JetStream answers, each server can write its store).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Deployment, Live, StopVerify, serverPods } from './deployment';
import { boxShell, boxExec, clusterReachable, kubectl, kubectlJson, nats, run, sleep } from './support/kube';
import { isReady, listPods } from './support/pods';
import { Reporter } from './support/report';

const E2E_DIR = path.resolve(__dirname, '..');

/** Refuses a namespace that already runs something: verify deploys its own and deletes it at the end. */
export async function preflight(d: Deployment, r: Reporter, loadImages: boolean): Promise<void> {
  if (!clusterReachable()) throw new StopVerify(`cluster not reachable with KUBECONFIG=${process.env.KUBECONFIG ?? '~/.kube/config'}`);
  if ((await kubectl(['get', 'ns', d.ns])).code === 0) {
    const held = await kubectl(['-n', d.ns, 'get', 'sts,deploy,pods,pvc', '-o', 'name']);
    if (held.stdout.trim() !== '') {
      throw new StopVerify(`namespace ${d.ns} already holds workloads or claims: verify deploys and deletes its own; `
        + 'synthesize with NATS_NAMESPACE=<unused name>');
    }
    // E.g. created with `kubectl create ns --save-config` to hold the Secrets the manifests reference.
    const secrets = await kubectl(['-n', d.ns, 'get', 'secrets', '-o', 'name']);
    r.info(`namespace ${d.ns} exists without workloads (${secrets.stdout.trim().split('\n').join(' ')}): applying into it, deleting it at the end`);
  }
  if (loadImages) {
    const loaded = await run('bash', [path.join(E2E_DIR, 'load-images.sh'), ...d.manifests.files], { timeoutSeconds: 300 });
    if (loaded.code !== 0) throw new StopVerify(`e2e/load-images.sh: ${loaded.stderr.trim()}`);
  }
}

/** Applies DIR and waits for every server and nats-box to be Ready; stops the run when they never are. */
export async function applyAndWait(d: Deployment, r: Reporter, readyTimeoutSeconds: number, tmp: string): Promise<Live> {
  const appliedAt = Date.now();
  const applied = await kubectl(['apply', '-f', d.dir], { timeoutSeconds: 180 });
  r.info(applied.stdout.trimEnd());
  if (applied.code !== 0) throw new StopVerify(`kubectl apply -f ${d.dir}: ${applied.stderr.trim()}`);
  if (/warning/i.test(applied.stderr)) {
    r.info(applied.stderr.trimEnd());
    r.fail(`kubectl apply -f ${d.dir} printed warnings`);
  } else {
    const objects = applied.stdout.trim().split('\n').length;
    r.pass(`kubectl apply -f ${d.dir}: ${objects} objects, 0 warnings (stderr empty: ${applied.stderr === '' ? 'yes' : 'no'})`);
  }
  const ns = await kubectlJson<{ metadata: { labels?: { [k: string]: string } } }>(['get', 'ns', d.ns]);
  const psa = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
  r.check(psa === d.expectedPodSecurity, `namespace ${d.ns} enforces pod-security ${psa}`,
    `namespace ${d.ns} enforce label '${psa}', expected ${d.expectedPodSecurity}`);

  const ready = await waitReady(d, readyTimeoutSeconds);
  const readySeconds = (Date.now() - appliedAt) / 1000;
  if (ready < d.replicas + 1) throw new StopVerify(`only ${ready}/${d.replicas + 1} pods Ready after ${readyTimeoutSeconds}s`);
  r.pass(`apply -> all pods Ready: ${readySeconds.toFixed(1)}s (${d.replicas} server(s) + nats-box)`);
  console.log(`TIMING apply_to_ready_seconds=${readySeconds.toFixed(1)} replicas=${d.replicas} namespace=${d.ns}`);

  await retryUntilOk(r, 'nats-box default context connects', 'nats-box cannot connect with its default context',
    appliedAt, () => nats(d.ns, d.box, ['server', 'check', 'connection']));
  // JetStream answers once the meta leader is elected.
  await retryUntilOk(r, 'JetStream API answers', 'JetStream API not answering nats-box',
    appliedAt, () => nats(d.ns, d.box, ['stream', 'ls', '--names']));
  await checkStoresWritable(d, r);
  return readLive(d, r, appliedAt, readySeconds, tmp);
}

/** Pods not owned by a Job (the servers and nats-box) that are Ready, polled until all are or the time is up. */
async function waitReady(d: Deployment, timeoutSeconds: number): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const ready = await countReady(d).catch(() => 0);
    if (ready >= d.replicas + 1 || Date.now() >= deadline) return ready;
    await sleep(500);
  }
}

async function countReady(d: Deployment): Promise<number> {
  const pods = await listPods(d.ns);
  return pods.filter((p) => p.metadata.ownerReferences?.[0]?.kind !== 'Job' && isReady(p)).length;
}

/** The Service may lag pod readiness by a kube-proxy sync: up to 60 tries, a second apart. */
async function retryUntilOk(r: Reporter, passText: string, failText: string, since: number,
  attempt: () => Promise<{ code: number }>): Promise<void> {
  for (let i = 1; i <= 60; i++) {
    if ((await attempt()).code === 0) {
      r.pass(`${passText} (attempt ${i}, ${((Date.now() - since) / 1000).toFixed(1)}s after apply)`);
      return;
    }
    await sleep(1000);
  }
  throw new StopVerify(`${failText} after 60 tries`);
}

/** The server's user can write its JetStream store (fsGroup, or the prepare-volume init container). */
async function checkStoresWritable(d: Deployment, r: Reporter): Promise<void> {
  const script = 'touch /data/.verify-w && rm /data/.verify-w && echo "uid $(id -u) writes /data ($(stat -c "%u:%g %a" /data))"';
  for (const pod of serverPods(d)) {
    const w = await kubectl(['-n', d.ns, 'exec', pod, '-c', 'nats', '--', 'sh', '-c', script], { timeoutSeconds: 30 });
    const out = (w.stdout + w.stderr).trim();
    if (w.code === 0 && /^uid .* writes/.test(out)) {
      const claim = await kubectl(['-n', d.ns, 'get', 'pvc', `${d.claimTemplate}-${pod}`, '-o', 'jsonpath={.spec.storageClassName}']);
      r.pass(`${pod} JetStream store: ${out}, claim class ${claim.stdout}`);
    } else {
      r.fail(`${pod} JetStream store not writable: ${out}`);
    }
  }
}

/** nats-box's default context: its URL says whether clients use TLS, `ca` where the CA is. */
interface NatsContext {
  readonly url: string;
  readonly ca?: string;
}

/** What nats-box's default context (the one every client check uses) says, and a local copy of its CA. */
async function readLive(d: Deployment, r: Reporter, appliedAt: number, readySeconds: number, tmp: string): Promise<Live> {
  const ctxFile = await boxShell(d.ns, d.box, 'cat "$XDG_CONFIG_HOME/nats/context/$(cat "$XDG_CONFIG_HOME/nats/context.txt").json"');
  if (ctxFile.code !== 0) throw new StopVerify(`nats-box context unreadable: ${ctxFile.stderr.trim()}`);
  const natsContext = JSON.parse(ctxFile.stdout) as NatsContext;
  const clientTls = natsContext.url.startsWith('tls://');
  let caFile: string | undefined;
  if ((clientTls || d.monitorTls) && natsContext.ca) {
    const ca = await boxExec(d.ns, d.box, ['cat', natsContext.ca]);
    if (ca.code !== 0) throw new StopVerify(`CA ${natsContext.ca} unreadable in nats-box: ${ca.stderr.trim()}`);
    caFile = path.join(tmp, 'ca.crt');
    fs.writeFileSync(caFile, ca.stdout);
  }
  r.info(`replicas=${d.replicas} client_tls=${clientTls ? 1 : 0} monitor_tls=${d.monitorTls ? 1 : 0} auth=${d.auth ? 1 : 0}`);
  return { appliedAt, readySeconds, clientTls, caFile };
}
