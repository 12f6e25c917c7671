/**
 * `npm run verify:prod`: the production variant on a real cluster. Synthesizes e2e/verify/prod-app.ts (3 replicas,
 * TLS everywhere, users and accounts from Secrets, NetworkPolicy), makes a throwaway CA, server certificate and
 * passwords, creates them as Secrets in a fresh namespace, then runs the verify suite on the output (which deletes
 * the namespace at the end).
 *   prod.ts [--keep]          NATS_NAMESPACE (default nats-prod), PROD_OUTDIR (default /tmp/dist-prod)
 * Other VERIFY_* variables work as for verify.ts; the system user defaults to the app's `admin`.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kubectl, kubectlOk, run } from './support/kube';
import { optionsFromEnv, runVerify } from './verify';

const REPO = path.resolve(__dirname, '..', '..');

async function main(argv: string[]): Promise<number> {
  const ns = process.env.NATS_NAMESPACE ?? 'nats-prod';
  const out = process.env.PROD_OUTDIR ?? '/tmp/dist-prod';
  if ((await kubectl(['get', 'ns', ns])).code === 0) {
    console.log(`FAIL  namespace ${ns} exists`);
    return 1;
  }
  fs.rmSync(out, { recursive: true, force: true });
  await must(run('node', ['-r', 'ts-node/register/transpile-only', 'e2e/verify/prod-app.ts'],
    { cwd: REPO, env: { CDK8S_OUTDIR: out, NATS_NAMESPACE: ns } }), 'synthesize e2e/verify/prod-app.ts');
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-prod-pki.'));
  try {
    await makeCertificates(pki, ns);
    await createSecrets(pki, ns);
  } catch (e) {
    console.log(`FAIL  ${(e as Error).message}`);
    await kubectl(['delete', 'ns', ns, '--ignore-not-found', '--wait=false']);
    return 1;
  } finally {
    fs.rmSync(pki, { recursive: true, force: true });
  }
  const options = optionsFromEnv(out, argv.includes('--keep'));
  return runVerify({ ...options, admin: options.admin ?? { user: 'admin', secret: 'nats-users', key: 'admin' } });
}

/** A CA and one server certificate for serverAuth + clientAuth (routes present it to their peers). */
async function makeCertificates(dir: string, ns: string): Promise<void> {
  const f = (name: string) => path.join(dir, name);
  const sans = ['nats', `nats.${ns}`, `nats.${ns}.svc`, `nats.${ns}.svc.cluster.local`, '*.nats-headless', `*.nats-headless.${ns}`,
    `*.nats-headless.${ns}.svc`, `*.nats-headless.${ns}.svc.cluster.local`, 'localhost'].map((n) => `DNS:${n}`).concat('IP:127.0.0.1');
  fs.writeFileSync(f('ext'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`
    + 'keyUsage=digitalSignature,keyEncipherment\n');
  await must(run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nats-verify-ca',
    '-keyout', f('ca.key'), '-out', f('ca.crt')]), 'openssl: CA');
  await must(run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=nats.${ns}.svc`, '-keyout', f('tls.key'),
    '-out', f('tls.csr')]), 'openssl: server key');
  await must(run('openssl', ['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', f('ext'), '-out', f('tls.crt')]), 'openssl: server certificate');
}

/** The namespace with the Secrets the manifests reference: nats-tls, nats-ca and the users' passwords. */
async function createSecrets(dir: string, ns: string): Promise<void> {
  // --save-config: the later `kubectl apply -f DIR` of the Namespace then prints no warning.
  await kubectlOk(['create', 'namespace', ns, '--save-config']);
  await kubectlOk(['-n', ns, 'create', 'secret', 'tls', 'nats-tls', `--cert=${path.join(dir, 'tls.crt')}`, `--key=${path.join(dir, 'tls.key')}`]);
  await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'nats-ca', `--from-file=ca.crt=${path.join(dir, 'ca.crt')}`]);
  const password = () => randomBytes(16).toString('hex');
  await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'nats-users', `--from-literal=app=${password()}`, `--from-literal=admin=${password()}`]);
  console.log(`      created namespace ${ns} with Secrets nats-tls, nats-ca, nats-users`);
}

async function must(result: Promise<{ code: number; stderr: string }>, what: string): Promise<void> {
  const r = await result;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr.trim()}`);
}

void main(process.argv.slice(2)).then((code) => process.exit(code), (e: Error) => {
  console.log(`FAIL  ${e.message}`);
  process.exit(1);
});
