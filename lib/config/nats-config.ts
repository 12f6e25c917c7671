/**
 * A pure renderer for nats.conf: a typed model in, deterministic text out. No I/O, no clocks,
 * so the same model always gives the same bytes (the pod template's config checksum relies on that).
 */

/** A reference to an environment variable, written bare (`$NAME`) so nats-server expands it at start. */
export class ConfVariable {
  public constructor(public readonly name: string) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) {
      throw new Error(`nats.conf variable names must be upper-case letters, digits and '_', got "${name}"`);
    }
  }
}

/** The JetStream block. Sizes are bytes. */
export interface JetStreamConfig {
  readonly storeDir: string;
  /** Cap on file storage; pinned so the server never auto-sizes from the disk's free space. */
  readonly maxFileStore: number;
  /** 0 disables memory storage. */
  readonly maxMemoryStore: number;
  /** JetStream domain; omitted means none. */
  readonly domain?: string;
}

/** A TLS block: certificate files as mounted in the pod. */
export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  /** Require and verify the peer's certificate. */
  readonly verify: boolean;
}

/** The cluster block for RAFT routes between replicas. */
export interface ClusterConfig {
  readonly name: string;
  readonly port: number;
  readonly routes: string[];
  readonly tls?: TlsConfig;
}

/** A hub the server connects to as a leaf node. */
export interface LeafnodeRemoteConfig {
  readonly urls: string[];
  /** Local account bound to the connection; omitted means the global account. */
  readonly account?: string;
  /** Path of a credentials file. */
  readonly credentials?: string;
  /** A user nkey seed, from an environment variable. */
  readonly nkey?: ConfVariable;
  /** Connect with TLS; `caFile` verifies the hub (omitted: the system's roots). */
  readonly tls?: { readonly caFile?: string };
}

/** The leafnodes block: a listener for leaf connections, and the hubs to connect to. */
export interface LeafnodesConfig {
  /** Omitted: no listener, only remotes. */
  readonly port?: number;
  readonly tls?: TlsConfig;
  readonly remotes: LeafnodeRemoteConfig[];
}

/** The gateway block: this cluster's name in the supercluster and the other clusters. */
export interface GatewayConfig {
  readonly name: string;
  readonly port: number;
  /** The address the other clusters dial this server on (gossiped to them). */
  readonly advertise?: ConfVariable;
  readonly gateways: { readonly name: string; readonly urls: string[] }[];
  readonly tls?: TlsConfig;
}

/** The websocket block: TLS, or plain text stated explicitly (nats-server requires one of them). */
export interface WebsocketConfig {
  readonly port: number;
  readonly tls?: TlsConfig;
  readonly allowedOrigins: string[];
  readonly compression: boolean;
}

/** The mqtt block; its state lives in JetStream. */
export interface MqttConfig {
  readonly port: number;
  readonly tls?: TlsConfig;
}

/** Subject permissions; omitted lists mean no restriction. */
export interface PermissionsConfig {
  readonly publishAllow?: string[];
  readonly publishDeny?: string[];
  readonly subscribeAllow?: string[];
  readonly subscribeDeny?: string[];
}

/** A user: a name with a password (from an environment variable), or an nkey. */
export interface UserConfig {
  readonly user?: string;
  readonly password?: ConfVariable;
  readonly nkey?: string;
  readonly permissions?: PermissionsConfig;
}

/** An account with its users and JetStream limits (bytes). */
export interface AccountConfig {
  readonly name: string;
  readonly jetStream: boolean;
  readonly maxFile?: number;
  readonly maxMemory?: number;
  readonly maxStreams?: number;
  readonly maxConsumers?: number;
  readonly users: UserConfig[];
}

/** Everything the constructs put into nats.conf. */
export interface NatsConfigModel {
  /** Files included first (`include "<path>"`): the password variables, for one. */
  readonly includes?: string[];
  readonly serverName: ConfVariable;
  /** Listen address for clients and monitoring; omitted means all interfaces. */
  readonly host?: string;
  readonly clientPort: number;
  readonly monitorPort: number;
  /** Serve monitoring over HTTPS (`https_port`), with the client TLS certificate. */
  readonly monitorTls?: boolean;
  /** TLS for clients (and HTTPS monitoring). */
  readonly tls?: TlsConfig;
  readonly pidFile: string;
  readonly lameDuckDurationSeconds: number;
  readonly lameDuckGracePeriodSeconds: number;
  /** Bytes; omitted means the server default (1MB). */
  readonly maxPayload?: number;
  readonly jetStream: JetStreamConfig;
  /** Omitted for a single server. */
  readonly cluster?: ClusterConfig;
  readonly leafnodes?: LeafnodesConfig;
  readonly gateway?: GatewayConfig;
  readonly websocket?: WebsocketConfig;
  readonly mqtt?: MqttConfig;
  readonly accounts?: AccountConfig[];
  /** Users of the global account (when no accounts are defined). */
  readonly users?: UserConfig[];
  readonly systemAccount?: string;
  readonly noAuthUser?: string;
  /** Extra top-level keys, written after the managed ones in key order. */
  readonly extra?: { [key: string]: unknown };
}

/** Renders the model as nats.conf text. */
export function renderNatsConfig(model: NatsConfigModel): string {
  const includes = (model.includes ?? []).map((path) => `include ${JSON.stringify(path)}\n`).join('');
  return '# Generated by cdk8s-nats from the cdk8s app: change the app, not this file.\n'
    + includes + renderEntries(natsConfigEntries(model)) + '\n';
}

/** The top-level nats.conf keys of the model, with their values (what `renderNatsConfig` writes after the includes). */
export function natsConfigEntries(model: NatsConfigModel): { [key: string]: unknown } {
  const conf: { [key: string]: unknown } = {
    server_name: model.serverName,
    host: model.host,
    port: model.clientPort,
    [model.monitorTls ? 'https_port' : 'http_port']: model.monitorPort,
    tls: model.tls && tlsBlock(model.tls),
    pid_file: model.pidFile,
    lame_duck_duration: `${model.lameDuckDurationSeconds}s`,
    lame_duck_grace_period: `${model.lameDuckGracePeriodSeconds}s`,
  };
  if (model.maxPayload !== undefined) {
    conf.max_payload = model.maxPayload;
  }
  conf.jetstream = {
    store_dir: model.jetStream.storeDir,
    max_file_store: model.jetStream.maxFileStore,
    max_memory_store: model.jetStream.maxMemoryStore,
    domain: model.jetStream.domain,
  };
  if (model.cluster) {
    conf.cluster = {
      name: model.cluster.name,
      port: model.cluster.port,
      // Clients connect through the Service; advertising pod addresses to them would bypass it.
      no_advertise: true,
      routes: model.cluster.routes,
      tls: model.cluster.tls && tlsBlock(model.cluster.tls),
    };
  }
  if (model.leafnodes) {
    conf.leafnodes = {
      port: model.leafnodes.port,
      // Leaf connections go through the leafnodes Service, as clients go through theirs.
      no_advertise: model.leafnodes.port !== undefined ? true : undefined,
      tls: model.leafnodes.tls && tlsBlock(model.leafnodes.tls),
      remotes: model.leafnodes.remotes.length > 0 ? model.leafnodes.remotes.map((r) => ({
        urls: r.urls,
        account: r.account,
        credentials: r.credentials,
        nkey: r.nkey,
        tls: r.tls && { ca_file: r.tls.caFile, timeout: 5 },
      })) : undefined,
    };
  }
  if (model.gateway) {
    conf.gateway = {
      name: model.gateway.name,
      port: model.gateway.port,
      advertise: model.gateway.advertise,
      gateways: model.gateway.gateways.length > 0 ? model.gateway.gateways.map((g) => ({ name: g.name, urls: g.urls })) : undefined,
      tls: model.gateway.tls && tlsBlock(model.gateway.tls),
    };
  }
  if (model.websocket) {
    conf.websocket = {
      port: model.websocket.port,
      tls: model.websocket.tls && tlsBlock(model.websocket.tls),
      no_tls: model.websocket.tls ? undefined : true,
      allowed_origins: model.websocket.allowedOrigins.length > 0 ? model.websocket.allowedOrigins : undefined,
      compression: model.websocket.compression || undefined,
    };
  }
  if (model.mqtt) {
    conf.mqtt = { port: model.mqtt.port, tls: model.mqtt.tls && tlsBlock(model.mqtt.tls) };
  }
  if (model.accounts?.length) {
    conf.accounts = Object.fromEntries(model.accounts.map((a) => [a.name, {
      jetstream: !a.jetStream ? undefined
        : [a.maxFile, a.maxMemory, a.maxStreams, a.maxConsumers].every((v) => v === undefined) ? 'enabled'
          : { max_file: a.maxFile, max_mem: a.maxMemory, max_streams: a.maxStreams, max_consumers: a.maxConsumers },
      users: a.users.map(userEntry),
    }]));
  }
  if (model.users?.length) {
    conf.authorization = { users: model.users.map(userEntry) };
  }
  conf.system_account = model.systemAccount;
  conf.no_auth_user = model.noAuthUser;
  for (const key of Object.keys(model.extra ?? {}).sort()) {
    if (key in conf) {
      throw new Error(`extra nats.conf key "${key}" is managed by the construct; use its typed property instead`);
    }
    conf[key] = model.extra![key];
  }
  return conf;
}

/** Top-level entries as nats.conf text, in the order given; undefined values are left out. */
export function renderEntries(entries: { [key: string]: unknown }): string {
  return writeEntries(entries, '', 'nats.conf');
}

function tlsBlock(tls: TlsConfig): { [key: string]: unknown } {
  return { cert_file: tls.certFile, key_file: tls.keyFile, ca_file: tls.caFile, verify: tls.verify, timeout: 5 };
}

function userEntry(u: UserConfig): { [key: string]: unknown } {
  const p = u.permissions;
  const rule = (allow?: string[], deny?: string[]) => (allow || deny ? { allow, deny } : undefined);
  const permissions = p && { publish: rule(p.publishAllow, p.publishDeny), subscribe: rule(p.subscribeAllow, p.subscribeDeny) };
  return { user: u.user, password: u.password, nkey: u.nkey, permissions };
}

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** C0 control characters (U+0000 to U+001F) would break the quoted strings nats.conf is written with. */
const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20);

function writeEntries(obj: { [key: string]: unknown }, indent: string, path: string): string {
  return Object.entries(obj)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      if (key === '' || /["\\]/.test(key) || hasControlCharacter(key)) {
        throw new Error(`${path} key ${JSON.stringify(key)} must be non-empty, without quotes, backslashes or control characters`);
      }
      // Keys such as subjects ("orders.*") are quoted; plain identifiers stay bare for readability.
      const written = BARE_KEY.test(key) ? key : JSON.stringify(key);
      return isBlock(value)
        ? `${indent}${written} {\n${writeEntries(value, indent + '  ', `${path}.${key}`)}\n${indent}}`
        : `${indent}${written}: ${writeValue(value, indent, `${path}.${key}`)}`;
    })
    .join('\n');
}

function isBlock(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ConfVariable);
}

function writeValue(value: unknown, indent: string, path: string): string {
  if (value instanceof ConfVariable) {
    return `$${value.name}`;
  }
  if (typeof value === 'string') {
    if (hasControlCharacter(value)) {
      throw new Error(`${path} must not contain control characters, got ${JSON.stringify(value)}`);
    }
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(`${path} must be a finite number, got ${value}`);
    }
    return String(value);
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) {
    const inner = indent + '  ';
    const items = value.map((item, i) => isBlock(item)
      ? `${inner}{\n${writeEntries(item, inner + '  ', `${path}[${i}]`)}\n${inner}}`
      : `${inner}${writeValue(item, inner, `${path}[${i}]`)}`);
    return items.length === 0 ? '[]' : `[\n${items.join('\n')}\n${indent}]`;
  }
  if (isBlock(value)) {
    return `{\n${writeEntries(value, indent + '  ', path)}\n${indent}}`;
  }
  throw new Error(`${path} has a value nats.conf cannot hold: ${String(value)}`);
}
