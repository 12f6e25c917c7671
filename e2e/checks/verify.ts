/**
 * `npm run verify`: deploys synthesized manifests with `kubectl apply -f DIR` on whatever cluster KUBECONFIG points
 * at and checks the seed's promises end to end (usage and environment: USAGE below). Each concern is a module of
 * e2e/checks/; this file runs them in order and owns the namespace's lifecycle.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyAndWait, preflight } from './apply';
import { Ctx, Deployment, StopVerify, describeDeployment, readDeployment } from './deployment';
import { dumpDiagnostics } from './diagnostics';
import { checkApplyJob, checkDeclarations, checkKv, checkObjectStore, checkSeedCommands } from './jetstream';
import { checkPubSub } from './messaging';
import { checkMetrics, prepareMetrics } from './metrics';
import { AdminUser, checkHealthAndVarz, checkRoutesAndMetaLeader, checkServerInfo } from './monitoring';
import { checkNackResources } from './nack';
import { checkNetworkPolicy } from './netpol';
import { checkPersistence } from './persistence';
import { checkPythonExample } from './python';
import { checkRepairRecreates, checkRepairReportsDrift } from './repair';
import { checkReapply } from './reapply';
import { checkNoSecretLeaks, checkRefusedClients } from './security';
import { kubectl, run, sleep } from './support/kube';
import { PortForwards } from './support/portforward';
import { Reporter } from './support/report';
import { upsertTableRow } from './support/results';

const REPO = path.resolve(__dirname, '..', '..');

const USAGE = `usage: verify.ts [--keep] [DIR]          DIR: a \`cdk8s synth\` output (default: dist)

It creates the namespace the manifests declare and deletes it (with its claims) at the end: that namespace must
not run anything yet, so never point it at a deployment you care about. Synthesize with another namespace instead:
  NATS_NAMESPACE=nats-verify npx cdk8s synth -o /tmp/dist-verify && npm run verify -- /tmp/dist-verify
Needs kubectl; python3 with venv for the nats-py check (nats-py is installed from PyPI once). Only 127.0.0.1
port-forwards are opened on this machine. With a PodMonitor or ServiceMonitor in DIR it installs the Prometheus Operator (e2e/build.sh builds it) and runs a
Prometheus in <ns>-monitoring. With a NetworkPolicy in DIR it also starts probe pods (nats-box image) in
the namespace, in a fresh <ns>-np-other and in the namespaces the policy names if they do not exist yet.

Environment:
  VERIFY_KEEP=1            keep the namespace (same as --keep); VERIFY_KEEP=on-failure keeps it only after a FAIL
  VERIFY_READY_TIMEOUT=300 seconds for all pods to become Ready
  VERIFY_PERSIST_MSGS=100  messages published before the pods are deleted
  VERIFY_VENV=DIR          venv for nats-py (default /var/cache/nats-cdk8s/verify-venv, or ~/.cache/...)
  VERIFY_SKIP_PYTHON=1     skip the nats-py check (printed as SKIP)
  VERIFY_NACK=auto|0       NACK CRDs server-side dry run (auto: synth JETSTREAM_MODE=nack when run from the repo)
  VERIFY_ADMIN_USER / VERIFY_ADMIN_SECRET[/KEY]  a system-account user for \`nats server list\` when auth is on
  VERIFY_LOAD_IMAGES=1     e2e cluster only: e2e/load-images.sh DIR/*.yaml first
  VERIFY_RECYCLE_PVS=1     e2e cluster only: recycle this namespace's Released local PVs after the cleanup
  VERIFY_RESULTS=1         write this run's row into docs/results/verify.md (e2e/run.sh sets it)`;

export interface VerifyOptions {
  readonly dir: string;
  /** '1': keep the namespace; 'on-failure': keep it only after a FAIL. */
  readonly keep: string;
  readonly readyTimeoutSeconds: number;
  readonly loadImages: boolean;
  readonly recyclePvs: boolean;
  readonly writeResults: boolean;
  readonly admin?: AdminUser;
}

/** The options the environment gives (see USAGE); DIR defaults to the repository's dist/. */
export function optionsFromEnv(dir = path.join(REPO, 'dist'), keep = false): VerifyOptions {
  const env = process.env;
  const adminUser = env.VERIFY_ADMIN_USER;
  return {
    dir,
    keep: keep ? '1' : env.VERIFY_KEEP ?? '',
    readyTimeoutSeconds: Number(env.VERIFY_READY_TIMEOUT ?? 300),
    loadImages: env.VERIFY_LOAD_IMAGES === '1',
    recyclePvs: env.VERIFY_RECYCLE_PVS === '1',
    writeResults: env.VERIFY_RESULTS === '1',
    admin: adminUser ? { user: adminUser, secret: env.VERIFY_ADMIN_SECRET ?? 'nats-users', key: env.VERIFY_ADMIN_KEY ?? adminUser } : undefined,
  };
}

/** Runs every check; returns the exit code (1 after any FAIL). */
export async function runVerify(o: VerifyOptions): Promise<number> {
  const verify = new VerifyRun(o);
  const onSignal = () => {
    verify.r.fail('interrupted');
    void verify.interrupt().then((code) => process.exit(code));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await verify.checks();
  return verify.finish();
}

class VerifyRun {
  public readonly r = new Reporter();
  private readonly started = Date.now();
  private readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-verify.'));
  private readonly forwards = new PortForwards();
  private d?: Deployment;
  private readySeconds?: number;
  /** Set once this run has applied into the namespace: from then on it dumps diagnostics and deletes it. */
  private owned = false;
  private finishing?: Promise<number>;
  private interrupted = false;
  /** The check stage running now. */
  private current?: Promise<void>;

  public constructor(private readonly o: VerifyOptions) {}

  public async checks(): Promise<void> {
    try {
      const d = (this.d = readDeployment(this.o.dir));
      const context = await kubectl(['config', 'current-context']);
      this.r.section(`verify ${d.dir} -> namespace ${d.ns} (context ${context.stdout.trim() || '?'}), ${new Date().toISOString().slice(11, 19)}Z`);
      await preflight(d, this.r, this.o.loadImages);
      await prepareMetrics(d, (text) => this.r.info(text));
      this.owned = true;
      const live = await applyAndWait(d, this.r, this.o.readyTimeoutSeconds, this.tmp);
      this.readySeconds = live.readySeconds;
      await this.stages({ d, live, r: this.r, forwards: this.forwards, tmp: this.tmp });
    } catch (e) {
      this.r.fail(e instanceof StopVerify ? e.message : `verify: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }

  /**
   * A stage that throws is one FAIL and the next one still runs. Persistence restarts every server, so it comes
   * last; re-apply compares the apply Job's stream and consumer, so it follows the JetStream checks.
   */
  private async stages(c: Ctx): Promise<void> {
    const kv: { value?: string } = {};
    const stages: Array<[string, () => Promise<void>]> = [
      ['JetStream apply Job', () => checkApplyJob(c)],
      ['monitoring', () => checkHealthAndVarz(c)],
      ['routes and meta leader', () => checkRoutesAndMetaLeader(c)],
      ['server and account info', () => checkServerInfo(c, this.o.admin)],
      // Before the NetworkPolicy probes, which create and delete the monitoring namespace themselves.
      ['metrics (Prometheus Operator)', () => checkMetrics(c)],
      ['refused clients', () => checkRefusedClients(c)],
      ['Secret values', () => checkNoSecretLeaks(c)],
      ['NetworkPolicy', () => checkNetworkPolicy(c)],
      ['pub/sub', () => checkPubSub(c)],
      ['declared streams and consumers', () => checkDeclarations(c)],
      ['seed CLI commands', () => checkSeedCommands(c)],
      ['KV', async () => { kv.value = await checkKv(c); }],
      ['object store', () => checkObjectStore(c)],
      ['nats-py example', () => checkPythonExample(c)],
      ['re-apply', () => checkReapply(c)],
      ['NACK', () => checkNackResources(c, REPO)],
      ['persistence', () => checkPersistence(c, kv.value)],
      // Last: they delete and change MY_STREAM (with JETSTREAM_REPAIR_SCHEDULE set; SKIP otherwise).
      ['repair: re-create', () => checkRepairRecreates(c)],
      ['repair: drift', () => checkRepairReportsDrift(c)],
    ];
    for (const [name, body] of stages) {
      if (this.interrupted) return;
      this.current = c.r.group(name, body);
      await this.current;
    }
  }

  /**
   * On SIGINT/SIGTERM: no further stage starts; the running one gets up to 30 s to end (so that, e.g., the NACK
   * stage removes the CRDs it installed) before the namespace is deleted under it.
   */
  public async interrupt(): Promise<number> {
    this.interrupted = true;
    await Promise.race([this.current, sleep(30_000)]);
    return this.finish();
  }

  /** Diagnostics after a FAIL, cleanup, the summary line and the results row; once, even when interrupted. */
  public finish(): Promise<number> {
    this.finishing ??= this.doFinish();
    return this.finishing;
  }

  private async doFinish(): Promise<number> {
    const d = this.d;
    if (!this.r.ok && this.owned && d) await dumpDiagnostics(d.ns);
    this.forwards.closeAll();
    if (this.owned && d) await this.cleanup(d);
    const seconds = Math.round((Date.now() - this.started) / 1000);
    console.log(`==== verify ${d?.ns ?? this.o.dir}: ${this.r.passed} passed, ${this.r.failed} failed in ${seconds}s`);
    if (this.o.writeResults && d && this.owned) writeResults(d, this.r, this.readySeconds, seconds);
    fs.rmSync(this.tmp, { recursive: true, force: true });
    return this.r.ok ? 0 : 1;
  }

  private async cleanup(d: Deployment): Promise<void> {
    if (this.o.keep === '1' || (this.o.keep === 'on-failure' && !this.r.ok)) {
      console.log(`kept namespace ${d.ns} (delete it with: kubectl delete ns ${d.ns})`);
      return;
    }
    const start = Date.now();
    const deleted = await kubectl(['delete', 'ns', d.ns, '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
    if (deleted.code === 0) this.r.info(`namespace ${d.ns} deleted in ${((Date.now() - start) / 1000).toFixed(1)}s`);
    else this.r.fail(`cleanup: namespace ${d.ns} not deleted within 180s`);
    if (this.o.recyclePvs) {
      const recycled = await run('bash', [path.join(REPO, 'e2e', 'verify', 'recycle-pvs.sh'), d.ns]);
      this.r.info((recycled.stdout + recycled.stderr).trimEnd());
    }
  }
}

const RESULTS_FILE = path.join(REPO, 'docs', 'results', 'verify.md');

/** This deployment's row of docs/results/verify.md, replacing its previous one. */
function writeResults(d: Deployment, r: Reporter, readySeconds: number | undefined, seconds: number): void {
  upsertTableRow(RESULTS_FILE, {
    Deployment: describeDeployment(d),
    Namespace: d.ns,
    Passed: r.passed,
    Failed: r.failed,
    'apply → Ready (s)': readySeconds === undefined ? '-' : readySeconds.toFixed(1),
    'verify (s)': seconds,
    Date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z`,
    Commit: commit(),
  }, {
    key: 'Deployment',
    columns: ['Deployment', 'Namespace', 'Passed', 'Failed', 'apply → Ready (s)', 'verify (s)', 'Date', 'Commit'],
    preamble: '# `npm run verify` results\n\n'
      + 'Written by `e2e/checks/verify.ts` when `VERIFY_RESULTS=1` (`e2e/run.sh` sets it): one row per deployment, '
      + 'replaced by its latest run. "apply → Ready" is `kubectl apply` until every server and nats-box are Ready; '
      + '"verify" the whole run, namespace deletion included. A commit marked `-dirty` ran with uncommitted changes.',
  });
}

/** The checked-out commit, `-dirty` when tracked files (other than the results) differ from it. */
function commit(): string {
  const git = (args: string[]) => execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8' }).trim();
  try {
    const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!docs/results']) !== '';
    return `${git(['rev-parse', '--short', 'HEAD'])}${dirty ? '-dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}

function main(argv: string[]): void {
  let dir: string | undefined;
  let keep = false;
  for (const a of argv) {
    if (a === '--keep') keep = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return;
    } else if (a.startsWith('-')) {
      console.error(`unknown option ${a}\n${USAGE}`);
      process.exit(2);
    } else dir = a;
  }
  void runVerify(optionsFromEnv(dir ? path.resolve(dir) : undefined, keep)).then((code) => process.exit(code));
}

if (require.main === module) main(process.argv.slice(2));
