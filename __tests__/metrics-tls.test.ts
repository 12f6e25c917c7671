// With monitorTls the exporter reads the server's HTTPS monitoring endpoint at https://localhost, trusting the
// cluster's CA through SSL_CERT_FILE (nats-io/k8s#785: the chart's exporter breaks there). Real server, real exporter.
import { spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Chart, Testing } from 'cdk8s';
import { Nats } from '../lib';
import { TestCa } from './support/certs';
import { Running, startExporter } from './support/prometheus';
import { find, freePort, natsServer, synth } from './support/tools';

jest.setTimeout(60_000);

const chart = new Chart(Testing.app(), 'metrics-tls', { namespace: 'nats' });
new Nats(chart, 'nats', {
  metrics: true, clientTls: true, monitorTls: true, clientMutualTls: true, tlsSecretName: 'nats-tls', tlsCaSecretName: 'nats-ca', natsBox: false,
});
const pod = find(synth(chart), 'StatefulSet').spec.template.spec;
const container = pod.containers.find((c: any) => c.name === 'metrics');

const ca = new TestCa();
const dir = mkdtempSync(join(tmpdir(), 'nats-mtls-'));
let monitorPort: number;
let serverPid: number | undefined;
const running: Running[] = [];

beforeAll(async () => {
  const cert = ca.issue('server', ['localhost']);
  for (const [name, text] of Object.entries({ 'tls.crt': cert.crt, 'tls.key': cert.key, 'ca.crt': ca.ca.crt })) writeFileSync(join(dir, name), text);
  monitorPort = await freePort();
  const clientPort = await freePort();
  // As the library renders it with monitorTls and clientMutualTls: HTTPS monitoring on the client certificate.
  writeFileSync(join(dir, 'nats.conf'), `server_name: nats-0\nlisten: 127.0.0.1:${clientPort}\nhttps: 127.0.0.1:${monitorPort}\n`
    + `tls { cert_file: "${dir}/tls.crt", key_file: "${dir}/tls.key", ca_file: "${dir}/ca.crt", verify: true }\n`
    + `jetstream { store_dir: "${dir}/js" }\n`);
  const proc = spawn(natsServer(), ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
  serverPid = proc.pid;
});

afterAll(() => {
  running.forEach((r) => r.stop());
  if (serverPid !== undefined) process.kill(serverPid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  ca.destroy();
});

/** The exporter's metrics once it has read the server (or what it serves after 3 s). */
async function scrape(env: NodeJS.ProcessEnv, waitReady = true): Promise<string> {
  const exporter = await startExporter(container.args, `https://localhost:${monitorPort}`, env, waitReady);
  running.push(exporter);
  let text = '';
  for (let i = 0; i < 30 && !text.includes('gnatsd_varz_connections'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    text = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), (e) => `${e}`);
  }
  return text;
}

test('the exporter reads https://localhost with the CA mounted and named by SSL_CERT_FILE', async () => {
  expect(container.args.at(-1)).toBe('https://localhost:8222');
  expect(container.env).toEqual([{ name: 'SSL_CERT_FILE', value: '/etc/nats-certs/ca/ca.crt' }]);
  expect(container.volumeMounts).toEqual([{ name: 'tls-ca', mountPath: '/etc/nats-certs/ca', readOnly: true }]);
  expect(pod.volumes.map((v: any) => v.name)).toContain('tls-ca');
  const metrics = await scrape({ SSL_CERT_FILE: join(dir, 'ca.crt') });
  expect(metrics).toMatch(/gnatsd_varz_connections\{server_id="nats-0"\} 0/);
  expect(metrics).toMatch(/jetstream_server_max_storage\{/);
});

test('without the CA the exporter gets nothing: the trust is what makes it work', async () => {
  const other = new TestCa();
  try {
    writeFileSync(join(dir, 'other-ca.crt'), other.ca.crt);
    // Another CA: the exporter never gets the server's metrics (it does not even start serving), for 3 s of tries.
    const metrics = await scrape({ SSL_CERT_FILE: join(dir, 'other-ca.crt') }, false);
    expect(metrics).not.toContain('gnatsd_varz_connections');
  } finally {
    other.destroy();
  }
});
