import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../internal/k8s';
import { standardLabels } from '../internal/labels';
import { Nats } from '../nats';
import { natsClientSetup } from '../security/client';
import { RESTRICTED_CONTAINER, jobPod, restrictedPod } from '../internal/pod-security';
import { SERVER_PATHS, passwordEnv, renderServerConfig, serverEnv } from '../server/server-config';
import { Topology } from '../server/topology';
import { claimName, migrationName } from '../internal/names';
import { Schema, checkProps, instanceOf } from '../internal/props';
import { packagedScript } from '../internal/scripts';

export const COMPONENT_MIGRATION = 'migration';
/** JetStream keeps at most 5 copies of a stream. */
const MAX_STREAM_REPLICAS = 5;
const SCRIPT_DIR = '/etc/nats-migration';

/**
 * `sh migrate.sh`: copies every stream of a standalone server's store into the cluster, one at a time, with the
 * nats CLI's backup and restore (messages keep their sequence numbers; consumers come along). The standalone
 * server is `$SOURCE_URL`, started on loopback in the same pod on the old claim, so no client can write to it.
 *
 * Environment: SOURCE_URL, SOURCE_JETSTREAM_DIR (the old store's `jetstream` directory, read-only),
 * SOURCE_ACCOUNT (the account the Job's user is in; `$G` without accounts), TARGET_URL, TARGET_REPLICAS,
 * optional TARGET_CA / TARGET_CERT / TARGET_KEY, NATS_USER / NATS_PASSWORD (valid on both servers),
 * READY_TIMEOUT (seconds, default 300).
 *
 * Re-runnable: a stream already in the cluster that holds the source's messages (same first sequence, only
 * appends since) is skipped; any other is left alone and reported. Exits 1 when any stream was not migrated.
 */
export const MIGRATE_SCRIPT = packagedScript(__dirname, 'migrate.sh');

export interface NatsMigrationJobProps {
  /** The clustered deployment the data moves into; it replaces a standalone one of the same name. */
  readonly nats: Nats;
  /**
   * How long to wait for each server's JetStream API.
   *
   * @default Duration.minutes(5)
   */
  readonly readyTimeout?: Duration;
}

/**
 * Moves a standalone deployment's JetStream data into the cluster that replaces it. The Job's pod runs the old
 * server on its claim (`<name>-js-<name>-0`), listening on loopback only so no client can write to it, and
 * copies every stream into the cluster with the nats CLI (`migrate.sh`). Run it through `npm run migrate`, which
 * first removes the standalone StatefulSet (two servers must never share a store) and starts the cluster.
 * The old claim is left as it was: it is the way back.
 */
export class NatsMigrationJob extends Construct {
  public readonly configMap: ApiObject;
  public readonly job: ApiObject;

  public constructor(scope: Construct, id: string, props: NatsMigrationJobProps) {
    super(scope, id);
    checkProps('', props, MIGRATION_JOB_SCHEMA);
    if (props.nats === undefined) {
      throw new Error('nats must be the clustered Nats deployment the data moves into, got undefined');
    }
    const s = props.nats._settings;
    if (s.replicas < 3) {
      throw new Error(`NatsMigrationJob moves a standalone deployment into a cluster: replicas must be 3 or 5, got ${s.replicas}`);
    }
    const user = s.security.natsBoxUser;
    if (s.security.users.length > 0 && !user) {
      throw new Error('NatsMigrationJob connects as natsBoxUser to both servers: set natsBoxUser to a password user');
    }
    const labels = standardLabels(s.name, COMPONENT_MIGRATION);
    const name = migrationName(s.name);
    const sourceClaim = claimName(s.name, Topology.STANDALONE, 0);
    const client = natsClientSetup(s, 'the migration Job');

    this.configMap = new k8s.KubeConfigMap(this, 'Script', {
      metadata: { name, labels },
      data: {
        'migrate.sh': MIGRATE_SCRIPT,
        // The standalone server's store, accounts and users, without TLS, cluster or outside listener.
        'nats.conf': renderServerConfig(s, { loopbackOnly: true }),
      },
    });

    const mem = (q: string) => k8s.Quantity.fromString(q);
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: { name, labels },
      spec: {
        // migrate.sh skips what is already done, so a retry picks up where a failed run stopped.
        backoffLimit: 2,
        template: {
          metadata: { labels },
          spec: {
            ...jobPod(s.imagePullSecrets),
            securityContext: { ...restrictedPod(s.runAsUser, s.runAsGroup), fsGroup: s.runAsGroup, fsGroupChangePolicy: 'OnRootMismatch' },
            initContainers: [{
              // A native sidecar: started before the copy, stopped by Kubernetes once it is done.
              name: 'source',
              restartPolicy: 'Always',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['nats-server', '--config', `${SERVER_PATHS.config}/nats.conf`],
              env: [...serverEnv(s), ...passwordEnv(s)],
              resources: { requests: { cpu: k8s.Quantity.fromString(s.cpuRequest), memory: mem(s.memoryRequest) } },
              volumeMounts: [
                { name: 'script', mountPath: SERVER_PATHS.config, readOnly: true },
                { name: 'pid', mountPath: SERVER_PATHS.pid },
                { name: 'source', mountPath: SERVER_PATHS.store },
              ],
              securityContext: RESTRICTED_CONTAINER,
            }],
            containers: [{
              name: 'migrate',
              image: s.natsBoxImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', `${SCRIPT_DIR}/migrate.sh`],
              env: [
                { name: 'SOURCE_URL', value: `nats://127.0.0.1:${s.clientPort}` },
                { name: 'SOURCE_JETSTREAM_DIR', value: '/source/jetstream' },
                { name: 'SOURCE_ACCOUNT', value: user?.account ?? '$G' },
                { name: 'TARGET_URL', value: client.url },
                { name: 'TARGET_REPLICAS', value: `${Math.min(s.replicas, MAX_STREAM_REPLICAS)}` },
                ...(client.ca ? [{ name: 'TARGET_CA', value: client.ca }] : []),
                ...(client.cert ? [{ name: 'TARGET_CERT', value: client.cert }, { name: 'TARGET_KEY', value: client.key }] : []),
                ...client.env,
                { name: 'READY_TIMEOUT', value: `${Math.ceil((props.readyTimeout ?? Duration.minutes(5)).toSeconds())}` },
                // The CLI keeps its state under these; the root filesystem is read-only.
                { name: 'HOME', value: '/tmp' },
                { name: 'XDG_CONFIG_HOME', value: '/tmp/.config' },
              ],
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: mem('64Mi') },
                limits: { memory: mem('512Mi') },
              },
              volumeMounts: [
                { name: 'script', mountPath: SCRIPT_DIR, readOnly: true },
                { name: 'source', mountPath: '/source', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                ...client.volumeMounts,
              ],
              securityContext: RESTRICTED_CONTAINER,
            }],
            volumes: [
              { name: 'script', configMap: { name } },
              { name: 'pid', emptyDir: { medium: 'Memory', sizeLimit: mem('1Mi') } },
              { name: 'source', persistentVolumeClaim: { claimName: sourceClaim } },
              // One stream's backup at a time: never more than the old store holds.
              { name: 'tmp', emptyDir: { sizeLimit: mem(s.storageSize) } },
              ...client.volumes,
            ],
          },
        },
      },
    });
    this.job.node.addDependency(this.configMap);
  }
}

const MIGRATION_JOB_SCHEMA: Schema<NatsMigrationJobProps> = { nats: instanceOf('Nats', Nats), readyTimeout: 'duration' };
