// `npm run build`: compiles the library and the app into build/ (never beside the sources), then copies the shell
// scripts the library's Jobs run (lib/**/*.sh) next to their compiled modules, which read them from there.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function copyScripts(dir = path.join(root, 'lib')) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const source = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      copyScripts(source);
    } else if (entry.name.endsWith('.sh')) {
      const target = path.join(root, 'build', path.relative(root, source));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

function build() {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  copyScripts();
}

module.exports = { build };
if (require.main === module) build();
