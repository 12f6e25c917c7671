/**
 * Runtime checks of construct properties. TypeScript checks them at compile time, but plain JavaScript callers (and,
 * through jsii, other languages) can pass anything: a string where an enum or a `Duration` belongs, a misspelt
 * property that would otherwise be ignored. Each props interface has one schema, complete by construction
 * (`Schema<P>` needs every key of P), and `checkProps` refuses what does not fit, naming the property, the value
 * and what is valid.
 */
import { Duration } from 'cdk8s';

/** What one property may hold. */
export type Kind =
  | 'string' | 'boolean' | 'integer' | 'number' | 'duration' | 'object' | 'any'
  | 'string[]' | 'duration[]'
  | EnumKind | ListKind | InstanceKind;

interface EnumKind { readonly enumName: string; readonly values: { [member: string]: string } }
interface ListKind { readonly listOf: { [key: string]: Kind }; readonly itemName: string }
/** A class, for instanceof checks. */
type Constructor = abstract new (...args: any[]) => unknown;
interface InstanceKind { readonly instanceOf: Constructor; readonly typeName: string; readonly list: boolean }

/** Every property of P, each with its kind. */
export type Schema<P> = { readonly [K in keyof Required<P>]: Kind };

/** An enum's members, for messages that name them as the code does (`SecurityProfile.PRODUCTION`). */
export function enumOf(enumName: string, values: object): EnumKind {
  return { enumName, values: values as { [member: string]: string } };
}

/** A list of structs (accounts, users), each checked against its own schema. */
export function listOf<T>(itemName: string, schema: Schema<T>): ListKind {
  return { listOf: schema as { [key: string]: Kind }, itemName };
}

/** An object of a class (a `Stream` as a mirror, a `Nats`). */
export function instanceOf(typeName: string, type: Constructor): InstanceKind {
  return { instanceOf: type, typeName, list: false };
}

/** A list of objects of a class (a stream's `sources`). */
export function instancesOf(typeName: string, type: Constructor): InstanceKind {
  return { instanceOf: type, typeName, list: true };
}

/** How messages name a resource whose props may not even be an object: `stream "ORDERS" `, or `stream `. */
export function labelOf(kind: string, name: unknown): string {
  return typeof name === 'string' ? `${kind} "${name}" ` : `${kind} `;
}

/**
 * Throws when `props` is not an object, has a property the schema does not know, or has a value of the wrong kind.
 * `what` prefixes the property names in messages (e.g. `stream "ORDERS" `).
 */
export function checkProps<P>(what: string, props: P, schema: Schema<P>): void {
  checkObject(what, props as unknown, schema as { [key: string]: Kind });
}

function checkObject(what: string, props: unknown, schema: { [key: string]: Kind }): void {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new Error(`${what.trim() || 'props'} must be an object of properties, got ${show(props)}`);
  }
  for (const [key, value] of Object.entries(props)) {
    const kind = schema[key];
    if (kind === undefined) {
      throw new Error(`${what}unknown property "${key}"; valid ones are ${Object.keys(schema).join(', ')}`);
    }
    if (value !== undefined) checkValue(`${what}${key}`, value, kind);
  }
}

function checkValue(name: string, value: unknown, kind: Kind): void {
  const fail = (valid: string) => {
    throw new Error(`${name} must be ${valid}, got ${show(value)}`);
  };
  if (typeof kind === 'object') {
    if ('enumName' in kind) {
      if (!Object.values(kind.values).includes(value as string)) {
        fail(`one of ${Object.entries(kind.values).map(([m, v]) => `${kind.enumName}.${m} ("${v}")`).join(', ')}`);
      }
    } else if ('listOf' in kind) {
      if (!Array.isArray(value)) fail(`a list of ${kind.itemName} objects`);
      (value as unknown[]).forEach((item, i) => checkObject(`${name}[${i}] `, item, kind.listOf));
    } else if (kind.list) {
      if (!Array.isArray(value) || value.some((v) => !(v instanceof kind.instanceOf))) fail(`a list of ${kind.typeName} objects`);
    } else if (!(value instanceof kind.instanceOf)) {
      fail(`a ${kind.typeName}`);
    }
    return;
  }
  switch (kind) {
    case 'string': if (typeof value !== 'string') fail('a string'); break;
    case 'boolean': if (typeof value !== 'boolean') fail('true or false'); break;
    case 'integer': if (!Number.isInteger(value)) fail('a whole number'); break;
    case 'number': if (typeof value !== 'number' || !Number.isFinite(value)) fail('a number'); break;
    case 'duration': if (!(value instanceof Duration)) fail('a Duration, such as Duration.seconds(30)'); break;
    case 'object': if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('an object'); break;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail('a list of strings');
      break;
    case 'duration[]':
      if (!Array.isArray(value) || value.some((v) => !(v instanceof Duration))) fail('a list of Durations');
      break;
    case 'any': break;
  }
}

/** A value as a message shows it: strings quoted, objects as JSON, Durations by their length. */
export function show(value: unknown): string {
  if (value instanceof Duration) return `Duration of ${value.toMilliseconds()}ms`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
