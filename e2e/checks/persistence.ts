/**
 * Persistence: messages published to a file stream, KV values and the seed's stream survive deleting every server
 * pod, and the pods come back on the same claims.
 */
import { Ctx } from './deployment';
import { KV_BUCKET, SEED_STREAM } from './jetstream';
import { kubectl, kubectlJson, nats, waitFor } from './support/kube';
import { isReady, listPods } from './support/pods';
import { parseJson } from './support/text';

interface ClaimList {
  items: Array<{ metadata: { name: string; uid: string }; spec: { volumeName?: string } }>;
}

/** `kvValue`: what the KV check put (undefined when that check failed: the KV line then fails here too). */
export async function checkPersistence(c: Ctx, kvValue: string | undefined): Promise<void> {
  const { d, r } = c;
  const count = Number(process.env.VERIFY_PERSIST_MSGS ?? 100);
  const added = await nats(d.ns, d.box, ['stream', 'add', 'PERSIST', '--subjects', 'persist.>', '--storage', 'file',
    '--replicas', String(d.replicas), '--defaults']);
  if (added.code !== 0) r.fail(`stream PERSIST add: ${added.stderr.trim()}`);
  const published = await nats(d.ns, d.box, ['pub', 'persist.msg', 'm{{Count}}', '--count', String(count)]);
  if (published.code !== 0) r.fail(`publish ${count} to PERSIST: ${published.stderr.trim()}`);
  const claimsBefore = await claims(c);
  const seedBefore = await messages(c, SEED_STREAM);

  const restartedIn = await restartServers(c);
  const persisted = await waitFor(async () => ((await messages(c, 'PERSIST')) === count ? true : undefined), 60, 1000);
  r.info(`pods deleted -> back Ready and PERSIST readable: ${restartedIn}s`);

  const claimsAfter = await claims(c);
  const mounted = (await listPods(d.ns, d.serverSelector))
    .map((p) => p.spec.volumes?.find((v) => v.name === d.claimTemplate)?.persistentVolumeClaim?.claimName).join(' ');
  r.check(claimsAfter.join() === claimsBefore.join() && claimsAfter.length === d.replicas,
    `pods came back on the same claims (PVC UIDs and volumes unchanged: ${mounted})`,
    `claims changed: before ${claimsBefore.join(' ')}, after ${claimsAfter.join(' ')}`);
  const first = await messageData(c, 1);
  const last = await messageData(c, count);
  r.check(persisted === true && first === 'm1' && last === `m${count}`,
    `all ${count} messages of file stream PERSIST (R${d.replicas}) survived deleting every server pod (first=${first} last=${last})`,
    `persistence: messages=${await messages(c, 'PERSIST')}/${count} first='${first}' last='${last}'`);
  const seedAfter = await messages(c, SEED_STREAM);
  r.check(seedBefore !== undefined && seedBefore === seedAfter, `${SEED_STREAM} kept its ${seedAfter} message(s)`,
    `${SEED_STREAM} messages before=${seedBefore} after=${seedAfter}`);
  const kv = (await nats(d.ns, d.box, ['kv', 'get', KV_BUCKET, 'greeting', '--raw'])).stdout.trim();
  r.check(kvValue !== undefined && kv === kvValue, `KV ${KV_BUCKET} still holds greeting=${kv}`, `KV value lost after restart: '${kv}'`);
}

/**
 * Deletes every server pod and waits for as many Ready pods with new UIDs; returns the seconds that took. Not
 * `delete --wait`: the StatefulSet recreates the pods under the same names, and that wait was seen to sit out its
 * whole timeout (180 s) on pods that were back in 15 s.
 */
async function restartServers(c: Ctx): Promise<string> {
  const { d } = c;
  const oldUids = new Set((await listPods(d.ns, d.serverSelector)).map((p) => p.metadata.uid));
  const start = Date.now();
  await kubectl(['-n', d.ns, 'delete', 'pod', '-l', d.serverSelector, '--wait=false']);
  await waitFor(async () => {
    const fresh = (await listPods(d.ns, d.serverSelector)).filter((p) => !oldUids.has(p.metadata.uid) && isReady(p));
    return fresh.length >= d.replicas ? true : undefined;
  }, 300);
  return ((Date.now() - start) / 1000).toFixed(1);
}

/** Each claim as name=uid=volume: a replaced claim or volume changes its line. */
async function claims(c: Ctx): Promise<string[]> {
  const list = await kubectlJson<ClaimList>(['-n', c.d.ns, 'get', 'pvc', '-l', c.d.claimSelector]);
  return list.items.map((p) => `${p.metadata.name}=${p.metadata.uid}=${p.spec.volumeName}`).sort();
}

async function messages(c: Ctx, stream: string): Promise<number | undefined> {
  const info = await nats(c.d.ns, c.d.box, ['stream', 'info', stream, '--json']);
  return parseJson<{ state: { messages: number } }>(info.stdout)?.state.messages;
}

async function messageData(c: Ctx, seq: number): Promise<string | undefined> {
  const msg = await nats(c.d.ns, c.d.box, ['stream', 'get', 'PERSIST', String(seq), '--json']);
  const data = parseJson<{ data: string }>(msg.stdout)?.data;
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString();
}
