/** Where a stream or bucket keeps its messages. */
export enum StorageType {
  /** On the JetStream volume. */
  FILE = 'file',
  /** In memory: needs the server's memory store (`maxMemoryStore`); lost when the server restarts. */
  MEMORY = 'memory',
}

/** When a stream removes messages. */
export enum RetentionPolicy {
  /** Only when a limit (messages, bytes, age) is reached. */
  LIMITS = 'limits',
  /** Once every consumer has acknowledged the message. */
  INTEREST = 'interest',
  /** Once any consumer has acknowledged the message (a work queue). */
  WORK_QUEUE = 'workqueue',
}

/** What a full stream does with a new message. */
export enum DiscardPolicy {
  /** Removes the oldest messages to make room. */
  OLD = 'old',
  /** Refuses the new message. */
  NEW = 'new',
}

/** Where a new consumer starts in its stream. */
export enum DeliverPolicy {
  ALL = 'all',
  LAST = 'last',
  NEW = 'new',
  LAST_PER_SUBJECT = 'last_per_subject',
}

/** How a consumer's messages are acknowledged. */
export enum AckPolicy {
  /** Each message is acknowledged on its own. */
  EXPLICIT = 'explicit',
  /** Acknowledging a message acknowledges every earlier one. */
  ALL = 'all',
  /** No acknowledgements: each message is delivered once. */
  NONE = 'none',
}

/** How the declared streams, consumers and buckets reach the servers. */
export enum JetStreamApplyMode {
  /** A Kubernetes Job runs the nats CLI (nats-box image) and creates or updates each one: no controller needed. */
  JOB = 'job',
  /** `jetstream.nats.io` custom resources, for a NACK controller running in the cluster. */
  NACK = 'nack',
}
