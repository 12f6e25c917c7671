/** `kubectl port-forward` on 127.0.0.1 only, to a port the kernel picks; every forward is closed by closeAll(). */
import { ChildProcess, spawn } from 'child_process';

export class PortForwards {
  private readonly children: ChildProcess[] = [];

  /** Forwards a free local port to `remotePort` of `target` (`svc/NAME`, `pod/NAME`); resolves with the local port. */
  public open(ns: string, target: string, remotePort: number, timeoutSeconds = 10): Promise<number> {
    const child = spawn('kubectl', ['-n', ns, 'port-forward', '--address', '127.0.0.1', target, `:${remotePort}`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`port-forward ${target} ${remotePort}: not forwarding after ${timeoutSeconds}s: ${output.trim()}`));
      }, timeoutSeconds * 1000);
      const onData = (data: Buffer) => {
        output += data;
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`port-forward ${target} ${remotePort} exited (${code}): ${output.trim()}`));
      });
    });
  }

  public closeAll(): void {
    for (const child of this.children.splice(0)) child.kill();
  }
}
