import type { JetStream } from './jetstream';
import { StorageType } from './enums';
import { BucketModel } from './definitions';
import type { ObjectStoreProps } from './object-store';
import { parseBytes } from '../internal/quantity';
import { checkText } from './stream';

/**
 * Checks and defaults what KV buckets and object stores share (an object store has nothing else; `KeyValueProps`
 * adds to it); `what` names the bucket in errors.
 */
export function bucketModel(js: JetStream, what: string, props: ObjectStoreProps): BucketModel {
  const storage = props.storage ?? StorageType.FILE;
  js._checkStorage(what, storage);
  const replicas = props.replicas ?? 1;
  js._checkReplicas(what, replicas);
  return {
    bucket: props.bucket,
    description: checkText(`${what} description`, props.description),
    ttlMillis: props.ttl?.toMilliseconds() ?? 0,
    maxBytes: props.maxBytes === undefined ? -1 : parseBytes(`${what} maxBytes`, props.maxBytes),
    replicas,
    storage,
  };
}
