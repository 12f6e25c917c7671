/** The `restricted` Pod Security level, shared by every workload the library creates. */
import { pullSecretRefs } from '../server/images';
import * as k8s from './k8s';

/** Container settings the restricted level requires, plus a read-only root filesystem. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** Pod settings: a non-root user and group, and the runtime's default seccomp profile. */
export function restrictedPod(uid: number, gid: number): { [key: string]: unknown } {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Pod settings of the library's Jobs: run once, no Service variables, no API token (they never call the API server). */
export function jobPod(imagePullSecrets: string[]): Partial<k8s.PodSpec> {
  return {
    restartPolicy: 'Never',
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    imagePullSecrets: pullSecretRefs(imagePullSecrets),
  };
}
