/**
 * `npm run bench:dataplane`: the data plane of a deployment against bare nats-server on the same machine, side by
 * side. On the cluster KUBECONFIG points at (the e2e cluster: `npm run e2e:up` first), it applies the 3-replica
 * deployment in namespace nats-bench and runs the real `nats bench` in its nats-box through the client Service; on
 * loopback it runs the same commands against one bare nats-server and a bare 3-server cluster (for R3). The runs are
 * interleaved (cluster, bare, cluster, bare, ...) and it prints medians and the ratio for each workload:
 *   core publish, publish+subscribe, JetStream R1 and R3 async publish (msgs/s; ratio cluster/bare), and
 *   request-reply latency p50 and p99 (us; ratio bare/cluster, so that above 1 is always better for the cluster).
 * Environment: BENCH_ROUNDS (default 3), BENCH_RESULTS=1 writes docs/results/dataplane.md, BENCH_KEEP=1 keeps the
 * namespace. Only 127.0.0.1 listeners on this machine; every process it starts is stopped by its PID.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kubectl, kubectlOk, run } from '../checks/support/kube';

const REPO = path.resolve(__dirname, '..', '..');
const NS = 'nats-bench';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PINS = Object.fromEntries([...fs.readFileSync(path.join(REPO, 'scripts', 'versions.env'), 'utf8')
  .matchAll(/^([A-Z_]+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
const TOOLS = process.env.NATS_TOOLS_DIR ?? '/var/cache/nats-cdk8s/bin';
const NATS = path.join(TOOLS, `nats-${PINS.NATSCLI_VERSION}`);
const SERVER = path.join(TOOLS, `nats-server-${PINS.NATS_SERVER_VERSION}`);

/** One `nats bench` result: throughput, and latency percentiles in microseconds. */
interface Stats { readonly rate: number; readonly p50: number; readonly p99: number }

/** Where a workload runs: a `nats` command line, run to completion (or started in the background). */
interface Side {
  readonly name: string;
  nats(args: string[], url: 'single' | 'cluster'): Promise<string>;
  natsBackground(args: string[], url: 'single' | 'cluster'): { done: Promise<string> };
}

interface Workload {
  readonly name: string;
  /** Throughput (msgs/s, higher is better) or a latency percentile (us, lower is better). */
  readonly metric: 'rate' | 'p50' | 'p99';
  readonly measure: (side: Side) => Promise<Stats>;
}

function parse(output: string, label: string): Stats {
  const line = output.split('\n').find((l) => l.includes(`${label} stats:`));
  if (!line) throw new Error(`no "${label} stats" in: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  const num = (re: RegExp) => Number((re.exec(line)?.[1] ?? 'NaN').replace(/,/g, ''));
  return { rate: num(/stats: ([\d,]+) msgs\/sec/), p50: num(/P50: ([\d,.]+)us/), p99: num(/P99: ([\d,.]+)us/) };
}

const CORE_MSGS = '500000';
const WORKLOADS: Workload[] = [
  { name: 'core publish (128 B)', metric: 'rate', measure: async (s) => parse(await s.nats(['bench', 'pub', 'bench.core', '--msgs', CORE_MSGS, '--no-progress'], 'single'), 'Core NATS publisher') },
  {
    name: 'publish + subscribe (128 B)', metric: 'rate', measure: async (s) => {
      const sub = s.natsBackground(['bench', 'sub', 'bench.ps', '--msgs', '200000', '--no-progress'], 'single');
      await new Promise((r) => setTimeout(r, 1500));
      await s.nats(['bench', 'pub', 'bench.ps', '--msgs', '200000', '--no-progress'], 'single');
      return parse(await sub.done, 'Core NATS subscriber');
    },
  },
  { name: 'JetStream R1 async publish', metric: 'rate', measure: async (s) => parse(await s.nats(jsArgs('BENCH_R1', 1), 'single'), 'JetStream asynchronous publisher') },
  { name: 'JetStream R3 async publish', metric: 'rate', measure: async (s) => parse(await s.nats(jsArgs('BENCH_R3', 3), 'cluster'), 'JetStream asynchronous publisher') },
  { name: 'request-reply p50', metric: 'p50', measure: (s) => requestReply(s) },
  { name: 'request-reply p99', metric: 'p99', measure: (s) => requestReply(s) },
];

function jsArgs(stream: string, replicas: number): string[] {
  return ['bench', 'js', 'pub', 'async', stream, '--create', '--purge', '--storage', 'file', '--replicas', String(replicas), '--msgs', '50000', '--no-progress'];
}

async function requestReply(s: Side): Promise<Stats> {
  const serve = s.natsBackground(['bench', 'service', 'serve', 'bench.svc', '--msgs', '5000', '--no-progress'], 'single');
  await new Promise((r) => setTimeout(r, 1500));
  const out = await s.nats(['bench', 'service', 'request', 'bench.svc', '--msgs', '5000', '--no-progress'], 'single');
  await serve.done.catch(() => '');
  return parse(out, 'Core NATS service requester');
}

/** The deployment: nats-box runs the CLI, against the client Service (all servers of the one cluster). */
function clusterSide(): Side {
  const url = `nats://nats.${NS}.svc.cluster.local:4222`;
  const exec = (args: string[]) => ['-n', NS, 'exec', 'deploy/nats-box', '--', 'nats', '-s', url, ...args];
  return {
    name: 'cluster',
    nats: async (args) => {
      const r = await kubectl(exec(args), { timeoutSeconds: 300 });
      if (r.code !== 0) throw new Error(`cluster: nats ${args.join(' ')}: ${r.stderr.trim()}`);
      return r.stdout + r.stderr;
    },
    natsBackground: (args) => ({ done: kubectl(exec(args), { timeoutSeconds: 300 }).then((r) => r.stdout + r.stderr) }),
  };
}

/** Bare nats-server on loopback: one server (JetStream) and a 3-server cluster (for R3). */
class Bare implements Side {
  public readonly name = 'bare';
  private readonly procs: ChildProcess[] = [];
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-bench-'));
  private readonly urls = { single: 'nats://127.0.0.1:24222', cluster: 'nats://127.0.0.1:24231,nats://127.0.0.1:24232,nats://127.0.0.1:24233' };

  public async start(): Promise<void> {
    this.server('single', 'listen: 127.0.0.1:24222\nserver_name: single\n');
    const routes = [1, 2, 3].map((i) => `nats-route://127.0.0.1:2624${i}`).join(', ');
    for (const i of [1, 2, 3]) {
      this.server(`c${i}`, `listen: 127.0.0.1:${24230 + i}\nserver_name: c${i}\ncluster { name: bench, listen: 127.0.0.1:2624${i}, routes: [${routes}] }\n`);
    }
    for (let i = 0; i < 60; i++) {
      if (spawnOk(['-s', this.urls.cluster, 'stream', 'ls'])) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error('bare cluster: JetStream not answering after 60 s');
  }

  private server(name: string, conf: string): void {
    const file = path.join(this.dir, `${name}.conf`);
    fs.writeFileSync(file, `${conf}jetstream { store_dir: "${path.join(this.dir, name)}" }\n`);
    const p = spawn(SERVER, ['-c', file], { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, `${name}.log`), 'a')] });
    this.procs.push(p);
  }

  public nats(args: string[], url: 'single' | 'cluster'): Promise<string> {
    return run(NATS, ['-s', this.urls[url], ...args], { timeoutSeconds: 300, env: { HOME: this.dir } }).then((r) => {
      if (r.code !== 0) throw new Error(`bare: nats ${args.join(' ')}: ${r.stderr.trim()}`);
      return r.stdout + r.stderr;
    });
  }

  public natsBackground(args: string[], url: 'single' | 'cluster'): { done: Promise<string> } {
    return { done: run(NATS, ['-s', this.urls[url], ...args], { timeoutSeconds: 300, env: { HOME: this.dir } }).then((r) => r.stdout + r.stderr) };
  }

  public stop(): void {
    for (const p of this.procs) if (p.pid) process.kill(p.pid, 'SIGTERM');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function spawnOk(args: string[]): boolean {
  try {
    execFileSync(NATS, args, { stdio: 'ignore', env: { ...process.env, HOME: os.tmpdir() }, timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

async function deploy(): Promise<string> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-bench-'));
  const synth = await run('npx', ['cdk8s', 'synth', '--no-check-upgrade', '-o', out],
    { cwd: REPO, env: { NATS_REPLICAS: '3', NATS_NAMESPACE: NS }, timeoutSeconds: 300 });
  if (synth.code !== 0) throw new Error(`synth: ${synth.stderr.trim()}`);
  const loaded = await run('bash', [path.join(REPO, 'e2e', 'load-images.sh'), ...fs.readdirSync(out).map((f) => path.join(out, f))], { timeoutSeconds: 300 });
  if (loaded.code !== 0) throw new Error(`load-images: ${loaded.stderr.trim()}`);
  await kubectlOk(['apply', '-f', out]);
  await kubectlOk(['-n', NS, 'rollout', 'status', 'statefulset/nats', '--timeout=300s'], { timeoutSeconds: 330 });
  await kubectlOk(['-n', NS, 'rollout', 'status', 'deploy/nats-box', '--timeout=300s'], { timeoutSeconds: 330 });
  await kubectlOk(['-n', NS, 'wait', '--for=condition=complete', 'job', '-l', 'app.kubernetes.io/component=jetstream', '--timeout=300s'], { timeoutSeconds: 330 });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
  if ((await kubectl(['get', 'ns', NS])).code === 0) throw new Error(`namespace ${NS} exists: delete it first`);
  const started = Date.now();
  const dir = await deploy();
  const bare = new Bare();
  const cluster = clusterSide();
  const results = new Map<string, { cluster: number[]; bare: number[] }>();
  try {
    await bare.start();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const w of WORKLOADS) {
        const entry = results.get(w.name) ?? { cluster: [], bare: [] };
        for (const side of [cluster, bare]) {
          const stats = await w.measure(side);
          entry[side.name as 'cluster' | 'bare'].push(stats[w.metric]);
          console.log(`round ${round} ${w.name} ${side.name}: ${stats[w.metric]}${w.metric === 'rate' ? ' msgs/s' : ' us'}`);
        }
        results.set(w.name, entry);
      }
    }
  } finally {
    bare.stop();
    if (process.env.BENCH_KEEP !== '1') await kubectl(['delete', 'ns', NS, '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rows = WORKLOADS.map((w) => {
    const e = results.get(w.name)!;
    const c = median(e.cluster);
    const b = median(e.bare);
    const ratio = w.metric === 'rate' ? c / b : b / c;
    const unit = w.metric === 'rate' ? 'msgs/s' : 'us';
    return `| ${w.name} | ${Math.round(c).toLocaleString('en')} ${unit} | ${Math.round(b).toLocaleString('en')} ${unit} | ${ratio.toFixed(2)} |`;
  });
  const table = ['| Workload (median of ' + ROUNDS + ', interleaved) | Deployment (R3, client Service) | Bare nats-server on loopback | Ratio |', '|---|---:|---:|---:|', ...rows];
  console.log(table.join('\n'));
  if (process.env.BENCH_RESULTS === '1') {
    const commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(REPO, 'docs', 'results', 'dataplane.md'), '# Data-plane benchmark\n\nWritten by `npm run bench:dataplane` '
      + `(e2e/bench/dataplane.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z, commit ${commit}, ${os.cpus().length} cores, `
      + `nats-server ${PINS.NATS_SERVER_VERSION}, in ${Math.round((Date.now() - started) / 1000)} s. The deployment's clients run in its nats-box `
      + 'through the client Service; the bare servers and their client run on loopback of the same machine. The ratio is '
      + 'deployment/bare for throughput and bare/deployment for latency: at or above 0.9 is the target.\n\n'
      + `${table.join('\n')}\n`);
  }
  return 0;
}

void main().then((code) => process.exit(code), (e: Error) => {
  console.log(`FAIL  ${e.message}`);
  process.exit(1);
});
