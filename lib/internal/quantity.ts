/**
 * Kubernetes resource quantities ("10Gi", "512Mi", "250m"), parsed so that sizes can be
 * compared and rendered into nats.conf as exact byte counts.
 */

const BINARY: { [suffix: string]: number } = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50,
};
const DECIMAL: { [suffix: string]: number } = {
  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15,
};
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

export const KIB = 2 ** 10;
export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/**
 * Parses a byte quantity such as "10Gi" into a whole number of bytes.
 * Throws naming `what` and the accepted forms when the text is not a byte quantity.
 */
export function parseBytes(what: string, text: string): number {
  const match = QUANTITY.exec(text);
  const bytes = match ? Number(match[1]) * (match[2] ? (BINARY[match[2]] ?? DECIMAL[match[2]]) : 1) : NaN;
  if (!match || !Number.isSafeInteger(bytes)) {
    throw new Error(
      `${what} must be a whole number of bytes written as a Kubernetes quantity such as "10Gi", "512Mi" or "1G", got "${text}"`,
    );
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
