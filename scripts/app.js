// The command cdk8s.yaml runs. It runs the compiled app (plain node: fast), compiling it first with
// tsc when any TypeScript source is newer than the build, so `cdk8s synth` is never stale.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const entry = path.join(root, 'build', 'main.js');

function newestSource(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) {
    return /\.(ts|json)$/.test(p) ? stat.mtimeMs : 0;
  }
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestSource(path.join(p, name))));
}

const sources = ['main.ts', 'lib', 'imports', 'tsconfig.json', 'tsconfig.build.json']
  .map((name) => path.join(root, name))
  .filter((p) => fs.existsSync(p));
const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : -1;
if (Math.max(...sources.map(newestSource)) > built) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  fs.utimesSync(entry, new Date(), new Date()); // tsc leaves unchanged outputs alone
}
require(entry);
