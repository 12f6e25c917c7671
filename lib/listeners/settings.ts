import { listenerServiceName } from '../internal/names';
import { Schema, enumOf, listOf, show } from '../internal/props';
import { checkDistinctPorts, checkDnsLabel, checkDnsSubdomain } from '../internal/validate';
import { NatsSecurityProps } from '../security/props';
import { AccountSettings } from '../security/settings';
import { ListenerExposure, NatsGatewayRemote, NatsLeafnodeRemote, NatsListenerProps } from './props';

/** The four external listeners, in the order they appear in Services, ports and the NetworkPolicy. */
export type ListenerKind = 'leafnodes' | 'gateway' | 'websocket' | 'mqtt';
export const LISTENER_KINDS: ListenerKind[] = ['leafnodes', 'gateway', 'websocket', 'mqtt'];

/** One listener, resolved: its port, TLS, who may reach it and how. */
export interface ListenerSettings {
  readonly kind: ListenerKind;
  /** Port name in the container, the Services and the NetworkPolicy (the kind itself, at most 15 characters). */
  readonly portName: string;
  readonly port: number;
  readonly tls: boolean;
  readonly namespaces: string[];
  readonly cidrs: string[];
  readonly exposure: ListenerExposure;
  readonly serviceName: string;
  readonly serviceAnnotations: { [key: string]: string };
}

/** A hub to connect to, resolved: its Secrets and where they are mounted or which variable carries them. */
export interface LeafnodeRemoteSettings {
  readonly urls: string[];
  readonly account?: string;
  readonly credentials?: { readonly secretName: string; readonly key: string };
  readonly nkeySeed?: { readonly secretName: string; readonly key: string; readonly variable: string };
  readonly tls: boolean;
  readonly caSecretName?: string;
}

export interface GatewaySettings extends ListenerSettings {
  readonly name: string;
  readonly remotes: NatsGatewayRemote[];
}

export interface WebsocketSettings extends ListenerSettings {
  readonly allowedOrigins: string[];
  readonly compression: boolean;
  readonly ingress?: {
    readonly host: string;
    readonly className?: string;
    readonly tlsSecretName?: string;
    readonly annotations: { [key: string]: string };
  };
}

export interface ListenersSettings {
  readonly leafnodes?: ListenerSettings;
  readonly leafnodeRemotes: LeafnodeRemoteSettings[];
  readonly gateway?: GatewaySettings;
  readonly websocket?: WebsocketSettings;
  readonly mqtt?: ListenerSettings;
  readonly jetStreamDomain?: string;
  /** The listeners that are on, in LISTENER_KINDS order. */
  readonly all: ListenerSettings[];
}

const REMOTE_SCHEMA: Schema<NatsLeafnodeRemote> = {
  urls: 'string[]', account: 'string', credentialsSecretName: 'string', credentialsSecretKey: 'string',
  nkeySeedSecretName: 'string', nkeySeedSecretKey: 'string', tls: 'boolean', tlsCaSecretName: 'string',
};
const GATEWAY_REMOTE_SCHEMA: Schema<NatsGatewayRemote> = { name: 'string', urls: 'string[]' };

export const LISTENER_PROPS_SCHEMA: Schema<NatsListenerProps> = {
  leafnodes: 'boolean', leafnodePort: 'integer', leafnodeTls: 'boolean',
  leafnodeRemotes: listOf('NatsLeafnodeRemote', REMOTE_SCHEMA),
  leafnodeNamespaces: 'string[]', leafnodeCidrs: 'string[]', leafnodeExposure: enumOf('ListenerExposure', ListenerExposure),
  leafnodeServiceAnnotations: 'object',
  gateways: 'boolean', gatewayName: 'string', gatewayPort: 'integer', gatewayTls: 'boolean',
  gatewayRemotes: listOf('NatsGatewayRemote', GATEWAY_REMOTE_SCHEMA),
  gatewayNamespaces: 'string[]', gatewayCidrs: 'string[]', gatewayExposure: enumOf('ListenerExposure', ListenerExposure),
  gatewayServiceAnnotations: 'object',
  websocket: 'boolean', websocketPort: 'integer', websocketNoTls: 'boolean', websocketAllowedOrigins: 'string[]',
  websocketCompression: 'boolean', websocketNamespaces: 'string[]', websocketCidrs: 'string[]',
  websocketExposure: enumOf('ListenerExposure', ListenerExposure), websocketServiceAnnotations: 'object',
  websocketIngressHost: 'string', websocketIngressClassName: 'string', websocketIngressTlsSecretName: 'string',
  websocketIngressAnnotations: 'object',
  mqtt: 'boolean', mqttPort: 'integer', mqttTls: 'boolean', mqttNamespaces: 'string[]', mqttCidrs: 'string[]',
  mqttExposure: enumOf('ListenerExposure', ListenerExposure), mqttServiceAnnotations: 'object',
  jetStreamDomain: 'string',
};

/** Per listener: the switch, the default port, and the props that mean nothing while it is off. */
const LISTENERS: { [kind in ListenerKind]: { on: keyof NatsListenerProps; port: number; prefix: string; props: (keyof NatsListenerProps)[] } } = {
  leafnodes: {
    on: 'leafnodes', port: 7422, prefix: 'leafnode',
    props: ['leafnodePort', 'leafnodeTls', 'leafnodeNamespaces', 'leafnodeCidrs', 'leafnodeExposure', 'leafnodeServiceAnnotations'],
  },
  gateway: {
    on: 'gateways', port: 7222, prefix: 'gateway',
    props: ['gatewayName', 'gatewayPort', 'gatewayTls', 'gatewayRemotes', 'gatewayNamespaces', 'gatewayCidrs', 'gatewayExposure', 'gatewayServiceAnnotations'],
  },
  websocket: {
    on: 'websocket', port: 8080, prefix: 'websocket',
    props: ['websocketPort', 'websocketNoTls', 'websocketAllowedOrigins', 'websocketCompression', 'websocketNamespaces', 'websocketCidrs',
      'websocketExposure', 'websocketServiceAnnotations', 'websocketIngressHost', 'websocketIngressClassName', 'websocketIngressTlsSecretName',
      'websocketIngressAnnotations'],
  },
  mqtt: {
    on: 'mqtt', port: 1883, prefix: 'mqtt',
    props: ['mqttPort', 'mqttTls', 'mqttNamespaces', 'mqttCidrs', 'mqttExposure', 'mqttServiceAnnotations'],
  },
};

const NAME = /^[A-Za-z0-9_-]+$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\/(3[0-2]|[12]?[0-9])$/;
const IPV6_CIDR = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$/;
const ANNOTATION_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** The server runs as non-root without capabilities, so it cannot bind privileged ports. */
const MIN_PORT = 1024;

/**
 * Which listeners want TLS, before the certificate source is resolved (the security settings need to know whether a
 * listener besides clients and routes uses the server certificate). Refuses a plain-text choice the profile forbids.
 */
export function listenersUsingTls(props: NatsListenerProps & NatsSecurityProps, production: boolean): string[] {
  const onInProduction = (what: string, value: boolean | undefined): boolean => {
    if (production && value === false) {
      throw new Error(`${what} cannot be false with SecurityProfile.PRODUCTION; use SecurityProfile.HOMELAB to turn it off`);
    }
    return value ?? production;
  };
  const using: string[] = [];
  if (props.leafnodes && onInProduction('leafnodeTls', props.leafnodeTls)) using.push('leafnodeTls');
  if (props.gateways && onInProduction('gatewayTls', props.gatewayTls)) using.push('gatewayTls');
  if (props.mqtt && onInProduction('mqttTls', props.mqttTls)) using.push('mqttTls');
  if (props.websocket) {
    if (production && props.websocketNoTls) {
      throw new Error('websocketNoTls cannot be true with SecurityProfile.PRODUCTION (browsers would send credentials in plain text); remove websocketNoTls, or use SecurityProfile.HOMELAB');
    }
    if (!props.websocketNoTls) {
      if (props.tlsSecretName === undefined && props.certManagerIssuer === undefined) {
        throw new Error(
          `websocket needs TLS or an explicit plain-text choice: set tlsSecretName or certManagerIssuer (WebSocket uses the server certificate)${production ? '' : ', or websocketNoTls: true'}`,
        );
      }
      using.push('websocket');
    }
  }
  return using;
}

/** What the listeners need from the rest of the settings. */
export interface ListenerContext {
  readonly name: string;
  readonly replicas: number;
  readonly serverNamePrefix: string;
  readonly production: boolean;
  readonly ports: { [name: string]: number };
  readonly accounts: AccountSettings[];
  readonly systemAccount?: string;
  /** Accounts that have users (where MQTT clients land). */
  readonly accountsWithUsers: string[];
  readonly caSecretName?: string;
}

export function resolveListeners(props: NatsListenerProps & NatsSecurityProps, ctx: ListenerContext): ListenersSettings {
  for (const kind of LISTENER_KINDS) {
    const { on, props: sub } = LISTENERS[kind];
    if (props[on]) continue;
    for (const prop of sub) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} is set but ${on} is off: set ${on} to true, or remove ${prop}`);
      }
    }
  }
  const tlsUsers = listenersUsingTls(props, ctx.production);
  const ports = { ...ctx.ports };
  const listener = (kind: ListenerKind): ListenerSettings | undefined => {
    const { on, port: defaultPort, prefix } = LISTENERS[kind];
    if (!props[on]) return undefined;
    const get = <T>(suffix: string) => (props as { [key: string]: unknown })[`${prefix}${suffix}`] as T | undefined;
    const portProp = `${prefix}Port`;
    const port = get<number>('Port') ?? defaultPort;
    checkDistinctPorts({ ...ports, [portProp]: port });
    if (port < MIN_PORT) {
      throw new Error(`${portProp} must be from ${MIN_PORT} to 65535: the server runs as non-root without capabilities and cannot bind a privileged port, got ${port}`);
    }
    ports[portProp] = port;
    const namespaces = get<string[]>('Namespaces') ?? [];
    namespaces.forEach((ns) => checkDnsLabel(`${prefix}Namespaces entry`, ns));
    const cidrs = get<string[]>('Cidrs') ?? [];
    for (const cidr of cidrs) {
      if (!IPV4_CIDR.test(cidr) && !IPV6_CIDR.test(cidr)) {
        throw new Error(`${prefix}Cidrs entry must be an address range in CIDR notation, such as "10.0.0.0/8" or "fd00::/8", got ${show(cidr)}`);
      }
    }
    const serviceAnnotations = checkAnnotations(`${prefix}ServiceAnnotations`, get('ServiceAnnotations') ?? {});
    const tls = kind === 'websocket' ? tlsUsers.includes('websocket') : tlsUsers.includes(`${prefix}Tls`);
    return {
      kind, portName: kind, port, tls, namespaces, cidrs,
      exposure: get<ListenerExposure>('Exposure') ?? ListenerExposure.CLUSTER_IP,
      serviceName: listenerServiceName(ctx.name, kind),
      serviceAnnotations,
    };
  };

  const leafnodes = listener('leafnodes');
  const leafnodeRemotes = (props.leafnodeRemotes ?? []).map((r, i) => resolveRemote(r, i, ctx));

  const gatewayListener = listener('gateway');
  let gateway: GatewaySettings | undefined;
  if (gatewayListener) {
    const name = props.gatewayName ?? ctx.name;
    if (!NAME.test(name)) {
      throw new Error(`gatewayName must be letters, digits, '_' or '-', got ${show(name)}`);
    }
    if (ctx.replicas < 3) {
      throw new Error(
        `gateways need replicas 3 or 5: with a gateway, JetStream runs clustered, and nats-server refuses to start a single server without routes ("JetStream cluster requires configured routes"), got replicas ${ctx.replicas}`,
      );
    }
    if (!ctx.serverNamePrefix) {
      throw new Error(
        `gateways need serverNamePrefix: the clusters of a supercluster share JetStream, whose server names must be unique, and every cluster of this library has a ${ctx.name}-0; set serverNamePrefix, e.g. "${name}-"`,
      );
    }
    if (gatewayListener.tls && !ctx.caSecretName) {
      throw new Error('gatewayTls needs a CA to verify the other clusters\' gateways: set tlsCaSecretName (a Secret with ca.crt), or use certManagerIssuer');
    }
    const remotes = (props.gatewayRemotes ?? []).map((r, i) => {
      const what = `gatewayRemotes[${i}]`;
      if (!NAME.test(r.name)) throw new Error(`${what} name must be letters, digits, '_' or '-', got ${show(r.name)}`);
      if (r.name === name) {
        throw new Error(`${what} name must be another cluster's gateway name: "${name}" is this cluster's own (gatewayName), got ${show(r.name)}`);
      }
      checkUrls(`${what} urls`, r.urls, ['nats', 'tls'], gatewayListener.tls);
      return { name: r.name, urls: [...r.urls] };
    });
    checkUnique('gatewayRemotes name', remotes.map((r) => r.name));
    gateway = { ...gatewayListener, name, remotes };
    if ((leafnodes || leafnodeRemotes.length > 0) && !ctx.systemAccount) {
      throw new Error(
        'gateways with leafnodes need systemAccount: nats-server 2.15 refuses to start with both and no system account ("leaf nodes and gateways (both being defined) require a system account"); define accounts with one for the system (systemAccount), or turn one of them off',
      );
    }
  }

  const websocketListener = listener('websocket');
  let websocket: WebsocketSettings | undefined;
  if (websocketListener) {
    const allowedOrigins = props.websocketAllowedOrigins ?? [];
    for (const origin of allowedOrigins) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
        throw new Error(`websocketAllowedOrigins entry must be an origin (scheme and host, optional port, no path), such as "https://app.example.com", got ${show(origin)}`);
      }
    }
    let ingress: WebsocketSettings['ingress'];
    if (props.websocketIngressHost !== undefined) {
      const host = props.websocketIngressHost;
      if (!/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(host)) {
        throw new Error(`websocketIngressHost must be a DNS name such as "nats.example.com" (lowercase, at least one dot, no scheme or port), got ${show(host)}`);
      }
      if (props.websocketIngressClassName !== undefined) checkDnsSubdomain('websocketIngressClassName', props.websocketIngressClassName);
      if (props.websocketIngressTlsSecretName !== undefined) checkDnsSubdomain('websocketIngressTlsSecretName', props.websocketIngressTlsSecretName);
      ingress = {
        host,
        className: props.websocketIngressClassName,
        tlsSecretName: props.websocketIngressTlsSecretName,
        annotations: checkAnnotations('websocketIngressAnnotations', props.websocketIngressAnnotations ?? {}),
      };
    } else {
      for (const prop of ['websocketIngressClassName', 'websocketIngressTlsSecretName', 'websocketIngressAnnotations'] as const) {
        if (props[prop] !== undefined) {
          throw new Error(`${prop} is set but there is no Ingress: set websocketIngressHost, or remove ${prop}`);
        }
      }
    }
    websocket = { ...websocketListener, allowedOrigins: [...allowedOrigins], compression: props.websocketCompression ?? false, ingress };
  }

  const mqtt = listener('mqtt');
  if (mqtt) {
    // MQTT keeps sessions, subscriptions and retained messages in JetStream streams of the client's account.
    const withoutJetStream = ctx.accounts.filter((a) => !a.jetStream && a.name !== ctx.systemAccount && ctx.accountsWithUsers.includes(a.name));
    if (withoutJetStream.length > 0) {
      throw new Error(
        `mqtt needs JetStream in every account whose users may connect over MQTT (nats-server keeps MQTT sessions and retained messages in JetStream): account "${withoutJetStream[0].name}" has jetStream: false; remove it, or turn mqtt off`,
      );
    }
  }

  if (props.jetStreamDomain !== undefined && !NAME.test(props.jetStreamDomain)) {
    throw new Error(`jetStreamDomain must be letters, digits, '_' or '-' (nats-server refuses '.' and spaces), got ${show(props.jetStreamDomain)}`);
  }

  return {
    leafnodes,
    leafnodeRemotes,
    gateway,
    websocket,
    mqtt,
    jetStreamDomain: props.jetStreamDomain,
    all: [leafnodes, gateway, websocket, mqtt].filter((l): l is ListenerSettings => l !== undefined),
  };
}

function resolveRemote(r: NatsLeafnodeRemote, index: number, ctx: ListenerContext): LeafnodeRemoteSettings {
  const what = `leafnodeRemotes[${index}]`;
  const explicitTls = r.tls ?? (r.tlsCaSecretName !== undefined || (r.urls ?? []).some((u) => u.startsWith('tls://')));
  checkUrls(`${what} urls`, r.urls, ['nats-leaf', 'nats', 'tls', 'ws', 'wss'], explicitTls);
  if (ctx.production && !explicitTls) {
    throw new Error(`${what} must connect with TLS with SecurityProfile.PRODUCTION: set tls: true (and tlsCaSecretName for a private CA), got tls ${show(r.tls)} and urls ${show(r.urls)}`);
  }
  if (r.tls === false && r.tlsCaSecretName !== undefined) {
    throw new Error(`${what} tlsCaSecretName is set but tls is false: remove one`);
  }
  if (r.tls === false && r.urls.some((u) => /^(tls|wss):\/\//.test(u))) {
    throw new Error(`${what} tls is false but a URL asks for TLS (tls:// or wss://): remove tls: false, or use nats-leaf://, got urls ${show(r.urls)}`);
  }
  const accountNames = ctx.accounts.map((a) => a.name);
  if (r.account !== undefined && !accountNames.includes(r.account)) {
    throw new Error(`${what} account "${r.account}" is not one of the accounts (${accountNames.join(', ') || 'none defined'})`);
  }
  if (r.account === undefined && accountNames.length > 0) {
    throw new Error(`${what} needs account: with accounts defined, the leaf connection shares one of them (${accountNames.join(', ')})`);
  }
  if (r.credentialsSecretName !== undefined && r.nkeySeedSecretName !== undefined) {
    throw new Error(`${what} must set at most one credential, credentialsSecretName or nkeySeedSecretName, got both`);
  }
  for (const [prop, secret, key] of [
    ['credentialsSecretKey', r.credentialsSecretName, r.credentialsSecretKey], ['nkeySeedSecretKey', r.nkeySeedSecretName, r.nkeySeedSecretKey],
  ] as const) {
    if (key !== undefined && secret === undefined) {
      throw new Error(`${what} ${prop} is set without its Secret: set ${prop.replace('Key', 'Name')}, or remove ${prop}`);
    }
    if (key !== undefined && (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253)) {
      throw new Error(`${what} ${prop} must be a Secret key (letters, digits, '-', '_' and '.', at most 253 characters), got ${show(key)}`);
    }
  }
  for (const prop of ['credentialsSecretName', 'nkeySeedSecretName', 'tlsCaSecretName'] as const) {
    if (r[prop] !== undefined) checkDnsSubdomain(`${what} ${prop}`, r[prop]!);
  }
  return {
    urls: [...r.urls],
    account: r.account,
    credentials: r.credentialsSecretName !== undefined ? { secretName: r.credentialsSecretName, key: r.credentialsSecretKey ?? 'nats.creds' } : undefined,
    nkeySeed: r.nkeySeedSecretName !== undefined
      ? { secretName: r.nkeySeedSecretName, key: r.nkeySeedSecretKey ?? 'seed', variable: `NATS_LEAFNODE_SEED_${index}` } : undefined,
    tls: explicitTls,
    caSecretName: r.tlsCaSecretName,
  };
}

/** URLs with one of `schemes`, a host and a port; credentials in a URL would be written into the ConfigMap. */
function checkUrls(what: string, urls: string[] | undefined, schemes: string[], tls: boolean): void {
  if (!Array.isArray(urls) || urls.length === 0) {
    throw new Error(`${what} must list at least one URL, such as "${schemes[0]}://host:port", got ${show(urls)}`);
  }
  for (const url of urls) {
    const m = /^([a-z-]+):\/\/([^/?#\s]+)$/.exec(url);
    if (!m || !schemes.includes(m[1]) || !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(m[2])) {
      const hint = m && m[2].includes('@')
        ? 'credentials in a URL would be written into the ConfigMap; use a Secret'
        : `scheme ${schemes.map((s) => `${s}://`).join(', ')}, a host and a port`;
      throw new Error(`${what} entry must be a URL with ${hint}, got ${show(url)}`);
    }
    if (tls && (m[1] === 'ws')) {
      throw new Error(`${what} entry must use wss:// with TLS, got ${show(url)}`);
    }
  }
}

function checkAnnotations(what: string, annotations: { [key: string]: unknown }): { [key: string]: string } {
  for (const [key, value] of Object.entries(annotations)) {
    if (!ANNOTATION_KEY.test(key) || key.split('/')[0].length > 253) {
      throw new Error(`${what} key must be an annotation name (letters, digits, '-', '_', '.', at most 63, optional DNS prefix), got ${show(key)}`);
    }
    if (typeof value !== 'string') {
      throw new Error(`${what}[${JSON.stringify(key)}] must be a string, got ${show(value)}`);
    }
  }
  return { ...(annotations as { [key: string]: string }) };
}

function checkUnique(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${what} "${n}" is defined twice; names must be unique`);
    seen.add(n);
  }
}
