import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type * as NackCrds from '../../imports/jetstream.nats.io';
import { nackCrds } from '../internal/lazy';
import { bucketModel } from './bucket';
import type { JetStream } from './jetstream';
import { resourceNameOf } from '../internal/names';
import { JetStreamApplyMode, StorageType } from './enums';
import { KeyValueModel, goDuration, renderKvArgs } from './definitions';
import { parseBytes } from '../internal/quantity';
import { Schema, checkProps, enumOf, labelOf } from '../internal/props';
import { checkJetStreamName } from '../internal/subjects';

/** The server keeps at most 64 values per key. */
const MAX_HISTORY = 64;

/** Properties of a `KeyValue` bucket. */
export interface KeyValueProps {
  /** Bucket name: letters, digits, '-' and '_'. Its stream is `KV_<bucket>`. */
  readonly bucket: string;

  /** @default - none */
  readonly description?: string;

  /** Values kept per key, 1 to 64. @default 1 */
  readonly history?: number;

  /** How long a value is kept. @default - forever */
  readonly ttl?: Duration;

  /** Largest value, as a quantity such as `1Mi`. @default - the server's max_payload */
  readonly maxValueSize?: string;

  /** Largest total size, as a quantity such as `1Gi`. @default - unlimited */
  readonly maxBytes?: string;

  /** @default 1 */
  readonly replicas?: number;

  /** Fixed once the bucket exists. @default StorageType.FILE */
  readonly storage?: StorageType;
}

const KEY_VALUE_SCHEMA: Schema<KeyValueProps> = {
  bucket: 'string', description: 'string', history: 'integer', ttl: 'duration', maxValueSize: 'string', maxBytes: 'string',
  replicas: 'integer', storage: enumOf('StorageType', StorageType),
};

/** A JetStream key-value bucket. */
export class KeyValue extends Construct {
  public readonly jetStream: JetStream;
  public readonly bucket: string;
  /** Name of its NACK resource; set in NACK mode. */
  public readonly resourceName?: string;
  private readonly model: KeyValueModel;

  /** Prefer `jetStream.addKeyValue(id, props)`. */
  public constructor(jetStream: JetStream, id: string, props: KeyValueProps) {
    super(jetStream, id);
    checkProps(labelOf('KV bucket', props?.bucket), props, KEY_VALUE_SCHEMA);
    const js = jetStream;
    this.jetStream = js;
    this.bucket = props.bucket;
    checkJetStreamName('KV bucket name', props.bucket);
    const what = `KV bucket "${props.bucket}"`;
    const history = props.history ?? 1;
    if (!Number.isInteger(history) || history < 1 || history > MAX_HISTORY) {
      throw new Error(`${what} history must be a whole number from 1 to ${MAX_HISTORY}, got ${history}`);
    }
    this.model = {
      ...bucketModel(js, what, props),
      history,
      maxValueSize: props.maxValueSize === undefined ? -1 : parseBytes(`${what} maxValueSize`, props.maxValueSize),
    };
    if (js.mode === JetStreamApplyMode.NACK) {
      this.resourceName = resourceNameOf('KV bucket name', props.bucket);
    }
    js._addKeyValue(this, this.model);
    if (this.resourceName) {
      const m = this.model;
      new (nackCrds().KeyValue)(this, 'Resource', {
        metadata: { name: this.resourceName, labels: js._labels() },
        spec: {
          bucket: m.bucket,
          description: m.description,
          history: m.history,
          ttl: m.ttlMillis > 0 ? goDuration(m.ttlMillis) : undefined,
          maxValueSize: m.maxValueSize,
          maxBytes: m.maxBytes,
          replicas: m.replicas,
          storage: m.storage as NackCrds.KeyValueSpecStorage,
          servers: [js.nats.clientUrl],
          preventDelete: true,
        },
      });
    }
  }

  /** The flags for `nats kv add|edit <bucket>`, one per line. */
  public toCliArgs(): string {
    return renderKvArgs(this.model);
  }
}
