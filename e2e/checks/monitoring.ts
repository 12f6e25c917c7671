/**
 * Monitoring on 8222 (/healthz, /varz; with R>1 each server's routes and JetStream meta leader) and the nats CLI's
 * server and account views. Plain HTTP is fetched from nats-box inside the cluster; HTTPS through a 127.0.0.1
 * port-forward, verified against the deployment's CA.
 */
import { Ctx, podHost, serverPods } from './deployment';
import { boxExec, kubectl, nats } from './support/kube';
import { httpGet } from './support/http';
import { lastLines, parseJson } from './support/text';

const HEALTHY = '{"status":"ok"}';

export async function checkHealthAndVarz(c: Ctx): Promise<void> {
  const { d, r } = c;
  if (!d.monitorTls) {
    const host = `${d.clientService}.${d.ns}.svc.cluster.local`;
    const hz = await boxExec(d.ns, d.box, ['wget', '-qO-', `http://${host}:8222/healthz`]);
    const body = (hz.stdout + hz.stderr).trim();
    r.check(body === HEALTHY, `GET http://${host}:8222/healthz from nats-box: ${body}`, `healthz: '${body}'`);
    const varz = await boxExec(d.ns, d.box, ['wget', '-qO-', `http://${host}:8222/varz`]);
    checkVarz(c, `GET http://${host}:8222/varz`, varz.stdout || varz.stderr);
    return;
  }
  const port = await c.forwards.open(d.ns, `svc/${d.clientService}`, 8222);
  const hz = await httpsGet(c, port, '/healthz');
  r.check(hz === HEALTHY, `GET https://svc/${d.clientService}:8222/healthz (port-forward, verified against the CA): ${hz}`,
    `https healthz: '${hz}'`);
  checkVarz(c, 'GET https://.../varz', await httpsGet(c, port, '/varz'));
  const plain = await httpGet(`http://127.0.0.1:${port}/healthz`, { timeoutSeconds: 5 }).then((res) => res.body, (e: Error) => e.message);
  r.check(plain.trim() !== HEALTHY, 'plain http on the monitoring port is refused', 'monitoring port answers plain http');
}

/** The server's name and version, with JetStream configured. */
function checkVarz(c: Ctx, what: string, body: string): void {
  const varz = parseJson<{ server_name: string; version: string; jetstream?: { config?: object } }>(body);
  if (varz && varz.jetstream?.config) c.r.pass(`${what}: ${varz.server_name} ${varz.version} jetstream=true`);
  else c.r.fail(`varz: ${body.slice(0, 200)}`);
}

/** Per server (R>1): routes to every peer, and all servers agree on one JetStream meta leader. */
export async function checkRoutesAndMetaLeader(c: Ctx): Promise<void> {
  const { d, r } = c;
  if (d.replicas < 2) return;
  const leaders: string[] = [];
  for (const [n, pod] of serverPods(d).entries()) {
    const [jszBody, routezBody] = await serverMonitor(c, n, ['/jsz', '/routez']);
    const jsz = parseJson<{ meta_cluster?: { leader?: string } }>(jszBody);
    const routez = parseJson<{ routes?: Array<{ remote_name?: string }> }>(routezBody);
    if (jsz?.meta_cluster?.leader) leaders.push(jsz.meta_cluster.leader);
    const peers = new Set((routez?.routes ?? []).map((route) => route.remote_name)).size;
    r.check(peers >= d.replicas - 1, `${pod} routes to ${peers} peer(s)${d.monitorTls ? ' (cluster TLS configured)' : ''}`,
      `${pod} routes: ${peers} peers, expected ${d.replicas - 1}`);
  }
  const unique = [...new Set(leaders)];
  r.check(unique.length === 1 && leaders.length === d.replicas,
    `JetStream meta leader elected: ${unique[0]} (all ${d.replicas} servers agree)`, `JetStream meta leader: '${leaders.join(' ')}'`);
}

/** One server's monitoring endpoints: from nats-box through the headless Service, or its pod port-forwarded. */
async function serverMonitor(c: Ctx, n: number, endpoints: string[]): Promise<string[]> {
  const { d } = c;
  const bodies: string[] = [];
  if (!d.monitorTls) {
    for (const e of endpoints) bodies.push((await boxExec(d.ns, d.box, ['wget', '-qO-', `http://${podHost(d, n)}:8222${e}`])).stdout);
    return bodies;
  }
  const port = await c.forwards.open(d.ns, `pod/${d.sts}-${n}`, 8222);
  for (const e of endpoints) bodies.push(await httpsGet(c, port, e));
  return bodies;
}

async function httpsGet(c: Ctx, port: number, endpoint: string): Promise<string> {
  return httpGet(`https://127.0.0.1:${port}${endpoint}`, { caFile: c.live.caFile, servername: 'localhost' })
    .then((res) => res.body.trim(), (e: Error) => e.message);
}

export interface AdminUser {
  readonly user: string;
  readonly secret: string;
  readonly key: string;
}

/**
 * `nats server info` needs the system account. Without users (homelab) the server answers no $SYS request, which is
 * reported as such; with a system user (VERIFY_ADMIN_*) `nats server list` must show the servers.
 */
export async function checkServerInfo(c: Ctx, admin: AdminUser | undefined): Promise<void> {
  const { d, r } = c;
  const info = await nats(d.ns, d.box, ['server', 'info']);
  const infoOut = info.stdout + info.stderr;
  if (info.code === 0) {
    r.pass(`nats server info: ${(infoOut.split('\n').find((l) => /Server Name|Name:/.test(l)) ?? '').trim().replace(/\s+/g, ' ')}`);
  } else if (admin) {
    const secret = await kubectl(['-n', d.ns, 'get', 'secret', admin.secret, '-o', `jsonpath={.data.${admin.key}}`]);
    const password = Buffer.from(secret.stdout, 'base64').toString();
    const list = await boxExec(d.ns, d.box, ['env', `NATS_USER=${admin.user}`, `NATS_PASSWORD=${password}`, 'nats', 'server', 'list']);
    const servers = list.stdout.split('\n').filter((l) => l.includes(`${d.sts}-`)).length;
    r.check(list.code === 0 && servers === d.replicas, `nats server list as system user ${admin.user}: ${servers} server line(s)`,
      `nats server list as ${admin.user}: ${lastLines(list.stdout + list.stderr, 2)}`);
  } else {
    r.check(infoOut.includes('system privileges'),
      'nats server info refused without a system account (homelab has none; set VERIFY_ADMIN_USER with one) - /varz above is the server info',
      `nats server info: ${lastLines(infoOut, 2)}`);
  }
  const account = await nats(d.ns, d.box, ['account', 'info']);
  const accountName = /Account:\s*(\S+)/.exec(account.stdout)?.[1];
  r.check(account.code === 0 && /JetStream Account Information|Account Limits/.test(account.stdout),
    `nats account info: account ${accountName}, JetStream enabled`, `nats account info: ${lastLines(account.stdout + account.stderr, 3)}`);
}
