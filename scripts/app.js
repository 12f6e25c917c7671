// The command cdk8s.yaml runs. It runs the compiled app (build/synth/main.js, one bundled file: fast), building it
// first when any source (TypeScript or a packaged shell script) is newer than the build, so `cdk8s synth` is never
// stale. Only the app is rebuilt here (tsc, then the bundle); the library's jsii build is `npm run build`.
const fs = require('fs');
const path = require('path');
const { buildApp, synthEntry: entry } = require('./build');

const root = path.join(__dirname, '..');

function newestSource(p) {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) {
    return /\.(ts|json|sh|js)$/.test(p) ? stat.mtimeMs : 0;
  }
  return Math.max(0, ...fs.readdirSync(p).map((name) => newestSource(path.join(p, name))));
}

// The bundle also holds the dependencies (a new package-lock.json after `npm ci` or an upgrade) and is shaped by
// scripts/build.js.
const sources = ['main.ts', 'lib', 'imports', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/build.js']
  .map((name) => path.join(root, name))
  .filter((p) => fs.existsSync(p));
const built = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : -1;
if (Math.max(...sources.map(newestSource)) > built) {
  buildApp(); // the bundle is always written anew, so its time is the build's
}
require(entry);
