// The nats-box context files, as the Deployment mounts them, drive the real nats CLI to a real server.
import { ChildProcess, spawn } from 'child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { Testing } from 'cdk8s';
import { Nats } from '../lib';
import { nats, natsServer } from './support/tools';

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const port = (srv.address() as { port: number }).port;
    srv.close(() => resolve(port));
  });
});

let server: ChildProcess;
let configHome: string;

beforeAll(async () => {
  const port = await freePort();
  // Named "localhost" so the context's Service URL (nats://<name>:<port>) resolves on this machine.
  const box = new Nats(Testing.chart(), 'nats', { name: 'localhost', clientPort: port, monitorPort: await freePort() }).natsBox!;
  configHome = mkdtempSync(join(tmpdir(), 'nats-box-'));
  for (const [path, text] of Object.entries(box.contextFiles)) {
    mkdirSync(dirname(join(configHome, 'nats', path)), { recursive: true });
    writeFileSync(join(configHome, 'nats', path), text);
  }
  server = spawn(natsServer(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', mkdtempSync(join(tmpdir(), 'js-'))], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      nats(['server', 'check', 'connection'], { XDG_CONFIG_HOME: configHome });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`nats-server on port ${port} did not accept connections`);
});

afterAll(() => {
  server?.kill();
});

test('the default context is selected and names the client Service', () => {
  const context = JSON.parse(nats(['context', 'show', '--json'], { XDG_CONFIG_HOME: configHome }));
  expect(context).toMatchObject({ name: 'default', url: expect.stringMatching(/^nats:\/\/localhost:\d+$/) });
});

test('the CLI reaches the server with no --server flag', () => {
  const env = { XDG_CONFIG_HOME: configHome };
  nats(['stream', 'add', 'MY_STREAM', '--subjects', 'events.>', '--storage', 'file', '--replicas', '1', '--defaults'], env);
  nats(['pub', 'events.user.login', '{"user":"alice"}'], env);
  const info = JSON.parse(nats(['stream', 'info', 'MY_STREAM', '--json'], env));
  expect(info.state.messages).toBe(1);
});
