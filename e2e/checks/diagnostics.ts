/** After a FAIL: what happened in the namespace (events, objects, pod descriptions, recent logs), on stdout. */
import { kubectl } from './support/kube';

export async function dumpDiagnostics(ns: string): Promise<void> {
  console.log(`==== diagnostics for namespace ${ns}`);
  const show = async (args: string[], tail?: number) => {
    const res = await kubectl(args);
    const lines = (res.stdout + res.stderr).trimEnd().split('\n');
    console.log((tail ? lines.slice(-tail) : lines).join('\n'));
  };
  await show(['get', 'events', '-n', ns, '--sort-by=.lastTimestamp'], 60);
  await show(['-n', ns, 'get', 'all,pvc,pdb', '-o', 'wide']);
  await show(['-n', ns, 'describe', 'pods'], 200);
  const pods = await kubectl(['-n', ns, 'get', 'pods', '-o', 'name']);
  for (const pod of pods.stdout.split('\n').filter(Boolean)) {
    console.log(`---- logs ${pod}`);
    await show(['-n', ns, 'logs', '--all-containers', '--tail=40', pod]);
  }
}
