/**
 * s11: the control plane goes away under load. kube-apiserver and etcd, the harness's own processes (their pidfiles
 * in /run/k8s-e2e), are stopped for 60 s and started again with the same command lines. NATS must serve throughout
 * (the load generator publishes, every server answers /healthz from the node on its pod IP, no API involved), and
 * when the control plane is back nothing may be rolled or restarted.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { kubectl, run as exec, sleep } from '../support/kube';
import { seconds } from './cluster';
import { Bench, ScenarioRun } from './scenario';

const RUN_DIR = process.env.FAULTS_RUN_DIR ?? '/run/k8s-e2e';
const LOG_DIR = process.env.K8S_E2E_LOGS ?? '/var/log/k8s-e2e';
/** Stopped in this order, started in the reverse one. */
const DAEMONS = ['kube-apiserver', 'etcd'];

interface Stopped {
  readonly name: string;
  readonly argv: string[];
  readonly cwd: string;
}

export async function controlPlaneDown(run: ScenarioRun, b: Bench, outageSeconds = 60): Promise<void> {
  const ns = b.target.namespace;
  const pods = await b.servers.pods();
  const before = new Map<string, string>();
  for (const p of pods) before.set(p.name, JSON.stringify(await b.servers.pod(p.name)));
  const revision = async () => (await kubectl(['-n', ns, 'get', 'statefulset', b.target.statefulSet, '-o',
    'jsonpath={.metadata.generation} {.status.currentRevision} {.status.updateRevision}'])).stdout;
  const revisionBefore = await revision();

  const t0 = Date.now();
  const stopped: Stopped[] = [];
  try {
    for (const name of DAEMONS) stopped.push(await stopDaemon(name));
    const down = await exec('kubectl', ['get', '--raw', '/readyz'], { timeoutSeconds: 5 });
    run.check(down.code !== 0, 'api-still-up', `kube-apiserver and etcd stopped (kubectl: ${lastLine(down.stderr)})`);
    // Throughout the outage: every server healthy, polled from the node on the pod IPs it had.
    let polls = 0;
    const unhealthy: string[] = [];
    while (Date.now() - t0 < outageSeconds * 1000) {
      for (const p of pods) {
        const ok = await b.servers.monitor(p, '/healthz').then(() => true, () => false);
        if (!ok) unhealthy.push(`${p.name}@${seconds(t0)}s`);
      }
      polls++;
      await sleep(2000);
    }
    run.check(unhealthy.length === 0, 'unhealthy-during-outage',
      `every server answered /healthz during the ${outageSeconds} s outage (${polls} rounds${unhealthy.length ? `; not: ${unhealthy.slice(0, 6).join(' ')}` : ''})`);
  } finally {
    for (const s of stopped.reverse()) await startDaemon(s);
  }
  const back = await waitApi(120);
  if (back === undefined) run.abort('api-not-back', 'kube-apiserver not ready within 120 s of its restart');
  run.note(`control_plane_down=${seconds(t0)}s api_ready_after_start=${back}s`);
  // The controller manager saw the node's lease go stale and marked it Unknown (and tainted it unreachable: pods
  // are evicted after 300 s of that); the kubelet reports Ready again on its next status update.
  const tBack = Date.now();
  let nodeReady = false;
  while (!nodeReady && Date.now() - tBack < 300_000) {
    const node = await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']);
    nodeReady = node.stdout === 'True';
    if (!nodeReady) await sleep(2000);
  }
  run.check(nodeReady, 'node-not-ready', `node Ready ${seconds(tBack)} s after the API was back (limit 300 s, when unreachable pods are evicted)`);
  run.note(`node_ready_after=${seconds(tBack)}s`);
  // The controllers' informers and the kubelet resync now: give them time to act on anything they would change.
  await sleep(30_000);
  const changed: string[] = [];
  for (const p of pods) {
    const now = JSON.stringify(await b.servers.pod(p.name));
    if (now !== before.get(p.name)) changed.push(`${p.name}: ${before.get(p.name)} -> ${now}`);
  }
  run.check(changed.length === 0, 'restarted-after-outage',
    changed.length === 0 ? `after the control plane returned and the node was Ready: all ${pods.length} server pods the same (UID, every container's restartCount)`
      : `pods changed after the outage: ${changed.join('; ')}`);
  const revisionAfter = await revision();
  run.check(revisionAfter === revisionBefore, 'rolled-after-outage',
    `StatefulSet not rolled (generation and revisions ${revisionAfter === revisionBefore ? 'unchanged' : `${revisionBefore} -> ${revisionAfter}`})`);
  const healthyS = await b.servers.waitHealthy(t0);
  if (healthyS === undefined) run.abort('healthy', 'not all servers healthy after the outage');
  run.healthyS = healthyS;
}

/** SIGTERM to the daemon of pidfile `name` (SIGKILL after 30 s); returns how to start it again. */
async function stopDaemon(name: string): Promise<Stopped> {
  const pid = Number(fs.readFileSync(path.join(RUN_DIR, `${name}.pid`), 'utf8'));
  const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const expected = fs.readFileSync(path.join(RUN_DIR, `${name}.comm`), 'utf8').trim();
  if (comm !== expected) throw new Error(`pid ${pid} of ${name} is ${comm}, not ${expected}: not ours to stop`);
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && fs.existsSync(`/proc/${pid}`) && !zombie(pid); i++) await sleep(100);
  if (fs.existsSync(`/proc/${pid}`) && !zombie(pid)) process.kill(pid, 'SIGKILL');
  return { name, argv, cwd };
}

function zombie(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

/** Starts the daemon again in a session of its own, as e2e/up.sh does, and records its new pid for e2e/down.sh. */
async function startDaemon(s: Stopped): Promise<void> {
  const log = fs.openSync(path.join(LOG_DIR, `${s.name}.log`), 'a');
  const child = spawn(s.argv[0], s.argv.slice(1), { cwd: s.cwd, detached: true, stdio: ['ignore', log, log] });
  child.unref();
  fs.closeSync(log);
  fs.writeFileSync(path.join(RUN_DIR, `${s.name}.pid`), `${child.pid}\n`);
  if (s.name === 'etcd') await waitEtcd(30);
}

async function waitEtcd(timeoutSeconds: number): Promise<void> {
  for (let i = 0; i < timeoutSeconds * 2; i++) {
    if ((await exec('curl', ['-fs', 'http://127.0.0.1:2379/health'], { timeoutSeconds: 3 })).code === 0) return;
    await sleep(500);
  }
  throw new Error(`etcd not healthy within ${timeoutSeconds} s of its restart`);
}

/** Seconds until `kubectl get --raw /readyz` succeeds, or undefined. */
async function waitApi(timeoutSeconds: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutSeconds * 1000) {
    if ((await exec('kubectl', ['get', '--raw', '/readyz'], { timeoutSeconds: 5 })).code === 0) return seconds(t0);
    await sleep(500);
  }
  return undefined;
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
