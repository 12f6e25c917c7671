/**
 * The faults. s9 (server upgrade, upgrade.ts), s1-s5, s10 (store full, store-full.ts) and s11 (control plane down,
 * control-plane.ts) run on the R3 deployment against stream FAULTS; s6 is the homelab upgrade from 1 to 3
 * replicas (refused in place, then `npm run migrate`) with stream HOMELAB written at R1 and the app's own stream.
 * s7, s8 and s12 (certificate and credentials reload, an account at its JetStream limit) run on the production-like
 * deployment: secure.ts and account-full.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { kubectl, kubectlOk, nats, run as exec, sleep, waitFor } from '../support/kube';
import { seconds } from './cluster';
import { controlPlaneDown } from './control-plane';
import { storeFull } from './store-full';
import { serverUpgrade } from './upgrade';
import { Bench, Fault, NONE, Outcome, Row, runScenario, save, ScenarioRun, ScenarioSpec } from './scenario';
import { R3_IDS } from './settings';
import { claimName, podName, Target } from './target';

export const STREAM = 'FAULTS';
const HOMELAB = 'HOMELAB';
/** s4's config change: the suite synthesizes its second R3 deployment with this max_payload. */
export const MAX_PAYLOAD = { setting: '2Mi', bytes: 2 * 1024 * 1024 } as const;
/** Volume size of the R3 deployment: small enough for s10 to fill its max_file_store (90%) in about a minute. */
export const R3_STORAGE = '1Gi';
/** Messages s6 writes to the app's declared stream at R1; all must be there at R3 after the migration. */
const APP_STREAM_MESSAGES = 50;

/** s9 (first: it upgrades the deployment the others run on), s1-s5, s10 and s11, in the order of FAULTS_SCENARIOS. */
export function r3Scenario(id: typeof R3_IDS[number], deletions: number): ScenarioSpec {
  const spec = (name: string, fault: Fault, reelect = false): ScenarioSpec => ({ name, stream: STREAM, replicas: 3, reelect, fault });
  switch (id) {
    case 's9': return spec('s9-server-upgrade', serverUpgrade);
    case 's1': return spec('s1-leader-pod-deleted', leaderPodDeleted, true);
    case 's2': return spec(`s2-delete-each-x${deletions}`, deleteEachInTurn);
    case 's3': return spec('s3-rollout-restart', rolloutRestart);
    case 's4': return spec('s4-config-change-apply', configChange);
    case 's5': return spec('s5-process-killed', processKilled, true);
    case 's10': return spec('s10-store-full', storeFull);
    case 's11': return spec('s11-control-plane-down', (run, b) => controlPlaneDown(run, b));
  }
}

/** s1: the stream leader's pod is deleted (graceful: preStop lame duck); another server must take over. */
async function leaderPodDeleted(run: ScenarioRun, b: Bench): Promise<void> {
  const old = (await b.loadgen.leader(STREAM).catch(() => undefined))?.cluster?.leader;
  if (!old) run.abort('no-stream-leader', 'no stream leader before the fault');
  run.note(`deleted=${old}`);
  const uid = (await b.servers.pod(old))?.uid ?? '';
  const t0 = Date.now();
  await kubectlOk(['-n', b.target.namespace, 'delete', 'pod', old, '--wait=false']);
  const moved = await waitFor(async () => {
    const now = (await b.loadgen.leader(STREAM)).cluster?.leader;
    return now && now !== old ? now : undefined;
  }, 60, 200);
  if (moved) {
    run.check(true, 'stream-leader-reelected', `stream leader moved ${old} -> ${moved} in ${seconds(t0)} s`);
    run.note(`new_stream_leader=${moved}@${seconds(t0)}s`);
  } else {
    run.fail('stream-leader-reelected', `no other stream leader than ${old} within 60 s of deleting its pod`);
  }
  // Health needs the replacement pod, not the one still in lame duck: wait for it first (healthy() judges).
  await b.servers.waitReplaced(old, uid, b.settings.healthTimeoutSeconds);
  run.healthyS = await healthy(run, b, t0);
}

/** s2: each server pod deleted in turn, waiting for all healthy after each; time to all-healthy is the worst. */
async function deleteEachInTurn(run: ScenarioRun, b: Bench): Promise<void> {
  const t0 = Date.now();
  const count = b.settings.deletions;
  const replicas = await b.servers.replicas();
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const pod = podName(b.target, i % replicas);
    const s = await deleteAndWait(run, b, pod);
    b.log.log(`  deletion ${i + 1}/${count}: ${pod} healthy after ${s}s`);
    worst = Math.max(worst, s);
  }
  run.healthyS = worst;
  run.note(`deletions=${count} total=${seconds(t0)}s (time_to_all_healthy=max per deletion)`);
}

async function deleteAndWait(run: ScenarioRun, b: Bench, pod: string): Promise<number> {
  const timeout = b.settings.healthTimeoutSeconds;
  const uid = (await b.servers.pod(pod))?.uid ?? '';
  const t0 = Date.now();
  await kubectlOk(['-n', b.target.namespace, 'delete', 'pod', pod, '--wait=false']);
  if (!await b.servers.waitReplaced(pod, uid, timeout)) run.abort('pod-recreated', `${pod} not recreated within ${timeout} s`);
  const s = await b.servers.waitHealthy(t0);
  if (s === undefined) run.abort('healthy', `not all servers healthy within ${timeout} s of deleting ${pod}`);
  return s;
}

/** s3: `kubectl rollout restart`: every pod replaced, one at a time. */
async function rolloutRestart(run: ScenarioRun, b: Bench): Promise<void> {
  const t0 = Date.now();
  await kubectlOk(['-n', b.target.namespace, 'rollout', 'restart', `statefulset/${b.target.statefulSet}`]);
  await rolledOut(run, b, t0);
  run.healthyS = await healthy(run, b, t0);
}

/** s4: a config change (max_payload) applied with `kubectl apply`: the checksum annotation rolls the pods. */
async function configChange(run: ScenarioRun, b: Bench): Promise<void> {
  const changed = b.targets.r3Payload;
  const t0 = Date.now();
  await hostScript(b.settings.e2eDir, 'load-images.sh', [...changed.files]);
  await kubectlOk(['apply', '-f', changed.dir]);
  await rolledOut(run, b, t0);
  run.healthyS = await healthy(run, b, t0);
  const payloads = await Promise.all((await b.servers.pods()).map(async (p) =>
    `${p.name}=${(await b.servers.monitor<{ max_payload: number }>(p, '/varz')).max_payload}`));
  const ok = payloads.every((p) => p.endsWith(`=${MAX_PAYLOAD.bytes}`)) && payloads.length === changed.replicas;
  run.check(ok, 'config-not-applied', `max_payload ${MAX_PAYLOAD.bytes} on every server (${payloads.join(' ')})`);
  if (ok) run.note(`max_payload=${MAX_PAYLOAD.setting}-on-all`);
}

/**
 * s5: nats-server SIGKILLed from the node (containerd's task PID): no preStop, no lame duck. Inside the container
 * nothing works: PID 1 of a PID namespace ignores signals sent from inside it unless it handles them.
 */
async function processKilled(run: ScenarioRun, b: Bench): Promise<void> {
  const pod = (await b.loadgen.leader(STREAM).catch(() => undefined))?.cluster?.leader ?? podName(b.target, 1);
  const before = await b.servers.pod(pod);
  if (!before) run.abort('no-pod', `pod ${pod} not found`);
  const pid = await serverPid(b.settings.containerdSocket, before.containerId);
  if (pid === undefined) run.abort('no-task', `no nats-server task for ${pod} (${before.containerId})`);
  const t0 = Date.now();
  process.kill(pid, 'SIGKILL');
  run.note(`killed=${pod}(pid ${pid})`);
  const restarted = await waitFor(async () => {
    const now = await b.servers.pod(pod);
    return now && now.restarts > before.restarts ? now : undefined;
  }, 120);
  if (!restarted) run.abort('restart-count', `restartCount of ${pod} still ${before.restarts} 120 s after the kill`);
  run.healthyS = await healthy(run, b, t0);
  const after = await b.servers.pod(pod);
  const same = after?.uid === before.uid;
  run.check(same, 'pod-replaced', `${pod} restarted in place (same UID, restartCount ${before.restarts} -> ${after?.restarts})`);
  if (same) run.note(`same-pod restartCount=${before.restarts}->${after?.restarts}`);
}

/** The host PID of the container's task, if it is a nats-server. */
async function serverPid(socket: string, containerId: string): Promise<number | undefined> {
  const tasks = await exec('ctr', ['-a', socket, '-n', 'k8s.io', 'task', 'ls'], { timeoutSeconds: 30 });
  const line = tasks.stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((cols) => cols[0] === containerId);
  const pid = Number(line?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  return comm === 'nats-server' ? pid : undefined;
}

/**
 * s6: the homelab (R1) holds data in HOMELAB and in the app's declared stream; then the upgrade to 3 replicas
 * runs with publishing on. Returns the upgrade's row and the row of the data written at R1.
 */
export async function homelabUpgrade(b: Bench): Promise<Row[]> {
  const { loadgen: lg, settings, target } = b;
  const r1Data = new ScenarioRun('s6-r1-era-data', b.reporter);
  b.reporter.section('s6 setup: data written at 1 replica');
  await lg.ensure(HOMELAB, 1);
  await lg.start(HOMELAB, 's6-r1-data');
  await sleep(10_000);
  save(settings.out, 's6-r1-data.stop.json', await lg.stop());
  // The app's declared stream holds data too: the migration must carry it, not race the streams Job.
  if (!await jobsComplete(r1Data, target, 120)) return [r1Data.row(NONE)];
  const pub = await nats(target.namespace, target.natsBox,
    ['pub', target.appStream.subject, 'login {{Count}}', '--count', String(APP_STREAM_MESSAGES), '--jetstream']);
  if (!r1Data.check(pub.code === 0, 'app-stream-data',
    `${APP_STREAM_MESSAGES} messages published to ${target.appStream.name} at R1${pub.code ? `: ${pub.stderr.trim()}` : ''}`)) {
    return [r1Data.row(NONE)];
  }
  const upgrade: Outcome = await runScenario(b, { name: 's6-r1-to-r3-upgrade', stream: HOMELAB, replicas: 3, reelect: false, fault: upgradeR1ToR3 });
  return [upgrade.row, r1EraRow(r1Data, upgrade)];
}

/** What was written at R1 before the switch, read back at R3: every acked id exactly once. */
function r1EraRow(run: ScenarioRun, upgrade: Outcome): Row {
  const phase = upgrade.verification?.phases?.find((p) => p.phase === 's6-r1-data');
  if (!phase) {
    run.fail('read-back', 'the R1-era data was not read back after the switch');
    return run.row(NONE);
  }
  run.check(phase.lost === 0 && phase.duplicates === 0, 'lost-or-duplicated',
    `R1-era data read back at R3: ${phase.acked} acked, ${phase.lost} lost, ${phase.duplicates} duplicates`);
  run.note('written at R1 before the switch, read back at R3');
  return run.row({ ...NONE, acked: phase.acked, lost: phase.lost, duplicates: phase.duplicates });
}

/**
 * In place first, as a user would try: Kubernetes must refuse it (a clustered server would delete the standalone
 * streams as orphans) and the standalone server must not notice. Then the supported path, `npm run migrate`.
 */
async function upgradeR1ToR3(run: ScenarioRun, b: Bench): Promise<void> {
  const { r1, r3 } = b.targets;
  const ns = r1.namespace;
  const standalone = podName(r1, 0);
  const before = await b.servers.pod(standalone);
  if (!before) run.abort('no-pod', `standalone pod ${standalone} not found`);
  const apply = await kubectl(['apply', '-f', r3.dir]);
  if (apply.code === 0) run.abort('in-place-accepted', 'the in-place apply of 3 replicas over 1 was accepted');
  const refusal = `StatefulSet "${r3.statefulSet}" is invalid`;
  run.check(`${apply.stdout}${apply.stderr}`.includes(refusal), 'in-place-error',
    `in-place apply refused with '${refusal}'${apply.stderr.includes(refusal) ? '' : `: ${apply.stderr.trim()}`}`);
  await sleep(5000);
  const after = await b.servers.pod(standalone);
  const replicas = await b.servers.replicas();
  run.check(after?.uid === before.uid && after.restarts === before.restarts && replicas === 1, 'standalone-disturbed',
    `standalone server untouched (same UID, restartCount ${before.restarts} -> ${after?.restarts}, replicas ${replicas})`);
  run.check(await b.servers.allHealthy(), 'standalone-unhealthy', 'standalone server still healthy');
  run.note('in-place-apply-refused,standalone-untouched');

  const t0 = Date.now();
  const first = await migrate(b, 's6-migrate.log');
  if (!run.check(first.ok, 'migrate', '`npm run migrate` (scripts/migrate-to-cluster.sh) succeeded')) run.abort('migrate', 'migration failed');
  run.note(`migrate=${seconds(t0)}s`);
  run.healthyS = await healthy(run, b, t0);
  const claim = claimName(r1, 0);
  const kept = (await kubectl(['-n', ns, 'get', 'pvc', claim])).code === 0;
  run.check(kept, 'standalone-claim-gone', `standalone claim ${claim} kept`);
  if (kept) run.note('standalone-claim-kept');

  // Running it again finds the work done and changes nothing.
  const again = await migrate(b, 's6-migrate-again.log');
  const noop = again.ok && again.log.includes('migration Job succeeded: finishing');
  run.check(noop, 'migrate-rerun', 'a second `npm run migrate` finds the work done');
  if (noop) run.note('migrate-rerun-noop');

  if (!await jobsComplete(run, r3, 180)) return;
  const name = r3.appStream.name;
  const info = await nats(ns, r3.natsBox, ['stream', 'info', name, '--json']);
  const state = info.code === 0
    ? JSON.parse(info.stdout) as { state: { messages: number }; config: { num_replicas: number } }
    : undefined;
  const got = state ? `${state.state.messages} R${state.config.num_replicas}` : info.stderr.trim();
  const ok = got === `${APP_STREAM_MESSAGES} R3`;
  run.check(ok, 'my-stream', `${name} after the migration: ${got} (want ${APP_STREAM_MESSAGES} R3)`);
  if (ok) run.note(`${name}=${got}`);
}

/** `npm run migrate` as a user runs it (NATS_REPLICAS=3, same namespace), its output kept and shown. */
async function migrate(b: Bench, logFile: string): Promise<{ ok: boolean; log: string }> {
  const script = path.join(b.settings.repoDir, 'scripts/migrate-to-cluster.sh');
  const r = await exec('bash', [script], {
    env: { KUBECTL: 'kubectl', NATS_NAMESPACE: b.target.namespace, NATS_REPLICAS: '3' }, timeoutSeconds: 1500,
  });
  const log = `${r.stdout}${r.stderr}`;
  fs.writeFileSync(path.join(b.settings.out, logFile), log);
  for (const line of log.trimEnd().split('\n')) b.log.line(`    ${line}`);
  return { ok: r.code === 0, log };
}

/** Every streams-as-code Job of `target` completed. */
async function jobsComplete(run: ScenarioRun, target: Target, timeoutSeconds: number): Promise<boolean> {
  const r = await kubectl(['-n', target.namespace, 'wait', '--for=condition=complete', 'job', '-l', target.jetStreamJobSelector,
    `--timeout=${timeoutSeconds}s`], { timeoutSeconds: timeoutSeconds + 30 });
  return run.check(r.code === 0, 'streams-job', `streams-as-code Job complete${r.code ? `: ${r.stderr.trim()}` : ''}`);
}

/** `kubectl rollout status` of the StatefulSet (600 s). */
async function rolledOut(run: ScenarioRun, b: Bench, t0: number): Promise<void> {
  const r = await kubectl(['-n', b.target.namespace, 'rollout', 'status', `statefulset/${b.target.statefulSet}`, '--timeout=600s'],
    { timeoutSeconds: 630 });
  if (r.code !== 0) run.abort('rollout-stuck', `rollout not finished in 600 s: ${r.stderr.trim()}`);
  run.note(`rollout=${seconds(t0)}s`);
}

/** Seconds from `t0` until every server is healthy; aborts the fault after the health timeout. */
async function healthy(run: ScenarioRun, b: Bench, t0: number): Promise<number> {
  const s = await b.servers.waitHealthy(t0);
  if (s === undefined) run.abort('healthy', `not all servers healthy within ${b.settings.healthTimeoutSeconds} s`);
  run.check(true, 'healthy', `all servers healthy ${s} s after the fault`);
  return s;
}

/** Runs one of the harness's host scripts (image import, storage), failing with its output. */
export async function hostScript(e2eDir: string, script: string, args: string[] = []): Promise<void> {
  const r = await exec('bash', [path.join(e2eDir, script), ...args], { timeoutSeconds: 1800 });
  if (r.code !== 0) throw new Error(`e2e/${script} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
}
