/**
 * NACK mode: the app synthesized with JETSTREAM_MODE=nack yields Stream/Consumer resources that pass server-side
 * validation against the NACK CRDs (`kubectl apply --dry-run=server`). CRDs missing on the cluster are installed
 * for the check and removed after it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { Ctx } from './deployment';
import { kubectl, run } from './support/kube';
import { lastLines } from './support/text';

export async function checkNackResources(c: Ctx, repo: string): Promise<void> {
  const { d, r } = c;
  const crdFile = path.join(repo, 'imports', 'nack-jetstream.nats.io-crds.yml');
  if (process.env.VERIFY_NACK === '0' || !fs.existsSync(path.join(repo, 'node_modules', '.bin', 'cdk8s')) || !fs.existsSync(crdFile)) {
    r.skip('NACK dry-run (VERIFY_NACK=0 or not run from the repo)');
    return;
  }
  const out = path.join(c.tmp, 'nack');
  const synth = await run('npx', ['cdk8s', 'synth', '--no-check-upgrade', '-o', out], {
    cwd: repo,
    env: { JETSTREAM_MODE: 'nack', NATS_NAMESPACE: d.ns, NATS_REPLICAS: String(d.replicas), NATS_NAME: d.sts },
  });
  if (synth.code !== 0) {
    r.fail(`JETSTREAM_MODE=nack synth: ${lastLines(synth.stdout + synth.stderr, 3)}`);
    return;
  }
  const created = await installMissingCrds(crdFile);
  try {
    const dry = await kubectl(['apply', '--dry-run=server', '-f', path.join(out, 'streams.k8s.yaml')]);
    const objects = dry.stdout.trim().split('\n').map((l) => l.split(' ')[0]).join(' ');
    r.check(dry.code === 0 && !/warning/i.test(dry.stderr), `NACK custom resources pass kubectl apply --dry-run=server: ${objects}`,
      `NACK dry-run: ${lastLines(dry.stderr, 5)}`);
  } finally {
    if (created.length > 0) await kubectl(['delete', 'crd', ...created, '--wait=true']);
  }
}

/** Applies the CRDs the cluster lacks; returns their names (the cluster's own CRDs are never touched). */
async function installMissingCrds(crdFile: string): Promise<string[]> {
  const names = parseAllDocuments(fs.readFileSync(crdFile, 'utf8')).map((doc) => doc.toJS())
    .filter((o) => o?.kind === 'CustomResourceDefinition').map((o) => String(o.metadata.name));
  const missing: string[] = [];
  for (const name of names) if ((await kubectl(['get', 'crd', name])).code !== 0) missing.push(name);
  if (missing.length > 0) {
    await kubectl(['apply', '--server-side', '-f', crdFile]);
    await kubectl(['wait', '--for=condition=Established', ...missing.map((n) => `crd/${n}`), '--timeout=60s'], { timeoutSeconds: 90 });
  }
  return missing;
}
