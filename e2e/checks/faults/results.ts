/**
 * The suite's numbers: results.tsv in the run's directory (one row per scenario, as the suite always wrote it),
 * a Markdown table for the log, and docs/results/faults.md, the last runs kept in the repository.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checksText, Row } from './scenario';

const TSV_HEADER = ['scenario', 'acked', 'lost', 'duplicates', 'max_gap_s', 'failed_publishes', 'time_to_all_healthy_s', 'checks', 'notes'];
const RUNS_KEPT = 12;

/** What identifies a run in docs/results/faults.md. */
export interface RunInfo {
  readonly started: Date;
  readonly commit: string;
  readonly natsServer: string;
  readonly kubernetes: string;
  readonly seconds: number;
  readonly ok: boolean;
}

function cells(row: Row): string[] {
  const n = (v: number | null) => (v === null ? '-' : String(v));
  return [row.scenario, n(row.acked), n(row.lost), n(row.duplicates), n(row.maxGapS), n(row.failedPublishes), n(row.healthyS), checksText(row)];
}

/** Rewrites `file` with every row so far (so a run killed half-way leaves what it measured). */
export function writeTsv(file: string, rows: readonly Row[]): void {
  const lines = [TSV_HEADER, ...rows.map((r) => [...cells(r), r.notes.join(' ')])].map((c) => c.join('\t'));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

export function markdownTable(rows: readonly Row[], withNotes: boolean): string {
  const head = ['scenario', 'acked', 'lost', 'duplicates', 'max publish gap (s)', 'failed publishes', 'time to all-healthy (s)', 'checks'];
  const align = ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---'];
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [
    line(withNotes ? [...head, 'notes'] : head),
    line(withNotes ? [...align, '---'] : align),
    ...rows.map((r) => line(withNotes ? [...cells(r), r.notes.join(' ')] : cells(r))),
  ].join('\n');
}

/** Puts this run at the top of `file`, keeping the newest RUNS_KEPT runs; the header is rewritten each time. */
export function recordRun(file: string, run: RunInfo, rows: readonly Row[]): void {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const earlier = old.split(/^(?=## )/m).filter((s) => s.startsWith('## ')).map((s) => s.trimEnd());
  const header = [
    '# Fault suite results',
    '',
    'Written by the fault suite (`e2e/checks/faults/suite.ts`) when run with `E2E_RESULTS=1` (`npm run e2e` or ' +
      `\`e2e/faults.sh\`): the last ${RUNS_KEPT} runs, newest first. What the columns measure: \`e2e/faults/README.md\`.`,
  ].join('\n');
  const sections = [section(run, rows), ...earlier].slice(0, RUNS_KEPT);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${header}\n\n${sections.join('\n\n')}\n`);
}

function section(run: RunInfo, rows: readonly Row[]): string {
  const when = `${run.started.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return [
    `## ${when}: ${run.ok ? 'all ok' : 'FAILED'}`,
    '',
    `Commit ${run.commit}, nats-server ${run.natsServer}, Kubernetes ${run.kubernetes}, suite ${run.seconds} s.`,
    '',
    markdownTable(rows, false),
  ].join('\n');
}
