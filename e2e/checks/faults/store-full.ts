/**
 * s10: the JetStream file store fills up under load. A second R3 stream (FILL) takes 1 MB messages from nats-box
 * until the servers' max_file_store refuses more. The servers must keep running (no restart), the publisher must get
 * a clear error, and once space is freed publishing must work again. The load generator keeps publishing to FAULTS
 * throughout: all its acked messages are read back by the scenario frame.
 */
import { nats } from '../support/kube';
import { Bench, ScenarioRun } from './scenario';

const FILL = 'FILL';
/** Under the default max_payload (1 MiB), with room for headers. */
const MESSAGE_BYTES = 1_000_000;
/** Messages per `nats pub` call. */
const CHUNK = 40;

interface StreamInfo {
  readonly state: { readonly messages: number; readonly bytes: number; readonly first_seq: number; readonly last_seq: number };
}

export async function storeFull(run: ScenarioRun, b: Bench): Promise<void> {
  const { namespace: ns, natsBox: box } = b.target;
  const pods = await b.servers.pods();
  const before = new Map<string, string>();
  for (const p of pods) before.set(p.name, JSON.stringify(await b.servers.pod(p.name)));
  const varz = await b.servers.monitor<{ jetstream?: { config?: { max_storage?: number } } }>(pods[0], '/varz');
  const maxStorage = varz.jetstream?.config?.max_storage ?? 0;
  if (maxStorage <= 0) run.abort('no-limit', 'the servers report no max_file_store');
  run.note(`max_file_store=${(maxStorage / 2 ** 20).toFixed(0)}MiB`);

  const add = await nats(ns, box, ['stream', 'add', FILL, '--subjects', 'fill.>', '--storage', 'file', '--replicas', '3', '--defaults']);
  if (add.code !== 0) run.abort('fill-stream', `stream ${FILL} not created: ${add.stderr.trim()}`);
  const t0 = Date.now();
  // Each server holds a full replica of both streams: FILL stops where one server's store is full.
  const most = Math.ceil((maxStorage / MESSAGE_BYTES) * 1.5 / CHUNK);
  let refusal = '';
  for (let i = 0; i < most && !refusal; i++) {
    const pub = await nats(ns, box, ['pub', 'fill.data', '--jetstream', '--count', String(CHUNK), `{{ Random ${MESSAGE_BYTES} ${MESSAGE_BYTES} }}`],
      { timeoutSeconds: 120 });
    if (pub.code !== 0) refusal = (pub.stderr + pub.stdout).trim().split('\n').filter((l) => /nats:|error/i.test(l)).pop() ?? pub.stderr.trim();
  }
  if (!refusal) run.abort('never-full', `the store took ${most * CHUNK} messages of ${MESSAGE_BYTES} bytes without refusing one`);
  const full = await info(ns, box);
  run.note(`filled_in=${((Date.now() - t0) / 1000).toFixed(0)}s fill_stream=${(full.state.bytes / 2 ** 20).toFixed(0)}MiB/${full.state.messages}msgs`);
  run.check(/insufficient resources|storage|maximum|resource/i.test(refusal), 'unclear-error',
    `the publisher got a clear error once the store was full: "${refusal}" (after ${full.state.messages} messages, ${(full.state.bytes / 2 ** 20).toFixed(0)} MiB in ${FILL})`);

  const changed: string[] = [];
  for (const p of pods) {
    const now = JSON.stringify(await b.servers.pod(p.name));
    if (now !== before.get(p.name)) changed.push(p.name);
  }
  run.check(changed.length === 0, 'restarted-when-full', `no server pod restarted or replaced with the store full${changed.length ? `: ${changed.join(' ')}` : ''}`);
  const healthy = await b.servers.allHealthy();
  run.check(healthy, 'unhealthy-when-full', 'all servers answer /healthz with the store full');

  // With every replica's store full, FILL's replicas cannot apply and it loses its leader: reads and the purge (both
  // need the leader) are refused with "JetStream system temporarily unavailable" until space is freed. Measured, not
  // assumed: if they work within 30 s, so much the better.
  const tFull = Date.now();
  const read = await retry(30, async () => {
    const first = await nats(ns, box, ['stream', 'get', FILL, String(full.state.first_seq), '--json']);
    return first.code === 0 ? '' : lastLine(first.stderr);
  });
  const purge = read.ok ? await retry(30, async () => {
    const r = await nats(ns, box, ['stream', 'purge', FILL, '-f']);
    return r.code === 0 ? '' : lastLine(r.stderr);
  }) : read;
  run.note(`fill_stream_with_store_full=${purge.ok ? 'readable+purged' : `refused(${purge.error.replace(/\s+/g, '_')})`}`);
  b.log.log(`  ${FILL} with the store full: ${purge.ok ? 'readable and purged' : `reads and purge refused for 30 s: ${purge.error}`}`);
  // The way out that works either way: the meta leader removes the stream (an operator's choice: its data goes).
  const removed = purge.ok || (await retry(60, async () => {
    const r = await nats(ns, box, ['stream', 'rm', FILL, '-f']);
    return r.code === 0 ? '' : lastLine(r.stderr);
  })).ok;
  run.check(removed, 'not-freed', `space freed: ${FILL} ${purge.ok ? 'purged' : 'removed with nats stream rm (a purge needs its leader, which the full store took away)'}`);
  const again = await nats(ns, box, ['stream', 'add', FILL, '--subjects', 'fill.>', '--storage', 'file', '--replicas', '3', '--defaults']);
  const resumed = again.code === 0 && (await retry(60, async () => {
    const r = await nats(ns, box, ['pub', 'fill.data', '--jetstream', 'after the store was freed']);
    return r.code === 0 ? '' : lastLine(r.stderr);
  })).ok;
  run.check(resumed, 'not-resumed', `publishing to a new R3 file stream works again ${((Date.now() - tFull) / 1000).toFixed(0)} s after the store was full`);
  run.note(`publishing_resumed_after=${((Date.now() - tFull) / 1000).toFixed(0)}s`);
  await nats(ns, box, ['stream', 'rm', FILL, '-f']);
  const healthyS = await b.servers.waitHealthy(t0);
  if (healthyS === undefined) run.abort('healthy', 'not all servers healthy after the purge');
  run.healthyS = healthyS;
}

async function info(ns: string, box: string): Promise<StreamInfo> {
  const r = await nats(ns, box, ['stream', 'info', FILL, '--json']);
  if (r.code !== 0) throw new Error(`stream info ${FILL}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as StreamInfo;
}

/** Calls `attempt` (an empty string is success, else the error) every 2 s for up to `seconds`. */
async function retry(seconds: number, attempt: () => Promise<string>): Promise<{ ok: boolean; seconds: number; error: string }> {
  const t0 = Date.now();
  let error = '';
  do {
    error = await attempt();
    if (error === '') return { ok: true, seconds: (Date.now() - t0) / 1000, error };
    await new Promise((r) => setTimeout(r, 2000));
  } while (Date.now() - t0 < seconds * 1000);
  return { ok: false, seconds: (Date.now() - t0) / 1000, error };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => !l.startsWith('command terminated')).pop() ?? '';
}
