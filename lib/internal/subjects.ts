/** Synth-time checks of JetStream names and NATS subjects. Each throws naming the bad value and what is valid. */

/** Stream, consumer and bucket names: a safe subset of what NATS allows, usable in file names and ConfigMap keys. */
const NAME = /^[A-Za-z0-9_-]+$/;
const MAX_NAME = 64;

export function checkJetStreamName(what: string, name: string): void {
  if (!NAME.test(name) || name.length > MAX_NAME) {
    throw new Error(
      `${what} must be 1 to ${MAX_NAME} letters, digits, '-' or '_' (no spaces, '.', '*' or '>'), got "${name}"`,
    );
  }
}

/** A subject a stream stores or a consumer filters: dot-separated tokens; '*' and '>' are whole tokens, '>' only last. */
export function checkSubject(what: string, subject: string): void {
  const why = subjectProblem(subject);
  if (why) {
    throw new Error(`${what} must be a NATS subject such as "events.>" or "orders.*.created" (${why}), got "${subject}"`);
  }
}

function subjectProblem(subject: string): string | undefined {
  if (subject === '') return 'it is empty';
  if (/\s/.test(subject)) return 'no whitespace';
  const tokens = subject.split('.');
  if (tokens.some((t) => t === '')) return 'no empty tokens: no leading, trailing or double dots';
  for (const [i, t] of tokens.entries()) {
    if (t === '>' && i !== tokens.length - 1) return "'>' only as the last token";
    if (t !== '>' && t !== '*' && /[*>]/.test(t)) return "'*' and '>' only as whole tokens";
  }
  return undefined;
}

/** True when some subject matches both: two streams whose subjects overlap are refused by the server. */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === '>' || y[i] === '>') return true;
    if (x[i] !== y[i] && x[i] !== '*' && y[i] !== '*') return false;
  }
  return x.length === y.length;
}

/** True when every subject `inner` matches is also matched by `outer`. */
export function subjectWithin(inner: string, outer: string): boolean {
  const x = inner.split('.');
  const y = outer.split('.');
  for (let i = 0; i < y.length; i++) {
    if (y[i] === '>') return x.length > i;
    if (i >= x.length || x[i] === '>') return false;
    if (y[i] === '*') continue;
    if (x[i] !== y[i]) return false;
  }
  return x.length === y.length;
}
