/**
 * Security as deployed: clients without credentials, with a wrong password, without the CA or without TLS at all
 * are refused, and no Secret value shows up in a ConfigMap or in the manifests.
 */
import * as fs from 'fs';
import * as net from 'net';
import { TextDecoder } from 'util';
import { Ctx } from './deployment';
import { boxExec, boxShell, kubectlJson } from './support/kube';
import { lastLines } from './support/text';

export async function checkRefusedClients(c: Ctx): Promise<void> {
  const { d, live, r } = c;
  if (d.auth) {
    const anonymous = ['env', '-u', 'NATS_USER', '-u', 'NATS_PASSWORD', 'nats'];
    const check = await boxExec(d.ns, d.box, [...anonymous, 'server', 'check', 'connection']);
    const account = await boxExec(d.ns, d.box, [...anonymous, 'account', 'info']);
    const refusal = (check.stdout + check.stderr).split('\n').find((l) => /authorization/i.test(l));
    r.check(account.code !== 0 && refusal !== undefined, `a client without credentials is refused: ${refusal?.trim().slice(0, 120)}`,
      `a client without credentials was not refused: ${lastLines(check.stdout + check.stderr, 3)}`);
    const wrong = await boxShell(d.ns, d.box, 'nats --user "$NATS_USER" --password wrong-password account info');
    r.check(wrong.code !== 0 && /authorization/i.test(wrong.stdout + wrong.stderr), 'a wrong password is refused',
      `wrong password not refused: ${lastLines(wrong.stdout + wrong.stderr, 2)}`);
  }
  if (live.clientTls) {
    const noCa = await boxExec(d.ns, d.box, ['nats', '--no-context', '-s', `nats://${d.clientService}:4222`, 'account', 'info']);
    const line = (noCa.stdout + noCa.stderr).split('\n').find((l) => /tls|secure/i.test(l));
    r.check(noCa.code !== 0 && line !== undefined, `the client port requires TLS (a client without the CA fails): ${line?.trim().slice(0, 100)}`,
      `client without the CA not refused: ${lastLines(noCa.stdout + noCa.stderr, 2)}`);
    await checkPlaintextRefused(c);
  }
}

/** A genuinely plaintext client (raw protocol, no TLS upgrade) through a 127.0.0.1 port-forward. */
async function checkPlaintextRefused(c: Ctx): Promise<void> {
  const port = await c.forwards.open(c.d.ns, `svc/${c.d.clientService}`, 4222);
  const { info, reply } = await plaintextExchange(port);
  if (!info.includes('"tls_required":true')) c.r.fail(`plaintext probe: INFO without tls_required: ${info.slice(0, 120)}`);
  else c.r.check(!reply.includes('PONG'), `a plaintext client is refused: INFO says tls_required, reply: ${reply || 'closed'}`,
    `plaintext client got PONG: ${reply}`);
}

/** Reads the server's INFO, sends CONNECT + PING in the clear, returns what came back before the close or 10 s. */
function plaintextExchange(port: number): Promise<{ info: string; reply: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let info = '';
    let reply = '';
    const done = () => { socket.destroy(); resolve({ info, reply: reply.trim().slice(0, 80) }); };
    socket.setTimeout(10_000, done);
    socket.on('data', (data) => {
      if (info === '') {
        info = data.toString();
        socket.write('CONNECT {"verbose":false,"tls_required":false}\r\nPING\r\n');
      } else {
        reply += data.toString();
      }
    });
    socket.on('close', done);
    socket.on('error', (e) => (info === '' ? reject(e) : done()));
  });
}

interface SecretList {
  items: Array<{ metadata: { name: string }; data?: { [key: string]: string } }>;
}

/** No Secret value of the namespace (passwords, key lines) appears in any ConfigMap or in DIR's manifests. */
export async function checkNoSecretLeaks(c: Ctx): Promise<void> {
  const { d, r } = c;
  const secrets = await kubectlJson<SecretList>(['-n', d.ns, 'get', 'secrets']);
  const values = secretValues(secrets);
  if (values.size === 0) return;
  const configMaps = JSON.stringify(await kubectlJson<object>(['-n', d.ns, 'get', 'cm']));
  const manifests = d.manifests.files.map((f) => fs.readFileSync(f, 'utf8')).join('');
  const leaks = [...values].flatMap(([value, where]) => [
    ...(configMaps.includes(value) ? [`${where} in a ConfigMap`] : []),
    ...(manifests.includes(value) ? [`${where} in the manifests`] : []),
  ]);
  r.check(leaks.length === 0, `none of the ${values.size} Secret value(s) in ${d.ns} appears in any ConfigMap or in ${d.dir}`,
    `Secret values leaked: ${leaks.join('; ')}`);
}

/** Each text value (8+ characters) of each Secret; of a PEM block its long base64 lines, the key material. */
function secretValues(secrets: SecretList): Map<string, string> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const values = new Map<string, string>();
  for (const secret of secrets.items) {
    for (const [key, encoded] of Object.entries(secret.data ?? {})) {
      let text: string;
      try {
        text = utf8.decode(Buffer.from(encoded, 'base64'));
      } catch {
        continue; // binary: cannot sit in YAML text as is
      }
      const candidates = text.includes('BEGIN') ? text.split('\n').filter((l) => l.length >= 40 && !l.includes('-----')) : [text];
      for (const candidate of candidates.map((v) => v.trim()).filter((v) => v.length >= 8)) {
        values.set(candidate, `${secret.metadata.name}/${key}`);
      }
    }
  }
  return values;
}
