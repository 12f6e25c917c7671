/**
 * JetStream as the seed uses it: the apply Job's streams and consumers match their declarations, the seed's
 * `nats stream add` / `consumer add` / `pub` / `consumer next` work, R>1 streams have current replicas, and KV and
 * object-store round trips return what was put.
 */
import { Ctx } from './deployment';
import { K8sObject } from './support/manifests';
import { boxShell, kubectl, nats } from './support/kube';
import { lastLines, parseJson, token } from './support/text';

/** The seed's stream and consumer; the apply Job creates them when the app declares them. */
export const SEED_STREAM = 'MY_STREAM';
export const SEED_CONSUMER = 'MY_CONSUMER';
export const KV_BUCKET = 'VERIFY_KV';
/** The label (selector syntax) of the apply Job, its pods and its definitions ConfigMap. */
export const JETSTREAM_COMPONENT = 'app.kubernetes.io/component=jetstream';

function isJetStreamObject(o: K8sObject): boolean {
  const [label, value] = JETSTREAM_COMPONENT.split('=');
  return o.metadata.labels?.[label] === value;
}

export async function checkApplyJob(c: Ctx): Promise<void> {
  const { d, r } = c;
  const jobs = d.manifests.ofKind('Job').filter(isJetStreamObject).map((j) => j.metadata.name);
  if (jobs.length === 0) {
    r.skip(`no JetStream apply Job in ${d.dir}`);
    return;
  }
  const done = await kubectl(['-n', d.ns, 'wait', '--for=condition=complete', ...jobs.map((j) => `job/${j}`), '--timeout=180s'],
    { timeoutSeconds: 200 });
  const since = ((Date.now() - c.live.appliedAt) / 1000).toFixed(1);
  if (done.code === 0) r.pass(`JetStream apply Job ${jobs.join(' ')} complete, ${since}s after apply`);
  else r.fail('JetStream apply Job did not complete in 180s');
  for (const job of jobs) {
    const logs = await kubectl(['-n', d.ns, 'logs', `job/${job}`]);
    const lines = (logs.stdout + logs.stderr).trimEnd().split('\n');
    r.info((done.code === 0 ? lines : lines.slice(-20)).map((l) => `job: ${l}`).join('\n'));
  }
}

interface StreamInfo {
  config: { [key: string]: unknown };
  cluster?: { leader?: string; replicas?: Array<{ name: string; current?: boolean }> };
}

/** Each stream and consumer the apply Job's ConfigMap declares has exactly that configuration on the server. */
export async function checkDeclarations(c: Ctx): Promise<void> {
  const { d, r } = c;
  const definitions = d.manifests.find('ConfigMap', isJetStreamObject);
  for (const [key, text] of Object.entries<string>(definitions?.data ?? {})) {
    const m = /^(stream|consumer)\.([^.]+)(?:\.(.+))?\.json$/.exec(key);
    if (!m) continue;
    const [, kind, stream, consumer] = m;
    const what = kind === 'stream' ? `stream ${stream}` : `consumer ${stream} > ${consumer}`;
    const info = await nats(d.ns, d.box, kind === 'stream' ? ['stream', 'info', stream, '--json'] : ['consumer', 'info', stream, consumer, '--json']);
    const have = parseJson<StreamInfo>(info.stdout)?.config;
    if (!have) {
      r.fail(`${what} differs: no info: ${(info.stdout + info.stderr).slice(0, 200)}`);
      continue;
    }
    const declared = JSON.parse(text) as { [key: string]: unknown };
    const diffs = Object.entries(declared).filter(([k, v]) => canonical(have[k], true) !== canonical(v, true))
      .map(([k, v]) => `${k}: declared ${JSON.stringify(v)}, server ${JSON.stringify(have[k])}`);
    const summary = ['subjects', 'filter_subject', 'storage', 'num_replicas', 'deliver_policy', 'ack_policy']
      .filter((k) => k in have).map((k) => `${k}=${typeof have[k] === 'string' ? have[k] : JSON.stringify(have[k])}`).join(', ');
    r.check(diffs.length === 0, `${what} matches its declaration (${summary})`, `${what} differs: ${diffs.join('; ')}`);
  }
}

/** JSON with sorted keys; a top-level list sorted too (a server may return subjects in another order). */
function canonical(value: unknown, sortList = false): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v));
    return `[${(sortList ? items.sort() : items).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as { [k: string]: unknown })[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * The seed's CLI commands. Declared by the app, MY_STREAM already exists: the commands then create VERIFY_STREAM
 * on `verify.>` the same way, and both are consumed through. Without the Job, the seed's names are used literally.
 */
export async function checkSeedCommands(c: Ctx): Promise<void> {
  const { d, r } = c;
  const declared = (await nats(d.ns, d.box, ['stream', 'info', SEED_STREAM])).code === 0;
  const [stream, subject, consumer] = declared ? ['VERIFY_STREAM', 'verify', 'VERIFY_CONSUMER'] : [SEED_STREAM, 'events', SEED_CONSUMER];
  const added = await nats(d.ns, d.box, ['stream', 'add', stream, '--subjects', `${subject}.>`, '--storage', 'file',
    '--replicas', String(d.replicas), '--defaults']);
  r.check(added.code === 0, `nats stream add ${stream} --subjects "${subject}.>" --storage file --replicas ${d.replicas}`,
    `nats stream add ${stream}: ${lastLines(added.stdout + added.stderr, 3)}`);
  if (declared) {
    // The old homelab README's own command, after the Job made MY_STREAM: the same configuration, so a no-op.
    const again = await nats(d.ns, d.box, ['stream', 'add', SEED_STREAM, '--subjects', 'events.>', '--storage', 'file',
      '--replicas', String(d.replicas), '--defaults']);
    r.check(again.code === 0, `nats stream add ${SEED_STREAM} --subjects "events.>" --storage file --replicas ${d.replicas} --defaults over the declared stream: no-op`,
      `nats stream add ${SEED_STREAM} over the declared stream: ${lastLines(again.stdout + again.stderr, 3)}`);
  }
  const cons = await nats(d.ns, d.box, ['consumer', 'add', stream, consumer, '--filter', `${subject}.user.>`, '--deliver', 'all', '--pull', '--defaults']);
  r.check(cons.code === 0, `nats consumer add ${stream} ${consumer} --filter "${subject}.user.>" --deliver all`,
    `nats consumer add ${stream} ${consumer}: ${lastLines(cons.stdout + cons.stderr, 3)}`);
  const pairs: Array<[string, string, string]> = [[SEED_STREAM, SEED_CONSUMER, 'events']];
  if (stream !== SEED_STREAM) pairs.push([stream, consumer, subject]);
  for (const [s, co, sj] of pairs) await checkConsume(c, s, co, sj);
  if (d.replicas > 1) await checkReplicas(c, stream);
}

async function checkConsume(c: Ctx, stream: string, consumer: string, subject: string): Promise<void> {
  const { d, r } = c;
  const message = '{"user":"alice"}';
  const pub = await nats(d.ns, d.box, ['pub', `${subject}.user.login`, message]);
  if (pub.code !== 0) r.fail(`nats pub ${subject}.user.login: ${lastLines(pub.stderr, 2)}`);
  const got = await nats(d.ns, d.box, ['consumer', 'next', stream, consumer, '--count', '1', '--raw', '--timeout', '10s']);
  const body = (got.stdout + got.stderr).trim();
  r.check(body === message, `nats pub ${subject}.user.login '${message}' consumed through ${stream} > ${consumer} (nats consumer next)`,
    `consume ${stream} > ${consumer}: '${body}'`);
}

/** Every follower of an R>1 stream is current. */
async function checkReplicas(c: Ctx, stream: string): Promise<void> {
  const { d, r } = c;
  const info = parseJson<StreamInfo>((await nats(d.ns, d.box, ['stream', 'info', stream, '--json'])).stdout);
  const replicas = info?.cluster?.replicas ?? [];
  const text = `leader=${info?.cluster?.leader} replicas=${replicas.map((x) => `${x.name}:current=${x.current}`).join(',')}`;
  r.check(replicas.filter((x) => x.current).length === d.replicas - 1, `R${d.replicas} stream ${stream}: ${text}`);
}

/** KV put/get; returns the value put, which must survive the restart in the persistence checks. */
export async function checkKv(c: Ctx): Promise<string | undefined> {
  const { d, r } = c;
  const value = token('v');
  const steps: string[][] = [['kv', 'add', KV_BUCKET, '--replicas', String(d.replicas)], ['kv', 'put', KV_BUCKET, 'greeting', value]];
  for (const step of steps) {
    const res = await nats(d.ns, d.box, step);
    if (res.code !== 0) {
      r.fail(`KV put/get: nats ${step.slice(0, 2).join(' ')}: ${lastLines(res.stdout + res.stderr, 2)}`);
      return undefined;
    }
  }
  const got = (await nats(d.ns, d.box, ['kv', 'get', KV_BUCKET, 'greeting', '--raw'])).stdout.trim();
  return r.check(got === value, `KV bucket ${KV_BUCKET} (R${d.replicas}): put/get greeting=${value}`, `KV put/get: got '${got}'`) ? value : undefined;
}

/** Object put/get of 300 kB; the blob is made inside nats-box (`kubectl exec -i` stdin was seen truncated at 96 KiB). */
export async function checkObjectStore(c: Ctx): Promise<void> {
  const { d, r } = c;
  const size = 300000;
  const script = [
    `nats object add VERIFY_OBJ --replicas ${d.replicas} >/dev/null`,
    `head -c ${size} /dev/urandom >/tmp/verify.blob`,
    'nats object put VERIFY_OBJ /tmp/verify.blob --name blob -f >/dev/null',
    'nats object get VERIFY_OBJ blob -O /tmp/verify.out -f >/dev/null',
    'sha256sum </tmp/verify.blob', 'sha256sum </tmp/verify.out', 'wc -c </tmp/verify.out',
  ].join(' && ');
  const res = await boxShell(d.ns, d.box, `${script}; rc=$?; rm -f /tmp/verify.blob /tmp/verify.out; exit $rc`);
  const [want, got, bytes] = res.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
  if (res.code !== 0) r.fail(`object store put/get: ${lastLines(res.stdout + res.stderr, 2)}`);
  else r.check(want === got && Number(bytes) === size, `object store VERIFY_OBJ (R${d.replicas}): put/get ${bytes} bytes, sha256 matches`,
    `object get: ${bytes} bytes, sha256 differs`);
}
