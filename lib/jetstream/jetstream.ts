import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { COMPONENT_JETSTREAM, IJetStreamApplyJob, JetStreamApplyJob } from './apply-job';
import type { Consumer } from './consumer';
import { KeyValueModel, ObjectStoreModel, StreamModel } from './definitions';
import { JetStreamApplyMode, StorageType } from './enums';
import { KeyValue, KeyValueProps } from './key-value';
import { ObjectStore, ObjectStoreProps } from './object-store';
import { JetStreamRules } from './rules';
import { Stream, StreamProps } from './stream';
import { standardLabels } from '../internal/labels';
import { claimUnique, jetStreamRepairName } from '../internal/names';
import { checkCronSchedule } from '../internal/validate';
import { Schema, checkProps, enumOf, instanceOf } from '../internal/props';
import { subjectsOverlap } from '../internal/subjects';
import { Nats } from '../nats';

/** Properties of `JetStream`, the home of a deployment's streams, consumers and buckets. */
export interface JetStreamProps {
  /** The NATS deployment the resources live on: its replicas and memory store bound theirs. */
  readonly nats: Nats;

  /**
   * How the resources reach the servers.
   *
   * @default JetStreamApplyMode.JOB
   */
  readonly mode?: JetStreamApplyMode;

  /**
   * How long one Job attempt waits for the JetStream API (a cluster first elects its meta leader). JOB mode only.
   *
   * @default Duration.minutes(5)
   */
  readonly readyTimeout?: Duration;

  /**
   * Job attempts after the first before it counts as failed. JOB mode only.
   *
   * @default 4
   */
  readonly backoffLimit?: number;

  /**
   * A cron schedule for a CronJob that re-creates missing streams, consumers and buckets, and reports drift.
   *
   * Kubernetes CronJob syntax, such as `"0 * * * *"` or `"@hourly"`. The CronJob, `<name>-jetstream-repair`, runs the
   * apply Job's script in repair mode: it re-creates a declared stream, consumer, KV bucket or object store that is
   * missing (deleted by hand, or lost with a memory store), and reports, without changing it, one that differs from
   * its declaration (such as another storage type, or limits that would drop data if put back). Drift makes the
   * run's Job fail, with a `DRIFT` line per object in its log: alert on kube-state-metrics' `kube_job_status_failed`
   * for the CronJob's Jobs. JOB mode only.
   *
   * @default - no schedule: only the apply Job runs, on `kubectl apply`
   */
  readonly repairSchedule?: string;
}

/**
 * Streams, consumers, KV buckets and object stores of one NATS deployment, declared as code and applied by
 * `kubectl apply -f dist`: by a Job running the nats CLI (default) or as NACK custom resources.
 *
 * ```ts
 * const js = new JetStream(chart, 'JetStream', { nats });
 * const stream = js.addStream('Events', { name: 'MY_STREAM', subjects: ['events.>'] });
 * stream.addConsumer('Users', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'] });
 * js.addKeyValue('Settings', { bucket: 'settings' });
 * ```
 */
export class JetStream extends Construct {
  public readonly nats: Nats;
  public readonly mode: JetStreamApplyMode;
  /** The apply Job and its ConfigMap; absent in NACK mode. */
  public readonly applyJob?: IJetStreamApplyJob;
  /** @internal */ public readonly _streams: Stream[] = [];
  /** @internal */ public readonly _consumers: Consumer[] = [];
  /** @internal */ public readonly _keyValues: KeyValue[] = [];
  /** @internal */ public readonly _objectStores: ObjectStore[] = [];
  private readonly streamNames = new Map<string, string>();
  private readonly subjectOwners: { subject: string; owner: string }[] = [];
  private readonly rules: JetStreamRules;
  private readonly resourceNames = new Map<string, string>();

  public constructor(scope: Construct, id: string, props: JetStreamProps) {
    super(scope, id);
    checkProps('', props, JETSTREAM_SCHEMA);
    if (props.nats === undefined) {
      throw new Error('nats must be the Nats deployment the resources live on, got undefined');
    }
    this.nats = props.nats;
    this.rules = new JetStreamRules(props.nats._settings);
    // One set of definitions per deployment: a second apply Job would write the same ConfigMap.
    claimUnique(this, 'JetStream of the deployment', Chart.of(this).namespace, props.nats.name);
    this.mode = props.mode ?? JetStreamApplyMode.JOB;
    if (this.mode === JetStreamApplyMode.JOB) {
      const readyTimeout = props.readyTimeout ?? Duration.minutes(5);
      const backoffLimit = props.backoffLimit ?? 4;
      if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
        throw new Error(`backoffLimit must be a whole number of at least 0, got ${backoffLimit}`);
      }
      if (props.repairSchedule !== undefined) checkRepairSchedule(props.repairSchedule, this.nats.name);
      this.applyJob = new JetStreamApplyJob(this, 'Apply', {
        settings: this.nats._settings,
        natsUrl: this.nats.clientUrl,
        readyTimeout,
        backoffLimit,
        jetStream: this,
        repairSchedule: props.repairSchedule,
      });
    } else if (props.repairSchedule !== undefined) {
      throw new Error(
        `repairSchedule needs JetStreamApplyMode.JOB: with NACK, its controller keeps the resources as declared; remove repairSchedule or use JOB mode, got ${JSON.stringify(props.repairSchedule)} with NACK`,
      );
    }
  }

  /** Declares a stream. */
  public addStream(id: string, props: StreamProps): Stream {
    return new Stream(this, id, props);
  }

  /** Declares a key-value bucket. */
  public addKeyValue(id: string, props: KeyValueProps): KeyValue {
    return new KeyValue(this, id, props);
  }

  /** Declares an object store. */
  public addObjectStore(id: string, props: ObjectStoreProps): ObjectStore {
    return new ObjectStore(this, id, props);
  }

  /** @internal Labels of every object this JetStream renders. */
  public _labels(): { [key: string]: string } {
    return standardLabels(this.nats._settings.name, COMPONENT_JETSTREAM);
  }

  /** @internal Checks that replicas fit the cluster. */
  public _checkReplicas(what: string, replicas: number): void {
    const servers = this.nats._settings.replicas;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > servers) {
      throw new Error(
        `${what} replicas must be a whole number from 1 to the cluster's ${servers} server(s) (each replica needs its own server), got ${replicas}`,
      );
    }
  }

  /** @internal Memory storage needs the server's memory store. */
  public _checkStorage(what: string, storage: StorageType): void {
    if (storage === StorageType.MEMORY && this.nats._settings.maxMemoryStoreBytes === 0) {
      throw new Error(
        `${what} storage must be StorageType.FILE: the server has no memory store (set maxMemoryStore on Nats to use MEMORY), got MEMORY`,
      );
    }
  }

  /** @internal */
  public _addStream(stream: Stream, model: StreamModel): void {
    const what = `stream "${stream.name}"`;
    this.claimStreamName(stream.name, what);
    this.rules.checkSubjects(what, stream.subjects);
    this.claimSubjects(what, stream.subjects);
    this.rules.reserve(what, model);
    this.claimResourceName('Stream', stream.resourceName, stream.name);
    this._streams.push(stream);
  }

  /** @internal */
  public _addConsumer(consumer: Consumer): void {
    const key = `${consumer.stream.name} > ${consumer.durableName}`;
    if (this._consumers.some((c) => c.stream === consumer.stream && c.durableName === consumer.durableName)) {
      throw new Error(`consumer "${consumer.durableName}" is declared twice on stream "${consumer.stream.name}"; durable names are unique per stream`);
    }
    this.claimResourceName('Consumer', consumer.resourceName, key);
    this._consumers.push(consumer);
  }

  /** @internal */
  public _addKeyValue(bucket: KeyValue, model: KeyValueModel): void {
    const what = `KV bucket "${bucket.bucket}"`;
    this.claimStreamName(`KV_${bucket.bucket}`, what);
    this.claimSubjects(what, [`$KV.${bucket.bucket}.>`]);
    this.rules.reserve(what, { ...model, maxAgeMillis: model.ttlMillis, maxMsgSize: model.maxValueSize });
    this.claimResourceName('KeyValue', bucket.resourceName, bucket.bucket);
    this._keyValues.push(bucket);
  }

  /** @internal */
  public _addObjectStore(store: ObjectStore, model: ObjectStoreModel): void {
    const what = `object store "${store.bucket}"`;
    this.claimStreamName(`OBJ_${store.bucket}`, what);
    this.claimSubjects(what, [`$O.${store.bucket}.C.>`, `$O.${store.bucket}.M.>`]);
    this.rules.reserve(what, { ...model, maxAgeMillis: model.ttlMillis, maxMsgSize: -1 });
    this.claimResourceName('ObjectStore', store.resourceName, store.bucket);
    this._objectStores.push(store);
  }

  /** @internal What the apply Job gets: the plan, in dependency order, and one definition file per entry. */
  public _definitions(): { plan: string[]; files: { [key: string]: string } } {
    const plan: string[] = [];
    const files: { [key: string]: string } = {};
    for (const s of this._streams) {
      plan.push(`stream ${s.name}`);
      files[`stream.${s.name}.json`] = s.toCliJson();
    }
    for (const c of this._consumers) {
      plan.push(`consumer ${c.stream.name} ${c.durableName}`);
      files[`consumer.${c.stream.name}.${c.durableName}.json`] = c.toCliJson();
    }
    for (const b of this._keyValues) {
      plan.push(`kv ${b.bucket}`);
      files[`kv.${b.bucket}.args`] = b.toCliArgs();
    }
    for (const o of this._objectStores) {
      plan.push(`object ${o.bucket}`);
      files[`object.${o.bucket}.args`] = o.toCliArgs();
    }
    return { plan, files };
  }

  /** A message is stored by one stream only: no subject of a stream, or inside a bucket, may overlap another's. */
  private claimSubjects(what: string, subjects: string[]): void {
    for (const subject of subjects) {
      const other = this.subjectOwners.find((o) => subjectsOverlap(subject, o.subject));
      if (other) {
        throw new Error(
          `${what} subject "${subject}" overlaps "${other.subject}" of ${other.owner}: a message may be stored by one stream only; make the subjects disjoint`,
        );
      }
    }
    subjects.forEach((subject) => this.subjectOwners.push({ subject, owner: what }));
  }

  /** KV and object buckets are streams named KV_<bucket> and OBJ_<bucket>: all share one namespace. */
  private claimStreamName(streamName: string, what: string): void {
    const other = this.streamNames.get(streamName);
    if (other) {
      throw new Error(`${what} needs the stream name "${streamName}", which ${other} already has; choose another name`);
    }
    this.streamNames.set(streamName, what);
  }

  /** NACK resource names are lowercased: MY_STREAM and my-stream would collide. */
  private claimResourceName(kind: string, resourceName: string | undefined, name: string): void {
    if (resourceName === undefined) return;
    const key = `${kind}/${resourceName}`;
    const other = this.resourceNames.get(key);
    if (other !== undefined) {
      throw new Error(`"${name}" and "${other}" both become the ${kind} resource "${resourceName}"; rename one of them`);
    }
    this.resourceNames.set(key, name);
  }
}

/** CronJob names are at most 52 characters (the controller appends an 11-character suffix to its Jobs). */
const MAX_CRONJOB_NAME = 52;

function checkRepairSchedule(schedule: string, name: string): void {
  checkCronSchedule('repairSchedule', schedule);
  const cronJob = jetStreamRepairName(name);
  if (cronJob.length > MAX_CRONJOB_NAME) {
    throw new Error(
      `repairSchedule needs a deployment name of at most ${MAX_CRONJOB_NAME - cronJob.length + name.length} characters: its CronJob "${cronJob}" must be at most ${MAX_CRONJOB_NAME}, got ${cronJob.length}`,
    );
  }
}

const JETSTREAM_SCHEMA: Schema<JetStreamProps> = {
  nats: instanceOf('Nats', Nats),
  mode: enumOf('JetStreamApplyMode', JetStreamApplyMode),
  readyTimeout: 'duration',
  backoffLimit: 'integer',
  repairSchedule: 'string',
};
