/**
 * Results files: a Markdown file holding one table whose rows are keyed by one column. Writing a row replaces the
 * row with the same key and keeps every other row and all text around the table, so each suite run updates only
 * its own line.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface TableRow {
  readonly [column: string]: string | number;
}

export interface UpsertOptions {
  /** Column names, in order; used when the file (or its table) does not exist yet. */
  readonly columns: readonly string[];
  /** The column whose value identifies a row. */
  readonly key: string;
  /** Text written above the table when the file is created. */
  readonly preamble?: string;
}

/** Writes `row` into the table of `file`, replacing the row whose `key` cell matches. */
export function upsertTableRow(file: string, row: TableRow, options: UpsertOptions): void {
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').replace(/\n$/, '').split('\n') : [];
  let start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) {
    if (lines.length === 0 && options.preamble) lines.push(...options.preamble.replace(/\n$/, '').split('\n'));
    if (lines.length > 0) lines.push('');
    start = lines.length;
    lines.push(formatRow(options.columns), formatRow(options.columns.map(() => '---')));
  }
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  const header = parseRow(lines[start]);
  const keyIndex = header.indexOf(options.key);
  if (keyIndex < 0) throw new Error(`${file}: the table has no column "${options.key}"`);
  const cells = header.map((column) => cell(row[column]));
  const bodyStart = start + 2;
  const existing = lines.slice(bodyStart, end).findIndex((l) => parseRow(l)[keyIndex] === cells[keyIndex]);
  if (existing >= 0) lines[bodyStart + existing] = formatRow(cells);
  else lines.splice(end, 0, formatRow(cells));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

function cell(value: string | number | undefined): string {
  return String(value ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The cells of a table line, unescaped pipes as separators. */
function parseRow(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());
}
