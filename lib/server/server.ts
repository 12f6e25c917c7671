import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { pullSecretRefs } from './images';
import * as k8s from '../internal/k8s';
import { COMPONENT_SERVER, selectorLabels, standardLabels } from '../internal/labels';
import { RESTRICTED_CONTAINER, restrictedPod } from '../internal/pod-security';
import { HealthCheck } from '../nats-props';
import { configSidecars } from './sidecars';
import { exporterContainer } from '../metrics/exporter';
import { SERVER_PATHS, listenerEnv, listenerVolumes, serverConfigModel, serverEnv } from './server-config';
import { renderNatsConfig } from '../config/nats-config';
import { restartDigest } from '../config/reload';
import { NatsSettings } from './settings';
import { TOPOLOGY_LABEL, topologyOf } from './topology';
import { claimTemplateName, configMapName } from '../internal/names';

const { config: CONFIG_DIR, pid: PID_DIR, store: STORE_DIR, cert: CERT_DIR, ca: CA_DIR } = SERVER_PATHS;
/** Time for the process to exit after lame duck ends, on top of grace period + duration. */
const SHUTDOWN_MARGIN_SECONDS = 20;

/** The servers' objects, for `addJsonPatch`. */
export interface INatsServer extends IConstruct {
  /** The rendered nats.conf (`$SERVER_NAME` is expanded by each server from its pod name). */
  readonly configText: string;
  /** The ConfigMap holding nats.conf. */
  readonly configMap: ApiObject;
  readonly statefulSet: ApiObject;
  /** Present when there is more than one replica. */
  readonly podDisruptionBudget?: ApiObject;
}

/**
 * The NATS servers: nats.conf in a ConfigMap, a StatefulSet with a JetStream volume claim per
 * server, and (when clustered) a PodDisruptionBudget. Created by `Nats`.
 */
export class NatsServer extends Construct implements INatsServer {
  /** The rendered nats.conf (`$SERVER_NAME` is expanded by each server from its pod name). */
  public readonly configText: string;
  public readonly configMap: ApiObject;
  public readonly statefulSet: ApiObject;
  /** Present when there is more than one replica. */
  public readonly podDisruptionBudget?: ApiObject;

  public constructor(scope: Construct, id: string, settings: NatsSettings) {
    super(scope, id);
    const s = settings;
    const topology = topologyOf(s.replicas);
    // The topology is part of the selector, which Kubernetes never lets change: see topology.ts.
    const selector = { ...selectorLabels(s.name, COMPONENT_SERVER), [TOPOLOGY_LABEL]: topology };
    const labels = { ...standardLabels(s.name, COMPONENT_SERVER, s.version), [TOPOLOGY_LABEL]: topology };
    const { tls } = s.security;

    const model = serverConfigModel(s);
    this.configText = renderNatsConfig(model);
    const sidecars = configSidecars(s);
    const exporter = s.metrics ? [exporterContainer(s)] : [];
    // With the reloader, the pods roll only for what the server cannot reload (lib/config/reload.ts), and for a new
    // auth script, which the sidecar reads at start; without it, every change to the config rolls them.
    const sidecarText = Object.values(sidecars.configData).join('\n');
    const checksum = s.configReloader
      ? restartDigest(model, sidecars.configData['auth.sh'] ?? '')
      : createHash('sha256').update(this.configText + sidecarText).digest('hex');

    const configMap = configMapName(s.name, topology);
    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: configMap, labels },
      data: { 'nats.conf': this.configText, ...sidecars.configData },
    });

    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      // The kubelet does not verify certificates, so HTTPS probes work with any issuer.
      httpGet: { path, port: k8s.IntOrString.fromString('monitor'), scheme: tls?.monitor ? 'HTTPS' : undefined },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });

    const env = [...serverEnv(s), ...listenerEnv(s)];
    const leafnodeSecrets = listenerVolumes(s);

    const limits = {
      ...(s.cpuLimit ? { cpu: k8s.Quantity.fromString(s.cpuLimit) } : {}),
      ...(s.memoryLimit ? { memory: k8s.Quantity.fromString(s.memoryLimit) } : {}),
    };
    const resources = {
      requests: { cpu: k8s.Quantity.fromString(s.cpuRequest), memory: k8s.Quantity.fromString(s.memoryRequest) },
      // An empty map would be dropped by the API server, and kubectl would then re-apply it every time.
      limits: Object.keys(limits).length > 0 ? limits : undefined,
    };

    const claimName = claimTemplateName(s.name, topology);
    const prepareVolume = s.prepareVolumeOwnership ? [{
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
    }] : [];
    const initContainers = [...prepareVolume, ...sidecars.initContainers];

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
            annotations: {
              'checksum/config': checksum,
              // kubectl exec and logs go to the server, not the reloader beside it.
              ...(sidecars.containers.length + exporter.length > 0 ? { 'kubectl.kubernetes.io/default-container': 'nats' } : {}),
            },
          },
          spec: {
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            // The reloader signals nats-server in its own container.
            shareProcessNamespace: s.configReloader ? true : undefined,
            terminationGracePeriodSeconds: s.lameDuckGracePeriodSeconds + s.lameDuckDurationSeconds + SHUTDOWN_MARGIN_SECONDS,
            imagePullSecrets: pullSecretRefs(s.imagePullSecrets),
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
            initContainers: initContainers.length > 0 ? initContainers : undefined,
            containers: [{
              name: 'nats',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['nats-server', '--config', `${CONFIG_DIR}/nats.conf`],
              ports: [
                { name: 'client', containerPort: s.clientPort },
                { name: 'cluster', containerPort: s.clusterPort },
                { name: 'monitor', containerPort: s.monitorPort },
                ...s.listeners.all.map((l) => ({ name: l.portName, containerPort: l.port })),
              ],
              env,
              resources,
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'pid', mountPath: PID_DIR },
                { name: claimName, mountPath: STORE_DIR },
                ...(tls ? [{ name: 'tls', mountPath: CERT_DIR, readOnly: true }] : []),
                ...(tls?.caSecretName ? [{ name: 'tls-ca', mountPath: CA_DIR, readOnly: true }] : []),
                ...sidecars.serverMounts,
                ...leafnodeSecrets.mounts,
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
            }, ...sidecars.containers, ...exporter],
            volumes: [
              { name: 'config', configMap: { name: configMap } },
              { name: 'pid', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
              ...(tls ? [{ name: 'tls', secret: { secretName: tls.secretName, items: [{ key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } }] : []),
              ...(tls?.caSecretName ? [{ name: 'tls-ca', secret: { secretName: tls.caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
              ...sidecars.volumes,
              ...leafnodeSecrets.volumes,
            ],
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: claimName, labels: selector },
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
