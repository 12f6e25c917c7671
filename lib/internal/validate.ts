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

const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const CRON_FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/**
 * A Kubernetes CronJob schedule: five fields (minute hour day-of-month month day-of-week) of `*`, numbers, ranges,
 * lists and steps, with month and weekday names, or one of the macros (`@hourly`, …), as the CronJob controller
 * parses them. A time zone goes in the CronJob's `timeZone`, not in the schedule (the API server refuses `TZ=`).
 */
export function checkCronSchedule(what: string, value: string): void {
  const valid = `five fields "minute hour day-of-month month day-of-week" such as "*/15 * * * *" or "0 3 * * mon-fri", or one of ${CRON_MACROS.join(', ')}`;
  const fail = (why: string): never => {
    throw new Error(`${what} must be a cron schedule (${valid}): ${why}, got ${JSON.stringify(value)}`);
  };
  const text = value.trim();
  if (text.startsWith('@')) {
    if (!CRON_MACROS.includes(text.toLowerCase())) fail(`unknown macro ${text}`);
    return;
  }
  if (/^(CRON_)?TZ=/.test(text)) fail('a time zone is not part of the schedule');
  const fields = text.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) fail(`${fields.length} field(s)`);
  fields.forEach((field, i) => {
    const spec = CRON_FIELDS[i];
    const number = (part: string): number => {
      const named = spec.names?.indexOf(part.toLowerCase()) ?? -1;
      const n = named >= 0 ? named + (spec.name === 'month' ? 1 : 0) : /^[0-9]+$/.test(part) ? Number(part) : NaN;
      if (Number.isNaN(n) || n < spec.min || n > spec.max) {
        fail(`the ${spec.name} field "${field}" has "${part}", outside ${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''}`);
      }
      return n;
    };
    for (const item of field.split(',')) {
      const [range, step, extra] = item.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9][0-9]*$/.test(step))) fail(`the ${spec.name} field "${field}" has a bad step`);
      if (range === '*' || (range === '?' && i >= 2 && i !== 3)) continue;
      const [from, to, more] = range.split('-');
      if (more !== undefined) fail(`the ${spec.name} field "${field}" has a bad range`);
      if (to !== undefined && number(from) > number(to)) fail(`the ${spec.name} field "${field}" has a range that runs backwards`);
      if (to === undefined) number(from);
    }
  });
}
