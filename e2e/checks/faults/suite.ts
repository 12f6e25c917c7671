/**
 * The fault suite (issue 4): an in-cluster JetStream client (e2e/faults/loadgen) publishes with acks while faults are
 * injected; after each scenario the whole stream is read back. Entry: e2e/faults.sh (timeout, cleanup, runs), or
 *   node -r ts-node/register/transpile-only e2e/checks/faults/suite.ts      (KUBECONFIG and PATH as for kubectl)
 * Scenarios (scenarios.ts): s1 stream-leader pod deleted, s2 pods deleted in turn, s3 rollout restart, s4 config
 * change via kubectl apply, s5 nats-server SIGKILLed, s6 homelab 1 -> 3 replicas (refused in place, then migrate);
 * (secure.ts) on the production-like deployment, s7 server certificate rotated and s8 a user added and a password
 * rotated, both taken by a reload without a restart, and (account-full.ts) s12 an account filled to its JetStream
 * limit; (store-full.ts, control-plane.ts) s10 the JetStream store filled to max_file_store, s11 kube-apiserver and
 * etcd stopped for 60 s.
 * Prints PASS/FAIL per check and ends with `N passed, N failed`; exits 1 on any FAIL.
 */
import * as fs from 'fs';
import * as path from 'path';
import { kubectl, kubectlJson, kubectlOk, run } from '../support/kube';
import { Reporter } from '../support/report';
import { seconds, Servers } from './cluster';
import { LoadGen } from './loadgen';
import { SuiteLog } from './log';
import { markdownTable, recordRun, writeTsv } from './results';
import { Bench, message, Row, runScenario, Targets } from './scenario';
import { homelabUpgrade, hostScript, MAX_PAYLOAD, R3_STORAGE, r3Scenario, STREAM } from './scenarios';
import { accountFullScenario } from './account-full';
import { certRotationScenario, credentialsReloadScenario, LOADGEN_AUTH, prepareSecure, SecureContext } from './secure';
import { R3_IDS, readSettings, SECURE_IDS, Settings } from './settings';
import { readTarget, Target } from './target';

interface Suite {
  readonly settings: Settings;
  readonly log: SuiteLog;
  readonly reporter: Reporter;
  readonly rows: Row[];
  readonly started: Date;
  natsServer: string;
  loadgen?: LoadGen;
}

async function main(): Promise<number> {
  const settings = readSettings();
  fs.mkdirSync(settings.out, { recursive: true });
  const log = new SuiteLog(path.join(settings.out, 'suite.log'));
  const suite: Suite = { settings, log, reporter: new Reporter(log.line), rows: [], started: new Date(), natsServer: '?' };
  // cdk8s synth reads cdk8s.yaml from the working directory.
  process.chdir(settings.repoDir);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void interrupted(suite, signal));
  }
  try {
    await scenarios(suite);
  } catch (e) {
    suite.reporter.fail(`suite: ${message(e)}`);
  }
  return finish(suite, !settings.keep);
}

async function scenarios(suite: Suite): Promise<void> {
  const { settings } = suite;
  await cleanupNamespace(suite);
  const targets = await synthAll(suite);
  await hostScript(settings.e2eDir, 'load-images.sh', [...targets.r3.files, ...targets.r3Previous.files]);
  await hostScript(settings.e2eDir, 'faults/build.sh');
  const onR3 = settings.scenarios.filter((s): s is typeof R3_IDS[number] => (R3_IDS as readonly string[]).includes(s) && s !== 's11');
  if (onR3.length) {
    // s9 starts from the previous server version and upgrades the deployment the other scenarios then use.
    const bench = await deploy(suite, targets, onR3.includes('s9') ? targets.r3Previous : targets.r3);
    await bench.loadgen.ensure(STREAM, 3);
    for (const id of onR3) record(suite, (await runScenario(bench, r3Scenario(id, settings.deletions))).row);
  }
  const onSecure = settings.scenarios.filter((s): s is typeof SECURE_IDS[number] => (SECURE_IDS as readonly string[]).includes(s));
  if (onSecure.length && targets.secure) {
    await cleanupNamespace(suite);
    await hostScript(settings.e2eDir, 'load-images.sh', [...targets.secure.files, ...targets.secureAdded?.files ?? []]);
    suite.log.log(`secure deployment: a CA, a server certificate and passwords in ${settings.out}/pki`);
    const secure = await prepareSecure(settings.namespace, path.join(settings.out, 'pki'));
    const bench = await deploy(suite, targets, targets.secure, secure);
    await bench.loadgen.ensure(STREAM, 3);
    const secureScenarios = { s7: certRotationScenario, s8: credentialsReloadScenario, s12: accountFullScenario };
    for (const id of onSecure) record(suite, (await runScenario(bench, secureScenarios[id](STREAM))).row);
  }
  if (settings.scenarios.includes('s6')) {
    await cleanupNamespace(suite);
    const bench = await deploy(suite, targets, targets.r1);
    for (const row of await homelabUpgrade(bench)) record(suite, row);
  }
  // Last, on a fresh R3: after kube-apiserver and etcd came back, a later deployment in this namespace once had its
  // pods scheduled against claims that were not bound (the scheduler's view lagged), so nothing runs after it.
  if (settings.scenarios.includes('s11')) {
    await cleanupNamespace(suite);
    const bench = await deploy(suite, targets, targets.r3);
    await bench.loadgen.ensure(STREAM, 3);
    record(suite, (await runScenario(bench, r3Scenario('s11', settings.deletions))).row);
  }
}

/** The official image of scripts/versions.env's NATS_SERVER_PREVIOUS_VERSION (e2e/load-images.sh provides it). */
function previousServerImage(settings: Settings): string {
  const pins = fs.readFileSync(path.join(settings.repoDir, 'scripts', 'versions.env'), 'utf8');
  const version = /^NATS_SERVER_PREVIOUS_VERSION=v(\S+)/m.exec(pins)?.[1];
  if (!version) throw new Error('scripts/versions.env has no NATS_SERVER_PREVIOUS_VERSION');
  return `nats:${version}-alpine`;
}

function record(suite: Suite, row: Row): void {
  suite.rows.push(row);
  writeTsv(path.join(suite.settings.out, 'results.tsv'), suite.rows);
}

/** R3, R3 on the previous server version (s9), R3 with a larger max_payload (s4), R1 (s6), and for s7, s8 and s12 the secure R3 without and with one more user. */
async function synthAll(suite: Suite): Promise<Targets> {
  const { settings } = suite;
  suite.log.log(`synth into ${suite.settings.out}/dist-*`);
  const synth = async (name: string, env: { [k: string]: string }): Promise<Target> => {
    const dir = path.join(suite.settings.out, name);
    const r = await run('npx', ['cdk8s', 'synth', '--no-check-upgrade', '-o', dir],
      { env: { ...env, NATS_NAMESPACE: suite.settings.namespace }, timeoutSeconds: 300 });
    if (r.code !== 0) throw new Error(`cdk8s synth ${name}: ${r.stderr.trim()}`);
    const target = readTarget(dir);
    if (target.namespace !== suite.settings.namespace) throw new Error(`${dir} deploys into ${target.namespace}, not ${suite.settings.namespace}`);
    return target;
  };
  // e2e/faults/secure-app.ts, a cdk8s app of its own (prod-app.ts's profile plus the suite's users).
  const synthSecure = async (name: string, env: { [k: string]: string }): Promise<Target> => {
    const dir = path.join(suite.settings.out, name);
    const r = await run('node', ['-r', 'ts-node/register/transpile-only', 'e2e/faults/secure-app.ts'],
      { env: { ...env, CDK8S_OUTDIR: dir, NATS_NAMESPACE: suite.settings.namespace }, timeoutSeconds: 300 });
    if (r.code !== 0) throw new Error(`synth ${name}: ${r.stderr.trim()}`);
    return readTarget(dir);
  };
  const secure = suite.settings.scenarios.some((s) => (SECURE_IDS as readonly string[]).includes(s));
  return {
    r3: await synth('dist-r3', { NATS_REPLICAS: '3', NATS_STORAGE_SIZE: R3_STORAGE }),
    r3Previous: await synth('dist-r3-previous', { NATS_REPLICAS: '3', NATS_STORAGE_SIZE: R3_STORAGE, NATS_IMAGE: previousServerImage(settings) }),
    r3Payload: await synth('dist-r3-payload', { NATS_REPLICAS: '3', NATS_STORAGE_SIZE: R3_STORAGE, NATS_MAX_PAYLOAD: MAX_PAYLOAD.setting }),
    r1: await synth('dist-r1', { NATS_REPLICAS: '1' }),
    ...(secure ? {
      secure: await synthSecure('dist-secure', {}),
      secureAdded: await synthSecure('dist-secure-added', { FAULTS_ADDED_USER: 'added' }),
    } : {}),
  };
}

/** Applies `target`, waits for the rollout and all servers healthy, starts the load generator (logged in, with `secure`). */
async function deploy(suite: Suite, targets: Targets, target: Target, secure?: SecureContext): Promise<Bench> {
  const { settings, log, reporter } = suite;
  log.log(`deploy R${target.replicas} into ${target.namespace}`);
  const t0 = Date.now();
  await kubectlOk(['apply', '-f', target.dir]);
  await kubectlOk(['-n', target.namespace, 'rollout', 'status', `statefulset/${target.statefulSet}`, '--timeout=300s'], { timeoutSeconds: 330 });
  const servers = new Servers(target, settings.healthTimeoutSeconds, secure?.pki.caFile);
  const healthyS = await servers.waitHealthy(t0);
  if (!reporter.check(healthyS !== undefined, `R${target.replicas} deployed: all ${target.replicas} servers healthy after ${healthyS} s`,
    `R${target.replicas} deployed: not all servers healthy within ${settings.healthTimeoutSeconds} s`)) {
    throw new Error('deployment not healthy');
  }
  const [first] = await servers.pods();
  suite.natsServer = (await servers.monitor<{ version: string }>(first, '/varz')).version;
  suite.loadgen = await LoadGen.start(target.namespace, target.clientUrl, settings.rate, secure ? LOADGEN_AUTH : undefined);
  return { settings, log, reporter, targets, target, servers, loadgen: suite.loadgen, secure };
}

async function cleanupNamespace(suite: Suite): Promise<void> {
  const ns = suite.settings.namespace;
  if ((await kubectl(['get', 'ns', ns])).code === 0) {
    suite.log.log(`deleting namespace ${ns}`);
    const r = await kubectl(['delete', 'ns', ns, '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
    if (r.code !== 0) suite.log.log(`WARN: namespace ${ns} not gone in 180 s`);
  }
  // Released local PVs become Available again for the next deployment.
  await hostScript(suite.settings.e2eDir, 'lib/storage.sh').catch((e) => suite.log.log(`WARN: ${message(e)}`));
}

/** Tables, the results file, diagnostics after a failure, cleanup; the summary line comes last. */
async function finish(suite: Suite, cleanup: boolean): Promise<number> {
  const { settings, log, reporter, rows } = suite;
  const took = seconds(suite.started.getTime());
  log.log(`suite took ${Math.round(took)}s`);
  log.line(markdownTable(rows, true));
  if (settings.writeResultsFile) {
    const file = path.join(settings.repoDir, 'docs/results/faults.md');
    recordRun(file, { started: suite.started, commit: await commit(settings.repoDir), natsServer: suite.natsServer,
      kubernetes: await kubernetesVersion(), seconds: Math.round(took), ok: reporter.ok }, rows);
    log.log(`results recorded in ${path.relative(settings.repoDir, file)}`);
  }
  if (!reporter.ok) await diag(suite);
  if (cleanup) await cleanupNamespace(suite);
  log.log(`results in ${settings.out}`);
  log.line(reporter.summary());
  return reporter.ok ? 0 : 1;
}

/** Killed by e2e/faults.sh's timeout: record what was measured, leave the namespace to faults.sh. */
async function interrupted(suite: Suite, signal: string): Promise<void> {
  suite.reporter.fail(`suite: interrupted by ${signal}`);
  await finish(suite, false).catch(() => undefined);
  process.exit(143);
}

/** Pods, claims, events and logs of the namespace, and the load generator's connection events. */
async function diag(suite: Suite): Promise<void> {
  const { namespace: ns, out } = suite.settings;
  const write = (file: string, text: string) => fs.writeFileSync(path.join(out, file), text);
  const text = async (args: string[]) => { const r = await kubectl(['-n', ns, ...args]); return r.stdout + r.stderr; };
  write('diag-pods.txt', (await text(['get', 'pods,pvc', '-o', 'wide'])) + (await text(['describe', 'pods'])));
  write('diag-events.txt', await text(['get', 'events', '--sort-by=.lastTimestamp']));
  const pods = await kubectlJson<{ items: { metadata: { name: string } }[] }>(['-n', ns, 'get', 'pods']).catch(() => ({ items: [] }));
  for (const { metadata: { name } } of pods.items) {
    write(`diag-log-${name}.txt`, await text(['logs', '--all-containers', '--tail=200', name]));
    const previous = await kubectl(['-n', ns, 'logs', '--all-containers', '--previous', '--tail=200', name]);
    if (previous.code === 0) write(`diag-prevlog-${name}.txt`, previous.stdout);
  }
  const events = await suite.loadgen?.events().catch((e) => message(e));
  if (events !== undefined) write('diag-loadgen-events.txt', events);
  suite.log.log(`diagnostics in ${out}/diag-*`);
}

/** The commit the suite ran from, marked when tracked files had uncommitted changes. */
async function commit(repo: string): Promise<string> {
  const head = (await run('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'])).stdout.trim() || '?';
  const dirty = (await run('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'])).stdout.trim();
  return dirty ? `${head} (with uncommitted changes)` : head;
}

async function kubernetesVersion(): Promise<string> {
  const v = await kubectlJson<{ serverVersion?: { gitVersion: string } }>(['version']).catch(() => undefined);
  return v?.serverVersion?.gitVersion ?? '?';
}

main().then((code) => process.exit(code), (e) => {
  console.log(`FAIL  suite: ${message(e)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
