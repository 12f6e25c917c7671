/** How the alerts and the dashboard find this deployment's series among everything a Prometheus scrapes. */

/** Target label the monitors set to the deployment's name (a relabeling), beside the operator's `namespace`. */
export const DEPLOYMENT_LABEL = 'nats_deployment';

/** The label matchers of this deployment's series, e.g. `nats_deployment="nats",namespace="nats"`. */
export function seriesMatchers(name: string, namespace?: string): string {
  return [`${DEPLOYMENT_LABEL}="${name}"`, ...(namespace ? [`namespace="${namespace}"`] : [])].join(',');
}

/** `metric{<matchers>}` with extra matchers, if any. */
export function series(metric: string, matchers: string, extra = ''): string {
  return `${metric}{${matchers}${extra ? `,${extra}` : ''}}`;
}
