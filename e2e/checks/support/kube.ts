/**
 * The one way the cluster checks talk to Kubernetes: kubectl (from PATH, against KUBECONFIG) with a timeout,
 * and the nats CLI run inside a nats-box pod.
 */
import { spawn, spawnSync } from 'child_process';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Seconds before the command is killed (exit code 124). @default 120 */
  readonly timeoutSeconds?: number;
  /** Text written to the command's stdin. */
  readonly input?: string;
  /** Extra environment for the command. */
  readonly env?: { [name: string]: string };
  /** Working directory of the command. @default the current one */
  readonly cwd?: string;
}

/** Runs a command without a shell; never throws for a non-zero exit (check `code`). */
export async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = (options.timeoutSeconds ?? 120) * 1000;
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (e) => { stderr += String(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : code ?? 1, stdout, stderr: timedOut ? `${stderr}\ntimed out after ${timeoutMs / 1000}s` : stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** `kubectl ARGS`. */
export function kubectl(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run('kubectl', args, options);
}

/** `kubectl ARGS -o json`, parsed; throws with kubectl's message when it fails. */
export async function kubectlJson<T = any>(args: string[], options: RunOptions = {}): Promise<T> {
  const r = await kubectl([...args, '-o', 'json'], options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return JSON.parse(r.stdout) as T;
}

/** `kubectl ARGS`, throwing with kubectl's message when it fails; returns stdout. */
export async function kubectlOk(args: string[], options: RunOptions = {}): Promise<string> {
  const r = await kubectl(args, options);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

/** Runs the nats CLI (`nats ARGS`) in the nats-box Deployment `box` of namespace `ns`. */
export function nats(ns: string, box: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return kubectl(['-n', ns, 'exec', ...(options.input !== undefined ? ['-i'] : []), `deploy/${box}`, '--', 'nats', ...args],
    { timeoutSeconds: 60, ...options });
}

/** Runs a shell command line in the nats-box Deployment (for pipelines the CLI alone cannot do). */
export function boxShell(ns: string, box: string, script: string, options: RunOptions = {}): Promise<RunResult> {
  return kubectl(['-n', ns, 'exec', `deploy/${box}`, '--', 'sh', '-c', script], { timeoutSeconds: 60, ...options });
}

/** True when kubectl can reach the cluster. */
export function clusterReachable(): boolean {
  return spawnSync('kubectl', ['version', '-o', 'json'], { timeout: 30_000 }).status === 0;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined, or `timeoutSeconds` pass.
 * Returns the value, or undefined on timeout.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutSeconds: number, intervalMs = 500): Promise<T | undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** Runs `argv` in the nats-box Deployment without a shell (e.g. `wget -qO- URL`, `cat FILE`). */
export function boxExec(ns: string, box: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return kubectl(['-n', ns, 'exec', `deploy/${box}`, '--', ...argv], { timeoutSeconds: 60, ...options });
}
