// A throwaway CA and certificates made with openssl, standing in for cert-manager in the tests.
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

export interface Pem { readonly crt: string; readonly key: string }

export class TestCa {
  private readonly dir = mkdtempSync(join(tmpdir(), 'nats-ca-'));
  public readonly ca: Pem;

  public constructor() {
    this.openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=nats test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
    this.ca = this.read('ca');
  }

  /** A certificate signed by the CA, with DNS and IP subject alternative names. */
  public issue(name: string, dnsNames: string[], ipAddresses: string[] = []): Pem {
    const san = [...dnsNames.map((d) => `DNS:${d}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(',');
    writeFileSync(join(this.dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    this.openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`,
      '-keyout', `${name}.key`, '-out', `${name}.csr`);
    this.openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
    return this.read(name);
  }

  /** Writes a PEM pair to files for a client, returning their paths. */
  public files(name: string, pem: Pem): { crt: string; key: string } {
    writeFileSync(join(this.dir, `${name}.client.crt`), pem.crt);
    writeFileSync(join(this.dir, `${name}.client.key`), pem.key);
    return { crt: join(this.dir, `${name}.client.crt`), key: join(this.dir, `${name}.client.key`) };
  }

  public destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private read(name: string): Pem {
    return { crt: readFileSync(join(this.dir, `${name}.crt`), 'utf8'), key: readFileSync(join(this.dir, `${name}.key`), 'utf8') };
  }

  private openssl(...args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}
