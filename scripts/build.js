// `npm run build`: the library and the app, each compiled into its own folder under build/ (never beside the sources).
//  - The library (the npm package and the Python wheel): jsii compiles lib/ and imports/ into build/lib and build/imports
//    and writes the type information of the public API to .jsii. Nothing recompiles that output with plain tsc.
//  - The app (main.ts, what `cdk8s synth` runs): plain tsc into build/app (tsconfig.build.json), fast to rebuild.
// Both then get the shell scripts the library's Jobs run (lib/**/*.sh) next to their compiled modules, which read them
// from there with readFileSync(__dirname…) when they load.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function copyScripts(outDir, dir = path.join(root, 'lib')) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      copyScripts(outDir, source);
    } else if (entry.name.endsWith('.sh')) {
      const target = path.join(outDir, path.relative(root, source));
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

function buildApp() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  copyScripts(path.join(root, 'build', 'app'));
}

function build() {
  buildLib();
  buildApp();
}

module.exports = { build, buildLib, buildApp };
if (require.main === module) {
  const which = process.argv[2];
  if (which === 'lib') buildLib();
  else if (which === 'app') buildApp();
  else build();
}
