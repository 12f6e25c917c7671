// The pure renderers of what the nats CLI takes: `--config` JSON for streams and consumers, and flags for
// KV and object buckets (nats CLI v0.5.0 has no --config for those). Durations are nanoseconds in the JSON.

/** A stream with every default applied. */
export interface StreamModel {
  readonly name: string;
  readonly description?: string;
  readonly subjects: string[];
  readonly storage: string;
  readonly replicas: number;
  readonly retention: string;
  readonly discard: string;
  readonly maxMsgs: number;
  readonly maxBytes: number;
  readonly maxAgeMillis: number;
  readonly maxMsgSize: number;
  readonly maxMsgsPerSubject: number;
  readonly maxConsumers: number;
  readonly duplicateWindowMillis: number;
  readonly placementCluster?: string;
  readonly placementTags: string[];
  readonly mirror?: string;
  readonly sources: string[];
  readonly denyDelete: boolean;
  readonly denyPurge: boolean;
  readonly allowRollup: boolean;
  readonly allowDirect: boolean;
}

export interface ConsumerModel {
  readonly stream: string;
  readonly name: string;
  readonly description?: string;
  readonly filterSubjects: string[];
  readonly deliverPolicy: string;
  readonly ackPolicy: string;
  readonly ackWaitMillis: number;
  readonly maxDeliver: number;
  readonly backoffMillis: number[];
  readonly maxAckPending: number;
  /** Set for a push consumer; a pull consumer has none. */
  readonly deliverSubject?: string;
  readonly deliverGroup?: string;
}

/** What KV buckets and object stores have in common. */
export interface BucketModel {
  readonly bucket: string;
  readonly description?: string;
  readonly ttlMillis: number;
  readonly maxBytes: number;
  readonly replicas: number;
  readonly storage: string;
}

export interface KeyValueModel extends BucketModel {
  readonly history: number;
  readonly maxValueSize: number;
}

export type ObjectStoreModel = BucketModel;

const NANOS_PER_MILLI = 1_000_000;

/** Stream configuration as `nats stream add --config` and the JetStream API take it. */
export function renderStreamJson(m: StreamModel): string {
  const placement = m.placementCluster || m.placementTags.length > 0
    ? { cluster: m.placementCluster, tags: m.placementTags.length > 0 ? m.placementTags : undefined }
    : undefined;
  return json({
    name: m.name,
    description: m.description,
    // A mirror has no subjects of its own; the server refuses any.
    subjects: m.mirror ? undefined : m.subjects,
    retention: m.retention,
    max_consumers: m.maxConsumers,
    max_msgs_per_subject: m.maxMsgsPerSubject,
    max_msgs: m.maxMsgs,
    max_bytes: m.maxBytes,
    max_age: m.maxAgeMillis * NANOS_PER_MILLI,
    max_msg_size: m.maxMsgSize,
    storage: m.storage,
    discard: m.discard,
    num_replicas: m.replicas,
    duplicate_window: m.duplicateWindowMillis * NANOS_PER_MILLI,
    placement,
    mirror: m.mirror ? { name: m.mirror } : undefined,
    sources: m.sources.length > 0 ? m.sources.map((name) => ({ name })) : undefined,
    deny_delete: m.denyDelete,
    deny_purge: m.denyPurge,
    allow_rollup_hdrs: m.allowRollup,
    allow_direct: m.allowDirect,
  });
}

/** Consumer configuration as `nats consumer add <stream> --config` takes it. */
export function renderConsumerJson(m: ConsumerModel): string {
  const single = m.filterSubjects.length === 1;
  return json({
    name: m.name,
    durable_name: m.name,
    description: m.description,
    deliver_policy: m.deliverPolicy,
    ack_policy: m.ackPolicy,
    ack_wait: m.ackWaitMillis * NANOS_PER_MILLI,
    max_deliver: m.maxDeliver,
    backoff: m.backoffMillis.length > 0 ? m.backoffMillis.map((ms) => ms * NANOS_PER_MILLI) : undefined,
    // One filter in the field every server version knows; several need filter_subjects (2.10+).
    filter_subject: single ? m.filterSubjects[0] : undefined,
    filter_subjects: m.filterSubjects.length > 1 ? m.filterSubjects : undefined,
    replay_policy: 'instant',
    max_ack_pending: m.maxAckPending,
    deliver_subject: m.deliverSubject,
    deliver_group: m.deliverGroup,
  });
}

/** Flags for `nats kv add|edit <bucket>`, one per line; every setting explicit, so an edit also resets removed ones. */
export function renderKvArgs(m: KeyValueModel): string {
  return lines([
    `--history=${m.history}`,
    `--ttl=${m.ttlMillis}ms`,
    `--max-value-size=${m.maxValueSize}`,
    `--max-bucket-size=${m.maxBytes}`,
    `--replicas=${m.replicas}`,
    `--storage=${m.storage}`,
    `--description=${m.description ?? ''}`,
  ]);
}

/** Flags for `nats object add|edit <bucket>`, one per line. */
export function renderObjectStoreArgs(m: ObjectStoreModel): string {
  return lines([
    `--ttl=${m.ttlMillis}ms`,
    `--max-bucket-size=${m.maxBytes}`,
    `--replicas=${m.replicas}`,
    `--storage=${m.storage}`,
    `--description=${m.description ?? ''}`,
  ]);
}

/** Go duration text, as NACK's custom resources take it. */
export function goDuration(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}s` : `${millis}ms`;
}

function json(value: object): string {
  // undefined members are dropped by JSON.stringify; keys keep the order written above.
  return `${JSON.stringify(value, null, 2)}\n`;
}

function lines(items: string[]): string {
  return `${items.join('\n')}\n`;
}
