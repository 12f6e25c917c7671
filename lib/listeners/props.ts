/** How an external listener (leafnodes, gateways, WebSocket, MQTT) is reached: the type of its own Service. */
export enum ListenerExposure {
  /** Inside the cluster only (other namespaces, an Ingress). */
  CLUSTER_IP = 'ClusterIP',
  /** On a port of every node, besides the cluster IP. */
  NODE_PORT = 'NodePort',
  /** Through the cloud's (or MetalLB's) load balancer, besides the node ports. */
  LOAD_BALANCER = 'LoadBalancer',
}

/**
 * A hub this deployment connects to as a leaf node. Exactly one credential at most: a credentials file (`.creds`, for
 * a hub in operator mode) mounted from a Secret, or an nkey seed from a Secret (for a hub user with that nkey). With
 * neither, the hub must admit the leaf without credentials.
 */
export interface NatsLeafnodeRemote {
  /** The hub's leafnode URLs, such as `nats-leaf://hub-leafnodes.hub.svc:7422` or `tls://hub.example.com:7422`. */
  readonly urls: string[];
  /**
   * Local account whose subjects the connection shares with the hub (the hub decides, by the credential, which of
   * its accounts they land in). Required when accounts are defined.
   *
   * @default - the global account
   */
  readonly account?: string;
  /** Secret with the credentials file, mounted into the server pods. @default - none */
  readonly credentialsSecretName?: string;
  /** Key of the credentials file in `credentialsSecretName`. @default 'nats.creds' */
  readonly credentialsSecretKey?: string;
  /**
   * Secret with a user nkey seed (`SU…`), passed to the server as an environment variable (never written to the
   * ConfigMap). A changed seed is read when the pods restart.
   *
   * @default - none
   */
  readonly nkeySeedSecretName?: string;
  /** Key of the seed in `nkeySeedSecretName`. @default 'seed' */
  readonly nkeySeedSecretKey?: string;
  /**
   * Connect with TLS, verifying the hub's certificate. Required with SecurityProfile.PRODUCTION.
   *
   * @default - true when a URL is `tls://` or `tlsCaSecretName` is set
   */
  readonly tls?: boolean;
  /** Secret with the CA certificate (`ca.crt`) that signed the hub's certificate. @default - the system's trusted roots */
  readonly tlsCaSecretName?: string;
}

/** Another cluster of the supercluster, reached through its gateway. */
export interface NatsGatewayRemote {
  /** Its gateway name: the other deployment's `gatewayName` (by default its `name`). */
  readonly name: string;
  /** Its gateway URLs, such as `nats://west-gateway.west.svc.cluster.local:7222`. */
  readonly urls: string[];
}

/**
 * Listeners beyond the cluster's own clients: leaf nodes, gateways, WebSocket and MQTT. Each is off by default; each
 * gets a port in its own Service (`<name>-leafnodes`, `<name>-gateway`, `<name>-websocket`, `<name>-mqtt`) and, with
 * the NetworkPolicy, a rule admitting the release namespace plus the namespaces and address ranges given here.
 */
export interface NatsListenerProps {
  /**
   * Accept leaf-node connections. A leaf authenticates as one of `users` (password or nkey), and its messages land
   * in that user's account.
   *
   * @default false
   */
  readonly leafnodes?: boolean;
  /** @default 7422 */
  readonly leafnodePort?: number;
  /** TLS on the leafnode port, with the server certificate. @default - false; true with SecurityProfile.PRODUCTION */
  readonly leafnodeTls?: boolean;
  /** Hubs this deployment connects to as a leaf node. @default - none */
  readonly leafnodeRemotes?: NatsLeafnodeRemote[];
  /** Namespaces, besides the release namespace, whose pods may reach the leafnode port. @default - none */
  readonly leafnodeNamespaces?: string[];
  /** Address ranges (CIDR) that may reach the leafnode port, e.g. through a LoadBalancer. @default - none */
  readonly leafnodeCidrs?: string[];
  /** @default ListenerExposure.CLUSTER_IP */
  readonly leafnodeExposure?: ListenerExposure;
  /** Annotations of the `<name>-leafnodes` Service (a load balancer's settings). @default - none */
  readonly leafnodeServiceAnnotations?: { [key: string]: string };

  /**
   * Join a supercluster through gateways. Needs 3 or 5 replicas (JetStream then runs clustered, which a single server
   * cannot) and `serverNamePrefix` (server names must be unique across the supercluster).
   *
   * @default false
   */
  readonly gateways?: boolean;
  /**
   * This cluster's gateway name, which is also its cluster name (nats-server requires both to be the same); what the
   * other clusters list in their `gatewayRemotes`.
   *
   * @default - the deployment's name
   */
  readonly gatewayName?: string;
  /** @default 7222 */
  readonly gatewayPort?: number;
  /**
   * TLS between gateways, verified both ways against the CA (every cluster's certificates from one CA).
   *
   * @default - false; true with SecurityProfile.PRODUCTION
   */
  readonly gatewayTls?: boolean;
  /** The other clusters. @default - none: the others connect to this one */
  readonly gatewayRemotes?: NatsGatewayRemote[];
  /** Namespaces, besides the release namespace, whose pods may reach the gateway port (the other clusters). @default - none */
  readonly gatewayNamespaces?: string[];
  /** Address ranges (CIDR) that may reach the gateway port. @default - none */
  readonly gatewayCidrs?: string[];
  /** @default ListenerExposure.CLUSTER_IP */
  readonly gatewayExposure?: ListenerExposure;
  /** Annotations of the `<name>-gateway` Service. @default - none */
  readonly gatewayServiceAnnotations?: { [key: string]: string };

  /** Accept NATS clients over WebSocket (browsers). Needs TLS, or `websocketNoTls`. @default false */
  readonly websocket?: boolean;
  /** @default 8080 */
  readonly websocketPort?: number;
  /**
   * Serve WebSocket in plain text: an explicit choice, refused with SecurityProfile.PRODUCTION.
   *
   * @default false: WebSocket uses the server certificate
   */
  readonly websocketNoTls?: boolean;
  /** Origins (`https://app.example.com`) whose browsers may connect. @default - any origin */
  readonly websocketAllowedOrigins?: string[];
  /** Offer per-message compression. @default false */
  readonly websocketCompression?: boolean;
  /** Namespaces, besides the release namespace, whose pods may reach the WebSocket port (an ingress controller's). @default - none */
  readonly websocketNamespaces?: string[];
  /** Address ranges (CIDR) that may reach the WebSocket port. @default - none */
  readonly websocketCidrs?: string[];
  /** @default ListenerExposure.CLUSTER_IP */
  readonly websocketExposure?: ListenerExposure;
  /** Annotations of the `<name>-websocket` Service. @default - none */
  readonly websocketServiceAnnotations?: { [key: string]: string };
  /** Host name of an Ingress to the WebSocket Service; setting it adds the Ingress. @default - no Ingress */
  readonly websocketIngressHost?: string;
  /** IngressClass of that Ingress. @default - the cluster's default class */
  readonly websocketIngressClassName?: string;
  /** Secret with the Ingress's certificate for `websocketIngressHost`. @default - no TLS at the Ingress */
  readonly websocketIngressTlsSecretName?: string;
  /** Annotations of the Ingress (with server TLS, the controller's "backend speaks HTTPS" setting). @default - none */
  readonly websocketIngressAnnotations?: { [key: string]: string };

  /**
   * Accept MQTT 3.1.1 clients. Sessions, subscriptions and retained messages live in JetStream (the `$MQTT_*`
   * streams of each client's account), so they survive restarts; the account must have JetStream.
   *
   * @default false
   */
  readonly mqtt?: boolean;
  /** @default 1883 */
  readonly mqttPort?: number;
  /** TLS on the MQTT port, with the server certificate. @default - false; true with SecurityProfile.PRODUCTION */
  readonly mqttTls?: boolean;
  /** Namespaces, besides the release namespace, whose pods may reach the MQTT port. @default - none */
  readonly mqttNamespaces?: string[];
  /** Address ranges (CIDR) that may reach the MQTT port. @default - none */
  readonly mqttCidrs?: string[];
  /** @default ListenerExposure.CLUSTER_IP */
  readonly mqttExposure?: ListenerExposure;
  /** Annotations of the `<name>-mqtt` Service. @default - none */
  readonly mqttServiceAnnotations?: { [key: string]: string };

  /**
   * JetStream domain of these servers. A leaf node with its own JetStream needs a domain other than its hub's, so
   * that clients can address either (`nats --js-domain`).
   *
   * @default - none
   */
  readonly jetStreamDomain?: string;
}
