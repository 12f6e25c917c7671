// Paths to the real nats-server and nats CLI built by scripts/install-nats-tools.sh (`npm test` runs it first).
import { execFileSync, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';

const DIR = process.env.NATS_TOOLS_DIR ?? '/var/cache/nats-cdk8s/bin';
/** The pins of scripts/versions.env: each checkout uses its own versions, whatever another one installed last. */
const PINS: { [name: string]: string } = Object.fromEntries([...readFileSync(join(__dirname, '..', '..', 'scripts', 'versions.env'), 'utf8')
  .matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]]));

function tool(name: string, version: string): string {
  const path = join(DIR, `${name}-${PINS[version]}`);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run "bash scripts/install-nats-tools.sh" (npm test does)`);
  }
  return path;
}

export const natsServer = () => tool('nats-server', 'NATS_SERVER_VERSION');
export const natsCli = () => tool('nats', 'NATSCLI_VERSION');
export const natsReloader = () => tool('nats-server-config-reloader', 'NATS_RELOADER_VERSION');

/** Runs `nats-server -t` on a config; returns the server's verdict. */
export function checkConfig(conf: string, serverName = 'nats-0', env: { [name: string]: string } = {}): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nats-conf-'));
  try {
    writeFileSync(join(dir, 'nats.conf'), conf);
    const run = spawnSync(natsServer(), ['-t', '-c', join(dir, 'nats.conf')], { env: { SERVER_NAME: serverName, ...env }, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function nats(args: string[], env: { [key: string]: string } = {}): string {
  return execFileSync(natsCli(), args, { env: { PATH: process.env.PATH, HOME: tmpdir(), ...env }, encoding: 'utf8', timeout: 30_000 });
}

/** A user nkey pair made by the real nats CLI: the seed file (for `nats --nkey`) and the public key (`U…`). */
export function userNkey(dir: string, name: string): { seedFile: string; publicKey: string } {
  const seedFile = join(dir, `${name}.nk`);
  nats(['auth', 'nkey', 'gen', 'user', '--output', seedFile]);
  return { seedFile, publicKey: nats(['auth', 'nkey', 'show', seedFile]).trim() };
}

/** Synthesizes a chart and returns its objects. */
export function synth(chart: ReturnType<typeof Testing.chart>): any[] {
  return Testing.synth(chart);
}

export const find = (manifest: any[], kind: string, name?: string) =>
  manifest.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

/** nats.conf as the ConfigMap holds it. */
export const confOf = (manifest: any[], configMap?: string): string => {
  const held = manifest.filter((o) => o.kind === 'ConfigMap' && o.data?.['nats.conf'] !== undefined && (!configMap || o.metadata.name === configMap));
  if (held.length !== 1) throw new Error(`expected one nats.conf ConfigMap${configMap ? ` named ${configMap}` : ''}, found ${held.length}`);
  return held[0].data['nats.conf'];
};

/** A TCP port free on loopback right now, for a test server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const promExporter = () => tool('prometheus-nats-exporter', 'NATS_EXPORTER_VERSION');

/** Debian's mosquitto-clients (scripts/install-nats-tools.sh installs it): a real MQTT 3.1.1 client. */
export function mosquitto(name: 'mosquitto_pub' | 'mosquitto_sub'): string {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run "bash scripts/install-nats-tools.sh" (npm test does)`);
  return path;
}

/** Debian's prometheus package (scripts/install-nats-tools.sh installs it): promtool and the server. */
export function promTool(name: 'promtool' | 'prometheus'): string {
  const path = `/usr/bin/${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run "bash scripts/install-nats-tools.sh" (npm test does)`);
  return path;
}
