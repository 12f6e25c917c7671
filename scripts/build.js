// `npm run build`: the library and the app, each compiled into its own folder under build/ (never beside the sources).
//  - The library (the npm package and the Python wheel): jsii compiles lib/ and imports/ into build/lib and build/imports
//    and writes the type information of the public API to .jsii. Nothing recompiles that output with plain tsc.
//  - The app (main.ts, what `cdk8s synth` runs): plain tsc into build/app (tsconfig.build.json), fast to rebuild, then
//    bundled into one file, build/synth/main.js: node then reads and compiles one 0.8 MB file instead of resolving and
//    compiling 150 modules (3.6 MB), which makes synth about a quarter faster (docs/results/bench.md).
// Both get the shell scripts the library's Jobs run (lib/**/*.sh) next to their compiled modules, which read them
// from there with readFileSync(__dirname…) when they load; in the bundle every module's __dirname is the bundle's
// folder, so the bundle gets them all in that one folder.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

/** Copies lib/**\/*.sh under outDir, to the same relative paths unless `targetOf` says where. */
function copyScripts(outDir, dir = path.join(root, 'lib'), targetOf = (source) => path.join(outDir, path.relative(root, source))) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      copyScripts(outDir, source, targetOf);
    } else if (entry.name.endsWith('.sh')) {
      const target = targetOf(source);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

function buildLib() {
  // jsii prints a banner on every run under an end-of-life Node (20 here); the compiler itself works there.
  const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] };
  execFileSync(process.execPath, [require.resolve('jsii/bin/jsii'), '--generate-tsconfig', 'tsconfig.jsii.json',
    '--silence-warnings', 'reserved-word', '--fail-on-warnings'], { cwd: root, env, stdio: 'inherit' });
  copyScripts(path.join(root, 'build'));
}

/** The bundle cdk8s.yaml runs (through scripts/app.js). */
const synthEntry = path.join(root, 'build', 'synth', 'main.js');

function buildApp() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  copyScripts(path.join(root, 'build', 'app'));
  bundleApp();
}

function bundleApp() {
  // Written into a fresh folder and renamed into place only when complete: a failed build or a concurrent synth never
  // sees a new main.js without its scripts.
  const outDir = path.dirname(synthEntry);
  const tmpDir = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const flat = new Map();
  copyScripts(tmpDir, undefined, (source) => {
    const name = path.basename(source);
    if (flat.has(name)) throw new Error(`two scripts named ${name} (${flat.get(name)}, ${source}): the bundle keeps them in one folder`);
    flat.set(name, source);
    return path.join(tmpDir, name);
  });
  // Whitespace and syntax only: identifiers stay, so a stack trace still names the functions.
  require('esbuild').buildSync({
    entryPoints: [path.join(root, 'build', 'app', 'main.js')], outfile: path.join(tmpDir, path.basename(synthEntry)), bundle: true,
    platform: 'node', target: `node${process.versions.node.split('.')[0]}`, minifyWhitespace: true, minifySyntax: true, logLevel: 'warning',
  });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.renameSync(tmpDir, outDir);
}

function build() {
  buildLib();
  buildApp();
}

module.exports = { build, buildLib, buildApp, synthEntry };
if (require.main === module) {
  const which = process.argv[2];
  if (which === 'lib') buildLib();
  else if (which === 'app') buildApp();
  else build();
}
