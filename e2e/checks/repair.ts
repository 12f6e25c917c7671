/**
 * The JetStream repair CronJob (`repairSchedule`, `JETSTREAM_REPAIR_SCHEDULE`): run by hand with
 * `kubectl create job --from=cronjob/…`, it re-creates a declared stream and its consumer deleted with the nats CLI,
 * and it reports drift it must not repair (a hand-edited max_bytes) as a failed Job, with a DRIFT line in its log,
 * leaving the stream's config and messages as they were.
 *
 * Both checks delete or change the seed's stream: run them after every check that counts its messages (last, after
 * persistence). They skip when the manifests hold no repair CronJob.
 */
import { Ctx } from './deployment';
import { JETSTREAM_COMPONENT } from './jetstream';
import { K8sObject } from './support/manifests';
import { kubectl, kubectlJson, nats } from './support/kube';
import { lastLines, parseJson } from './support/text';

/** The label (selector syntax) of the repair CronJob, its Jobs and their pods. */
export const REPAIR_COMPONENT = 'app.kubernetes.io/component=jetstream-repair';
const JOB_TIMEOUT_SECONDS = 180;

interface StreamInfo {
  config: { [key: string]: unknown };
  created: string;
  state: { messages: number };
}

interface JobStatus {
  status: { succeeded?: number; failed?: number; conditions?: Array<{ type: string; status: string; reason?: string }> };
}

const withLabel = (selector: string) => (o: K8sObject): boolean => {
  const [label, value] = selector.split('=');
  return o.metadata.labels?.[label] === value;
};

/** The repair CronJob's name and the first declared stream with its declaration (and a consumer on it, if any). */
function declared(c: Ctx): { cronJob: string; stream: string; config: { [key: string]: unknown }; consumer?: string } | undefined {
  const { d } = c;
  const cron = d.manifests.find('CronJob', withLabel(REPAIR_COMPONENT));
  const definitions = d.manifests.find('ConfigMap', withLabel(JETSTREAM_COMPONENT));
  const plan: string[] = (definitions?.data?.plan ?? '').split('\n');
  const stream = plan.find((l) => l.startsWith('stream '))?.split(' ')[1];
  if (!cron || !stream) return undefined;
  const consumer = plan.find((l) => l.startsWith(`consumer ${stream} `))?.split(' ')[2];
  return { cronJob: cron.metadata.name, stream, config: JSON.parse(definitions!.data[`stream.${stream}.json`]), consumer };
}

async function streamInfo(c: Ctx, stream: string): Promise<StreamInfo | undefined> {
  const info = await nats(c.d.ns, c.d.box, ['stream', 'info', stream, '--json']);
  return info.code === 0 ? parseJson<StreamInfo>(info.stdout) : undefined;
}

/**
 * Starts a Job from the CronJob, as `kubectl create job --from=cronjob/…` does, and waits until it completes or
 * fails. Returns its outcome, its log and its status (failed pods, the reason of its Failed condition).
 */
async function runRepair(c: Ctx, cronJob: string, tag: string): Promise<{ job: string; outcome: string; log: string; status?: JobStatus }> {
  const { d } = c;
  const job = `${cronJob}-e2e-${tag}-${Date.now().toString(36)}`.slice(0, 63);
  const created = await kubectl(['-n', d.ns, 'create', 'job', `--from=cronjob/${cronJob}`, job]);
  if (created.code !== 0) return { job, outcome: `not created: ${created.stderr.trim()}`, log: '' };
  // Wait for either condition: `kubectl wait` takes one, so poll both with short waits.
  let outcome = 'timeout';
  for (const deadline = Date.now() + JOB_TIMEOUT_SECONDS * 1000; Date.now() < deadline && outcome === 'timeout';) {
    for (const condition of ['complete', 'failed']) {
      const waited = await kubectl(['-n', d.ns, 'wait', `--for=condition=${condition}`, `job/${job}`, '--timeout=5s'], { timeoutSeconds: 20 });
      if (waited.code === 0) outcome = condition;
    }
  }
  const logs = await kubectl(['-n', d.ns, 'logs', `job/${job}`]);
  const status = await kubectlJson<JobStatus>(['-n', d.ns, 'get', `job/${job}`]).catch(() => undefined);
  return { job, outcome, log: `${logs.stdout}${logs.stderr}`, status };
}

async function deleteJob(c: Ctx, job: string): Promise<void> {
  await kubectl(['-n', c.d.ns, 'delete', 'job', job, '--wait=false']);
}

/** A declared stream (and its consumer) deleted by hand is back after one repair run, as declared. */
export async function checkRepairRecreates(c: Ctx): Promise<void> {
  const { d, r } = c;
  const target = declared(c);
  if (!target) {
    r.skip(`no JetStream repair CronJob (${REPAIR_COMPONENT}) with a declared stream in ${d.dir}: synthesize with JETSTREAM_REPAIR_SCHEDULE`);
    return;
  }
  const { cronJob, stream, consumer } = target;
  const removed = await nats(d.ns, d.box, ['stream', 'rm', '-f', stream]);
  const gone = (await streamInfo(c, stream)) === undefined;
  if (!r.check(removed.code === 0 && gone, `nats stream rm -f ${stream}: the declared stream is gone`,
    `could not delete ${stream} by hand: ${lastLines(removed.stdout + removed.stderr, 3)}`)) return;

  const started = Date.now();
  const run = await runRepair(c, cronJob, 'recreate');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  r.check(run.outcome === 'complete', `repair Job ${run.job} (from cronjob/${cronJob}) completed in ${seconds}s`,
    `repair Job ${run.job}: ${run.outcome}; log: ${lastLines(run.log, 10)}`);
  r.info(run.log.trimEnd().split('\n').map((l) => `job: ${l}`).join('\n'));
  r.check(run.log.includes(`jetstream: stream ${stream}: re-created (it was missing)`), `the repair log says: stream ${stream}: re-created (it was missing)`,
    `the repair log has no "stream ${stream}: re-created" line`);

  const back = await streamInfo(c, stream);
  const diffs = back ? Object.entries(target.config).filter(([k, v]) => JSON.stringify(sorted(back.config[k])) !== JSON.stringify(sorted(v)))
    .map(([k, v]) => `${k}: declared ${JSON.stringify(v)}, server ${JSON.stringify(back.config[k])}`) : ['no stream'];
  r.check(diffs.length === 0, `stream ${stream} is back with its declared configuration`, `stream ${stream} after the repair: ${diffs.join('; ')}`);
  if (consumer) {
    const info = await nats(d.ns, d.box, ['consumer', 'info', stream, consumer, '--json']);
    r.check(info.code === 0, `consumer ${stream} > ${consumer} is back (deleted with its stream)`,
      `consumer ${stream} > ${consumer} after the repair: ${lastLines(info.stdout + info.stderr, 3)}`);
  }
  if (run.outcome === 'complete') await deleteJob(c, run.job);
}

/**
 * A hand edit the repair must not undo (max_bytes set on the declared stream, which has none: putting it back is a
 * config change someone made, and lower limits drop data) fails the repair Job at once (podFailurePolicy on exit
 * code 3: one pod, no retries), with a DRIFT line naming the setting, and the stream keeps its config and messages.
 * Afterwards the edit is undone by hand and a repair run passes again.
 */
export async function checkRepairReportsDrift(c: Ctx): Promise<void> {
  const { d, r } = c;
  const target = declared(c);
  if (!target) {
    r.skip(`no JetStream repair CronJob (${REPAIR_COMPONENT}) with a declared stream in ${d.dir}: synthesize with JETSTREAM_REPAIR_SCHEDULE`);
    return;
  }
  const { cronJob, stream } = target;
  const subject = (target.config.subjects as string[] | undefined)?.[0]?.replace(/>$/, 'drift.check').replace(/\*/g, 'x');
  if (subject) for (let i = 0; i < 3; i++) await nats(d.ns, d.box, ['pub', subject, `drift ${i}`, '--jetstream']);
  const declaredMaxBytes = target.config.max_bytes ?? -1;
  const edited = await nats(d.ns, d.box, ['stream', 'edit', stream, '--max-bytes=64MB', '-f']);
  const before = await streamInfo(c, stream);
  if (!r.check(edited.code === 0 && before?.config.max_bytes === 64 * 2 ** 20, `nats stream edit ${stream} --max-bytes 64MB by hand`,
    `could not edit ${stream} by hand: ${lastLines(edited.stdout + edited.stderr, 3)}`)) return;

  const run = await runRepair(c, cronJob, 'drift');
  const failedCondition = run.status?.status.conditions?.find((x) => x.type === 'Failed' && x.status === 'True');
  r.check(run.outcome === 'failed' && run.status?.status.failed === 1 && failedCondition?.reason === 'PodFailurePolicy',
    `repair Job ${run.job} failed at once on drift (1 pod, reason PodFailurePolicy): kube_job_status_failed reports it`,
    `repair Job ${run.job} on drift: ${run.outcome}, failed pods ${run.status?.status.failed}, reason ${failedCondition?.reason}; log: ${lastLines(run.log, 10)}`);
  r.info(run.log.trimEnd().split('\n').map((l) => `job: ${l}`).join('\n'));
  const line = `jetstream: stream ${stream}: DRIFT, not repaired: max_bytes: live ${64 * 2 ** 20}, declared ${declaredMaxBytes}`;
  r.check(run.log.includes(line), `the repair log reports it: "${line}"`, `the repair log lacks "${line}"`);

  const after = await streamInfo(c, stream);
  r.check(after !== undefined && JSON.stringify(after.config) === JSON.stringify(before!.config) && after.created === before!.created
    && after.state.messages === before!.state.messages,
  `stream ${stream} untouched by the repair: same config (max_bytes ${after?.config.max_bytes}), same creation time, ${after?.state.messages} messages`,
  `stream ${stream} changed by the repair: ${JSON.stringify(after?.config.max_bytes)} / ${after?.state.messages} messages, before ${before!.state.messages}`);

  // Undo the hand edit; the next run finds no drift.
  await nats(d.ns, d.box, ['stream', 'edit', stream, `--max-bytes=${declaredMaxBytes}`, '-f']);
  const clean = await runRepair(c, cronJob, 'clean');
  r.check(clean.outcome === 'complete' && !clean.log.includes('DRIFT'), `with the edit undone, repair Job ${clean.job} completes with no drift`,
    `repair Job ${clean.job} after the edit was undone: ${clean.outcome}; ${lastLines(clean.log, 10)}`);
  for (const job of [run.job, clean.job]) await deleteJob(c, job);
}

/** A list compared regardless of order (a server may return subjects in another order). */
function sorted(value: unknown): unknown {
  return Array.isArray(value) ? [...value].map((v) => JSON.stringify(v)).sort() : value;
}
