/** The fault suite's knobs, read once from the environment (names and defaults as in e2e/faults/README.md). */
import * as path from 'path';

export const SCENARIO_IDS = ['s9', 's1', 's2', 's3', 's4', 's5', 's10', 's7', 's8', 's12', 's6', 's11'] as const;
export type ScenarioId = typeof SCENARIO_IDS[number];
/** The scenarios on the homelab R3 deployment. */
export const R3_IDS = ['s9', 's1', 's2', 's3', 's4', 's5', 's10', 's11'] as const;
/** The scenarios on the production-like (TLS, users, accounts) R3 deployment. */
export const SECURE_IDS = ['s7', 's8', 's12'] as const;

/** Namespaces of the other e2e suites: the fault suite deletes its namespace, so it must never be one of these. */
const FOREIGN_NAMESPACES = ['nats', 'nats-r3', 'nats-hp', 'nats-prod'];

export interface Settings {
  readonly namespace: string;
  /** Directory for results.tsv, the load generator's JSON answers, suite.log, manifests and diagnostics. */
  readonly out: string;
  /** Seconds of publishing before each fault. */
  readonly warmSeconds: number;
  /** Seconds of publishing after the cluster is healthy again. */
  readonly coolSeconds: number;
  readonly healthTimeoutSeconds: number;
  /** Pod deletions in s2. */
  readonly deletions: number;
  readonly scenarios: readonly ScenarioId[];
  /** Keep the namespace at the end (debugging). */
  readonly keep: boolean;
  /** Messages per second of the load generator (all workers). */
  readonly rate: number;
  /** Also write the run into docs/results/faults.md. */
  readonly writeResultsFile: boolean;
  /** containerd's socket on the node, for s5's host-side kill. */
  readonly containerdSocket: string;
  readonly repoDir: string;
  readonly e2eDir: string;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const namespace = env.FAULTS_NAMESPACE || 'nats-faults';
  if (FOREIGN_NAMESPACES.includes(namespace)) {
    throw new Error(`refusing namespace ${namespace} (belongs to another suite)`);
  }
  const repoDir = path.resolve(__dirname, '../../..');
  return {
    namespace,
    out: env.FAULTS_OUT || path.join('/tmp/faults-results', timestamp(new Date())),
    warmSeconds: number(env, 'FAULTS_WARM', 8),
    coolSeconds: number(env, 'FAULTS_COOL', 8),
    healthTimeoutSeconds: number(env, 'FAULTS_HEALTH_TIMEOUT', 300),
    deletions: number(env, 'FAULTS_DELETIONS', 10),
    scenarios: scenarios(env.FAULTS_SCENARIOS),
    keep: env.FAULTS_KEEP === '1',
    rate: number(env, 'FAULTS_RATE', 200),
    writeResultsFile: env.FAULTS_RESULTS === '1',
    containerdSocket: env.FAULTS_CTR_SOCK || '/run/k8s-e2e/containerd.sock',
    repoDir,
    e2eDir: path.join(repoDir, 'e2e'),
  };
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

function scenarios(raw: string | undefined): ScenarioId[] {
  if (!raw || !raw.trim()) return [...SCENARIO_IDS];
  const ids = raw.trim().split(/[\s,]+/);
  const unknown = ids.filter((id) => !(SCENARIO_IDS as readonly string[]).includes(id));
  if (unknown.length) throw new Error(`FAULTS_SCENARIOS: unknown ${unknown.join(' ')} (known: ${SCENARIO_IDS.join(' ')})`);
  return ids as ScenarioId[];
}

/** 20261203-084102, the results directory's name. */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
