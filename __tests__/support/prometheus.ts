// The real prometheus-nats-exporter and the real Prometheus (Debian's package) on loopback, each stopped by its PID.
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { freePort, promExporter, promTool } from './tools';

export interface Running {
  readonly url: string;
  readonly pid: number;
  log(): string;
  stop(): void;
}

/** Spawns a process and waits (up to 20 s) until `ready()` holds; fails with its log otherwise. */
async function runUntil(cmd: string, args: string[], env: NodeJS.ProcessEnv, url: string, ready: () => Promise<boolean>,
  cleanup = () => {}, signal: NodeJS.Signals = 'SIGTERM'): Promise<Running> {
  let log = '';
  const proc: ChildProcess = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => { log += d; });
  proc.stderr!.on('data', (d) => { log += d; });
  const stop = () => {
    if (proc.pid !== undefined && proc.exitCode === null) process.kill(proc.pid, signal);
    cleanup();
  };
  const deadline = Date.now() + 20_000;
  while (!(await ready().catch(() => false))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`${cmd} did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: proc.pid!, log: () => log, stop };
}

/**
 * The exporter with the container's arguments (from the synthesized StatefulSet), its `-port` and monitoring URL
 * swapped for the test's, listening on loopback only.
 */
export async function startExporter(containerArgs: string[], monitorUrl: string, env: NodeJS.ProcessEnv = {}, waitReady = true): Promise<Running> {
  const port = await freePort();
  const args = [
    ...containerArgs.slice(0, -1).map((a) => (a.startsWith('-port=') ? `-port=${port}` : a)),
    '-addr=127.0.0.1', monitorUrl,
  ];
  const url = `http://127.0.0.1:${port}`;
  // Ready once it answers at all: without a reachable server it answers scrapes with an error. It is killed rather
  // than terminated: stopping gracefully, it waits on a hung read of the monitoring endpoint.
  return runUntil(promExporter(), args, { PATH: process.env.PATH, ...env }, url,
    // Not waiting: the exporter does not serve until it has read the server once, which a test may mean to prevent.
    waitReady ? () => fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) }).then(() => true) : () => Promise.resolve(true),
    () => {}, 'SIGKILL');
}

export interface RunningPrometheus extends Running {
  /** An instant query through the HTTP API: the API's whole answer. */
  query(expr: string): Promise<{ status: string; error?: string; data?: { result: any[] } }>;
}

/** Prometheus scraping `target` every second, with `labels` on its series, its storage in a temp dir. */
export async function startPrometheus(target: string, labels: { [key: string]: string }): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), stringify({
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'nats', static_configs: [{ targets: [target.replace(/^https?:\/\//, '')], labels }] }],
  }));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const running = await runUntil(promTool('prometheus'), [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { PATH: process.env.PATH }, url, () => fetch(`${url}/-/ready`).then((r) => r.ok),
  () => rmSync(dir, { recursive: true, force: true }));
  return {
    ...running,
    query: (expr) => fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`).then((r) => r.json() as Promise<any>),
  };
}

/** Resident memory (KiB) and CPU time (s) of a process, from /proc. */
export function usage(pid: number): { rssKiB: number; cpuSeconds: number } {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are the 12th and 13th.
  return { rssKiB: rss, cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100 };
}
