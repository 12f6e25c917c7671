/** Synth-time checks shared by the constructs. Each throws an error naming the bad value and what is valid. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS-1123 label (Service, StatefulSet and Namespace names) of at most `max` characters. */
export function checkDnsLabel(what: string, value: string, max = 63, why = ''): void {
  if (!DNS_LABEL.test(value)) {
    throw new Error(
      `${what} must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), got "${value}"`,
    );
  }
  if (value.length > max) {
    throw new Error(`${what} must be at most ${max} characters${why}, got ${value.length} ("${value}")`);
  }
}

/** A DNS-1123 subdomain (StorageClass and Secret names). */
export function checkDnsSubdomain(what: string, value: string): void {
  if (!DNS_SUBDOMAIN.test(value) || value.length > 253) {
    throw new Error(
      `${what} must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters), got "${value}"`,
    );
  }
}

export function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${what} must be an integer from 1 to 65535, got ${port}`);
  }
}

/** Ports must be distinct: two listeners on one port make nats-server exit at start. */
export function checkDistinctPorts(ports: { [name: string]: number }): void {
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    checkPort(name, port);
    const other = seen.get(port);
    if (other) {
      throw new Error(`${name} and ${other} must be different ports, both are ${port}`);
    }
    seen.set(port, name);
  }
}

/**
 * An image reference that pins a version: `repo:tag` or `repo@sha256:…`. Without one the
 * node pulls `latest`, which differs between nodes and cannot be mirrored reproducibly.
 */
export function checkImage(what: string, image: string): void {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const pinned = /@sha256:[a-f0-9]{64}$/.test(image) || /^[^:@]+:[\w][\w.-]{0,127}$/.test(lastSegment);
  if (!pinned || /\s/.test(image) || image.includes('://')) {
    throw new Error(
      `${what} must name a tag or digest, such as "nats:2.14.10-alpine" or "nats@sha256:<64 hex digits>", got "${image}"`,
    );
  }
}

/** A registry prefix such as "harbor.example.com/library": host, optional port and path, no scheme. */
export function checkRegistry(what: string, registry: string): void {
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(registry)) {
    throw new Error(
      `${what} must be a registry host with an optional path and no scheme or trailing '/', such as "harbor.example.com/library", got "${registry}"`,
    );
  }
}
