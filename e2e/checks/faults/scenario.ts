/**
 * The frame every scenario runs in: publish, inject the fault, wait for an agreed and current cluster, publish a
 * little more, stop, read the whole stream back, assert, record one row.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Reporter } from '../support/report';
import { sleep } from '../support/kube';
import { Servers } from './cluster';
import { LoadGen, PhaseStats, Verification } from './loadgen';
import { SuiteLog } from './log';
import type { SecureContext } from './secure';
import { Settings } from './settings';
import { Target } from './target';

/** The synthesized deployments the scenarios switch between. */
export interface Targets {
  readonly r3: Target;
  /** The same R3 on the previous default nats-server (NATS_IMAGE): where s9 starts. */
  readonly r3Previous: Target;
  /** R3 with NATS_MAX_PAYLOAD=2Mi: s4's config change. */
  readonly r3Payload: Target;
  readonly r1: Target;
  /** The production-like R3 of e2e/faults/secure-app.ts (s7, s8), when they run. */
  readonly secure?: Target;
  /** The same with one more user (s8's apply). */
  readonly secureAdded?: Target;
}

/** What a scenario works with: the deployment running now, its servers and the load generator publishing to it. */
export interface Bench {
  readonly settings: Settings;
  readonly log: SuiteLog;
  readonly reporter: Reporter;
  readonly targets: Targets;
  readonly target: Target;
  readonly servers: Servers;
  readonly loadgen: LoadGen;
  /** The PKI and passwords of the secure deployment (s7, s8). */
  readonly secure?: SecureContext;
}

/** One line of results.tsv and of the Markdown tables; null where a number was not measured. */
export interface Row {
  readonly scenario: string;
  readonly acked: number | null;
  readonly lost: number | null;
  readonly duplicates: number | null;
  readonly maxGapS: number | null;
  readonly failedPublishes: number | null;
  readonly healthyS: number | null;
  /** Tags of the failed checks; empty means ok. */
  readonly failures: readonly string[];
  readonly notes: readonly string[];
}

/** Thrown by a fault that cannot go on; its failure is already recorded. */
class Aborted extends Error {}

/** The record of one scenario: its checks (PASS/FAIL lines through the reporter), notes and health time. */
export class ScenarioRun {
  public readonly failures: string[] = [];
  public readonly notes: string[] = [];
  /** Seconds from the fault to all servers healthy, set by the fault. */
  public healthyS: number | undefined;

  public constructor(public readonly name: string, private readonly reporter: Reporter) {}

  /** PASS or FAIL `text`; a failure also lands in the row's checks column as `FAIL:<tag>`. */
  public check(ok: boolean, tag: string, text: string): boolean {
    this.reporter.check(ok, `${this.name}: ${text}`);
    if (!ok) this.failures.push(tag);
    return ok;
  }

  public fail(tag: string, text: string): void {
    this.check(false, tag, text);
  }

  /** Records a failure and ends the fault. */
  public abort(tag: string, text: string): never {
    this.fail(tag, text);
    throw new Aborted(text);
  }

  public note(text: string): void {
    this.notes.push(text);
  }

  public row(numbers: Omit<Row, 'scenario' | 'failures' | 'notes' | 'healthyS'>): Row {
    return { scenario: this.name, ...numbers, healthyS: this.healthyS ?? null, failures: this.failures, notes: this.notes };
  }
}

export type Fault = (run: ScenarioRun, bench: Bench) => Promise<void>;

export interface ScenarioSpec {
  readonly name: string;
  readonly stream: string;
  /** Replicas the stream must have afterwards. */
  readonly replicas: number;
  /** The stream leader must be a new one afterwards (its leader_since changed). */
  readonly reelect: boolean;
  readonly fault: Fault;
}

export interface Outcome {
  readonly row: Row;
  readonly verification?: Verification;
}

/** A row's numbers when nothing was measured. */
export const NONE = { acked: null, lost: null, duplicates: null, maxGapS: null, failedPublishes: null } as const;

export async function runScenario(bench: Bench, spec: ScenarioSpec): Promise<Outcome> {
  const { settings, log, reporter, servers, loadgen: lg } = bench;
  const run = new ScenarioRun(spec.name, reporter);
  reporter.section(spec.name);
  const claimsBefore = await servers.claims();
  const before = await leadersBefore(bench, spec.stream);

  try {
    await lg.start(spec.stream, spec.name);
  } catch (e) {
    run.fail('start', `publishing did not start: ${message(e)}`);
    return { row: run.row(NONE) };
  }
  await sleep(settings.warmSeconds * 1000);
  await injectFault(run, bench, spec.fault);
  await checkSettled(run, bench, spec, before);
  await sleep(settings.coolSeconds * 1000);

  let stats: PhaseStats;
  try {
    stats = await lg.stop();
    save(settings.out, `${spec.name}.stop.json`, stats);
  } catch (e) {
    run.fail('stop', `publishing did not stop: ${message(e)}`);
    return { row: run.row(NONE) };
  }
  let v: Verification;
  try {
    v = await lg.verify(spec.stream);
    save(settings.out, `${spec.name}.verify.json`, v);
  } catch (e) {
    run.fail('verify', `stream ${spec.stream} not read back: ${message(e)}`);
    return { row: run.row({ ...NONE, maxGapS: stats.max_gap.ms / 1000, failedPublishes: stats.failed_publishes }) };
  }
  checkClaimsKept(run, claimsBefore, await servers.claims());
  const row = checkReadBack(run, stats, v);
  log.log(`${spec.name}: acked=${row.acked} lost=${row.lost} dups=${row.duplicates} max_gap=${row.maxGapS}s ` +
    `failed=${row.failedPublishes} healthy=${row.healthyS}s checks=${checksText(row)}`);
  return { row, verification: v };
}

/** The leaders before the fault, to tell a re-election; unknown on a single server or an unsettled cluster. */
type LeadersBefore = Partial<{ meta: string; stream: string; since: string }>;

async function leadersBefore(bench: Bench, stream: string): Promise<LeadersBefore> {
  if (await bench.servers.replicas() <= 1) return {};
  const want = (await bench.loadgen.leader(stream).catch(() => undefined))?.replicas ?? 0;
  const settled = await bench.servers.settled(bench.loadgen, stream, want);
  return typeof settled === 'string' ? {} : { meta: settled.meta, stream: settled.stream, since: settled.streamSince };
}

async function injectFault(run: ScenarioRun, bench: Bench, fault: Fault): Promise<void> {
  try {
    await fault(run, bench);
    run.check(true, 'fault', 'fault injected and recovered from');
  } catch (e) {
    run.fail('fault', e instanceof Aborted ? 'fault did not complete' : `fault: ${message(e)}`);
  }
}

async function checkSettled(run: ScenarioRun, bench: Bench, spec: ScenarioSpec, before: LeadersBefore): Promise<void> {
  const after = await bench.servers.settled(bench.loadgen, spec.stream, spec.replicas);
  if (typeof after === 'string') {
    run.fail('cluster-current', `meta leader agreed, all peers and stream replicas current within 60 s: ${after}`);
    return;
  }
  run.check(true, 'cluster-current', `meta leader ${after.meta} agreed, all peers current; stream ${spec.stream} ` +
    `leader ${after.stream}, ${spec.replicas} replicas current`);
  run.note(`meta_leader=${before.meta ?? '?'}->${after.meta} stream_leader=${before.stream ?? '?'}->${after.stream}`);
  if (before.since && before.since !== after.streamSince) {
    run.note(`(stream leader elected ${after.streamSince.slice(11, 23)})`);
    if (spec.reelect) run.check(true, 'stream-leader-not-reelected', `stream leader re-elected at ${after.streamSince}`);
  } else if (spec.reelect) {
    run.fail('stream-leader-not-reelected', `stream leader not re-elected (leader_since ${before.since ?? 'unknown'} -> ${after.streamSince})`);
  }
}

/** Every claim that existed before is still there with the same UID (new claims, e.g. a scale-up, are fine). */
function checkClaimsKept(run: ScenarioRun, before: string[], after: string[]): void {
  const replaced = before.filter((c) => !after.includes(c));
  run.check(replaced.length === 0, 'claim-replaced', replaced.length === 0
    ? `no claim replaced (${before.length} before)`
    : `claims replaced: ${replaced.join(' ')}; after: ${after.join(' ')}`);
}

/** Every acked id of this phase and of every earlier one in the stream exactly once, and all of it readable. */
function checkReadBack(run: ScenarioRun, stats: PhaseStats, v: Verification): Row {
  const phase = (v.phases ?? []).find((p) => p.phase === run.name);
  if (!phase) {
    run.fail('phase-missing', `the read-back has no phase ${run.name}`);
    return run.row({ ...NONE, maxGapS: stats.max_gap.ms / 1000, failedPublishes: stats.failed_publishes });
  }
  run.check(phase.lost === 0, 'lost', `${phase.lost} of ${phase.acked} acked messages lost` +
    (phase.lost ? ` (e.g. ${(phase.lost_sample ?? []).slice(0, 5).join(' ')})` : ''));
  run.check(phase.duplicates === 0, 'duplicates', `${phase.duplicates} ids stored twice` +
    (phase.duplicates ? ` (e.g. ${(phase.duplicates_sample ?? []).slice(0, 5).join(' ')})` : ''));
  run.check(v.lost === 0, 'lost-earlier-phase', `${v.lost} acked messages lost over all phases of ${v.stream}`);
  run.check(v.duplicates === 0, 'dup-earlier-phase', `${v.duplicates} duplicates over all phases of ${v.stream}`);
  run.check(phase.acked > 0, 'no-acks', `${phase.acked} messages acked while the fault ran`);
  run.check(v.read === v.messages, 'read-back-short', `read back ${v.read} of the stream's ${v.messages} messages`);
  run.note(`stored=${phase.in_stream} gave_up=${phase.gave_up} stream_msgs=${v.messages} read_back=${v.read}`);
  return run.row({
    acked: phase.acked, lost: phase.lost, duplicates: phase.duplicates,
    maxGapS: stats.max_gap.ms / 1000, failedPublishes: stats.failed_publishes,
  });
}

export function checksText(row: Row): string {
  return row.failures.length ? row.failures.map((f) => `FAIL:${f}`).join(',') : 'ok';
}

export function save(dir: string, file: string, value: unknown): void {
  fs.writeFileSync(path.join(dir, file), `${JSON.stringify(value, null, 1)}\n`);
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
