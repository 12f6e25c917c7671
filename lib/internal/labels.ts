/** Standard `app.kubernetes.io/*` labels. Selector labels never change, since selectors are immutable. */

export const COMPONENT_SERVER = 'server';
export const COMPONENT_BOX = 'nats-box';

export function selectorLabels(instance: string, component: string): { [key: string]: string } {
  return {
    'app.kubernetes.io/name': 'nats',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  };
}

export function standardLabels(instance: string, component: string, version?: string): { [key: string]: string } {
  return {
    ...selectorLabels(instance, component),
    ...(version ? { 'app.kubernetes.io/version': version } : {}),
    'app.kubernetes.io/part-of': 'nats',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}
