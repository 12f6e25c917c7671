/**
 * What nats-server (v2.14) refuses in a JetStream definition, checked at synth time against what this deployment
 * can hold, so that a definition the server would reject fails the synth instead of the apply Job. Every rule is
 * shown on a real server in __tests__/jetstream-rules-server.test.ts.
 */
import { formatBytes } from '../internal/quantity';
import { subjectsOverlap } from '../internal/subjects';
import type { NatsSettings } from '../server/settings';
import { StorageType } from './enums';

/** The server's own limits. */
export const SERVER_LIMITS = {
  /** `num_replicas: must be <= 5`. */
  maxReplicas: 5,
  /** `max age needs to be >= 100ms` (also a KV bucket's or object store's TTL, which is its stream's max age). */
  minMaxAgeMillis: 100,
  /** `duplicates window needs to be >= 100ms`. */
  minDuplicateWindowMillis: 100,
  /** nats-server's default `max_payload`. */
  defaultMaxPayload: 1024 * 1024,
};

/** Subjects only the server may own: a stream on them is refused ("overlap with jetstream api"). */
const RESERVED_SUBJECTS = ['$JS.API.>'];

/** One stream as the rules see it (a KV bucket and an object store are streams too). */
export interface StreamFootprint {
  readonly storage: string;
  readonly replicas: number;
  /** -1 for unlimited. */
  readonly maxBytes: number;
  readonly maxAgeMillis: number;
  /** -1 for the server's max_payload. */
  readonly maxMsgSize: number;
  readonly duplicateWindowMillis?: number;
  readonly placementCluster?: string;
  readonly placementTags?: string[];
}

/** Where each kind of storage has room, and how much of it the declared resources have reserved so far. */
interface Store {
  readonly property: string;
  /** Per server. */
  readonly server: number;
  /** The tools' account limit (the apply Job creates every resource as that user), if any. */
  readonly account?: number;
  reserved: number;
  reservedInAccount: number;
}

/** The deployment's capacity for JetStream resources, and the rules each resource must meet. */
export class JetStreamRules {
  private readonly servers: number;
  private readonly maxPayload: number;
  private readonly clusterName?: string;
  private readonly serverTags: string[];
  private readonly accountName?: string;
  private readonly stores: { [storage: string]: Store };

  public constructor(s: NatsSettings) {
    this.servers = s.replicas;
    this.maxPayload = s.maxPayloadBytes ?? SERVER_LIMITS.defaultMaxPayload;
    this.clusterName = s.replicas > 1 ? s.clusterName : undefined;
    const tags = s.extraConfig.server_tags as string | string[] | undefined;
    this.serverTags = tags === undefined ? [] : [tags].flat();
    const { natsBoxUser, noAuthUser, users, accounts } = s.security;
    const toolAccount = (natsBoxUser ?? users.find((u) => u.name === noAuthUser))?.account;
    const account = accounts.find((a) => a.name === toolAccount);
    this.accountName = account?.name;
    this.stores = {
      [StorageType.FILE]: {
        property: 'maxFileStore', server: s.maxFileStoreBytes, account: account?.maxFileStoreBytes, reserved: 0, reservedInAccount: 0,
      },
      [StorageType.MEMORY]: {
        property: 'maxMemoryStore', server: s.maxMemoryStoreBytes, account: account?.maxMemoryStoreBytes, reserved: 0, reservedInAccount: 0,
      },
    };
  }

  /** Subjects a stream may not have: everything (`>`), the JetStream API, or what another stream already stores. */
  public checkSubjects(what: string, subjects: string[]): void {
    for (const subject of subjects) {
      if (subject === '>') {
        throw new Error(`${what} subject ">" captures every subject, which the server refuses for a stream that acknowledges; name the subjects it stores, got ">"`);
      }
      const reserved = RESERVED_SUBJECTS.find((r) => subjectsOverlap(subject, r));
      if (reserved) {
        throw new Error(`${what} subject "${subject}" overlaps the JetStream API ("${reserved}"), which the server refuses; choose another subject`);
      }
    }
  }

  /** Checks one stream's limits and placement, and reserves its bytes; throws naming the property and the room left. */
  public reserve(what: string, f: StreamFootprint): void {
    if (f.replicas > SERVER_LIMITS.maxReplicas) {
      throw new Error(`${what} replicas must be at most ${SERVER_LIMITS.maxReplicas} (the server's limit), got ${f.replicas}`);
    }
    if (f.maxAgeMillis > 0 && f.maxAgeMillis < SERVER_LIMITS.minMaxAgeMillis) {
      throw new Error(`${what} maxAge (or ttl) must be at least 100ms (the server's minimum), or unset for no limit, got ${f.maxAgeMillis}ms`);
    }
    if (f.duplicateWindowMillis !== undefined && f.duplicateWindowMillis < SERVER_LIMITS.minDuplicateWindowMillis) {
      throw new Error(`${what} duplicateWindow must be at least 100ms (the server's minimum), got ${f.duplicateWindowMillis}ms`);
    }
    if (f.maxMsgSize > this.maxPayload) {
      throw new Error(
        `${what} message size limit must be at most the server's max_payload (${formatBytes(this.maxPayload)}, maxPayload on Nats): larger messages are refused by the server before the stream sees them, got ${formatBytes(f.maxMsgSize)}`,
      );
    }
    this.checkPlacement(what, f);
    this.reserveBytes(what, f);
  }

  private checkPlacement(what: string, f: StreamFootprint): void {
    if (f.placementCluster !== undefined && f.placementCluster !== this.clusterName) {
      throw new Error(this.clusterName
        ? `${what} placementCluster must be this deployment's cluster, "${this.clusterName}" (no server of another cluster is reachable), got "${f.placementCluster}"`
        : `${what} placementCluster needs a cluster: a single server has none, got "${f.placementCluster}"`);
    }
    const missing = (f.placementTags ?? []).filter((t) => !this.serverTags.includes(t));
    if (missing.length > 0) {
      throw new Error(
        `${what} placementTags must be tags the servers have (extraConfig server_tags: ${this.serverTags.map((t) => `"${t}"`).join(', ') || 'none'}), or no server is suitable, got "${missing.join('", "')}"`,
      );
    }
  }

  /**
   * The server reserves a stream's max bytes once on each server holding a replica, and replicas times over in the
   * account (un-tiered limits); an unlimited stream reserves nothing that can be counted here.
   */
  private reserveBytes(what: string, f: StreamFootprint): void {
    const store = this.stores[f.storage];
    if (f.maxBytes < 0) return;
    if (f.maxBytes > store.server) {
      throw new Error(`${what} maxBytes must fit the server's store (${store.property} ${formatBytes(store.server)}), got ${formatBytes(f.maxBytes)}`);
    }
    const total = store.reserved + f.maxBytes * f.replicas;
    if (total > store.server * this.servers) {
      throw new Error(
        `${what} maxBytes takes the declared streams and buckets to ${formatBytes(total)} with their replicas, more than the ${this.servers} server(s) hold (${store.property} ${formatBytes(store.server)} each); lower maxBytes or raise ${store.property}`,
      );
    }
    const inAccount = store.reservedInAccount + f.maxBytes * f.replicas;
    if (store.account !== undefined && inAccount > store.account) {
      throw new Error(
        `${what} maxBytes takes account "${this.accountName}" to ${formatBytes(inAccount)} with replicas, above its JetStream limit (${store.property} ${formatBytes(store.account)}); lower maxBytes or raise the account's limit`,
      );
    }
    store.reserved = total;
    store.reservedInAccount = inAccount;
  }
}
