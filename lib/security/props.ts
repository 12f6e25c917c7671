/** Security profile: what a single setting turns on. */
export enum SecurityProfile {
  /** The seed's homelab: no TLS, no authentication, no NetworkPolicy; Pod Security `restricted` still applies. */
  HOMELAB = 'homelab',
  /**
   * TLS on client, route and monitoring listeners, NetworkPolicy on, and at least one user required.
   * Synthesis fails if a certificate source or users are missing, or if any of these is turned off.
   */
  PRODUCTION = 'production',
}

/** Kind of the cert-manager issuer named by `certManagerIssuer`. */
export enum CertManagerIssuerKind {
  ISSUER = 'Issuer',
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/** A NATS account: an isolated subject space, with its own JetStream limits. */
export interface NatsAccount {
  /** Account name, e.g. `APP` or `SYS`. */
  readonly name: string;
  /** Enable JetStream for the account. @default true */
  readonly jetStream?: boolean;
  /** JetStream file storage limit, as a quantity. @default - unlimited within the server's max_file_store */
  readonly maxFileStore?: string;
  /** JetStream memory storage limit, as a quantity. @default - unlimited within the server's max_memory_store */
  readonly maxMemoryStore?: string;
  /** @default - unlimited */
  readonly maxStreams?: number;
  /** @default - unlimited */
  readonly maxConsumers?: number;
}

/**
 * A user. Exactly one credential: a password from a Kubernetes Secret (passed to the server as an
 * environment variable, never written to the ConfigMap), or an nkey public key.
 */
export interface NatsUser {
  /** User name (letters, digits, '.', '_', '-', '@'). */
  readonly name: string;
  /** Account the user belongs to; required when accounts are defined. @default - the global account */
  readonly account?: string;
  /** Secret holding the password. @default - none */
  readonly passwordSecretName?: string;
  /** Key of the password in `passwordSecretName`. @default 'password' */
  readonly passwordSecretKey?: string;
  /** nkey public key (`U…`, 56 characters); public by design, the client keeps the seed. @default - none */
  readonly nkey?: string;
  /** Subjects the user may publish to. @default - all */
  readonly publishAllow?: string[];
  /** Subjects the user may not publish to. @default - none */
  readonly publishDeny?: string[];
  /** Subjects the user may subscribe to. @default - all */
  readonly subscribeAllow?: string[];
  /** Subjects the user may not subscribe to. @default - none */
  readonly subscribeDeny?: string[];
}

/** Security properties of `NatsProps`: TLS, users and accounts, NetworkPolicy. */
export interface NatsSecurityProps {
  /** @default SecurityProfile.HOMELAB */
  readonly security?: SecurityProfile;

  /** TLS on the client port. @default - false; true with SecurityProfile.PRODUCTION */
  readonly clientTls?: boolean;
  /** TLS on cluster routes; peers must present a certificate signed by the CA (route authentication). @default - false; true with PRODUCTION */
  readonly clusterTls?: boolean;
  /** HTTPS on the monitoring port, with the client certificate; probes switch to HTTPS. Needs clientTls. @default - false; true with PRODUCTION */
  readonly monitorTls?: boolean;
  /** Require client certificates signed by the CA (mutual TLS). Needs clientTls and a CA. @default false */
  readonly clientMutualTls?: boolean;
  /**
   * Existing `kubernetes.io/tls` Secret (tls.crt, tls.key) for every TLS listener. Its certificate must cover
   * `<name>`, `<name>.<namespace>.svc` (clients) and `*.<name>-headless` (routes).
   *
   * @default - none
   */
  readonly tlsSecretName?: string;
  /** cert-manager issuer for a Certificate the construct creates with the right DNS names. @default - none */
  readonly certManagerIssuer?: string;
  /** @default CertManagerIssuerKind.ISSUER */
  readonly certManagerIssuerKind?: CertManagerIssuerKind;
  /**
   * Secret with the CA certificate (key `ca.crt`) that verifies route peers and client certificates.
   *
   * @default - with certManagerIssuer, the Certificate's own Secret (cert-manager writes ca.crt); otherwise none
   */
  readonly tlsCaSecretName?: string;
  /** Secret with nats-box's client certificate (tls.crt, tls.key) under mutual TLS with tlsSecretName. @default - with certManagerIssuer, a client Certificate the construct creates */
  readonly natsBoxTlsSecretName?: string;

  /** Accounts. @default - none: every user is in the global account */
  readonly accounts?: NatsAccount[];
  /** Users. @default - none: no authentication */
  readonly users?: NatsUser[];
  /** Account used for the server's system events and `nats server` commands. @default - the server's built-in $SYS */
  readonly systemAccount?: string;
  /** User whose identity clients without credentials get (`no_auth_user`). @default - none: credentials required when users exist */
  readonly noAuthUser?: string;
  /** User nats-box connects as; must have a password. @default - the noAuthUser, or none */
  readonly natsBoxUser?: string;

  /** NetworkPolicy: 4222 from allowed namespaces, 6222 only between servers, 8222 from the namespace and monitoring. @default - false; true with PRODUCTION */
  readonly networkPolicy?: boolean;
  /** Namespaces, besides the release namespace, whose pods may connect to the client port. @default - none */
  readonly clientNamespaces?: string[];
  /** Namespace of the monitoring system (Prometheus) allowed to reach the monitoring port. @default - none */
  readonly monitoringNamespace?: string;
}
