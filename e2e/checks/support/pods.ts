/** The few Pod fields the checks read from `kubectl get pods -o json`. */
import { kubectlJson } from './kube';

export interface Pod {
  metadata: { name: string; uid: string; labels?: { [k: string]: string }; ownerReferences?: Array<{ kind: string }> };
  spec: {
    containers: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number }> }>;
    volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
  };
  status: { podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export function isReady(pod: Pod): boolean {
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pods of `ns`, optionally those matching the label `selector`. */
export async function listPods(ns: string, selector?: string): Promise<Pod[]> {
  const list = await kubectlJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', ...(selector ? ['-l', selector] : [])]);
  return list.items;
}
