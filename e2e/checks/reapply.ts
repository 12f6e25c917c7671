/**
 * Re-applying unchanged manifests changes nothing: no object is written (every resourceVersion stays), no new Job
 * runs, and the seed's stream and consumer keep their configuration.
 */
import { Ctx } from './deployment';
import { JETSTREAM_COMPONENT, SEED_CONSUMER, SEED_STREAM } from './jetstream';
import { kubectl, kubectlJson, nats, sleep } from './support/kube';
import { parseJson } from './support/text';

interface ObjectList {
  items: Array<{ kind: string; metadata: { name: string; uid: string; resourceVersion: string } }>;
}

export async function checkReapply(c: Ctx): Promise<void> {
  const { d, r } = c;
  const before = await state(c);
  const applied = await kubectl(['apply', '-f', d.dir], { timeoutSeconds: 180 });
  const configured = applied.stdout.trim().split('\n').filter((l) => l && !l.endsWith(' unchanged')).map((l) => l.split(' ')[0]);
  await sleep(5000); // a Job the apply started, or a controller's write, shows up by then
  const after = await state(c);
  const differences = diff(before, after);
  if (applied.code === 0 && !/warning/i.test(applied.stderr) && differences.length === 0) {
    const jobs = after.filter((l) => /^job \S+ uid=/.test(l)).map((l) => l.split(' ')[1]);
    r.pass('re-apply of unchanged manifests changes nothing: no object written (resourceVersions equal), '
      + `same Job ${jobs.join(' ')} and no new Job run, ${SEED_STREAM}/${SEED_CONSUMER} config unchanged`);
    // kubectl sends a (no-op) patch when the manifest holds a field the server drops, e.g. `limits: {}`.
    if (configured.length === 0) r.pass('re-apply: kubectl reports every object unchanged');
    else r.pass(`re-apply: kubectl reports '${configured.join(' ')}' configured, but nothing was written (no-op patches: e.g. the `
      + "StatefulSet's resources.limits: {} is dropped by the API server, so kubectl re-sends it)");
  } else {
    r.fail(`re-apply changed something: rc=${applied.code} ${configured.length ? `kubectl configured: ${configured.join(' ')} ` : ''}`
      + `${applied.stderr.trim()} before/after: ${differences.slice(0, 10).join('; ')}`);
  }
}

/** One line per fact an apply could change; equal lists mean nothing was written. */
async function state(c: Ctx): Promise<string[]> {
  const { d } = c;
  const objects = await kubectlJson<ObjectList>(['-n', d.ns, 'get', 'all,cm,secret,svc,pdb,networkpolicy']);
  const lines = objects.items.filter((o) => o.kind !== 'Pod')
    .map((o) => `${o.kind}/${o.metadata.name} rv=${o.metadata.resourceVersion}`).sort();
  const ns = await kubectlJson<ObjectList['items'][number]>(['get', 'ns', d.ns]);
  lines.push(`namespace rv=${ns.metadata.resourceVersion}`);
  const jobs = await kubectlJson<ObjectList>(['-n', d.ns, 'get', 'jobs']);
  lines.push(...jobs.items.map((j) => `job ${j.metadata.name} uid=${j.metadata.uid}`));
  const jobPods = await kubectlJson<ObjectList>(['-n', d.ns, 'get', 'pods', '-l', JETSTREAM_COMPONENT]);
  lines.push(`job pods: ${jobPods.items.length}`);
  for (const args of [['stream', 'info', SEED_STREAM, '--json'], ['consumer', 'info', SEED_STREAM, SEED_CONSUMER, '--json']]) {
    const info = parseJson<{ config: object }>((await nats(d.ns, d.box, args)).stdout);
    lines.push(`${args.slice(0, 3).join(' ')}: ${JSON.stringify(info?.config)}`);
  }
  return lines;
}

/** Lines only before (`-`) or only after (`+`). */
function diff(before: string[], after: string[]): string[] {
  return [...before.filter((l) => !after.includes(l)).map((l) => `- ${l}`), ...after.filter((l) => !before.includes(l)).map((l) => `+ ${l}`)];
}
