// A real nats-server started from a config text, on loopback, stopped by its PID.
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort, natsServer } from './tools';

export interface RunningServer {
  readonly url: string;
  readonly monitor: string;
  /** The store directory for `jetstream { store_dir }`; the config is `<dir>/nats.conf`. */
  readonly dir: string;
  readonly pid: number;
  /** What the server has logged so far. */
  log(): string;
  varz(): Promise<any>;
  stop(): void;
}

/**
 * Starts nats-server on `conf(ports)` (the config names the ports it is given) and waits for its monitoring port.
 * Fails with the server's log when it does not come up in 10 s.
 */
export async function startServer(conf: (p: { client: number; monitor: number; dir: string }) => string): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nats-srv-'));
  const ports = { client: await freePort(), monitor: await freePort(), dir };
  writeFileSync(join(dir, 'nats.conf'), conf(ports));
  let log = '';
  const proc: ChildProcess = spawn(natsServer(), ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => { log += d; });
  proc.stderr!.on('data', (d) => { log += d; });
  const monitor = `http://127.0.0.1:${ports.monitor}`;
  const stop = () => {
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`${monitor}/varz`).then((r) => r.ok, () => false);
    if (up) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`nats-server did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `nats://127.0.0.1:${ports.client}`, monitor, dir, pid: proc.pid!, log: () => log,
    varz: () => fetch(`${monitor}/varz`).then((r) => r.json()),
    stop,
  };
}
