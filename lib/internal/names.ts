/**
 * Every Kubernetes object name the library derives from the deployment's `name`, in one place. Names are stable
 * and readable (no hashes where users type them); the apply Job alone carries a content hash, so that a changed
 * definition is a new Job.
 */
import { IConstruct } from 'constructs';
import { Topology } from '../server/topology';

/** The headless Service that gives each server pod a DNS name for routes. */
export const headlessServiceName = (name: string) => `${name}-headless`;

/** The nats-box Deployment, and the ConfigMap with its CLI contexts. */
export const natsBoxName = (name: string) => `${name}-box`;
export const natsBoxContextsName = (name: string) => `${natsBoxName(name)}-contexts`;

/** The JetStream apply Job's ConfigMap; its Jobs are `<this>-<hash>`. */
export const jetStreamName = (name: string) => `${name}-jetstream`;
/** The repair CronJob: at most 52 characters (its Jobs add 11), which `name`'s own limit leaves room for. */
export const jetStreamRepairName = (name: string) => `${name}-jetstream-repair`;

/** The migration Job and its ConfigMap. */
export const migrationName = (name: string) => `${name}-migrate`;

/**
 * The volume claim template: claims are `<template>-<name>-<ordinal>`, e.g. `nats-js-nats-0`. Standalone and
 * cluster never share claims (see topology.ts).
 */
export function claimTemplateName(name: string, topology: Topology): string {
  return topology === Topology.CLUSTER ? `${name}-cluster-js` : `${name}-js`;
}

/** The claim of one server pod. */
export const claimName = (name: string, topology: Topology, ordinal: number) => `${claimTemplateName(name, topology)}-${name}-${ordinal}`;

/** The ConfigMap holding nats.conf; one per topology, so a running standalone server keeps its own. */
export function configMapName(name: string, topology: Topology): string {
  return topology === Topology.CLUSTER ? `${name}-cluster-config` : `${name}-config`;
}

/** A Kubernetes name for JetStream names (NACK resources): lowercase, '_' as '-'. */
export function resourceNameOf(what: string, ...parts: string[]): string {
  const name = parts.join('-').toLowerCase().replace(/_/g, '-');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new Error(
      `${what} must start and end with a letter or digit and the resource name "${name}" must fit 63 characters, for its Kubernetes resource name, got "${parts.join('", "')}"`,
    );
  }
  return name;
}

const claims = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claims a name for `scope` across the whole app: two deployments (or two JetStream apply Jobs) with one name in one
 * namespace would write the same objects, and the last applied would silently replace the other.
 */
export function claimUnique(scope: IConstruct, what: string, namespace: string | undefined, name: string): void {
  const root = scope.node.root;
  const taken = claims.get(root) ?? new Map<string, string>();
  claims.set(root, taken);
  const key = `${what}\n${namespace ?? ''}\n${name}`;
  const other = taken.get(key);
  if (other !== undefined) {
    throw new Error(
      `${what} "${name}" is declared twice in namespace "${namespace ?? '(the default)'}" (${other} and ${scope.node.path}): their objects would overwrite each other; give one another name or namespace`,
    );
  }
  taken.set(key, scope.node.path);
}

/**
 * The Service of an external listener (and the WebSocket Ingress): `<name>-leafnodes`, `<name>-gateway`,
 * `<name>-websocket`, `<name>-mqtt`. The client Service keeps `<name>`.
 */
export const listenerServiceName = (name: string, listener: 'leafnodes' | 'gateway' | 'websocket' | 'mqtt') => `${name}-${listener}`;
