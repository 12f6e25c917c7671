import { Schema, checkProps, enumOf, listOf, show } from '../internal/props';
import { parseBytes } from '../internal/quantity';
import { CertManagerIssuerKind, NatsAccount, NatsSecurityProps, NatsUser, SecurityProfile } from './props';
import { checkSubject } from '../internal/subjects';
import { checkDnsLabel, checkDnsSubdomain } from '../internal/validate';
import { nkeys } from '../internal/lazy';

/** Where each TLS listener's files come from, resolved. */
export interface TlsSettings {
  readonly client: boolean;
  readonly cluster: boolean;
  readonly monitor: boolean;
  readonly mutual: boolean;
  /** Secret with tls.crt / tls.key for the servers. */
  readonly secretName: string;
  /** Secret with ca.crt, when peers or clients are verified. */
  readonly caSecretName?: string;
  /** Set when the construct creates the certificates with cert-manager. */
  readonly certManagerIssuer?: string;
  readonly certManagerIssuerKind: CertManagerIssuerKind;
  /** nats-box's client certificate under mutual TLS. */
  readonly natsBoxSecretName?: string;
}

/** A user, with the environment variable that carries its password into the server. */
export interface UserSettings extends NatsUser {
  readonly passwordEnv?: string;
}

export interface AccountSettings {
  readonly name: string;
  readonly jetStream: boolean;
  readonly maxFileStoreBytes?: number;
  readonly maxMemoryStoreBytes?: number;
  readonly maxStreams?: number;
  readonly maxConsumers?: number;
}

export interface SecuritySettings {
  readonly profile: SecurityProfile;
  readonly tls?: TlsSettings;
  readonly accounts: AccountSettings[];
  readonly users: UserSettings[];
  readonly systemAccount?: string;
  readonly noAuthUser?: string;
  readonly natsBoxUser?: UserSettings;
  readonly networkPolicy: boolean;
  readonly clientNamespaces: string[];
  readonly monitoringNamespace?: string;
}

const USER_NAME = /^[A-Za-z0-9._@-]+$/;
const ACCOUNT_NAME = /^[A-Za-z0-9_-]+$/;
const NKEY_USER = /^U[A-Z2-7]{55}$/;

const ACCOUNT_SCHEMA: Schema<NatsAccount> = {
  name: 'string', jetStream: 'boolean', maxFileStore: 'string', maxMemoryStore: 'string', maxStreams: 'integer', maxConsumers: 'integer',
};
const USER_SCHEMA: Schema<NatsUser> = {
  name: 'string', account: 'string', passwordSecretName: 'string', passwordSecretKey: 'string', nkey: 'string',
  publishAllow: 'string[]', publishDeny: 'string[]', subscribeAllow: 'string[]', subscribeDeny: 'string[]',
};

/** The security part of the props schema (`NatsProps` extends `NatsSecurityProps`). */
export const SECURITY_PROPS_SCHEMA: Schema<NatsSecurityProps> = {
  security: enumOf('SecurityProfile', SecurityProfile),
  clientTls: 'boolean',
  clusterTls: 'boolean',
  monitorTls: 'boolean',
  clientMutualTls: 'boolean',
  tlsSecretName: 'string',
  certManagerIssuer: 'string',
  certManagerIssuerKind: enumOf('CertManagerIssuerKind', CertManagerIssuerKind),
  tlsCaSecretName: 'string',
  natsBoxTlsSecretName: 'string',
  accounts: listOf('NatsAccount', ACCOUNT_SCHEMA),
  // Users are checked one by one in resolveUser, which first refuses a plain-text password with its own message.
  users: 'any',
  systemAccount: 'string',
  noAuthUser: 'string',
  natsBoxUser: 'string',
  networkPolicy: 'boolean',
  clientNamespaces: 'string[]',
  monitoringNamespace: 'string',
};

/** `otherTls`: the listeners besides clients and routes that use the server certificate (leafnodes, gateways, …). */
export function resolveSecurity(props: NatsSecurityProps, name: string, otherTls: string[] = []): SecuritySettings {
  const profile = props.security ?? SecurityProfile.HOMELAB;
  const production = profile === SecurityProfile.PRODUCTION;
  const onInProduction = (what: string, value: boolean | undefined): boolean => {
    if (production && value === false) {
      throw new Error(`${what} cannot be false with SecurityProfile.PRODUCTION; use SecurityProfile.HOMELAB to turn it off`);
    }
    return value ?? production;
  };

  const tls = resolveTls(props, name, {
    client: onInProduction('clientTls', props.clientTls),
    cluster: onInProduction('clusterTls', props.clusterTls),
    monitor: onInProduction('monitorTls', props.monitorTls),
  }, otherTls);

  const accounts = (props.accounts ?? []).map((a) => resolveAccount(a, props.systemAccount));
  checkUnique('account', accounts.map((a) => a.name));
  const accountNames = new Set(accounts.map((a) => a.name));
  if (props.systemAccount !== undefined && !accountNames.has(props.systemAccount)) {
    throw new Error(`systemAccount "${props.systemAccount}" is not one of the accounts (${[...accountNames].join(', ') || 'none defined'})`);
  }

  if (props.users !== undefined && !Array.isArray(props.users)) {
    throw new Error(`users must be a list of NatsUser objects, got ${show(props.users)}`);
  }
  const users = (props.users ?? []).map((u, i) => resolveUser(u, i, accountNames));
  checkUnique('user', users.map((u) => u.name));
  checkUnique('nkey (one key signs in as one user)', users.filter((u) => u.nkey).map((u) => u.nkey!));
  checkUnique('password environment variable (user names that differ only in punctuation or case)',
    users.filter((u) => u.passwordEnv).map((u) => u.passwordEnv!));
  if (production && users.length === 0) {
    throw new Error('SecurityProfile.PRODUCTION needs at least one user: set users (passwords from Secrets, or nkeys)');
  }

  const findUser = (what: string, userName: string | undefined) => {
    if (userName === undefined) return undefined;
    const user = users.find((u) => u.name === userName);
    if (!user) {
      throw new Error(`${what} "${userName}" is not one of the users (${users.map((u) => u.name).join(', ') || 'none defined'})`);
    }
    return user;
  };
  const noAuthUser = findUser('noAuthUser', props.noAuthUser);
  if (noAuthUser && !noAuthUser.passwordEnv) {
    throw new Error(`noAuthUser "${noAuthUser.name}" must be a password user: nats-server maps anonymous clients to a user name`);
  }
  const natsBoxUser = findUser('natsBoxUser', props.natsBoxUser);
  if (natsBoxUser && !natsBoxUser.passwordEnv) {
    throw new Error(`natsBoxUser "${natsBoxUser.name}" must be a password user (nats-box reads the password from its Secret)`);
  }

  const clientNamespaces = props.clientNamespaces ?? [];
  clientNamespaces.forEach((ns) => checkDnsLabel('clientNamespaces entry', ns));
  if (props.monitoringNamespace !== undefined) {
    checkDnsLabel('monitoringNamespace', props.monitoringNamespace);
  }

  return {
    profile,
    tls,
    accounts,
    users,
    systemAccount: props.systemAccount,
    noAuthUser: noAuthUser?.name,
    natsBoxUser,
    networkPolicy: onInProduction('networkPolicy', props.networkPolicy),
    clientNamespaces,
    monitoringNamespace: props.monitoringNamespace,
  };
}

function resolveTls(
  props: NatsSecurityProps, name: string,
  on: { client: boolean; cluster: boolean; monitor: boolean }, otherTls: string[],
): TlsSettings | undefined {
  const mutual = props.clientMutualTls ?? false;
  if (on.monitor && !on.client) {
    throw new Error('monitorTls needs clientTls: nats-server serves HTTPS monitoring with the client TLS certificate');
  }
  if (mutual && !on.client) {
    throw new Error('clientMutualTls needs clientTls');
  }
  const listeners = [on.client && 'clientTls', on.cluster && 'clusterTls', ...otherTls].filter(Boolean).join(' and ');
  if (!listeners) {
    for (const prop of ['tlsSecretName', 'certManagerIssuer', 'tlsCaSecretName', 'natsBoxTlsSecretName'] as const) {
      if (props[prop] !== undefined) {
        throw new Error(`${prop} is set but no listener uses TLS: set clientTls and/or clusterTls (or the TLS of leafnodes, gateways, WebSocket or MQTT)`);
      }
    }
    return undefined;
  }
  if (props.tlsSecretName === undefined && props.certManagerIssuer === undefined) {
    throw new Error(
      `${listeners} needs a certificate: set tlsSecretName (an existing kubernetes.io/tls Secret) or certManagerIssuer (cert-manager creates one)`,
    );
  }
  if (props.tlsSecretName !== undefined && props.certManagerIssuer !== undefined) {
    throw new Error('set either tlsSecretName or certManagerIssuer, not both');
  }
  for (const prop of ['tlsSecretName', 'tlsCaSecretName', 'natsBoxTlsSecretName', 'certManagerIssuer'] as const) {
    if (props[prop] !== undefined) checkDnsSubdomain(prop, props[prop]!);
  }
  const fromCertManager = props.certManagerIssuer !== undefined;
  const secretName = props.tlsSecretName ?? `${name}-tls`;
  // cert-manager writes ca.crt next to the certificate; a hand-made Secret names its CA explicitly.
  const caSecretName = props.tlsCaSecretName ?? (fromCertManager ? secretName : undefined);
  if (mutual && !caSecretName) {
    throw new Error('clientMutualTls needs a CA to verify client certificates: set tlsCaSecretName (a Secret with ca.crt)');
  }
  if (on.cluster && !caSecretName) {
    throw new Error('clusterTls needs a CA to verify route peers: set tlsCaSecretName (a Secret with ca.crt)');
  }
  if (on.client && !caSecretName) {
    // Public CAs do not sign names such as nats.<namespace>.svc: the servers' certificate is from a private CA,
    // and nats-box and the Jobs verify it with that CA.
    throw new Error(
      'clientTls with tlsSecretName needs tlsCaSecretName (a Secret with ca.crt): the certificate names cluster-internal hosts, which only a private CA signs, and the in-cluster tools verify it with that CA',
    );
  }
  // The client certificate nats-box and the Jobs present under mutual TLS (checked where a tool needs it).
  const natsBoxSecretName = props.natsBoxTlsSecretName ?? (mutual && fromCertManager ? `${name}-box-tls` : undefined);
  return {
    ...on,
    mutual,
    secretName,
    caSecretName,
    certManagerIssuer: props.certManagerIssuer,
    certManagerIssuerKind: props.certManagerIssuerKind ?? CertManagerIssuerKind.ISSUER,
    natsBoxSecretName,
  };
}

function resolveAccount(a: NatsAccount, systemAccount: string | undefined): AccountSettings {
  if (!ACCOUNT_NAME.test(a.name)) {
    throw new Error(`account name must be letters, digits, '_' or '-', got "${a.name}"`);
  }
  const system = a.name === systemAccount;
  if (system && a.jetStream) {
    throw new Error(`account "${a.name}" is the systemAccount, which cannot have JetStream; remove jetStream: true`);
  }
  for (const [what, n] of [['maxStreams', a.maxStreams], ['maxConsumers', a.maxConsumers]] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) {
      throw new Error(`account "${a.name}" ${what} must be a whole number of at least 1, got ${n}`);
    }
  }
  return {
    name: a.name,
    jetStream: a.jetStream ?? !system,
    maxFileStoreBytes: a.maxFileStore === undefined ? undefined : parseBytes(`account "${a.name}" maxFileStore`, a.maxFileStore),
    maxMemoryStoreBytes: a.maxMemoryStore === undefined ? undefined : parseBytes(`account "${a.name}" maxMemoryStore`, a.maxMemoryStore),
    maxStreams: a.maxStreams,
    maxConsumers: a.maxConsumers,
  };
}

function resolveUser(u: NatsUser, index: number, accounts: Set<string>): UserSettings {
  if (u === null || typeof u !== 'object') {
    throw new Error(`users[${index}] must be a NatsUser object, got ${show(u)}`);
  }
  const what = `users[${index}]${typeof u.name === 'string' ? ` ("${u.name}")` : ''}`;
  if ('password' in u) {
    throw new Error(
      `${what}: plain-text passwords are refused, since they would be written into the ConfigMap; put the password in a Secret and set passwordSecretName`,
    );
  }
  checkProps(`${what}: `, u, USER_SCHEMA);
  if (!USER_NAME.test(u.name ?? '')) {
    throw new Error(`${what}: name must be letters, digits, '.', '_', '-' or '@', got "${u.name}"`);
  }
  if (u.account !== undefined && !accounts.has(u.account)) {
    throw new Error(`${what}: account "${u.account}" is not one of the accounts (${[...accounts].join(', ') || 'none defined'})`);
  }
  if (u.account === undefined && accounts.size > 0) {
    throw new Error(`${what}: set account; with accounts defined every user belongs to one (${[...accounts].join(', ')})`);
  }
  const hasPassword = u.passwordSecretName !== undefined;
  if (hasPassword === (u.nkey !== undefined)) {
    throw new Error(`${what}: set exactly one credential, passwordSecretName or nkey`);
  }
  if (hasPassword) {
    checkDnsSubdomain(`${what} passwordSecretName`, u.passwordSecretName!);
    checkSecretKey(`${what} passwordSecretKey`, u.passwordSecretKey);
  }
  if (u.nkey !== undefined) checkUserNkey(what, u.nkey);
  for (const key of ['publishAllow', 'publishDeny', 'subscribeAllow', 'subscribeDeny'] as const) {
    (u[key] ?? []).forEach((subject) => checkSubject(`${what} ${key} entry`, subject));
  }
  return {
    ...u,
    passwordEnv: hasPassword ? `NATS_PASSWORD_${u.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` : undefined,
  };
}

/** Keys of a Secret's data, as the API server accepts them. */
function checkSecretKey(what: string, key: string | undefined): void {
  if (key !== undefined && (!/^[-._a-zA-Z0-9]+$/.test(key) || key.length > 253)) {
    throw new Error(`${what} must be a Secret key (letters, digits, '-', '_' and '.', at most 253 characters), got "${key}"`);
  }
}

/** A user's public nkey, checksum included (checked by nats-io's nkeys library, as the server does). */
function checkUserNkey(what: string, nkey: string): void {
  let valid = NKEY_USER.test(nkey);
  try {
    nkeys().fromPublic(nkey);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new Error(`${what}: nkey must be a user public key ('U' and 55 base32 characters with a valid checksum, as \`nats auth nkey gen user\` prints), got "${nkey}"`);
  }
}

function checkUnique(what: string, names: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      throw new Error(`${what} "${n}" is defined twice; names must be unique`);
    }
    seen.add(n);
  }
}
