import { createHash } from 'crypto';
import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import type { JetStream } from './jetstream';
import { jetStreamName, jetStreamRepairName } from '../internal/names';
import { packagedScript } from '../internal/scripts';
import * as k8s from '../internal/k8s';
import { standardLabels } from '../internal/labels';
import { RESTRICTED_CONTAINER, jobPod, restrictedPod } from '../internal/pod-security';
import { natsClientSetup } from '../security/client';
import { NatsSettings } from '../server/settings';

export const COMPONENT_JETSTREAM = 'jetstream';
export const COMPONENT_JETSTREAM_REPAIR = 'jetstream-repair';
/**
 * `sh apply.sh <dir>`: reads `<dir>/plan` (one `stream NAME`, `consumer STREAM NAME`, `kv BUCKET` or `object BUCKET`
 * per line, in dependency order) and the definition files beside it, waits for the JetStream API at `$NATS_URL`,
 * then creates or updates each resource. Never deletes: undeclared streams are reported and left alone.
 * Exits 1 when the server rejects any definition, after trying all of them.
 */
export const APPLY_SCRIPT = packagedScript(__dirname, 'apply.sh');
const MOUNT = '/etc/jetstream';
/** Job names become a pod label, at most 63 characters: prefix, '-', hash. */
const HASH_LENGTH = 10;
const MAX_PREFIX = 63 - 1 - HASH_LENGTH;

/** The apply Job's objects, for `addJsonPatch`. */
export interface IJetStreamApplyJob extends IConstruct {
  /** The definitions and `apply.sh`. */
  readonly configMap: ApiObject;
  /** The Job, named `<name>-jetstream-<hash of what it applies>`. */
  readonly job: ApiObject;
  /** The repair CronJob, `<name>-jetstream-repair`; absent without `repairSchedule`. */
  readonly repairCronJob?: ApiObject;
}

/** Options of the apply Job; `JetStream` fills them in. */
export interface JetStreamApplyJobProps {
  readonly settings: NatsSettings;
  /** Where the Job's nats CLI connects. */
  readonly natsUrl: string;
  /** How long one attempt waits for the JetStream API. */
  readonly readyTimeout: Duration;
  readonly backoffLimit: number;
  /** Whose definitions to apply: read at synth time, so resources declared after the Job are included. */
  readonly jetStream: JetStream;
  /** When the repair CronJob runs (a checked cron schedule); none without. */
  readonly repairSchedule?: string;
}

/** apply.sh's exit code for drift (repair mode): the repair Job fails at once, no retry. */
export const DRIFT_EXIT_CODE = 3;

/**
 * A ConfigMap with the definitions and `apply.sh`, and a Job that runs it with the nats CLI in the nats-box image.
 * The Job's name ends in a hash of everything it applies: a changed definition is a new Job, so
 * `kubectl apply -f dist` runs it; an unchanged one is the same Job, so nothing runs again.
 */
export class JetStreamApplyJob extends Construct implements IJetStreamApplyJob {
  public readonly configMap: ApiObject;
  public readonly job: ApiObject;
  public readonly repairCronJob?: ApiObject;

  public constructor(scope: Construct, id: string, props: JetStreamApplyJobProps) {
    super(scope, id);
    const s = props.settings;
    const labels = standardLabels(s.name, COMPONENT_JETSTREAM);
    const configMapName = jetStreamName(s.name);
    // Connects like nats-box: same user, CA and client certificate; the CLI reads NATS_CA/NATS_CERT/NATS_KEY.
    const client = natsClientSetup(s, 'the JetStream apply Job');
    const tlsEnv = ([['NATS_CA', client.ca], ['NATS_CERT', client.cert], ['NATS_KEY', client.key]] as const)
      .filter(([, value]) => value !== undefined).map(([name, value]) => ({ name, value }));
    const data = (): { [key: string]: string } => {
      const { plan, files } = props.jetStream._definitions();
      return { 'apply.sh': APPLY_SCRIPT, 'plan': plan.map((line) => `${line}\n`).join(''), ...files };
    };

    this.configMap = new k8s.KubeConfigMap(this, 'Definitions', {
      metadata: { name: configMapName, labels },
      data: Lazy.any({ produce: data }),
    });

    // The apply Job's pod, and the repair CronJob's with `JETSTREAM_APPLY_MODE=repair`: same image, identity and TLS.
    const podTemplate = (podLabels: { [key: string]: string }, modeEnv: k8s.EnvVar[]): k8s.PodTemplateSpec => ({
      metadata: { labels: podLabels },
      spec: {
        ...jobPod(s.imagePullSecrets),
        securityContext: restrictedPod(1000, 1000),
        containers: [{
          name: 'apply',
          image: s.natsBoxImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', `${MOUNT}/apply.sh`, MOUNT],
          env: [
            { name: 'NATS_URL', value: props.natsUrl },
            ...tlsEnv,
            ...client.env,
            { name: 'JETSTREAM_READY_TIMEOUT', value: `${Math.ceil(props.readyTimeout.toSeconds())}` },
            // The CLI keeps its state and contexts under these; the root filesystem is read-only.
            { name: 'HOME', value: '/tmp' },
            { name: 'XDG_CONFIG_HOME', value: '/tmp/.config' },
            ...modeEnv,
          ],
          resources: {
            requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
            limits: { memory: k8s.Quantity.fromString('128Mi') },
          },
          volumeMounts: [
            { name: 'definitions', mountPath: MOUNT, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
            ...client.volumeMounts,
          ],
          securityContext: RESTRICTED_CONTAINER,
        }],
        volumes: [
          { name: 'definitions', configMap: { name: configMapName } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
          ...client.volumes,
        ],
      },
    });

    this.job = new HashNamedJob(this, 'Resource', jetStreamName(s.name).slice(0, MAX_PREFIX), data, {
      metadata: { labels },
      spec: { backoffLimit: props.backoffLimit, template: podTemplate(labels, []) },
    });
    this.job.node.addDependency(this.configMap);

    if (props.repairSchedule !== undefined) {
      const repairLabels = { ...labels, 'app.kubernetes.io/component': COMPONENT_JETSTREAM_REPAIR };
      this.repairCronJob = new k8s.KubeCronJob(this, 'Repair', {
        metadata: { name: jetStreamRepairName(s.name), labels: repairLabels },
        spec: {
          schedule: props.repairSchedule,
          // One repair at a time; a run the controller missed by more than 5 minutes is skipped, not caught up.
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 1,
          // The failed Jobs stay for `kubectl logs` and for kube-state-metrics' kube_job_status_failed.
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: repairLabels },
            spec: {
              backoffLimit: props.backoffLimit,
              // Drift is not fixed by a retry: the Job fails at once; an unreachable server is retried.
              podFailurePolicy: {
                rules: [{ action: 'FailJob', onExitCodes: { containerName: 'apply', operator: 'In', values: [DRIFT_EXIT_CODE] }, onPodConditions: [] }],
              },
              template: podTemplate(repairLabels, [{ name: 'JETSTREAM_APPLY_MODE', value: 'repair' }]),
            },
          },
        },
      });
      this.repairCronJob.node.addDependency(this.configMap);
    }
  }
}

/** A Job named `<prefix>-<hash>`, the hash taken at synth time over the definitions and the Job's own spec. */
class HashNamedJob extends k8s.KubeJob {
  public constructor(
    scope: Construct,
    id: string,
    private readonly prefix: string,
    private readonly content: () => { [key: string]: string },
    props: k8s.KubeJobProps,
  ) {
    super(scope, id, props);
  }

  public toJson(): any {
    const json = super.toJson();
    const digest = createHash('sha256').update(JSON.stringify([this.content(), json.spec])).digest('hex');
    return {
      ...json,
      metadata: {
        ...json.metadata,
        name: `${this.prefix}-${digest.slice(0, HASH_LENGTH)}`,
        annotations: { ...json.metadata.annotations, 'checksum/definitions': digest },
      },
    };
  }
}
