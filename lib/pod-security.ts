/** The `restricted` Pod Security level, shared by every workload the library creates. */

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
