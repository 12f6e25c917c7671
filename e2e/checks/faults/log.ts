/** Everything the suite prints goes to stdout and to `<out>/suite.log`, so a run can be read after the fact. */
import * as fs from 'fs';

export class SuiteLog {
  public constructor(private readonly file: string) {}

  /** A line as is (the reporter's PASS/FAIL lines, tables). */
  public readonly line = (text: string): void => {
    console.log(text);
    fs.appendFileSync(this.file, `${text}\n`);
  };

  /** A timestamped progress line. */
  public log(text: string): void {
    this.line(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
  }
}
