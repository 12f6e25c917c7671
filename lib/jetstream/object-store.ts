import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type * as NackCrds from '../../imports/jetstream.nats.io';
import { nackCrds } from '../internal/lazy';
import { bucketModel } from './bucket';
import type { JetStream } from './jetstream';
import { resourceNameOf } from '../internal/names';
import { JetStreamApplyMode, StorageType } from './enums';
import { ObjectStoreModel, goDuration, renderObjectStoreArgs } from './definitions';
import { Schema, checkProps, enumOf, labelOf } from '../internal/props';
import { checkJetStreamName } from '../internal/subjects';

/** Properties of an `ObjectStore`. */
export interface ObjectStoreProps {
  /** Bucket name: letters, digits, '-' and '_'. Its stream is `OBJ_<bucket>`. */
  readonly bucket: string;

  /** @default - none */
  readonly description?: string;

  /** How long an object is kept. @default - forever */
  readonly ttl?: Duration;

  /** Largest total size, as a quantity such as `10Gi`. @default - unlimited */
  readonly maxBytes?: string;

  /** @default 1 */
  readonly replicas?: number;

  /** Fixed once the store exists. @default StorageType.FILE */
  readonly storage?: StorageType;
}

const OBJECT_STORE_SCHEMA: Schema<ObjectStoreProps> = {
  bucket: 'string', description: 'string', ttl: 'duration', maxBytes: 'string', replicas: 'integer',
  storage: enumOf('StorageType', StorageType),
};

/** A JetStream object store bucket. */
export class ObjectStore extends Construct {
  public readonly jetStream: JetStream;
  public readonly bucket: string;
  /** Name of its NACK resource; set in NACK mode. */
  public readonly resourceName?: string;
  private readonly model: ObjectStoreModel;

  /** Prefer `jetStream.addObjectStore(id, props)`. */
  public constructor(jetStream: JetStream, id: string, props: ObjectStoreProps) {
    super(jetStream, id);
    checkProps(labelOf('object store', props?.bucket), props, OBJECT_STORE_SCHEMA);
    const js = jetStream;
    this.jetStream = js;
    this.bucket = props.bucket;
    checkJetStreamName('object store bucket name', props.bucket);
    const what = `object store "${props.bucket}"`;
    this.model = bucketModel(js, what, props);
    if (js.mode === JetStreamApplyMode.NACK) {
      this.resourceName = resourceNameOf('object store bucket name', props.bucket);
    }
    js._addObjectStore(this, this.model);
    if (this.resourceName) {
      const m = this.model;
      new (nackCrds().ObjectStore)(this, 'Resource', {
        metadata: { name: this.resourceName, labels: js._labels() },
        spec: {
          bucket: m.bucket,
          description: m.description,
          ttl: m.ttlMillis > 0 ? goDuration(m.ttlMillis) : undefined,
          maxBytes: m.maxBytes,
          replicas: m.replicas,
          storage: m.storage as NackCrds.ObjectStoreSpecStorage,
          servers: [js.nats.clientUrl],
          preventDelete: true,
        },
      });
    }
  }

  /** The flags for `nats object add|edit <bucket>`, one per line. */
  public toCliArgs(): string {
    return renderObjectStoreArgs(this.model);
  }
}
