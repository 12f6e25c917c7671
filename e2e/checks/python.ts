/**
 * The seed's Python example (e2e/verify/seed_example.py, a real nats-py client) against the client Service through
 * a 127.0.0.1 port-forward, with TLS and credentials when the deployment has them. Its PASS/FAIL lines count here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Ctx } from './deployment';
import { boxShell, run } from './support/kube';
import { lastLines } from './support/text';

const EXAMPLE = path.resolve(__dirname, '..', 'verify', 'seed_example.py');

export async function checkPythonExample(c: Ctx): Promise<void> {
  const { d, live, r } = c;
  if (process.env.VERIFY_SKIP_PYTHON === '1') {
    r.skip('nats-py example (VERIFY_SKIP_PYTHON=1)');
    return;
  }
  const python = await venvPython(c);
  if (!python) return;
  const port = await c.forwards.open(d.ns, `svc/${d.clientService}`, 4222);
  const env: { [k: string]: string } = { NATS_URL: `${live.clientTls ? 'tls' : 'nats'}://127.0.0.1:${port}` };
  if (live.clientTls && live.caFile) env.NATS_CA = live.caFile;
  if (d.auth) {
    // nats-box's own credentials, as its environment holds them.
    const creds = await boxShell(d.ns, d.box, 'printf "%s\\n%s" "$NATS_USER" "$NATS_PASSWORD"');
    [env.NATS_USER, env.NATS_PASSWORD] = creds.stdout.split('\n');
  }
  const res = await run(python, [EXAMPLE], { env, timeoutSeconds: 90 });
  const lines = (res.stdout + res.stderr).trimEnd().split('\n');
  for (const line of lines) {
    if (line.startsWith('PASS  ')) r.pass(line.slice(6));
    else if (line.startsWith('FAIL  ')) r.fail(line.slice(6));
    else if (line) r.info(line);
  }
  if (!lines.some((l) => /^(PASS|FAIL) /.test(l))) r.fail(`python example printed nothing (exit ${res.code})`);
}

/** A venv with nats-py (from PyPI, once); undefined after a FAIL when it cannot be made. */
async function venvPython(c: Ctx): Promise<string | undefined> {
  const venv = process.env.VERIFY_VENV
    ?? (isWritable('/var/cache') ? '/var/cache/nats-cdk8s/verify-venv' : path.join(process.env.HOME ?? '/tmp', '.cache/nats-cdk8s/verify-venv'));
  const python = path.join(venv, 'bin', 'python');
  if ((await run(python, ['-c', 'import nats'])).code === 0) return python;
  fs.mkdirSync(path.dirname(venv), { recursive: true });
  const version = process.env.VERIFY_NATS_PY_VERSION ?? '2.16.0';
  const made = await run('python3', ['-m', 'venv', venv]);
  const installed = made.code === 0 ? await run(path.join(venv, 'bin', 'pip'), ['install', '-q', `nats-py==${version}`], { timeoutSeconds: 300 }) : made;
  if (installed.code === 0) return python;
  c.r.fail(`venv with nats-py in ${venv}: ${lastLines(installed.stdout + installed.stderr, 5)}`);
  return undefined;
}

function isWritable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
