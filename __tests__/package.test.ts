// The package, as users get it: `npm run package` builds the library with jsii and writes the npm tarball and the
// Python wheel (jsii-pacmak) under dist-package/. The tarball installs into a fresh cdk8s app; the wheel installs into
// a fresh Python venv, where the homelab app in Python writes the same manifests as the TypeScript app, byte for byte.
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { PRODUCTION_PROPS } from './support/profiles';
import {
  DeliverPolicy, JetStream, NATS_BOX_VERSION, NATS_VERSION, NatsChart, NatsChartProps, SecurityProfile, StorageType,
} from '../lib';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The jsii runtime (in Node and under Python) prints a banner on every run under an end-of-life Node.
const quiet = { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] };
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd, env: { ...env, ...quiet }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const tarball = join(root, 'dist-package', 'js', `${pkg.name}@${pkg.version}.jsii.tgz`);
const wheel = join(root, 'dist-package', 'python', `cdk8s_nats-${pkg.version}-py3-none-any.whl`);

beforeAll(() => {
  rmSync(join(root, 'dist-package'), { recursive: true, force: true });
  run('npm', ['run', '--silent', 'package'], root);
}, 300_000);

test('npm run package writes the npm tarball and the Python wheel', () => {
  expect(existsSync(tarball)).toBe(true);
  expect(existsSync(wheel)).toBe(true);
  const listing = run('python3', ['-m', 'zipfile', '-l', wheel], root);
  expect(listing).toContain('cdk8s_nats/__init__.py');
  expect(listing).toContain(`cdk8s_nats/_jsii/cdk8s-nats@${pkg.version}.jsii.tgz`);
  // jsii-rosetta compiled the README's TypeScript snippets (strict) and translated them for the wheel's README.
  const metadata = run('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())',
    wheel, `cdk8s_nats-${pkg.version}.dist-info/METADATA`], root);
  expect(metadata).toContain('stream.add_consumer("MyConsumer", durable_name="MY_CONSUMER"');
});

test('npm tarball: install into a fresh app, use the construct, synth', () => {
  const work = mkdtempSync(join(tmpdir(), 'nats-lib-'));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball,
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
  // Compiled output, the jsii assembly, docs and the bundled nkeys.js ship; no TypeScript sources or tests.
  const listing = run('tar', ['-tzf', tarball], work);
  for (const file of ['build/lib/index.js', 'build/lib/index.d.ts', 'build/lib/jetstream/apply.sh', 'build/lib/server/auth.sh',
    'build/lib/operations/migrate.sh', '.jsii', 'API.md', 'LICENSE', 'node_modules/nkeys.js/package.json']) {
    expect(listing).toContain(`package/${file}\n`);
  }
  expect(listing).not.toMatch(/\.test\.|package\/lib\/.*\.ts\n|package\/build\/app\//);
  rmSync(work, { recursive: true, force: true });
}, 300_000);

test('API.md is what jsii-docgen makes of the current API (`npm run docgen` refreshes it)', () => {
  const work = mkdtempSync(join(tmpdir(), 'nats-docgen-'));
  run(join(root, 'node_modules', '.bin', 'jsii-docgen'), ['-o', join(work, 'API.md')], root);
  const fresh = readFileSync(join(work, 'API.md'), 'utf8');
  rmSync(work, { recursive: true, force: true });
  expect(readFileSync(join(root, 'API.md'), 'utf8') === fresh ? 'API.md is current' : 'API.md is stale: run `npm run docgen`')
    .toBe('API.md is current');
});

describe('the Python wheel', () => {
  // Not NATS_*: the app refuses unknown variables with its prefixes, and a test runs it under this environment.
  const cache = process.env.CDK8S_NATS_CACHE ?? '/var/cache/nats-cdk8s';
  const versions = { cdk8s: pkg.devDependencies.cdk8s, 'cdk8s-plus-28': pkg.devDependencies['cdk8s-plus-28'] };
  const work = mkdtempSync(join(tmpdir(), 'nats-python-'));
  const python = join(work, 'venv', 'bin', 'python');
  // Only the environment the apps need: a stray NATS_* variable of the shell must not change the TypeScript app.
  const env = { PATH: process.env.PATH, HOME: work, LANG: 'C.UTF-8' };

  beforeAll(() => {
    // PyPI's wheels of cdk8s, cdk8s-plus-28 and their dependencies, downloaded once per version set (cold: ~3 s).
    const pythonVersion = run('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], root).trim();
    const key = [`py${pythonVersion}`, `cdk8s-${versions.cdk8s}`, `plus-${versions['cdk8s-plus-28']}`,
      `constructs-${pkg.devDependencies.constructs}`, `pacmak-${pkg.devDependencies['jsii-pacmak']}`].join('-');
    const wheelhouse = join(cache, 'python-wheels', key);
    if (!existsSync(wheelhouse)) {
      const partial = `${wheelhouse}.partial-${process.pid}`;
      mkdirSync(partial, { recursive: true });
      run('python3', ['-m', 'pip', 'download', '--quiet', '--dest', partial, wheel,
        ...Object.entries(versions).map(([name, version]) => `${name}==${version}`)], root);
      for (const file of readdirSync(partial).filter((f) => f.startsWith('cdk8s_nats-'))) rmSync(join(partial, file));
      renameSync(partial, wheelhouse);
    }
    // A fresh venv on every run; everything installs from the wheelhouse and the new wheel, nothing from elsewhere.
    run('python3', ['-m', 'venv', join(work, 'venv')], work);
    run(python, ['-m', 'pip', 'install', '--quiet', '--no-index', '--find-links', wheelhouse, '--find-links',
      join(root, 'dist-package', 'python'), `cdk8s-nats==${pkg.version}`,
      ...Object.entries(versions).map(([name, version]) => `${name}==${version}`)], work);
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The TypeScript app (main.ts, the one `npm run synth` runs) with these NATS_* settings, into a fresh folder. */
  function typescriptApp(name: string, settings: { [variable: string]: string }): string {
    const outdir = join(work, `ts-${name}`);
    run(process.execPath, [join(root, 'scripts', 'app.js')], root, { ...env, ...settings, CDK8S_OUTDIR: outdir });
    return outdir;
  }

  function pythonApp(profile: string): string {
    const outdir = join(work, `py-${profile}`);
    run(python, [join(__dirname, 'python', 'app.py'), profile, outdir], work, env);
    return outdir;
  }

  function expectSameManifests(python: string, typescript: string) {
    const files = readdirSync(typescript).sort();
    expect(readdirSync(python).sort()).toEqual(files);
    expect(files).toEqual(['nats.k8s.yaml', 'streams.k8s.yaml']);
    for (const file of files) {
      const ts = readFileSync(join(typescript, file), 'utf8');
      expect(parseAllDocuments(ts).length).toBeGreaterThan(0);
      expect({ file, yaml: readFileSync(join(python, file), 'utf8') }).toEqual({ file, yaml: ts });
    }
  }

  test('homelab: the same manifests as the TypeScript app, and as dist/', () => {
    const python = pythonApp('homelab');
    expectSameManifests(python, typescriptApp('homelab', {}));
    expectSameManifests(python, join(root, 'dist'));
  });

  test('3-replica cluster: the same manifests as the TypeScript app with NATS_REPLICAS=3', () => {
    expectSameManifests(pythonApp('cluster'), typescriptApp('cluster', { NATS_REPLICAS: '3' }));
  });

  test('production profile with users, accounts and the streams: the same manifests as in TypeScript', () => {
    // The TypeScript twin of app.py's production profile, built like main.ts.
    const outdir = join(work, 'ts-production');
    const props: NatsChartProps = PRODUCTION_PROPS;
    const app = new App({ outdir });
    const chart = new NatsChart(app, 'nats', props);
    const streams = new Chart(app, 'streams', { namespace: chart.namespace, disableResourceNameHashes: true });
    new JetStream(streams, 'JetStream', { nats: chart.nats })
      .addStream('MyStream', { name: 'MY_STREAM', subjects: ['events.>'], storage: StorageType.FILE, replicas: chart.nats.replicas })
      .addConsumer('MyConsumer', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'], deliverPolicy: DeliverPolicy.ALL });
    app.synth();
    const python = pythonApp('production');
    expectSameManifests(python, outdir);
    expect(readFileSync(join(python, 'nats.k8s.yaml'), 'utf8')).toContain('kind: Certificate');
  });

  test('a bad value raises in Python with the message TypeScript gives', () => {
    const bad: [string, NatsChartProps][] = [
      ['replicas=2', { replicas: 2 }],
      ['storage_size="5 GB"', { storageSize: '5 GB' }],
      ['security=SecurityProfile.PRODUCTION', { security: SecurityProfile.PRODUCTION }],
    ];
    for (const [kwargs, props] of bad) {
      let message = '';
      try {
        new NatsChart(new App({ outdir: join(work, 'unused') }), 'nats', props);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      const script = `import sys
from cdk8s import App
from cdk8s_nats import NatsChart, SecurityProfile
try:
    NatsChart(App(), "nats", ${kwargs})
except RuntimeError as e:
    sys.stdout.write(str(e))
else:
    sys.exit("no error")`;
      const py = spawnSync(python, ['-c', script], { cwd: work, env: { ...env, ...quiet }, encoding: 'utf8' });
      expect({ kwargs, status: py.status, message: py.stdout }).toEqual({ kwargs, status: 0, message });
    }
  });

  test("the README's Python app runs, and synth_yaml() (a notebook cell) gives what synth() writes", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const snippet = /```python\n(# pip install [^\n]*\n[\s\S]*?)```/.exec(readme)![1];
    expect(snippet).toContain(`cdk8s==${versions.cdk8s} cdk8s-plus-28==${versions['cdk8s-plus-28']}`);
    expect(snippet).toContain(`cdk8s_nats-${pkg.version}-py3-none-any.whl`);
    const dir = join(work, 'readme');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.py'), `${snippet}
import pathlib
files = sorted(pathlib.Path("dist").glob("*.k8s.yaml"))
assert [f.name for f in files] == ["nats.k8s.yaml", "streams.k8s.yaml"], files
assert app.synth_yaml() == "---\\n".join(f.read_text() for f in files), "synth_yaml() differs from dist/"
print(chart.nats.client_url)
`);
    expect(run(python, ['app.py'], dir, env).trim()).toBe('nats://nats.nats.svc.cluster.local:4222');
  });

  test('the version constants cross as static members', () => {
    const out = run(python, ['-c', 'from cdk8s_nats import Nats; print(Nats.NATS_VERSION, Nats.NATS_BOX_VERSION)'], work, env);
    expect(out.trim()).toBe(`${NATS_VERSION} ${NATS_BOX_VERSION}`);
  });
});
