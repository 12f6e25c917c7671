/**
 * Default images. The nats-server version is the newest 2.15 release the Go module proxy serves, chosen after the
 * fault suite's s9 upgraded from the previous default (2.14.10) under load; scripts/versions.env builds the same
 * version for the tests.
 */
export const NATS_VERSION = '2.15.3';
export const NATS_BOX_VERSION = '0.19.7';
/** The config reloader of nats-io/nack, the one the official chart runs. */
export const RELOADER_VERSION = '0.22.4';
/** nats-io/prometheus-nats-exporter; scripts/versions.env builds the same version for the tests. */
export const EXPORTER_VERSION = '0.20.1';

/** Official image and the name it has under a mirror prefix such as `harbor.example.com/library`. */
interface DefaultImage {
  readonly official: string;
  readonly mirrored: string;
}

export const NATS_IMAGE: DefaultImage = {
  official: `nats:${NATS_VERSION}-alpine`,
  mirrored: `nats:${NATS_VERSION}-alpine`,
};
export const NATS_BOX_IMAGE: DefaultImage = {
  official: `natsio/nats-box:${NATS_BOX_VERSION}`,
  mirrored: `nats-box:${NATS_BOX_VERSION}`,
};

export const RELOADER_IMAGE: DefaultImage = {
  official: `natsio/nats-server-config-reloader:${RELOADER_VERSION}`,
  mirrored: `nats-server-config-reloader:${RELOADER_VERSION}`,
};

export const EXPORTER_IMAGE: DefaultImage = {
  official: `natsio/prometheus-nats-exporter:${EXPORTER_VERSION}`,
  mirrored: `prometheus-nats-exporter:${EXPORTER_VERSION}`,
};

/** The reference for a default image, under `registry` when a mirror prefix is set. */
export function defaultImage(image: DefaultImage, registry?: string): string {
  return registry ? `${registry}/${image.mirrored}` : image.official;
}

/** `imagePullSecrets` of a pod spec; omitted when there are none, so kubectl sees no diff. */
export function pullSecretRefs(names: string[]): { name: string }[] | undefined {
  return names.length > 0 ? names.map((name) => ({ name })) : undefined;
}
