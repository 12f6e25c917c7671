// Synth speed (issue 14, item 6): the generated CRD classes (imports/) and nkeys.js load only when a feature uses
// them. Each case runs in a fresh node, as `cdk8s synth` does, and lists what was loaded from require's cache.
import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..');

/** The optional modules a fresh node has loaded after running `code` (with `lib` in scope). */
function optionalModulesLoaded(code: string): string[] {
  const script = `
    const { App, Chart } = require('cdk8s');
    const lib = require('./lib');
    ${code}
    process.stdout.write(JSON.stringify(Object.keys(require.cache)));
  `;
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(run.stderr);
  const loaded: string[] = JSON.parse(run.stdout);
  const crds = loaded.filter((m) => m.startsWith(join(ROOT, 'imports/'))).map((m) => m.slice(ROOT.length + 1).replace(/\.ts$/, ''));
  return [...crds, ...(loaded.some((m) => m.includes('/node_modules/nkeys.js/')) ? ['nkeys.js'] : [])].sort();
}

test('the homelab app (main.ts) loads no CRD classes and no nkeys library', () => {
  expect(optionalModulesLoaded(`
    const app = new App({ outdir: require('os').tmpdir() });
    const chart = new lib.NatsChart(app, 'nats', { namespace: 'nats' });
    const streams = new Chart(app, 'streams', { namespace: 'nats', disableResourceNameHashes: true });
    const js = new lib.JetStream(streams, 'JetStream', { nats: chart.nats });
    js.addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'] }).addConsumer('MyConsumer', { durableName: 'MY_CONSUMER' });
    js.addKeyValue('Settings', { bucket: 'settings' });
    app.synthYaml();
  `)).toEqual([]);
});

test('each feature loads the module it needs, and only that one', () => {
  const nack = optionalModulesLoaded(`
    const chart = new lib.NatsChart(new App(), 'nats');
    const js = new lib.JetStream(chart, 'JetStream', { nats: chart.nats, mode: lib.JetStreamApplyMode.NACK });
    js.addStream('S', { name: 'S', subjects: ['s.>'] });
    chart.toJson();
  `);
  expect(nack).toEqual(['imports/jetstream.nats.io']);
  const metrics = optionalModulesLoaded('new lib.NatsChart(new App(), \'nats\', { metrics: true }).toJson();');
  expect(metrics).toEqual(['imports/monitoring.coreos.com']);
  const certManager = optionalModulesLoaded(`
    new lib.NatsChart(new App(), 'nats', { security: lib.SecurityProfile.PRODUCTION, certManagerIssuer: 'ca',
      users: [{ name: 'app', nkey: 'UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4' }], natsBox: false }).toJson();
  `);
  expect(certManager).toEqual(['imports/cert-manager.io', 'nkeys.js']);
});
