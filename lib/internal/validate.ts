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

// The image reference grammar of the distribution project (what registries and the kubelet accept):
// reference := name [":" tag] ["@" digest]; name := [domain "/"] path-component ["/" path-component]*.
const DOMAIN_COMPONENT = '(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])'; // hosts in lowercase, as the kubelet normalizes them
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const REGISTRY = new RegExp(`^${DOMAIN}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * An image reference that pins a version: `repo:tag` or `repo@sha256:…`, in the registry grammar. Without a pinned
 * version (no tag, or the moving `latest`) nodes pull different images over time and a mirror cannot be kept in step.
 */
export function checkImage(what: string, image: string): void {
  const at = image.indexOf('@');
  const nameAndTag = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > nameAndTag.lastIndexOf('/');
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  const valid = NAME.test(name) && name.length <= 255 && (tag === undefined || TAG.test(tag)) && (digest === undefined || DIGEST.test(digest));
  if (!valid) {
    throw new Error(
      `${what} must be an image reference (lowercase repository path, optional registry host, then :tag or @sha256:digest), such as "harbor.example.com/library/nats:2.15.3-alpine", got "${image}"`,
    );
  }
  if (digest === undefined && (tag === undefined || tag === 'latest')) {
    throw new Error(
      `${what} must name a fixed tag or digest, such as "nats:2.15.3-alpine" or "nats@sha256:<64 hex digits>" ("latest" moves), got "${image}"`,
    );
  }
}

/** A registry prefix such as "harbor.example.com/library": host, optional port and path, no scheme. */
export function checkRegistry(what: string, registry: string): void {
  if (!REGISTRY.test(registry)) {
    throw new Error(
      `${what} must be a registry host with an optional port and lowercase path, no scheme or trailing '/', such as "harbor.example.com/library", got "${registry}"`,
    );
  }
}
