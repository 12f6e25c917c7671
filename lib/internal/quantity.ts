/**
 * Kubernetes resource quantities ("10Gi", "512Mi", "250m"), parsed so that sizes can be
 * compared and rendered into nats.conf as exact byte counts.
 */

const BINARY: { [suffix: string]: number } = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const DECIMAL: { [suffix: string]: number } = {
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
/** Kubernetes' quantity grammar: a number, then a binary or decimal suffix or a decimal exponent (`1e3`). */
const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

export const KIB = 2 ** 10;
export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/**
 * Parses a byte quantity such as "10Gi" into a whole number of bytes. Throws naming `what` when the text is not a
 * Kubernetes quantity, is negative or fractional, or is beyond 2^53 bytes (8Pi), the most this library computes with.
 */
export function parseBytes(what: string, text: string): number {
  const match = typeof text === 'string' ? QUANTITY.exec(text) : null;
  if (!match) {
    throw new Error(
      `${what} must be a whole number of bytes written as a Kubernetes quantity such as "10Gi", "512Mi" or "1G", got ${JSON.stringify(text)}`,
    );
  }
  const [, sign, number, suffix = ''] = match;
  const scale = BINARY[suffix] ?? DECIMAL[suffix] ?? (suffix ? 10 ** Number(suffix.slice(1)) : 1);
  const bytes = Number(number) * scale;
  if (sign === '-') {
    throw new Error(`${what} must not be negative, got "${text}"`);
  }
  if (bytes > Number.MAX_SAFE_INTEGER) {
    throw new Error(`${what} is beyond the largest size this library handles (2^53 - 1 bytes, just under 8Pi), got "${text}"`);
  }
  if (!Number.isInteger(bytes)) {
    throw new Error(`${what} must be a whole number of bytes, got "${text}" (${bytes} bytes)`);
  }
  return bytes;
}

/** Parses a CPU quantity ("100m", "0.5", "2") into millicores. */
export function parseMillicores(what: string, text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(m)?$/.exec(text);
  const milli = match ? (match[2] ? Number(match[1]) : Number(match[1]) * 1000) : NaN;
  if (!match || !Number.isInteger(milli) || milli <= 0) {
    throw new Error(`${what} must be a positive CPU quantity such as "100m", "0.5" or "2", got "${text}"`);
  }
  return milli;
}

/** Formats bytes the way a person reads them ("10Gi", "9.5Gi", "300Mi"). */
export function formatBytes(bytes: number): string {
  for (const [suffix, size] of [['Gi', GIB], ['Mi', MIB], ['Ki', KIB]] as const) {
    if (bytes >= size) {
      return `${Math.round((bytes / size) * 100) / 100}${suffix}`;
    }
  }
  return `${bytes}`;
}
