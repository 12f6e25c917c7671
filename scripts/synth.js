// `npm run synth`: `cdk8s synth` into a fresh folder beside dist/, swapped in only when the synth succeeds. The cdk8s
// CLI empties its output folder before it runs the app, so a failed synth straight into dist/ (a bad value, say)
// would leave no manifests at all; this way the last good ones stay. Extra arguments go to `cdk8s synth`.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const fresh = `${dist}.synth-${process.pid}`;
const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
const run = spawnSync(cli, ['synth', '--no-check-upgrade', '--output', fresh, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  fs.rmSync(fresh, { recursive: true, force: true });
  console.error(`synth failed: ${path.relative(root, dist)}/ keeps the manifests of the last successful synth`);
  process.exit(run.status ?? 1);
}
const old = `${dist}.old-${process.pid}`;
if (fs.existsSync(dist)) fs.renameSync(dist, old);
fs.renameSync(fresh, dist);
fs.rmSync(old, { recursive: true, force: true });
