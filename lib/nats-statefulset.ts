import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from './k8s';
import { COMPONENT_SERVER, selectorLabels, standardLabels } from './labels';
import { RESTRICTED_CONTAINER, restrictedPod } from './pod-security';
import { ConfVariable, TlsConfig, UserConfig, renderNatsConfig } from './nats-config';
import { HealthCheck } from './nats-props';
import { UserSettings } from './security';
import { NatsSettings } from './settings';

const CONFIG_DIR = '/etc/nats-config';
const PID_DIR = '/var/run/nats';
const STORE_DIR = '/data';
const CERT_DIR = '/etc/nats-certs/server';
const CA_DIR = '/etc/nats-certs/ca';
/** Time for the process to exit after lame duck ends, on top of grace period + duration. */
const SHUTDOWN_MARGIN_SECONDS = 20;

/**
 * The NATS servers: nats.conf in a ConfigMap, a StatefulSet with a JetStream volume claim per
 * server, and (when clustered) a PodDisruptionBudget. Created by `Nats`.
 */
export class NatsStatefulSet extends Construct {
  /** The rendered nats.conf (`$SERVER_NAME` is expanded by each server from its pod name). */
  public readonly configText: string;
  public readonly configMap: ApiObject;
  public readonly statefulSet: ApiObject;
  /** Present when there is more than one replica. */
  public readonly podDisruptionBudget?: ApiObject;

  public constructor(scope: Construct, id: string, settings: NatsSettings) {
    super(scope, id);
    const s = settings;
    const selector = selectorLabels(s.name, COMPONENT_SERVER);
    const labels = standardLabels(s.name, COMPONENT_SERVER, s.version);
    const { tls, accounts, users } = s.security;
    const tlsFiles = (verify: boolean): TlsConfig => ({
      certFile: `${CERT_DIR}/tls.crt`,
      keyFile: `${CERT_DIR}/tls.key`,
      caFile: tls?.caSecretName ? `${CA_DIR}/ca.crt` : undefined,
      verify,
    });

    this.configText = renderNatsConfig({
      serverName: new ConfVariable('SERVER_NAME'),
      clientPort: s.clientPort,
      monitorPort: s.monitorPort,
      monitorTls: tls?.monitor,
      tls: tls?.client ? tlsFiles(tls.mutual) : undefined,
      pidFile: `${PID_DIR}/nats.pid`,
      lameDuckDurationSeconds: s.lameDuckDurationSeconds,
      lameDuckGracePeriodSeconds: s.lameDuckGracePeriodSeconds,
      maxPayload: s.maxPayloadBytes,
      jetStream: { storeDir: STORE_DIR, maxFileStore: s.maxFileStoreBytes, maxMemoryStore: s.memoryStoreBytes },
      cluster: s.replicas > 1 ? {
        name: s.name,
        port: s.clusterPort,
        // Every ordinal, itself included (the server drops its own route); names resolve through the
        // headless Service, which publishes not-ready pods so peers find each other while starting.
        routes: Array.from({ length: s.replicas }, (_, i) => `nats://${s.name}-${i}.${s.headlessServiceName}:${s.clusterPort}`),
        // Routes verify each other's certificate against the CA: that is the cluster's route authentication.
        tls: tls?.cluster ? tlsFiles(true) : undefined,
      } : undefined,
      accounts: accounts.map((a) => ({
        name: a.name,
        jetStream: a.jetStream,
        maxFile: a.maxFileStoreBytes,
        maxMemory: a.maxMemoryStoreBytes,
        maxStreams: a.maxStreams,
        maxConsumers: a.maxConsumers,
        users: users.filter((u) => u.account === a.name).map(userConfig),
      })),
      users: users.filter((u) => u.account === undefined).map(userConfig),
      systemAccount: s.security.systemAccount,
      noAuthUser: s.security.noAuthUser,
      extra: s.extraConfig,
    });

    const configMapName = `${s.name}-config`;
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configMapName, labels },
      data: { 'nats.conf': this.configText },
    });

    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      // The kubelet does not verify certificates, so HTTPS probes work with any issuer.
      httpGet: { path, port: k8s.IntOrString.fromString('monitor'), scheme: tls?.monitor ? 'HTTPS' : undefined },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });

    const env = [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'SERVER_NAME', value: `${s.serverNamePrefix}$(POD_NAME)` },
      ...(s.goMemLimit ? [{ name: 'GOMEMLIMIT', value: s.goMemLimit }] : []),
      // Passwords reach nats.conf as $NATS_PASSWORD_<USER>, so no secret is ever written into the ConfigMap.
      ...users.filter((u) => u.passwordEnv).map((u) => ({
        name: u.passwordEnv!,
        valueFrom: { secretKeyRef: { name: u.passwordSecretName!, key: u.passwordSecretKey ?? 'password' } },
      })),
    ];

    const limits = {
      ...(s.cpuLimit ? { cpu: k8s.Quantity.fromString(s.cpuLimit) } : {}),
      ...(s.memoryLimit ? { memory: k8s.Quantity.fromString(s.memoryLimit) } : {}),
    };
    const resources = {
      requests: { cpu: k8s.Quantity.fromString(s.cpuRequest), memory: k8s.Quantity.fromString(s.memoryRequest) },
      // An empty map would be dropped by the API server, and kubectl would then re-apply it every time.
      limits: Object.keys(limits).length > 0 ? limits : undefined,
    };

    const claimName = `${s.name}-js`;
    const initContainers = s.prepareVolumeOwnership ? [{
      // hostPath-style provisioners ignore fsGroup: hand the store's top directory to the server's user.
      name: 'prepare-volume',
      image: s.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', `chown ${s.runAsUser}:${s.runAsGroup} ${STORE_DIR} && chmod 0770 ${STORE_DIR}`],
      volumeMounts: [{ name: claimName, mountPath: STORE_DIR }],
      resources: { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') } },
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        // chown on a root-owned directory needs CHOWN, and chmod needs FOWNER; nothing else.
        capabilities: { drop: ['ALL'], add: ['CHOWN', 'FOWNER'] },
      },
    }] : undefined;

    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: s.name, labels },
      spec: {
        serviceName: s.headlessServiceName,
        replicas: s.replicas,
        // A JetStream cluster needs a majority up at once: OrderedReady would wait for pod 0 forever.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: {
          whenDeleted: s.claimRetentionOnDelete,
          whenScaled: s.claimRetentionOnScaleDown,
        },
        template: {
          metadata: {
            labels,
            // A config change rolls the pods one at a time, each waiting for the previous to catch up.
            annotations: { 'checksum/config': createHash('sha256').update(this.configText).digest('hex') },
          },
          spec: {
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: s.lameDuckGracePeriodSeconds + s.lameDuckDurationSeconds + SHUTDOWN_MARGIN_SECONDS,
            imagePullSecrets: s.imagePullSecrets.length ? s.imagePullSecrets.map((name) => ({ name })) : undefined,
            securityContext: {
              ...restrictedPod(s.runAsUser, s.runAsGroup),
              // The claim is made writable for the server's group, re-owned only when its root does not match.
              fsGroup: s.runAsGroup,
              fsGroupChangePolicy: 'OnRootMismatch',
            },
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              // Soft: spread when there are nodes to spread over, still schedule on a single node.
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            }],
            initContainers,
            containers: [{
              name: 'nats',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['nats-server', '--config', `${CONFIG_DIR}/nats.conf`],
              ports: [
                { name: 'client', containerPort: s.clientPort },
                { name: 'cluster', containerPort: s.clusterPort },
                { name: 'monitor', containerPort: s.monitorPort },
              ],
              env,
              resources,
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'pid', mountPath: PID_DIR },
                { name: claimName, mountPath: STORE_DIR },
                ...(tls ? [{ name: 'tls', mountPath: CERT_DIR, readOnly: true }] : []),
                ...(tls?.caSecretName ? [{ name: 'tls-ca', mountPath: CA_DIR, readOnly: true }] : []),
              ],
              lifecycle: {
                // Lame duck: stop taking clients, then move them off over the duration. SIGTERM that follows
                // is ignored by nats-server while lame duck runs, so the grace period below bounds it.
                preStop: { exec: { command: ['nats-server', `-sl=ldm=${PID_DIR}/nats.pid`] } },
              },
              // Startup waits (up to 15 min) for the configured check; readiness and liveness then use checks
              // that do not depend on other servers, so a peer's trouble never restarts or unreadies this one.
              startupProbe: probe(s.startupCheck, 3, 300),
              readinessProbe: probe(HealthCheck.SERVER_ONLY, 10, 3),
              livenessProbe: probe(HealthCheck.JETSTREAM_ENABLED, 30, 3),
              securityContext: RESTRICTED_CONTAINER,
            }],
            volumes: [
              { name: 'config', configMap: { name: configMapName } },
              { name: 'pid', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              ...(tls ? [{ name: 'tls', secret: { secretName: tls.secretName, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } }] : []),
              ...(tls?.caSecretName ? [{ name: 'tls-ca', secret: { secretName: tls.caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: claimName, labels: selectorLabels(s.name, COMPONENT_SERVER) },
          spec: {
            accessModes: [s.storageAccessMode],
            storageClassName: s.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(s.storageSize) } },
          },
        }],
      },
    });

    if (s.replicas > 1) {
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'Budget', {
        metadata: { name: s.name, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }
  }
}

function userConfig(u: UserSettings): UserConfig {
  const hasPermissions = [u.publishAllow, u.publishDeny, u.subscribeAllow, u.subscribeDeny].some((list) => list !== undefined);
  return {
    user: u.passwordEnv ? u.name : undefined,
    password: u.passwordEnv ? new ConfVariable(u.passwordEnv) : undefined,
    nkey: u.nkey,
    permissions: hasPermissions ? u : undefined,
  };
}
