import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type * as NackCrds from '../../imports/jetstream.nats.io';
import { nackCrds } from '../internal/lazy';
import { Consumer, ConsumerProps } from './consumer';
import { StreamModel, goDuration, renderStreamJson } from './definitions';
import { DiscardPolicy, JetStreamApplyMode, RetentionPolicy, StorageType } from './enums';
import type { JetStream } from './jetstream';
import { resourceNameOf } from '../internal/names';
import { Schema, checkProps, enumOf, instanceOf, instancesOf, labelOf } from '../internal/props';
import { parseBytes } from '../internal/quantity';
import { checkJetStreamName, checkSubject } from '../internal/subjects';

/** Properties of a JetStream `Stream`. */
export interface StreamProps {
  /** Stream name, e.g. `MY_STREAM`: letters, digits, '-' and '_'. */
  readonly name: string;

  /**
   * Subjects the stream stores, e.g. `events.>`. No two streams may share a subject.
   *
   * @default - none; only for a mirror or a stream fed by `sources`
   */
  readonly subjects?: string[];

  /** @default - none */
  readonly description?: string;

  /** @default StorageType.FILE */
  readonly storage?: StorageType;

  /** Copies of the data, each on its own server: at most the cluster's replicas. @default 1 */
  readonly replicas?: number;

  /** @default RetentionPolicy.LIMITS */
  readonly retention?: RetentionPolicy;

  /** @default DiscardPolicy.OLD */
  readonly discard?: DiscardPolicy;

  /** @default - unlimited */
  readonly maxMsgs?: number;

  /** Maximum stored bytes, as a quantity such as `1Gi`. @default - unlimited */
  readonly maxBytes?: string;

  /** @default - unlimited */
  readonly maxAge?: Duration;

  /** Largest accepted message, as a quantity. @default - the server's max_payload */
  readonly maxMsgSize?: string;

  /** @default - unlimited */
  readonly maxMsgsPerSubject?: number;

  /** @default - unlimited */
  readonly maxConsumers?: number;

  /** Window in which a repeated `Nats-Msg-Id` is dropped; at most `maxAge`. @default Duration.minutes(2) */
  readonly duplicateWindow?: Duration;

  /** Place the stream in this cluster. @default - any */
  readonly placementCluster?: string;

  /** Place the stream on servers with these tags. @default - any */
  readonly placementTags?: string[];

  /** Mirror this stream: a read-only copy, with no subjects of its own. @default - not a mirror */
  readonly mirror?: Stream;

  /** Copy the messages of these streams into this one. @default - none */
  readonly sources?: Stream[];

  /** @default false */
  readonly denyDelete?: boolean;

  /** @default false */
  readonly denyPurge?: boolean;

  /** Allow `Nats-Rollup` headers to replace a subject's messages. @default false */
  readonly allowRollup?: boolean;

  /**
   * Allow direct get from any replica. On by default, as `nats stream add --defaults` has it, so that the same
   * stream added by hand with the CLI is the same configuration, not a conflict.
   *
   * @default true
   */
  readonly allowDirect?: boolean;
}

/** A JetStream stream, created or updated by `JetStream`'s apply mode. */
export class Stream extends Construct {
  public readonly jetStream: JetStream;
  public readonly name: string;
  /** Subjects the stream stores itself (empty for a mirror or a sources-only stream). */
  public readonly subjects: string[];
  public readonly retention: RetentionPolicy;
  /** Name of its NACK resource; set in NACK mode. */
  public readonly resourceName?: string;
  private readonly model: StreamModel;
  private readonly mirror?: Stream;
  private readonly sources: Stream[];

  /** Prefer `jetStream.addStream(id, props)`. */
  public constructor(jetStream: JetStream, id: string, props: StreamProps) {
    super(jetStream, id);
    checkProps(labelOf('stream', props?.name), props, STREAM_SCHEMA);
    const js = jetStream;
    this.jetStream = js;
    this.name = props.name;
    checkJetStreamName('stream name', props.name);
    const what = `stream "${props.name}"`;
    this.subjects = props.subjects ?? [];
    this.subjects.forEach((s) => checkSubject(`${what} subject`, s));
    this.mirror = props.mirror;
    this.sources = props.sources ?? [];
    if (this.mirror && this.subjects.length > 0) {
      throw new Error(`${what} is a mirror of "${this.mirror.name}" and must have no subjects, got "${this.subjects.join('", "')}"`);
    }
    if (this.mirror && this.sources.length > 0) {
      throw new Error(`${what} must be either a mirror or have sources, got mirror "${this.mirror.name}" and ${this.sources.length} source(s)`);
    }
    if (!this.mirror && this.sources.length === 0 && this.subjects.length === 0) {
      throw new Error(`${what} must have at least one subject (or a mirror or sources), got none`);
    }
    for (const origin of [...(this.mirror ? [this.mirror] : []), ...this.sources]) {
      if (origin.jetStream !== js) {
        throw new Error(`${what} can only mirror or source streams of the same JetStream, got "${origin.name}"`);
      }
    }

    this.retention = props.retention ?? RetentionPolicy.LIMITS;
    const storage = props.storage ?? StorageType.FILE;
    js._checkStorage(what, storage);
    const replicas = props.replicas ?? 1;
    js._checkReplicas(what, replicas);

    if (props.allowRollup && props.denyPurge) {
      // A roll-up purges the subject's earlier messages; the server refuses the pair.
      throw new Error(`${what} allowRollup needs purges: set denyPurge to false, got allowRollup true and denyPurge true`);
    }
    const maxAgeMillis = props.maxAge?.toMilliseconds() ?? 0;
    const duplicateWindowMillis = (props.duplicateWindow ?? Duration.minutes(2)).toMilliseconds();
    if (maxAgeMillis > 0 && duplicateWindowMillis > maxAgeMillis) {
      // The server's default window is min(2m, max_age); an explicit longer one is refused.
      if (props.duplicateWindow) {
        throw new Error(`${what} duplicateWindow must not exceed maxAge (${maxAgeMillis}ms), got ${duplicateWindowMillis}ms`);
      }
    }
    this.model = {
      name: props.name,
      description: checkText(`${what} description`, props.description),
      subjects: this.subjects,
      storage,
      replicas,
      retention: this.retention,
      discard: props.discard ?? DiscardPolicy.OLD,
      maxMsgs: limit(`${what} maxMsgs`, props.maxMsgs),
      maxBytes: props.maxBytes === undefined ? -1 : parseBytes(`${what} maxBytes`, props.maxBytes),
      maxAgeMillis,
      maxMsgSize: props.maxMsgSize === undefined ? -1 : parseBytes(`${what} maxMsgSize`, props.maxMsgSize),
      maxMsgsPerSubject: limit(`${what} maxMsgsPerSubject`, props.maxMsgsPerSubject),
      maxConsumers: limit(`${what} maxConsumers`, props.maxConsumers),
      duplicateWindowMillis: maxAgeMillis > 0 ? Math.min(duplicateWindowMillis, maxAgeMillis) : duplicateWindowMillis,
      placementCluster: props.placementCluster,
      placementTags: props.placementTags ?? [],
      mirror: this.mirror?.name,
      sources: this.sources.map((s) => s.name),
      denyDelete: props.denyDelete ?? false,
      denyPurge: props.denyPurge ?? false,
      allowRollup: props.allowRollup ?? false,
      allowDirect: props.allowDirect ?? true,
    };

    if (js.mode === JetStreamApplyMode.NACK) {
      this.resourceName = resourceNameOf('stream name', props.name);
    }
    js._addStream(this, this.model);
    if (this.resourceName) {
      this.renderNack(this.resourceName);
    }
  }

  /** Every subject a message in this stream can have: its own, its mirror's and its sources'. */
  public get storedSubjects(): string[] {
    const origins = [...(this.mirror ? [this.mirror] : []), ...this.sources];
    return [...this.subjects, ...origins.flatMap((o) => o.storedSubjects)];
  }

  /** Adds a durable consumer of this stream. */
  public addConsumer(id: string, props: ConsumerProps): Consumer {
    return new Consumer(this, id, props);
  }

  /** The `nats stream add --config` JSON. */
  public toCliJson(): string {
    return renderStreamJson(this.model);
  }

  private renderNack(resourceName: string): void {
    const nack = nackCrds();
    const m = this.model;
    new nack.Stream(this, 'Resource', {
      metadata: { name: resourceName, labels: this.jetStream._labels() },
      spec: {
        name: m.name,
        description: m.description,
        subjects: m.mirror ? undefined : m.subjects,
        storage: m.storage as NackCrds.StreamSpecStorage,
        replicas: m.replicas,
        retention: m.retention as NackCrds.StreamSpecRetention,
        discard: m.discard as NackCrds.StreamSpecDiscard,
        maxMsgs: m.maxMsgs,
        maxBytes: m.maxBytes,
        maxAge: m.maxAgeMillis > 0 ? goDuration(m.maxAgeMillis) : undefined,
        maxMsgSize: m.maxMsgSize,
        maxMsgsPerSubject: m.maxMsgsPerSubject,
        maxConsumers: m.maxConsumers,
        duplicateWindow: goDuration(m.duplicateWindowMillis),
        placement: m.placementCluster || m.placementTags.length > 0
          ? { cluster: m.placementCluster, tags: m.placementTags.length > 0 ? m.placementTags : undefined } : undefined,
        mirror: m.mirror ? { name: m.mirror } : undefined,
        sources: m.sources.length > 0 ? m.sources.map((name) => ({ name })) : undefined,
        denyDelete: m.denyDelete,
        denyPurge: m.denyPurge,
        allowRollup: m.allowRollup,
        allowDirect: m.allowDirect,
        servers: [this.jetStream.nats.clientUrl],
        // Removing the resource from code must not delete the stream's messages.
        preventDelete: true,
      },
    });
  }
}

/** A count limit: unset means unlimited (-1 to the server). */
export function limit(what: string, value: number | undefined): number {
  if (value === undefined) return -1;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${what} must be a whole number of at least 1 (leave it unset for unlimited), got ${value}`);
  }
  return value;
}

/** Descriptions travel as one line in the Job's definition files. */
export function checkText(what: string, text: string | undefined): string | undefined {
  if (text !== undefined && /[\r\n]/.test(text)) {
    throw new Error(`${what} must be a single line, got ${JSON.stringify(text)}`);
  }
  return text;
}

/** Checked at runtime for callers without TypeScript's types (defined after the class it refers to). */
const STREAM_SCHEMA: Schema<StreamProps> = {
  name: 'string', subjects: 'string[]', description: 'string',
  storage: enumOf('StorageType', StorageType), replicas: 'integer',
  retention: enumOf('RetentionPolicy', RetentionPolicy), discard: enumOf('DiscardPolicy', DiscardPolicy),
  maxMsgs: 'integer', maxBytes: 'string', maxAge: 'duration', maxMsgSize: 'string', maxMsgsPerSubject: 'integer',
  maxConsumers: 'integer', duplicateWindow: 'duration', placementCluster: 'string', placementTags: 'string[]',
  mirror: instanceOf('Stream', Stream), sources: instancesOf('Stream', Stream),
  denyDelete: 'boolean', denyPurge: 'boolean', allowRollup: 'boolean', allowDirect: 'boolean',
};
