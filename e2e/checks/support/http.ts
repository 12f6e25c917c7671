/** One HTTP(S) GET from this machine (through a port-forward), verifying TLS against a given CA. */
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

export interface GetOptions {
  /** PEM file of the CA that must have signed the server's certificate (https only). */
  readonly caFile?: string;
  /** Name the certificate must carry when the URL holds an address (https only). */
  readonly servername?: string;
  readonly timeoutSeconds?: number;
}

/** Resolves with status and body; rejects on connection, TLS or timeout errors. */
export function httpGet(url: string, options: GetOptions = {}): Promise<HttpResponse> {
  const tls = url.startsWith('https:');
  const requestOptions: https.RequestOptions = tls
    ? { ca: options.caFile ? fs.readFileSync(options.caFile) : undefined, servername: options.servername }
    : {};
  return new Promise((resolve, reject) => {
    const req = (tls ? https : http).get(url, requestOptions, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.setTimeout((options.timeoutSeconds ?? 10) * 1000, () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}
