export * from './nats';
export * from './nats-props';
export * from './nats-chart';
export * from './nats-statefulset';
export * from './nats-services';
export * from './nats-box';
export { NatsSettings } from './settings';
export { NATS_VERSION, NATS_BOX_VERSION } from './images';
