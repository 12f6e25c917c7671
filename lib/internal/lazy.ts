// Modules only some deployments need, loaded the first time a construct uses them rather than when the library
// loads: the generated CRD classes (imports/: NACK, cert-manager, the Prometheus operator) and nkeys.js. The homelab
// app needs none of them (they cost about 10 ms of CPU; node, cdk8s and cdk8s-plus-28 are most of the rest:
// docs/results/bench.md). Types still come from the modules themselves (`import type` loads nothing), so the
// compiler checks every use as before.
import type * as CertManagerCrds from '../../imports/cert-manager.io';
import type * as MonitoringCrds from '../../imports/monitoring.coreos.com';
import type * as NackCrds from '../../imports/jetstream.nats.io';
import type * as Nkeys from 'nkeys.js';

/* eslint-disable @typescript-eslint/no-require-imports -- a require() inside a function is what makes the load lazy */

/** NACK's custom resources (`jetstream.nats.io`): JetStreamApplyMode.NACK only. */
export const nackCrds = (): typeof NackCrds => require('../../imports/jetstream.nats.io');

/** cert-manager's Certificate: `certManagerIssuer` only. */
export const certManagerCrds = (): typeof CertManagerCrds => require('../../imports/cert-manager.io');

/** The Prometheus operator's PodMonitor, ServiceMonitor and PrometheusRule: `metrics` only. */
export const monitoringCrds = (): typeof MonitoringCrds => require('../../imports/monitoring.coreos.com');

/** nats-io's nkeys library, which checks a user's public nkey: nkey users only. */
export const nkeys = (): typeof Nkeys => require('nkeys.js');
