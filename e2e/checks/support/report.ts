/**
 * The one reporter of the cluster checks: a line per check (`PASS  …`, `FAIL  …`, `SKIP  …`, indented notes)
 * and, at the end, the plain `N passed, N failed` line the harness and the results file read.
 */

export class Reporter {
  public passed = 0;
  public failed = 0;
  public skipped = 0;

  public constructor(private readonly write: (line: string) => void = (line) => console.log(line)) {}

  public pass(text: string): void {
    this.passed++;
    this.write(`PASS  ${text}`);
  }

  public fail(text: string): void {
    this.failed++;
    this.write(`FAIL  ${text}`);
  }

  /** A check that could not run here; never counted as passed. */
  public skip(text: string): void {
    this.skipped++;
    this.write(`SKIP  ${text}`);
  }

  /** PASS when `ok`, else FAIL, with the same text (or `failText` when given). */
  public check(ok: boolean, text: string, failText?: string): boolean {
    if (ok) this.pass(text); else this.fail(failText ?? text);
    return ok;
  }

  public info(text: string): void {
    for (const line of text.split('\n')) this.write(`      ${line}`);
  }

  public section(text: string): void {
    this.write(`==== ${text}`);
  }

  /** Runs one check group; an exception is a FAIL naming the group, never a crash of the suite. */
  public async group(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      this.fail(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** `N passed, N failed` (and skipped when any). */
  public summary(): string {
    return `${this.passed} passed, ${this.failed} failed${this.skipped ? `, ${this.skipped} skipped` : ''}`;
  }

  public get ok(): boolean {
    return this.failed === 0;
  }
}
