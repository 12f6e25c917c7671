import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type * as NackCrds from '../../imports/jetstream.nats.io';
import { nackCrds } from '../internal/lazy';
import { resourceNameOf } from '../internal/names';
import { AckPolicy, DeliverPolicy, JetStreamApplyMode, RetentionPolicy } from './enums';
import { ConsumerModel, goDuration, renderConsumerJson } from './definitions';
import type { Stream } from './stream';
import { Schema, checkProps, enumOf, labelOf } from '../internal/props';
import { checkJetStreamName, checkSubject, subjectWithin, subjectsOverlap } from '../internal/subjects';

const CONSUMER_SCHEMA: Schema<ConsumerProps> = {
  durableName: 'string', description: 'string', filterSubjects: 'string[]',
  deliverPolicy: enumOf('DeliverPolicy', DeliverPolicy), ackPolicy: enumOf('AckPolicy', AckPolicy),
  ackWait: 'duration', maxDeliver: 'integer', backoff: 'duration[]', maxAckPending: 'integer',
  deliverSubject: 'string', deliverGroup: 'string',
};

/** A durable consumer's settings, for `stream.addConsumer()`. */
export interface ConsumerProps {
  /** Durable name, e.g. `MY_CONSUMER`: letters, digits, '-' and '_'. */
  readonly durableName: string;

  /** @default - none */
  readonly description?: string;

  /**
   * Subjects the consumer receives; each must lie within the stream's subjects.
   *
   * @default - every message of the stream
   */
  readonly filterSubjects?: string[];

  /** @default DeliverPolicy.ALL */
  readonly deliverPolicy?: DeliverPolicy;

  /** @default AckPolicy.EXPLICIT */
  readonly ackPolicy?: AckPolicy;

  /** How long the server waits for an acknowledgement before redelivering. @default Duration.seconds(30) */
  readonly ackWait?: Duration;

  /** Deliveries of one message before the server gives up. @default - unlimited */
  readonly maxDeliver?: number;

  /** Redelivery delays, one per attempt; `maxDeliver` must exceed their count. @default - ackWait every time */
  readonly backoff?: Duration[];

  /** Unacknowledged messages in flight before delivery pauses. @default 1000 */
  readonly maxAckPending?: number;

  /**
   * Subject a push consumer delivers to. Unset makes a pull consumer, which clients fetch from.
   *
   * @default - a pull consumer
   */
  readonly deliverSubject?: string;

  /** Queue group sharing a push consumer's messages. @default - none */
  readonly deliverGroup?: string;
}

/** A durable JetStream consumer of a `Stream`. */
export class Consumer extends Construct {
  public readonly stream: Stream;
  public readonly durableName: string;
  /** Subjects it receives; empty for the whole stream. */
  public readonly filterSubjects: string[];
  /** Name of its NACK resource; set in NACK mode. */
  public readonly resourceName?: string;
  private readonly model: ConsumerModel;

  /** Prefer `stream.addConsumer(id, props)`. */
  public constructor(stream: Stream, id: string, props: ConsumerProps) {
    super(stream, id);
    checkProps(labelOf('consumer', props?.durableName), props, CONSUMER_SCHEMA);
    this.stream = stream;
    this.durableName = props.durableName;
    checkJetStreamName('consumer durableName', props.durableName);
    const what = `consumer "${props.durableName}" of stream "${stream.name}"`;

    const filterSubjects = props.filterSubjects ?? [];
    this.filterSubjects = filterSubjects;
    const stored = stream.storedSubjects;
    for (const filter of filterSubjects) {
      checkSubject(`${what} filter`, filter);
      if (!stored.some((s) => subjectWithin(filter, s))) {
        throw new Error(
          `${what} filter "${filter}" must lie within the stream's subjects ("${stored.join('", "')}"), or the consumer never receives a message`,
        );
      }
    }
    if (props.deliverSubject !== undefined) {
      checkSubject(`${what} deliverSubject`, props.deliverSubject);
      if (/(^|\.)[*>](\.|$)/.test(props.deliverSubject)) {
        throw new Error(`${what} deliverSubject must be a literal subject without '*' or '>', got "${props.deliverSubject}"`);
      }
    } else if (props.deliverGroup !== undefined) {
      throw new Error(`${what} deliverGroup needs a deliverSubject (push consumer), got deliverGroup "${props.deliverGroup}" on a pull consumer`);
    }
    const maxDeliver = props.maxDeliver ?? -1;
    if (maxDeliver !== -1 && (!Number.isInteger(maxDeliver) || maxDeliver < 1)) {
      throw new Error(`${what} maxDeliver must be a whole number of at least 1 (leave it unset for unlimited), got ${maxDeliver}`);
    }
    const backoff = (props.backoff ?? []).map((d) => d.toMilliseconds());
    if (backoff.length > 0 && maxDeliver !== -1 && maxDeliver <= backoff.length) {
      throw new Error(`${what} maxDeliver must exceed the number of backoff delays (${backoff.length}), got ${maxDeliver}`);
    }
    const deliverPolicy = props.deliverPolicy ?? DeliverPolicy.ALL;
    if (stream.retention === RetentionPolicy.WORK_QUEUE) {
      checkWorkQueue(what, stream, filterSubjects, deliverPolicy);
    }
    if (backoff.length > 0 && props.ackWait !== undefined) {
      // The server replaces ack_wait with the first backoff delay; refuse a setting that would be ignored.
      throw new Error(`${what} ackWait must be unset when backoff is set (the first backoff delay is the ack wait), got ${props.ackWait.toMilliseconds()}ms`);
    }
    const ackWaitMillis = backoff.length > 0 ? backoff[0] : (props.ackWait ?? Duration.seconds(30)).toMilliseconds();
    const maxAckPending = props.maxAckPending ?? 1000;
    if (!Number.isInteger(maxAckPending) || maxAckPending < 1) {
      throw new Error(`${what} maxAckPending must be a whole number of at least 1, got ${maxAckPending}`);
    }

    this.model = {
      stream: stream.name,
      name: props.durableName,
      description: props.description,
      filterSubjects,
      deliverPolicy,
      ackPolicy: props.ackPolicy ?? AckPolicy.EXPLICIT,
      ackWaitMillis,
      maxDeliver,
      backoffMillis: backoff,
      maxAckPending,
      deliverSubject: props.deliverSubject,
      deliverGroup: props.deliverGroup,
    };

    const js = stream.jetStream;
    if (js.mode === JetStreamApplyMode.NACK) {
      this.resourceName = resourceNameOf('stream and consumer names', stream.name, props.durableName);
    }
    js._addConsumer(this);
    if (this.resourceName) {
      this.renderNack(this.resourceName);
    }
  }

  /** The `nats consumer add <stream> --config` JSON. */
  public toCliJson(): string {
    return renderConsumerJson(this.model);
  }

  private renderNack(resourceName: string): void {
    const nack = nackCrds();
    const m = this.model;
    const deliverPolicy: { [policy: string]: NackCrds.ConsumerSpecDeliverPolicy } = {
      all: nack.ConsumerSpecDeliverPolicy.ALL,
      last: nack.ConsumerSpecDeliverPolicy.LAST,
      new: nack.ConsumerSpecDeliverPolicy.NEW,
      last_per_subject: nack.ConsumerSpecDeliverPolicy.LAST_PER_SUBJECT,
    };
    const resource = new nack.Consumer(this, 'Resource', {
      metadata: { name: resourceName, labels: this.stream.jetStream._labels() },
      spec: {
        streamName: m.stream,
        durableName: m.name,
        description: m.description,
        filterSubject: m.filterSubjects.length === 1 ? m.filterSubjects[0] : undefined,
        filterSubjects: m.filterSubjects.length > 1 ? m.filterSubjects : undefined,
        deliverPolicy: deliverPolicy[m.deliverPolicy],
        ackPolicy: m.ackPolicy as NackCrds.ConsumerSpecAckPolicy,
        ackWait: goDuration(m.ackWaitMillis),
        maxDeliver: m.maxDeliver,
        backoff: m.backoffMillis.length > 0 ? m.backoffMillis.map(goDuration) : undefined,
        maxAckPending: m.maxAckPending,
        deliverSubject: m.deliverSubject,
        deliverGroup: m.deliverGroup,
        replayPolicy: nack.ConsumerSpecReplayPolicy.INSTANT,
        servers: [this.stream.jetStream.nats.clientUrl],
        preventDelete: true,
      },
    });
    resource.node.addDependency(this.stream);
  }
}

/** A work queue hands each message to one consumer: the server wants every consumer from the start, on disjoint filters. */
function checkWorkQueue(what: string, stream: Stream, filters: string[], deliverPolicy: DeliverPolicy): void {
  if (deliverPolicy !== DeliverPolicy.ALL) {
    throw new Error(`${what} deliverPolicy must be DeliverPolicy.ALL on a work-queue stream, got ${deliverPolicy}`);
  }
  const overlap = (a: string[], b: string[]) =>
    a.length === 0 || b.length === 0 || a.some((x) => b.some((y) => subjectsOverlap(x, y)));
  const other = stream.jetStream._consumers.find((c) => c.stream === stream && overlap(c.filterSubjects, filters));
  if (other) {
    throw new Error(
      `${what} filters ("${filters.join('", "') || 'the whole stream'}") overlap those of consumer "${other.durableName}" on work-queue stream "${stream.name}"; a work queue needs disjoint filters`,
    );
  }
}
