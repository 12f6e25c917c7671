// The public API. Everything else under lib/ is internal: settings resolution, renderers, helpers.

// The deployment
export { Nats } from './nats';
export { NatsProps, HealthCheck, StorageAccessMode, ClaimRetention, MetricsMonitor } from './nats-props';
export { NatsChart, NatsChartProps } from './nats-chart';
export { NATS_VERSION, NATS_BOX_VERSION, EXPORTER_VERSION } from './server/images';
// Its parts, reachable from `Nats` for `addJsonPatch`
export { INatsServer } from './server/server';
export { INatsServices } from './server/services';
export { INatsBox } from './server/nats-box';
export { INatsCertificates } from './security/certificates';
export { INatsNetworkPolicy } from './security/network-policy';
export { INatsMetrics } from './metrics/metrics';

// Beyond the cluster's clients: leafnodes, gateways, WebSocket, MQTT
export { NatsListenerProps, ListenerExposure, NatsLeafnodeRemote, NatsGatewayRemote } from './listeners/props';
export { INatsWebSocketIngress } from './listeners/websocket-ingress';

// Security
export { NatsSecurityProps, SecurityProfile, CertManagerIssuerKind, NatsAccount, NatsUser } from './security/props';

// JetStream resources as code
export { JetStream, JetStreamProps } from './jetstream/jetstream';
export { IJetStreamApplyJob } from './jetstream/apply-job';
export { Stream, StreamProps } from './jetstream/stream';
export { Consumer, ConsumerProps } from './jetstream/consumer';
export { KeyValue, KeyValueProps } from './jetstream/key-value';
export { ObjectStore, ObjectStoreProps } from './jetstream/object-store';
export { StorageType, RetentionPolicy, DiscardPolicy, DeliverPolicy, AckPolicy, JetStreamApplyMode } from './jetstream/enums';

// Operations
export { NatsMigrationJob, NatsMigrationJobProps } from './operations/migration-job';
