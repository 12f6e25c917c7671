// Runs the pods of a synthesized StatefulSet as real processes, each in its own network namespace
// and chroot, so a test can use the rendered config exactly as a pod would: same command, same env,
// same mount paths, same user, same DNS names. Nothing touches the root network namespace: the pods'
// namespaces are joined by veth pairs to a bridge that lives in one more namespace of ours, and the
// addresses (10.250.0.0/24) exist only inside those namespaces. Needs root and iproute2.
import { ChildProcess, execFile, spawn, spawnSync } from 'child_process';
import {
  chmodSync, chownSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { natsCli, natsReloader, natsServer } from './tools';

/** A container of a pod besides the server: its command and environment. */
export interface Container {
  readonly name: string;
  readonly command: string[];
  readonly env: { [name: string]: string };
  /** For a native sidecar: the file its startup probe waits for (`test -f`); the server starts after it. */
  readonly startupFile?: string;
}

/** One pod as the kubelet would run it, derived from the manifest. */
export interface Pod {
  readonly name: string;
  /** `<pod>.<serviceName>`: the name the headless Service gives the pod, e.g. `nats-0.nats-headless`. */
  readonly hostname: string;
  readonly ip: string;
  /** The server container (the first). */
  readonly command: string[];
  readonly env: { [name: string]: string };
  /** Native sidecars (init containers that keep running), each started before the server. */
  readonly sidecars: Container[];
  /** The other containers, started after the server (the config reloader). */
  readonly containers: Container[];
  /** Read-only files (ConfigMap and Secret mounts of every container): path in the pod -> content. */
  readonly files: { [path: string]: string };
  /** Writable directories (emptyDir and volume-claim mounts). */
  readonly volumes: string[];
  readonly uid: number;
  readonly gid: number;
}

const NAMESPACE = 'default';
const SUBNET = '10.250.0';
const SWITCH = 'nats-test-switch';
/** The pods' roots, their logs and the CLI's HOME. Fixed, so a later run finds what a crashed one left. */
const STATE = join(tmpdir(), 'nats-cdk8s-cluster-test');
/** Holds the pid of the run that owns the namespace names; created exclusively, so two runs cannot interleave. */
const LOCK = `${STATE}.lock`;
const LOGS = '=== server logs ===';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Secret contents by name and key: what the cluster would hold, for `secretKeyRef` env and secret volumes. */
export type Secrets = { [name: string]: { [key: string]: string } };

/** The pods of the manifest's only StatefulSet, with the kubelet's env expansion and volume mounts. */
export function podsOf(manifest: any[], secrets: Secrets = {}): Pod[] {
  const secret = (name: string, key: string) => {
    const value = secrets[name]?.[key];
    if (value === undefined) throw new Error(`podsOf: Secret ${name} has no key ${key}; pass it in secrets`);
    return value;
  };
  const sets = manifest.filter((o) => o.kind === 'StatefulSet');
  if (sets.length !== 1) throw new Error(`expected one StatefulSet, found ${sets.length}`);
  const set = sets[0];
  const spec = set.spec.template.spec;
  const init = spec.initContainers ?? [];
  if (init.some((c: any) => c.restartPolicy !== 'Always')) throw new Error('podsOf supports native sidecars only among the init containers');
  const [container, ...others] = spec.containers;
  const security = { ...spec.securityContext, ...container.securityContext };
  const claims = new Set((set.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
  return Array.from({ length: set.spec.replicas }, (_, i) => {
    const name = `${set.metadata.name}-${i}`;
    const ip = `${SUBNET}.${10 + i}`;
    const envOf = (c: any) => {
      const env: { [name: string]: string } = {};
      for (const e of c.env ?? []) {
        if (e.value !== undefined) {
          // The kubelet expands $(VAR) from variables defined earlier in the list.
          env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, v: string) => env[v] ?? m);
        } else if (e.valueFrom?.secretKeyRef) {
          env[e.name] = secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
        } else {
          const field = e.valueFrom?.fieldRef?.fieldPath;
          const fields: { [path: string]: string } = { 'metadata.name': name, 'metadata.namespace': NAMESPACE, 'status.podIP': ip };
          if (!(field in fields)) throw new Error(`podsOf cannot resolve env ${e.name}: ${JSON.stringify(e.valueFrom)}`);
          env[e.name] = fields[field];
        }
      }
      return env;
    };
    const env = envOf(container);
    const files: { [path: string]: string } = {};
    const volumes: string[] = [];
    const mounts = [container, ...init, ...others].flatMap((c: any) => c.volumeMounts ?? []);
    for (const mount of mounts) {
      const volume = (spec.volumes ?? []).find((v: any) => v.name === mount.name);
      if (volume?.configMap) {
        const map = manifest.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
        if (!map) throw new Error(`ConfigMap ${volume.configMap.name} is not in the manifest`);
        for (const [key, content] of Object.entries<string>(map.data ?? {})) files[`${mount.mountPath}/${key}`] = content;
      } else if (volume?.secret) {
        const items = volume.secret.items ?? Object.keys(secrets[volume.secret.secretName] ?? {}).map((key) => ({ key, path: key }));
        for (const item of items) files[`${mount.mountPath}/${item.path}`] = secret(volume.secret.secretName, item.key);
      } else if (volume?.emptyDir || (!volume && claims.has(mount.name))) {
        if (!volumes.includes(mount.mountPath)) volumes.push(mount.mountPath);
      } else {
        throw new Error(`podsOf does not support volume ${mount.name}: ${JSON.stringify(volume)}`);
      }
    }
    const other = (c: any): Container => {
      const probe = c.startupProbe?.exec?.command;
      return {
        name: c.name, command: [...(c.command ?? []), ...(c.args ?? [])], env: envOf(c),
        startupFile: probe?.[0] === 'test' && probe?.[1] === '-f' ? probe[2] : undefined,
      };
    };
    return {
      name, ip, env, files, volumes,
      sidecars: init.map(other),
      containers: others.map(other),
      hostname: `${name}.${set.spec.serviceName}`,
      command: [...(container.command ?? []), ...(container.args ?? [])],
      uid: security.runAsUser ?? 0,
      gid: security.runAsGroup ?? security.runAsUser ?? 0,
    };
  });
}

export interface Run { code: number | null; stdout: string; stderr: string }

/** Runs a command inside a pod's network namespace (not its chroot), like `kubectl exec` with our own tools. */
export function runIn(pod: string, argv: string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', pod, ...argv], { env: { PATH, HOME: join(STATE, 'home') }, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
      (error, stdout, stderr) => resolve({
        code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
        stdout,
        stderr: error && !stderr ? error.message : stderr,
      }));
  });
}

const HTTP_GET = `
// Like the kubelet's probes: HTTPS without certificate verification.
const url = process.argv[1];
const req = require(url.startsWith('https:') ? 'https' : 'http').get(url, { timeout: 2000, rejectUnauthorized: false }, (res) => {
  let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));
  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body })));
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => { process.stderr.write(String(e)); process.exitCode = 1; });`;

/** A set of pods running as nats-server processes. Construct, then `start()`; always `destroy()`. */
export class PodCluster {
  private readonly servers = new Map<string, Process>();
  /** The sidecars and other containers, by `<pod>/<container>`. */
  private readonly helpers = new Map<string, Process>();
  private readonly restarts = new Map<string, number>();
  private locked = false;

  /** @param client how the nats CLI reaches the pod's own server (TLS clusters pass a tls:// URL and a CA) */
  public constructor(public readonly pods: Pod[], private readonly client: string[] = ['--server', 'nats://127.0.0.1:4222']) {}

  public pod(name: string): Pod {
    const pod = this.pods.find((p) => p.name === name);
    if (!pod) throw new Error(`no pod ${name}`);
    return pod;
  }

  public async start(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error('the cluster test needs root (network namespaces, chroot): run it as root, e.g. in the CI container');
    if (spawnSync('ip', ['-V'], { env: { PATH } }).status !== 0) throw new Error('the cluster test needs iproute2 ("ip"): apt-get install iproute2');
    await lock(60_000);
    this.locked = true;
    await cleanLeftovers(this.pods.map((p) => p.name));
    mkdirSync(join(STATE, 'home'), { recursive: true, mode: 0o700 });
    this.network();
    for (const pod of this.pods) await this.spawn(pod);
  }

  /** A bridge in our switch namespace; each pod namespace gets eth0, a veth into that bridge. */
  private network(): void {
    ip('netns', 'add', SWITCH);
    ip('-n', SWITCH, 'link', 'set', 'lo', 'up');
    ip('-n', SWITCH, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', SWITCH, 'link', 'set', 'br0', 'up');
    this.pods.forEach((pod, i) => {
      ip('netns', 'add', pod.name);
      // Run in the switch namespace, so both ends are created in our namespaces, never in the root one.
      ip('-n', SWITCH, 'link', 'add', `port${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.name);
      ip('-n', SWITCH, 'link', 'set', `port${i}`, 'master', 'br0', 'up');
      ip('-n', pod.name, 'link', 'set', 'lo', 'up');
      ip('-n', pod.name, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
      ip('-n', pod.name, 'link', 'set', 'eth0', 'up');
    });
  }

  /**
   * Builds the pod's root and starts its containers there as the pod's user: the native sidecars first, each until
   * its startup file exists, then the server, then the others. The root holds the pod's mounts at their paths
   * (ConfigMap and Secret files read-only, volumes owned by the pod's user; everything else is root's, so as
   * read-only as the pod's filesystem), /etc/hosts answering what cluster DNS would, and the binaries where the
   * images have them: nats-server, the config reloader, and a static busybox for the sidecars' shell scripts.
   * All containers share the host's process namespace here, as the pod shares one (shareProcessNamespace).
   */
  private async spawn(pod: Pod): Promise<void> {
    const root = join(STATE, pod.name);
    const put = (path: string, content: string, mode = 0o444) => {
      mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
      writeFileSync(join(root, path), content, { mode });
    };
    mkdirSync(root, { recursive: true, mode: 0o755 });
    chmodSync(root, 0o755);
    const hosts = this.pods.map((p) => `${p.ip}\t${p.hostname}.${NAMESPACE}.svc.cluster.local ${p.hostname}${p === pod ? ` ${p.name}` : ''}`);
    put('etc/hosts', ['127.0.0.1\tlocalhost', ...hosts, ''].join('\n'));
    put('etc/nsswitch.conf', 'hosts: files dns\n');
    // As in a pod; the nameserver is our own loopback, where nothing listens: unknown names fail fast.
    put('etc/resolv.conf', `search ${NAMESPACE}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n`);
    for (const [path, content] of Object.entries(pod.files)) put(path, content);
    for (const dir of pod.volumes) {
      mkdirSync(join(root, dir), { recursive: true, mode: 0o775 });
      chownSync(join(root, dir), pod.uid, pod.gid);
    }
    const install = (source: string, path: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
      copyFileSync(source, join(root, path));
      chmodSync(join(root, path), 0o755);
    };
    install(natsServer(), 'usr/local/bin/nats-server');
    install(natsReloader(), 'usr/local/bin/nats-server-config-reloader');
    install(BUSYBOX, 'bin/busybox');
    // The runtime gives every container a /dev/null; scripts redirect to it.
    mkdirSync(join(root, 'dev'), { recursive: true, mode: 0o755 });
    if (spawnSync('mknod', ['-m', '666', join(root, 'dev/null'), 'c', '1', '3']).status !== 0) throw new Error(`mknod ${root}/dev/null failed`);
    for (const applet of ['sh', 'sed', 'grep', 'sleep', 'cat', 'mv', 'tr', 'test']) symlinkSync('busybox', join(root, 'bin', applet));

    for (const sidecar of pod.sidecars) {
      this.helpers.set(`${pod.name}/${sidecar.name}`, run(pod, `${pod.name}-${sidecar.name}`, sidecar.command, sidecar.env));
      const startup = sidecar.startupFile;
      if (startup) await this.waitFor(`${pod.name}/${sidecar.name} startup (${startup})`, 10_000, async () => (existsSync(join(root, startup)) ? true : undefined));
    }
    this.servers.set(pod.name, run(pod, pod.name, pod.command, pod.env));
    for (const c of pod.containers) this.helpers.set(`${pod.name}/${c.name}`, run(pod, `${pod.name}-${c.name}`, c.command, c.env));
  }

  /** Runs a command in the pod's network namespace and root, as its user with its env (`kubectl exec`). */
  public exec(pod: string, argv: string[], timeoutMs = 15_000): Promise<Run> {
    const p = this.pod(pod);
    return new Promise((resolve) => {
      execFile('ip', ['netns', 'exec', pod, 'chroot', `--userspec=${p.uid}:${p.gid}`, join(STATE, pod), ...argv],
        { env: { PATH, ...p.env }, timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }));
    });
  }

  /** GET <scheme>://127.0.0.1:<port><path> from inside the pod's network namespace. */
  public async httpGet(pod: string, port: number, path: string, scheme = 'http'): Promise<{ status: number; body: string }> {
    const run = await runIn(pod, [process.execPath, '-e', HTTP_GET, `${scheme}://127.0.0.1:${port}${path}`], 5_000);
    if (run.code !== 0) throw new Error(`GET ${pod}:${port}${path}: ${run.stderr.trim() || `exit ${run.code}`}`);
    return JSON.parse(run.stdout);
  }

  /** The nats CLI, run in the pod's network namespace against the server on its loopback. */
  public nats(pod: string, args: string[], timeoutMs = 15_000): Promise<Run> {
    return runIn(pod, [natsCli(), ...this.client, '--timeout', '5s', ...args], timeoutMs);
  }

  public isRunning(pod: string): boolean {
    const server = this.servers.get(pod);
    return !!server && server.child.exitCode === null && server.child.signalCode === null;
  }

  /**
   * Kills the pod's server and waits until it is gone: SIGKILL by default (a lost node), or SIGTERM (the graceful stop
   * of a restarted container).
   */
  public async kill(pod: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const server = this.servers.get(pod);
    if (!server || !this.isRunning(pod)) throw new Error(`${pod} is not running`);
    server.child.kill(signal);
    await withTimeout(server.exited, 20_000, `${pod} did not exit after ${signal}`);
  }

  /**
   * Starts the pod's server again in the same root (its volumes kept, as the kubelet restarts a container), after
   * `kill`; its output goes to `<pod>-restart<n>.log`.
   */
  public restart(pod: string): void {
    if (this.isRunning(pod)) throw new Error(`${pod} is still running: kill it first`);
    const p = this.pod(pod);
    this.restarts.set(pod, (this.restarts.get(pod) ?? 0) + 1);
    this.servers.set(pod, run(p, `${pod}-restart${this.restarts.get(pod)}`, p.command, p.env));
  }

  /** What a sidecar or other container (`<pod>/<container>`) has printed so far. */
  public logOf(container: string): string {
    const p = this.helpers.get(container);
    return p && existsSync(p.log) ? readFileSync(p.log, 'utf8') : '';
  }

  /** Where a path inside the pod's root lives on this machine. */
  public pathIn(pod: string, path: string): string {
    return join(STATE, this.pod(pod).name, path);
  }

  /** Every server's errors and last lines, for failure messages. */
  public logs(lines = 20): string {
    return `${LOGS}\n` + [...this.servers.entries(), ...this.helpers.entries()].map(([name, s]) => {
      const all = existsSync(s.log) ? readFileSync(s.log, 'utf8').trimEnd().split('\n') : ['(no log)'];
      const errors = all.slice(0, -lines).filter((l) => /\[(ERR|FTL)\]/.test(l)).slice(-10);
      const state = s.child.exitCode === null && s.child.signalCode === null ? 'running' : `exited (${s.child.exitCode ?? s.child.signalCode})`;
      return [`--- ${name} [${state}] ${s.log}`, ...errors, ...(errors.length ? ['...'] : []), ...all.slice(-lines)].join('\n');
    }).join('\n');
  }

  /** Stops every server we started (by pid), deletes our namespaces and the pods' roots. Safe to call twice. */
  public async destroy(): Promise<void> {
    if (!this.locked) return; // another run owns the names, or we never started
    const all = [...this.servers.values(), ...this.helpers.values()];
    for (const p of all) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }
    await Promise.all(all.map((p) => withTimeout(p.exited, 10_000, 'process did not exit').catch(() => undefined)));
    this.servers.clear();
    this.helpers.clear();
    await cleanLeftovers(this.pods.map((p) => p.name));
    rmSync(LOCK, { force: true });
    this.locked = false;
  }

  /** Polls `probe` until it returns a value; on timeout throws with the last error and the servers' logs. */
  public async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (e) {
        last = (e as Error).message.split(`\n${LOGS}`)[0]; // the logs come once, below
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `\nlast error: ${last}` : ''}\n${this.logs()}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

interface Process { child: ChildProcess; exited: Promise<void>; log: string }

const BUSYBOX = '/bin/busybox';

/** Starts one container's command in the pod's network namespace and root, as its user; output to `<STATE>/<logName>.log`. */
function run(pod: Pod, logName: string, command: string[], env: { [name: string]: string }): Process {
  const log = join(STATE, `${logName}.log`);
  const fd = openSync(log, 'w');
  // `ip netns exec` and `chroot` both exec, so the child's pid is the container's own process.
  const child = spawn('ip', ['netns', 'exec', pod.name, 'chroot', `--userspec=${pod.uid}:${pod.gid}`, join(STATE, pod.name), ...command],
    { env: { PATH, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (e) => (writeFileSync(log, `spawn failed: ${e.message}\n`, { flag: 'a' }), resolve()));
  });
  return { child, exited, log };
}

function ip(...args: string[]): void {
  const run = spawnSync('ip', args, { env: { PATH }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args.join(' ')}: ${run.stderr.trim()}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))])
    .finally(() => clearTimeout(timer));
}

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Takes the lock, reclaiming it from a run that died. While another run (say a parallel `npm test`)
 * holds it, waits up to `waitMs` for it to finish, then throws.
 */
async function lock(waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readFileSync(LOCK, 'utf8'));
    if (!(owner && alive(owner) && exeOf(owner) === exeOf(process.pid))) {
      rmSync(LOCK, { force: true }); // its owner died: the leftovers are ours to clean
    } else if (Date.now() > deadline) {
      throw new Error(`another cluster test (pid ${owner}, ${LOCK}) still owns the nats-* network namespaces after ${waitMs / 1000}s`);
    } else {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Removes what a previous run left behind (a crashed jest skips afterAll): kills the processes in our
 * namespaces whose root is one of our pod roots, deletes the namespaces and the state directory.
 * Refuses to touch namespaces that hold anyone else's processes. Called only while holding the lock.
 */
async function cleanLeftovers(pods: string[]): Promise<void> {
  const rootOf = (pid: number) => {
    try {
      return readlinkSync(`/proc/${pid}/root`);
    } catch {
      return undefined;
    }
  };
  // Our servers run in a pod root; our short-lived helpers (nats CLI, node for HTTP) run outside them.
  const ours = (pid: number) => !alive(pid) || rootOf(pid)?.startsWith(`${STATE}/`) || [exeOf(process.pid), realpathSync(natsCli())].includes(exeOf(pid));
  for (const ns of [...pods, SWITCH]) {
    if (!existsSync(`/run/netns/${ns}`)) continue;
    const pids = spawnSync('ip', ['netns', 'pids', ns], { env: { PATH }, encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).map(Number);
    const foreign = pids.filter((pid) => !ours(pid));
    if (foreign.length) throw new Error(`network namespace ${ns} holds processes that are not ours (pids ${foreign.join(', ')}); remove it by hand`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ip('netns', 'del', ns);
  }
  rmSync(STATE, { recursive: true, force: true });
}
