import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { Consumer } from './consumer';
import { COMPONENT_JETSTREAM, JetStreamApplyJob } from './jetstream-apply-job';
import { JetStreamApplyMode, StorageType } from './jetstream-enums';
import type { KvBucket } from './kv-bucket';
import { standardLabels } from './labels';
import { Nats } from './nats';
import type { ObjectStore } from './object-store';
import type { Stream } from './stream';
import { subjectsOverlap } from './subjects';

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
}

/**
 * Streams, consumers, KV buckets and object stores of one NATS deployment, declared as code and applied by
 * `kubectl apply -f dist`: by a Job running the nats CLI (default) or as NACK custom resources.
 *
 * ```ts
 * const js = new JetStream(chart, 'JetStream', { nats });
 * const stream = new Stream(js, 'Events', { jetStream: js, name: 'MY_STREAM', subjects: ['events.>'] });
 * stream.addConsumer('Users', { durableName: 'MY_CONSUMER', filterSubjects: ['events.user.>'] });
 * ```
 */
export class JetStream extends Construct {
  public readonly nats: Nats;
  public readonly mode: JetStreamApplyMode;
  /** The apply Job and its ConfigMap; absent in NACK mode. */
  public readonly applyJob?: JetStreamApplyJob;
  /** @internal */ public readonly _streams: Stream[] = [];
  /** @internal */ public readonly _consumers: Consumer[] = [];
  /** @internal */ public readonly _kvBuckets: KvBucket[] = [];
  /** @internal */ public readonly _objectStores: ObjectStore[] = [];
  private readonly streamNames = new Map<string, string>();
  private readonly resourceNames = new Map<string, string>();

  public constructor(scope: Construct, id: string, props: JetStreamProps) {
    super(scope, id);
    this.nats = props.nats;
    this.mode = props.mode ?? JetStreamApplyMode.JOB;
    if (this.mode === JetStreamApplyMode.JOB) {
      const readyTimeout = props.readyTimeout ?? Duration.minutes(5);
      const backoffLimit = props.backoffLimit ?? 4;
      if (!Number.isInteger(backoffLimit) || backoffLimit < 0) {
        throw new Error(`backoffLimit must be a whole number of at least 0, got ${backoffLimit}`);
      }
      this.applyJob = new JetStreamApplyJob(this, 'Apply', {
        settings: this.nats.settings,
        natsUrl: this.nats.clientUrl,
        readyTimeoutSeconds: Math.ceil(readyTimeout.toSeconds()),
        backoffLimit,
        jetStream: this,
      });
    }
  }

  /** @internal Labels of every object this JetStream renders. */
  public _labels(): { [key: string]: string } {
    return standardLabels(this.nats.settings.name, COMPONENT_JETSTREAM);
  }

  /** @internal Checks that replicas fit the cluster. */
  public _checkReplicas(what: string, replicas: number): void {
    const servers = this.nats.settings.replicas;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > servers) {
      throw new Error(
        `${what} replicas must be a whole number from 1 to the cluster's ${servers} server(s) (each replica needs its own server), got ${replicas}`,
      );
    }
  }

  /** @internal Memory storage needs the server's memory store. */
  public _checkStorage(what: string, storage: StorageType): void {
    if (storage === StorageType.MEMORY && this.nats.settings.memoryStoreBytes === 0) {
      throw new Error(
        `${what} storage must be StorageType.FILE: the server has no memory store (set memoryStoreSize on Nats to use MEMORY), got MEMORY`,
      );
    }
  }

  /** @internal */
  public _addStream(stream: Stream): void {
    this.claimStreamName(stream.name, `stream "${stream.name}"`);
    for (const other of this._streams) {
      for (const a of stream.subjects) {
        const b = other.subjects.find((s) => subjectsOverlap(a, s));
        if (b !== undefined) {
          throw new Error(
            `stream "${stream.name}" subject "${a}" overlaps "${b}" of stream "${other.name}": a message may be stored by one stream only; make the subjects disjoint`,
          );
        }
      }
    }
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
  public _addKvBucket(bucket: KvBucket): void {
    this.claimStreamName(`KV_${bucket.bucket}`, `KV bucket "${bucket.bucket}"`);
    this.claimResourceName('KeyValue', bucket.resourceName, bucket.bucket);
    this._kvBuckets.push(bucket);
  }

  /** @internal */
  public _addObjectStore(store: ObjectStore): void {
    this.claimStreamName(`OBJ_${store.bucket}`, `object store "${store.bucket}"`);
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
    for (const b of this._kvBuckets) {
      plan.push(`kv ${b.bucket}`);
      files[`kv.${b.bucket}.args`] = b.toCliArgs();
    }
    for (const o of this._objectStores) {
      plan.push(`object ${o.bucket}`);
      files[`object.${o.bucket}.args`] = o.toCliArgs();
    }
    return { plan, files };
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

/** A Kubernetes name for a JetStream name: lowercase, '_' as '-'. */
export function resourceNameOf(what: string, ...parts: string[]): string {
  const name = parts.join('-').toLowerCase().replace(/_/g, '-');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new Error(
      `${what} must start and end with a letter or digit and the resource name "${name}" must fit 63 characters, for its Kubernetes resource name, got "${parts.join('", "')}"`,
    );
  }
  return name;
}
