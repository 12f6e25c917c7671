/** Small text helpers for command output. */

/** The parsed JSON, or undefined when `text` is not JSON (e.g. an error message instead of a document). */
export function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The last `n` lines of `text`, on one line: enough of an error for a FAIL line. */
export function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

/** A random token, so a check never passes on data left by an earlier run. */
export function token(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
