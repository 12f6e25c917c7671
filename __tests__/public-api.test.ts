// The public API has a clear edge: index.ts exports these and nothing else. Internals (settings resolution,
// renderers, the parts' classes, helpers) stay private; a change here is a change of the API.
import * as api from '../lib';

test('index.ts exports the public API only', () => {
  expect(Object.keys(api).sort()).toEqual([
    'AckPolicy', 'CertManagerIssuerKind', 'ClaimRetention', 'Consumer', 'DeliverPolicy', 'DiscardPolicy', 'EXPORTER_VERSION',
    'HealthCheck', 'JetStream', 'JetStreamApplyMode', 'KeyValue', 'ListenerExposure', 'MetricsMonitor', 'NATS_BOX_VERSION', 'NATS_VERSION', 'Nats',
    'NatsChart', 'NatsMigrationJob', 'ObjectStore', 'RetentionPolicy', 'SecurityProfile', 'StorageAccessMode',
    'StorageType', 'Stream',
  ]);
});
