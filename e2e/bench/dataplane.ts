/**
 * `npm run bench:dataplane`: the data plane of a deployment against bare nats-server on the same machine, side by
 * side. On the cluster KUBECONFIG points at (the e2e cluster: `npm run e2e:up` first), it applies the 3-replica
 * deployment in namespace nats-bench and runs the real `nats bench` in its nats-box through the client Service; on
 * loopback it runs the same commands against one bare nats-server and a bare 3-server cluster; and, to tell the
 * Service's cost apart, through the headless Service's name (straight to a pod). The runs are interleaved
 * (deployment, bare server, bare cluster, deployment direct, ...) and it prints medians and ratios for each workload:
 *   core publish, publish+subscribe, JetStream R1 and R3 async publish (msgs/s; ratio deployment/bare), and
 *   request-reply latency p50 and p99 (us; ratio bare/deployment, so that above 1 is always better for the deployment).
 * Environment: BENCH_ROUNDS (default 3), BENCH_RESULTS=1 writes docs/results/dataplane.md, BENCH_KEEP=1 keeps the
 * namespace. Only 127.0.0.1 listeners on this machine; every server it starts is stopped by its PID. */
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

/**
 * Where a workload runs: a POSIX shell script in which `nats` is the nats CLI connected to that side's servers. One
 * script per measurement, so that the helper processes a workload starts in the background (a subscriber, a
 * service) end with it, on both sides alike.
 */
interface Side {
  readonly name: string;
  sh(script: string): Promise<string>;
}

type Metric = 'rate' | 'p50' | 'p99';

interface Workload {
  readonly name: string;
  /** Throughput (msgs/s, higher is better) or latency percentiles (us, lower is better): one row each. */
  readonly metrics: readonly Metric[];
  /** Also measured against the bare single server (everything but R3). */
  readonly single: boolean;
  /** A shell script; `$NATS` is the nats CLI with the side's server URL. */
  readonly script: string;
  /** The `nats bench` stats line the result is read from. */
  readonly label: string;
}

function parse(output: string, label: string): Stats {
  const line = output.split('\n').find((l) => l.includes(`${label} stats:`));
  if (!line) throw new Error(`no "${label} stats" in: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  const num = (re: RegExp) => Number((re.exec(line)?.[1] ?? 'NaN').replace(/,/g, ''));
  return { rate: num(/stats: ([\d,]+) msgs\/sec/), p50: num(/P50: ([\d,.]+)us/), p99: num(/P99: ([\d,.]+)us/) };
}

/**
 * A helper in the background (at most 120 s), the measured command, then the helper's output after the measured
 * one's. A subscriber is waited for (it ends once it has its messages); a service is stopped.
 */
const withHelper = (helper: string, measured: string, end: 'wait' | 'stop') =>
  `timeout 120 $NATS ${helper} >helper.out 2>&1 & h=$!; sleep 1.5; $NATS ${measured}; rc=$?; ${end === 'stop' ? 'kill $h; ' : ''}`
  + 'wait $h; cat helper.out; exit $rc';
const js = (stream: string, replicas: number) =>
  `$NATS bench js pub async bench.${stream.toLowerCase()} --stream ${stream} --create --purge --storage file --replicas ${replicas} --msgs 50000 --no-progress`;

const WORKLOADS: Workload[] = [
  { name: 'core publish (128 B)', metrics: ['rate'], single: true, label: 'Core NATS publisher', script: '$NATS bench pub bench.core --msgs 500000 --no-progress' },
  {
    name: 'publish + subscribe (128 B)', metrics: ['rate'], single: true, label: 'Core NATS subscriber',
    script: withHelper('bench sub bench.ps --msgs 200000 --no-progress', 'bench pub bench.ps --msgs 200000 --no-progress', 'wait'),
  },
  { name: 'JetStream R1 async publish', metrics: ['rate'], single: true, label: 'JetStream asynchronous publisher', script: js('BENCH_R1', 1) },
  { name: 'JetStream R3 async publish', metrics: ['rate'], single: false, label: 'JetStream asynchronous publisher', script: js('BENCH_R3', 3) },
  {
    name: 'request-reply', metrics: ['p50', 'p99'], single: true, label: 'Core NATS service requester',
    script: withHelper('bench service serve bench.svc --msgs 5000 --no-progress', 'bench service request bench.svc --msgs 5000 --no-progress', 'stop'),
  },
];

/**
 * The deployment: nats-box runs the CLI, against the client Service (kube-proxy picks a server) or, to tell the
 * Service's cost from the servers', against the headless Service's name (the client resolves it to the pods' IPs and
 * picks one itself).
 */
function clusterSide(via: 'service' | 'headless'): Side {
  const url = `nats://${via === 'service' ? 'nats' : 'nats-headless'}.${NS}.svc.cluster.local:4222`;
  return {
    name: via === 'service' ? 'cluster' : 'cluster direct',
    sh: async (script) => {
      const r = await kubectl(['-n', NS, 'exec', 'deploy/nats-box', '--', 'sh', '-c', `cd /tmp; NATS="nats -s ${url}"; ${script}`],
        { timeoutSeconds: 300 });
      if (r.code !== 0) throw new Error(`cluster: ${script}: ${(r.stdout + r.stderr).trim()}`);
      return r.stdout + r.stderr;
    },
  };
}

/** Bare nats-server on loopback: one server and a 3-server cluster, both with JetStream. */
class Bare {
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

  /** The same client on loopback: `nats` connects to the single server or to the cluster (a random one of three). */
  public side(target: 'single' | 'cluster'): Side {
    return {
      name: target === 'single' ? 'bare single' : 'bare cluster',
      sh: async (script) => {
        const r = await run('sh', ['-c', `cd "${this.dir}"; NATS="${NATS} -s ${this.urls[target]}"; ${script}`],
          { timeoutSeconds: 300, env: { HOME: this.dir } });
        if (r.code !== 0) throw new Error(`bare ${target}: ${script}: ${(r.stdout + r.stderr).trim()}`);
        return r.stdout + r.stderr;
      },
    };
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

type SideName = 'cluster' | 'cluster direct' | 'bare single' | 'bare cluster';

async function main(): Promise<number> {
  if ((await kubectl(['get', 'ns', NS])).code === 0) throw new Error(`namespace ${NS} exists: delete it first`);
  const started = Date.now();
  const dir = await deploy();
  const bare = new Bare();
  const sides = { cluster: clusterSide('service'), direct: clusterSide('headless'), single: bare.side('single'), bareCluster: bare.side('cluster') };
  /** Per workload and metric, per side: one value per round. */
  const results = new Map<string, Map<SideName, number[]>>();
  const record = (key: string, side: SideName, value: number) => {
    const bySide = results.get(key) ?? new Map<SideName, number[]>();
    bySide.set(side, [...bySide.get(side) ?? [], value]);
    results.set(key, bySide);
  };
  try {
    await bare.start();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const w of WORKLOADS) {
        // Interleaved: the deployment, each bare baseline, then the deployment straight to the pods, in every round.
        for (const side of [sides.cluster, ...w.single ? [sides.single] : [], sides.bareCluster, sides.direct]) {
          const stats = parse(await side.sh(w.script), w.label);
          for (const m of w.metrics) record(`${w.name}|${m}`, side.name as SideName, stats[m]);
          console.log(`round ${round} ${w.name} ${side.name}: ${w.metrics.map((m) => `${m}=${stats[m]}`).join(' ')}`);
        }
      }
    }
  } finally {
    bare.stop();
    if (process.env.BENCH_KEEP !== '1') await kubectl(['delete', 'ns', NS, '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const table = tableOf(results);
  console.log(table);
  if (process.env.BENCH_RESULTS === '1') {
    const commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(REPO, 'docs', 'results', 'dataplane.md'), '# Data-plane benchmark\n\nWritten by `npm run bench:dataplane` '
      + `(e2e/bench/dataplane.ts) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z, commit ${commit}, ${os.cpus().length} cores, `
      + `nats-server ${PINS.NATS_SERVER_VERSION}, natscli ${PINS.NATSCLI_VERSION}, in ${Math.round((Date.now() - started) / 1000)} s. `
      + 'The deployment (3 replicas) is measured with the nats CLI in its nats-box through the client Service; the bare '
      + 'servers and the same CLI run on loopback of the same machine, one bare server and a bare 3-server cluster (whose '
      + 'clients, like the Service, connect to a random server). Ratios are deployment/bare for throughput and '
      + 'bare/deployment for latency, so above 1 is always better for the deployment; the target is at least 0.9 against '
      + 'the single server (the 3-server cluster for R3). The last two columns run the deployment\'s clients against the '
      + 'headless Service\'s name instead (the client resolves it and connects to a pod\'s IP itself, no kube-proxy DNAT): '
      + 'what the client Service costs, against what the servers in pods cost.\n\n'
      + `${table}\n\nEvery round (the spread is the machine's: a 2-core VM with steal time):\n\n${roundsOf(results)}\n`);
  }
  return 0;
}

function roundsOf(results: Map<string, Map<SideName, number[]>>): string {
  return [...results].flatMap(([key, bySide]) => [...bySide].map(([side, values]) =>
    `- ${key.replace('|rate', '').replace('|', ' ')}, ${side}: ${values.map((v) => Math.round(v).toLocaleString('en')).join(', ')}`)).join('\n');
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tableOf(results: Map<string, Map<SideName, number[]>>): string {
  const rows = WORKLOADS.flatMap((w) => w.metrics.map((m) => {
    const bySide = results.get(`${w.name}|${m}`)!;
    const value = (side: SideName) => (bySide.has(side) ? median(bySide.get(side)!) : undefined);
    const c = value('cluster')!;
    const unit = m === 'rate' ? 'msgs/s' : 'us';
    const cell = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v).toLocaleString('en')} ${unit}`);
    const ratio = (b: number | undefined) => (b === undefined ? '-' : (m === 'rate' ? c / b : b / c).toFixed(2));
    const name = m === 'rate' ? w.name : `${w.name} ${m}`;
    const d = value('cluster direct');
    const directRatio = d === undefined ? '-' : (m === 'rate' ? d / value('bare cluster')! : value('bare cluster')! / d).toFixed(2);
    return `| ${name} | ${cell(c)} | ${cell(value('bare single'))} | ${ratio(value('bare single'))} | ${cell(value('bare cluster'))} | ${ratio(value('bare cluster'))} `
      + `| ${cell(d)} | ${directRatio} |`;
  }));
  return [`| Workload (median of ${ROUNDS}, interleaved) | Deployment (client Service) | Bare server | Ratio | Bare 3-server cluster | Ratio `
    + '| Deployment, clients to the pods (headless name) | Ratio to the bare cluster |',
  '|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
}

void main().then((code) => process.exit(code), (e: Error) => {
  console.log(`FAIL  ${e.message}`);
  process.exit(1);
});
