// The package works as a library: pack it, install the tarball into a fresh cdk8s app, synth there.
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';

const root = join(__dirname, '..');
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('npm pack, install into a fresh app, use the construct, synth', () => {
  const work = mkdtempSync(join(tmpdir(), 'nats-lib-'));
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop()!;
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball),
    `cdk8s@${pkg.devDependencies.cdk8s}`, `cdk8s-plus-28@${pkg.devDependencies['cdk8s-plus-28']}`,
    `constructs@${pkg.devDependencies.constructs}`], app);
  writeFileSync(join(app, 'main.js'), `
    const { App, Chart } = require('cdk8s');
    const { JetStream, Nats } = require('cdk8s-nats');
    const app = new App({ outdir: 'out' });
    const chart = new Chart(app, 'messaging', { namespace: 'team-a' });
    const nats = new Nats(chart, 'nats', { name: 'bus', replicas: 3, storageSize: '5Gi' });
    new JetStream(chart, 'js', { nats }).addStream('orders', { name: 'ORDERS', subjects: ['orders.>'], replicas: 3 });
    console.log(nats.clientUrl);
    app.synth();
  `);
  expect(run('node', ['main.js'], app).trim()).toBe('nats://bus.team-a.svc.cluster.local:4222');
  const docs = parseAllDocuments(readFileSync(join(app, 'out', 'messaging.k8s.yaml'), 'utf8')).map((d) => d.toJS());
  const sts = docs.find((d) => d.kind === 'StatefulSet');
  expect(sts.metadata).toMatchObject({ name: 'bus', namespace: 'team-a' });
  expect(sts.spec.replicas).toBe(3);
  // The apply Job's script ships as a file beside the compiled module and reaches the ConfigMap whole.
  const definitions = docs.find((d) => d.kind === 'ConfigMap' && d.data?.['apply.sh']);
  expect(definitions.data['apply.sh']).toBe(readFileSync(join(root, 'lib', 'jetstream', 'apply.sh'), 'utf8'));
  expect(definitions.data['stream.ORDERS.json']).toContain('"orders.>"');
  // Only compiled output and docs ship; no TypeScript sources or tests.
  const listing = run('tar', ['-tzf', join(work, tarball)], work);
  expect(listing).toContain('package/build/lib/index.js');
  expect(listing).toContain('package/build/lib/index.d.ts');
  expect(listing).toContain('package/build/lib/jetstream/apply.sh');
  expect(listing).toContain('package/build/lib/operations/migrate.sh');
  expect(listing).not.toMatch(/\.test\.|package\/lib\/.*\.ts\n/);
}, 300_000);
