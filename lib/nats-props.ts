import { Duration } from 'cdk8s';
import { NatsListenerProps } from './listeners/props';
import { NatsSecurityProps } from './security/props';

/** The `/healthz` variants nats-server offers on the monitoring port. */
export enum HealthCheck {
  /** Server up, JetStream current with the meta leader, every stream and consumer caught up. */
  FULL = '/healthz',
  /** Server up and JetStream enabled (not disabled by, say, a full disk). */
  JETSTREAM_ENABLED = '/healthz?js-enabled-only=true',
  /** Server accepting connections; ignores JetStream state. */
  SERVER_ONLY = '/healthz?js-server-only=true',
}

/** Access mode of the JetStream volume claims. */
export enum StorageAccessMode {
  /** Mounted read-write by one node: what a per-server store needs. */
  READ_WRITE_ONCE = 'ReadWriteOnce',
  /** Mounted read-write by one pod only. */
  READ_WRITE_ONCE_POD = 'ReadWriteOncePod',
  /** For storage classes that only offer shared volumes; each server still gets its own claim. */
  READ_WRITE_MANY = 'ReadWriteMany',
}

/** What happens to the JetStream volume claims (see `persistentVolumeClaimRetentionPolicy`). */
export enum ClaimRetention {
  /** Keep the claim and its data. */
  RETAIN = 'Retain',
  /** Delete the claim; the data is lost if the volume's reclaim policy is Delete. */
  DELETE = 'Delete',
}

/** Which prometheus-operator object tells Prometheus to scrape the exporters. */
export enum MetricsMonitor {
  /** A PodMonitor selecting the server pods' `metrics` port (what the official chart ships). */
  POD_MONITOR = 'PodMonitor',
  /** A ServiceMonitor selecting the headless Service's `metrics` port. */
  SERVICE_MONITOR = 'ServiceMonitor',
  /** Neither: Prometheus finds the exporters some other way (annotations, static config). */
  NONE = 'None',
}

/** Properties of a NATS deployment with JetStream. All are optional; the defaults are the homelab setup. */
export interface NatsProps extends NatsSecurityProps, NatsListenerProps {
  /**
   * Name of the StatefulSet and the client Service; the headless Service is `<name>-headless`
   * and the nats-box Deployment `<name>-box`. At most 52 characters (StatefulSet limit).
   *
   * @default 'nats'
   */
  readonly name?: string;

  /**
   * Number of NATS servers. More than one forms a RAFT cluster, which needs an odd count
   * (3 or 5) so that a majority survives one failure. Standalone (1) and cluster use different
   * volume claims and selectors, so switching between them is not an in-place change: a
   * `NatsMigrationJob` moves the data (see `npm run migrate`).
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Prefix for each server's `server_name` (`<prefix><pod name>`): needed when clusters that share
   * a JetStream domain would otherwise both have a `nats-0`.
   *
   * @default ''
   */
  readonly serverNamePrefix?: string;

  /** @default 4222 */
  readonly clientPort?: number;

  /** @default 6222 */
  readonly clusterPort?: number;

  /** Monitoring HTTP port (`/healthz`, `/varz`); the probes use it. @default 8222 */
  readonly monitorPort?: number;

  /**
   * Size of each server's JetStream volume claim, as a Kubernetes quantity.
   *
   * @default '10Gi'
   */
  readonly storageSize?: string;

  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;

  /** @default StorageAccessMode.READ_WRITE_ONCE */
  readonly storageAccessMode?: StorageAccessMode;

  /**
   * JetStream `max_file_store`. Must not exceed `storageSize`.
   *
   * @default - 90% of storageSize, leaving room for filesystem overhead so the limit is reached before the disk is full
   */
  readonly maxFileStore?: string;

  /**
   * JetStream memory store size (`max_memory_store`), for memory-backed streams and buckets.
   *
   * @default - disabled (`max_memory_store: 0`): memory streams are refused
   */
  readonly maxMemoryStore?: string;

  /** What happens to the claims when the StatefulSet is deleted. @default ClaimRetention.RETAIN */
  readonly claimRetentionOnDelete?: ClaimRetention;

  /** What happens to the claims of removed replicas when scaling down. @default ClaimRetention.RETAIN */
  readonly claimRetentionOnScaleDown?: ClaimRetention;

  /**
   * Prepare the JetStream volume for the non-root server with an init container that runs as root
   * with only CAP_CHOWN and gives the volume's top directory to `runAsUser`/`runAsGroup`.
   * Needed for hostPath-based provisioners (local-path, hostpath) that ignore `fsGroup`.
   * Trade-off: a root container does not pass the `restricted` Pod Security level, so the namespace
   * must allow `baseline`.
   *
   * @default false
   */
  readonly prepareVolumeOwnership?: boolean;

  /** Maximum message payload (`max_payload`), as a quantity. @default - the server's default, 1MB */
  readonly maxPayload?: string;

  /** Lame-duck duration: how long a stopping server takes to hand its clients over. @default Duration.seconds(30) */
  readonly lameDuckDuration?: Duration;

  /** Lame-duck grace period before clients are moved. @default Duration.seconds(10) */
  readonly lameDuckGracePeriod?: Duration;

  /**
   * What the startup probe waits for. FULL makes a restarting server count as started only once its
   * streams have caught up, so a rolling update never takes down the next server too early.
   *
   * @default HealthCheck.FULL
   */
  readonly startupCheck?: HealthCheck;

  /** @default '100m' */
  readonly cpuRequest?: string;

  /** @default '256Mi' */
  readonly memoryRequest?: string;

  /** @default - no CPU limit */
  readonly cpuLimit?: string;

  /** Memory limit; sets `GOMEMLIMIT` to 80% of it so the Go runtime collects before the kernel kills. @default - no memory limit */
  readonly memoryLimit?: string;

  /** User id the server runs as. @default 1000 */
  readonly runAsUser?: number;

  /** Group id the server runs as; also the pod's `fsGroup`. @default 1000 */
  readonly runAsGroup?: number;

  /**
   * Registry prefix that mirrors the default images, e.g. `harbor.example.com/library`, giving
   * `harbor.example.com/library/nats:<version>-alpine` and `harbor.example.com/library/nats-box:<version>`.
   *
   * @default - the images' public registries
   */
  readonly registry?: string;

  /** Full nats-server image reference with a tag or digest; overrides `registry` for this image. @default - nats:2.15.3-alpine */
  readonly image?: string;

  /** Deploy a nats-box Deployment whose default context points at the client Service. @default true */
  readonly natsBox?: boolean;

  /** Full nats-box image reference with a tag or digest; overrides `registry` for this image. @default - natsio/nats-box:0.19.7 */
  readonly natsBoxImage?: string;

  /**
   * Run nats-io's config reloader beside each server: it watches nats.conf, the TLS files and the password variables,
   * and has the server reload them in place (a renewed certificate, a rotated password, a new user or permission).
   * Only changes the server cannot reload (ports, the cluster block, JetStream store limits; see lib/config/reload.ts)
   * roll the pods. Without it every config change rolls them.
   *
   * @default - true when TLS or users are in use
   */
  readonly configReloader?: boolean;

  /** Full config reloader image reference; overrides `registry` for this image. @default - natsio/nats-server-config-reloader:0.22.4 */
  readonly configReloaderImage?: string;

  /** @default '10m' */
  readonly configReloaderCpuRequest?: string;

  /** @default '16Mi' */
  readonly configReloaderMemoryRequest?: string;

  /** @default '64Mi' */
  readonly configReloaderMemoryLimit?: string;

  /**
   * Observability: run nats-io's prometheus-nats-exporter beside each server (server, connections, routes,
   * subscriptions, health, JetStream down to streams and consumers) on a port named `metrics`, and add a
   * PodMonitor or ServiceMonitor (`metricsMonitor`), a PrometheusRule with the alerts (docs/operations.md), and a
   * Grafana dashboard ConfigMap. The monitor and the rules need the prometheus-operator CRDs
   * (`monitoring.coreos.com`) in the cluster.
   *
   * @default false
   */
  readonly metrics?: boolean;

  /** Full exporter image reference; overrides `registry` for this image. @default - natsio/prometheus-nats-exporter:0.20.1 */
  readonly metricsExporterImage?: string;

  /** Port of the exporter, named `metrics`. @default 7777 */
  readonly metricsPort?: number;

  /** @default '10m' */
  readonly metricsCpuRequest?: string;

  /** @default '32Mi' */
  readonly metricsMemoryRequest?: string;

  /** @default '128Mi' */
  readonly metricsMemoryLimit?: string;

  /** Which object makes Prometheus scrape the exporters. @default MetricsMonitor.POD_MONITOR */
  readonly metricsMonitor?: MetricsMonitor;

  /**
   * Labels on the monitor, the PrometheusRule and the dashboard ConfigMap, for the selectors of the user's
   * Prometheus (kube-prometheus-stack selects `release: <its release name>` by default).
   *
   * @default - none
   */
  readonly metricsLabels?: { [key: string]: string };

  /** Add the PrometheusRule with the alerts. @default true */
  readonly metricsAlerts?: boolean;

  /** How long each alert's condition must hold before it fires. @default Duration.minutes(5) */
  readonly alertFor?: Duration;

  /** Messages a consumer may have pending before `NatsConsumerPendingHigh` fires. @default 1000 */
  readonly alertConsumerPending?: number;

  /** Share of `max_file_store` (0 to 1) above which `NatsStoreUsageHigh` fires. @default 0.8 */
  readonly alertStoreUsage?: number;

  /** Add the Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`). @default true */
  readonly metricsDashboard?: boolean;

  /** Names of Secrets used to pull the images. @default - none */
  readonly imagePullSecrets?: string[];

  /**
   * Extra top-level nats.conf keys in nats.conf spelling, for settings without a typed property.
   * Keys the construct manages are refused.
   *
   * @default - none
   */
  readonly extraConfig?: { [key: string]: any };
}
