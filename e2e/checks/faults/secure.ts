/**
 * s7 and s8 (issue 12): the production-like deployment (e2e/faults/secure-app.ts: TLS on every listener, users with
 * passwords from a Secret, NetworkPolicy) changes its certificate and credentials while the load generator publishes,
 * and the servers must take the change by a reload, not a restart.
 *   s7-cert-rotation: the server certificate in its Secret is replaced by a new one from the same CA; within 60 s
 *     every server presents the new serial on its client, route and monitoring listeners (real `openssl s_client`
 *     from the node to each pod; for the client port through a relay that reads the server's plaintext INFO first,
 *     as a NATS client does); no pod restarted or replaced.
 *   s8-credentials-reload: a user is added (a new key of the password Secret, the user in the app, `kubectl apply`)
 *     and another user's password is rotated in the Secret; on every server the new user logs in, the old password is
 *     refused and the new one works (the real nats CLI in nats-box); no pod restarted or replaced, no roll.
 * s12 (account-full.ts) runs on the same deployment; this module holds what the three share (SECURE, the PKI, the
 * passwords, secureScenario).
 * The suite runs as root on the node: its connections to pod IPs are not subject to the NetworkPolicy (e2e/up.sh).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { kubectl, kubectlJson, kubectlOk, run as exec, sleep } from '../support/kube';
import { Manifests } from '../support/manifests';
import { seconds, ServerPod } from './cluster';
import type { LoadGenAuth } from './loadgen';
import type { Bench, Fault, ScenarioRun, ScenarioSpec } from './scenario';
import { Target } from './target';

/** The names e2e/faults/secure-app.ts references and the suite creates. */
export const SECURE = {
  tlsSecret: 'nats-tls',
  caSecret: 'nats-ca',
  usersSecret: 'nats-users',
  /** Users of the first synthesis; `added` joins in s8's second one. */
  users: ['app', 'loadgen', 'rotated', 'admin', 'filler'],
  loadgenUser: 'loadgen',
  rotatedUser: 'rotated',
  /** s12's user, in the account LIMITED with a small JetStream file limit. */
  fillerUser: 'filler',
  limitedAccount: 'LIMITED',
  limitedAccountMaxFileStore: { setting: '64Mi', bytes: 64 * 2 ** 20 },
  addedUser: 'added',
} as const;

/**
 * Issue 12's limit: the change is in effect within 60 s. The kubelet updates a pod's Secret and ConfigMap volumes only
 * when it syncs the pod, every syncFrequency (1 min) plus up to 50 % jitter (pkg/kubelet/pod_workers.go,
 * workerResyncIntervalJitterFactor), so on a default kubelet a new file reaches a pod 0-90 s after the API change,
 * which neither the library nor the reloader controls. Hence two checks: within RELOAD_LIMIT_S of the new file in the
 * pod (the reloader's and the server's part), and within RELOAD_LIMIT_S + KUBELET_SYNC_MAX_S of the API change.
 */
const RELOAD_LIMIT_S = 60;
const KUBELET_SYNC_MAX_S = 90;
const END_TO_END_LIMIT_S = RELOAD_LIMIT_S + KUBELET_SYNC_MAX_S;
/** How long both keep watching, to tell "late" from "never" in the notes. */
const WATCH_S = END_TO_END_LIMIT_S + 30;

export interface Certificate {
  readonly crt: string;
  readonly key: string;
  /** As `openssl x509 -serial` prints it (upper-case hex). */
  readonly serial: string;
}

/** A throwaway CA and the server certificates it issues, as e2e/checks/prod.ts makes them (real openssl). */
export class Pki {
  public readonly caFile: string;
  private readonly caKey: string;

  public constructor(private readonly dir: string, private readonly namespace: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.caFile = path.join(dir, 'ca.crt');
    this.caKey = path.join(dir, 'ca.key');
  }

  public async init(): Promise<void> {
    await must(exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nats-faults-ca',
      '-keyout', this.caKey, '-out', this.caFile]), 'openssl: CA');
  }

  /** A new key and certificate for serverAuth + clientAuth (routes present it to their peers), SANs as prod.ts's. */
  public async issue(name: string): Promise<Certificate> {
    const f = (ext: string) => path.join(this.dir, `${name}.${ext}`);
    const ns = this.namespace;
    const sans = ['nats', `nats.${ns}`, `nats.${ns}.svc`, `nats.${ns}.svc.cluster.local`, '*.nats-headless', `*.nats-headless.${ns}`,
      `*.nats-headless.${ns}.svc`, `*.nats-headless.${ns}.svc.cluster.local`, 'localhost'].map((n) => `DNS:${n}`).concat('IP:127.0.0.1');
    fs.writeFileSync(f('ext'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`
      + 'keyUsage=digitalSignature,keyEncipherment\n');
    await must(exec('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=nats.${ns}.svc`, '-keyout', f('key'), '-out', f('csr')]),
      'openssl: server key');
    // -set_serial from 16 random bytes: every certificate gets its own serial, as a CA's do.
    await must(exec('openssl', ['x509', '-req', '-in', f('csr'), '-CA', this.caFile, '-CAkey', this.caKey,
      '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^0+/, '') || '1'}`, '-days', '2', '-extfile', f('ext'), '-out', f('crt')]),
    'openssl: server certificate');
    return { crt: f('crt'), key: f('key'), serial: await serialOf(fs.readFileSync(f('crt'), 'utf8')) };
  }
}

/** What s7, s8 and s12 work with: the PKI, the certificate the servers should present, the users' passwords. */
export interface SecureContext {
  readonly pki: Pki;
  current: Certificate;
  readonly passwords: { [user: string]: string };
}

/** Creates the namespace with the Secrets the secure deployment references: nats-tls, nats-ca and nats-users. */
export async function prepareSecure(namespace: string, dir: string): Promise<SecureContext> {
  const pki = new Pki(dir, namespace);
  await pki.init();
  const current = await pki.issue('tls-1');
  const passwords = Object.fromEntries(SECURE.users.map((u) => [u, randomBytes(16).toString('hex')]));
  // --save-config: the later `kubectl apply -f DIR` of the Namespace then prints no warning.
  await kubectlOk(['create', 'namespace', namespace, '--save-config']);
  await kubectlOk(['-n', namespace, 'create', 'secret', 'tls', SECURE.tlsSecret, `--cert=${current.crt}`, `--key=${current.key}`]);
  await kubectlOk(['-n', namespace, 'create', 'secret', 'generic', SECURE.caSecret, `--from-file=ca.crt=${pki.caFile}`]);
  await kubectlOk(['-n', namespace, 'create', 'secret', 'generic', SECURE.usersSecret,
    ...Object.entries(passwords).map(([u, p]) => `--from-literal=${u}=${p}`)]);
  return { pki, current, passwords };
}

/** The load generator logs in as its own user, verifying the servers against the CA. */
export const LOADGEN_AUTH: LoadGenAuth = {
  caSecret: SECURE.caSecret, caKey: 'ca.crt', user: SECURE.loadgenUser, passwordSecret: SECURE.usersSecret, passwordKey: SECURE.loadgenUser,
};

/** s7, s8 and s12 (account-full.ts) on the secure deployment, writing to `stream`. */
export function secureScenario(name: string, fault: Fault, stream: string): ScenarioSpec {
  return { name, stream, replicas: 3, reelect: false, fault };
}

export const certRotationScenario = (stream: string) => secureScenario('s7-cert-rotation', certRotation, stream);
export const credentialsReloadScenario = (stream: string) => secureScenario('s8-credentials-reload', credentialsReload, stream);

// --- s7 ---------------------------------------------------------------------------------------------------------

type Listener = 'client' | 'route' | 'monitor';
const LISTENERS: readonly Listener[] = ['client', 'route', 'monitor'];

async function certRotation(run: ScenarioRun, b: Bench): Promise<void> {
  const sec = secureOf(run, b);
  const ns = b.target.namespace;
  const pods = await serverPods(run, b);
  const before = await podStates(b, pods);
  const old = sec.current;

  const pre = await serials(b, sec, pods);
  if (![...pre.values()].every((s) => s === old.serial)) {
    run.abort('serial-before', `before the rotation, not every listener presents the Secret's serial ${old.serial}: ${summary(pre)}`);
  }
  run.check(true, 'serial-before', `before: every listener presents the Secret's serial ${old.serial} (${summary(pre)})`);
  const fresh = await sec.pki.issue('tls-2');
  if (fresh.serial === old.serial) run.abort('serial', 'the new certificate has the old serial');

  const t0 = Date.now();
  const secret = await kubectlOk(['-n', ns, 'create', 'secret', 'tls', SECURE.tlsSecret, `--cert=${fresh.crt}`, `--key=${fresh.key}`,
    '--dry-run=client', '-o', 'json']);
  await kubectlOk(['-n', ns, 'replace', '-f', '-'], { input: secret });
  sec.current = fresh;
  run.note(`serial=${old.serial.slice(0, 8)}..->${fresh.serial.slice(0, 8)}..`);

  // When the kubelet puts the new certificate into each pod (read in the server container), ...
  const certPath = await mountedFile(b.target, SECURE.tlsSecret, 'tls.crt');
  const marker = fs.readFileSync(fresh.crt, 'utf8').split('\n').find((l) => l.length >= 60 && !l.includes('-----')) ?? '';
  const filesAt = new Map<string, number>();
  const delivered = Promise.all(pods.map(async (p) => {
    const at = await fileHas(b, p.name, certPath, marker, WATCH_S, t0);
    if (at !== undefined) filesAt.set(p.name, at);
  }));
  // ... and when each listener of each server presents it.
  const first = new Map<string, number>();
  let last = pre;
  let allNewS: number | undefined;
  while (seconds(t0) < WATCH_S) {
    last = await serials(b, sec, pods);
    const at = seconds(t0);
    for (const [k, s] of last) if (s === fresh.serial && !first.has(k)) first.set(k, at);
    if ([...last.values()].every((s) => s === fresh.serial)) {
      allNewS = at;
      break;
    }
    await sleep(1000);
  }
  await delivered;
  const serialAt = (p: ServerPod) => Math.max(...LISTENERS.map((l) => first.get(key(p, l)) ?? Infinity));
  const reloads = pods.map((p) => ({ pod: p.name, file: filesAt.get(p.name), serial: serialAt(p) }));
  const show = (n: number | undefined) => (n === undefined || n === Infinity ? 'never' : `${n}s`);
  run.note(`file_at:${reloads.map((r) => `${r.pod}=${show(r.file)}`).join(',')}`);
  run.note(`new_serial_at:${reloads.map((r) => `${r.pod}=${show(r.serial)}`).join(',')}`);
  const lag = reloads.map((r) => (r.file === undefined ? Infinity : Math.round((r.serial - r.file) * 10) / 10));
  run.check(lag.every((l) => l <= RELOAD_LIMIT_S), 'reload', 'every server presents the new serial on its client, route and monitoring ' +
    `listeners at most ${Math.max(...lag)} s after the new certificate reached its pod (limit ${RELOAD_LIMIT_S} s; ` +
    `${reloads.map((r) => `${r.pod}: file ${show(r.file)}, serial ${show(r.serial)}`).join('; ')})`);
  run.check(allNewS !== undefined && allNewS <= END_TO_END_LIMIT_S, 'new-serial', allNewS !== undefined
    ? `every listener presents the new serial ${allNewS} s after the Secret changed (limit ${RELOAD_LIMIT_S} s + the kubelet's ` +
      `${KUBELET_SYNC_MAX_S} s volume sync = ${END_TO_END_LIMIT_S} s)`
    : `not every listener presents the new serial ${WATCH_S} s after the Secret changed: ${summary(last, fresh.serial)}`);
  run.note(`issue_60s_from_secret=${allNewS !== undefined && allNewS <= RELOAD_LIMIT_S ? 'met' : 'missed'}`);

  await checkNoRestarts(run, b, pods, before);
  run.healthyS = await healthyAfter(run, b, t0);
}

/** The path in the server container of `file` from Secret `secretName`, from the StatefulSet of the target. */
async function mountedFile(t: Target, secretName: string, file: string): Promise<string> {
  const sts = Manifests.read(t.dir).one('StatefulSet');
  const spec = sts.spec.template.spec;
  const volume = (spec.volumes as { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] } }[])
    .find((v) => v.secret?.secretName === secretName);
  const server = (spec.containers as { name: string; volumeMounts?: { name: string; mountPath: string }[] }[])
    .find((c) => c.name === t.serverContainer);
  const mount = server?.volumeMounts?.find((m) => m.name === volume?.name);
  if (!volume || !mount) throw new Error(`${t.dir}: the server container mounts no volume of Secret ${secretName}`);
  const item = volume.secret?.items?.find((i) => i.key === file);
  return `${mount.mountPath}/${item ? item.path : file}`;
}

/** Seconds from `t0` until `file` in the pod's server container holds `line` (one exec that waits), or undefined. */
async function fileHas(b: Bench, pod: string, file: string, line: string, timeoutS: number, t0: number): Promise<number | undefined> {
  const script = `i=0; while ! grep -qF "$1" "$2"; do i=$((i+1)); [ $i -lt ${timeoutS * 4} ] || exit 1; sleep 0.25; done`;
  const r = await kubectl(['-n', b.target.namespace, 'exec', pod, '-c', b.target.serverContainer, '--', 'sh', '-c', script, 'sh', line, file],
    { timeoutSeconds: timeoutS + 30 });
  return r.code === 0 ? seconds(t0) : undefined;
}

function key(p: ServerPod, l: Listener): string {
  return `${p.name}/${l}`;
}

/** `pod/listener -> serial` (or `ERR: …`) for every listener of every pod, in parallel. */
async function serials(b: Bench, sec: SecureContext, pods: ServerPod[]): Promise<Map<string, string>> {
  const jobs = pods.flatMap((p) => LISTENERS.map(async (l) => [key(p, l), await presented(b.target, sec, p, l)] as const));
  return new Map(await Promise.all(jobs));
}

/**
 * The serial of the certificate `listener` of `pod` presents, with the chain verified against the CA and the name
 * `<pod>.<headless Service>.<namespace>` (its wildcard is in the certificate; clients refuse a wildcard over fewer
 * than three labels), by `openssl s_client`; `ERR: …` when that fails.
 */
async function presented(t: Target, sec: SecureContext, pod: ServerPod, listener: Listener): Promise<string> {
  const name = `${pod.name}.${t.headlessService}.${t.namespace}`;
  const args = (host: string, port: number) => ['s_client', '-connect', `${host}:${port}`, '-servername', name, '-verify_hostname', name,
    '-CAfile', sec.pki.caFile, '-verify_return_error'];
  try {
    switch (listener) {
      case 'monitor': return await s_client(args(pod.ip, t.monitorPort));
      // Routes verify their peers: present a certificate of the same CA, as a peer does.
      case 'route': return await s_client([...args(pod.ip, t.clusterPort), '-cert', sec.current.crt, '-key', sec.current.key]);
      case 'client': return await viaInfoRelay(pod.ip, t.clientPort, (port) => s_client(args('127.0.0.1', port)));
    }
  } catch (e) {
    return `ERR: ${(e as Error).message}`;
  }
}

async function s_client(args: string[]): Promise<string> {
  const r = await exec('openssl', args, { timeoutSeconds: 10 });
  if (!r.stdout.includes('BEGIN CERTIFICATE')) {
    const why = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => /error|errno|refused|unable/i.test(l)) ?? `exit ${r.code}`;
    throw new Error(why.trim().slice(0, 120));
  }
  return serialOf(r.stdout);
}

async function serialOf(pem: string): Promise<string> {
  const r = await exec('openssl', ['x509', '-noout', '-serial'], { input: pem, timeoutSeconds: 10 });
  const m = /^serial=([0-9A-F]+)/m.exec(r.stdout);
  if (!m) throw new Error(`openssl x509 -serial: ${r.stderr.trim() || r.stdout.trim()}`);
  return m[1];
}

/**
 * A NATS server sends its INFO in plaintext and expects the TLS handshake after it. This relays a local port to
 * `ip:port`, reading that INFO line (which must say tls_required) before passing the bytes through, so that
 * `openssl s_client` can speak TLS to the client listener as a NATS client does.
 */
async function viaInfoRelay<T>(ip: string, port: number, use: (localPort: number) => Promise<T>): Promise<T> {
  let infoError: Error | undefined;
  const sockets: net.Socket[] = [];
  const server = net.createServer((local) => {
    sockets.push(local);
    const upstream = net.connect(port, ip);
    sockets.push(upstream);
    let head = Buffer.alloc(0);
    const onInfo = (data: Buffer) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n');
      if (end < 0) return;
      upstream.off('data', onInfo);
      const info = head.subarray(0, end).toString();
      if (!info.startsWith('INFO ') || !info.includes('"tls_required":true')) {
        infoError = new Error(`client port INFO without tls_required: ${info.slice(0, 80)}`);
        local.destroy();
        upstream.destroy();
        return;
      }
      if (head.length > end + 2) local.write(head.subarray(end + 2));
      upstream.pipe(local);
      local.pipe(upstream);
    };
    upstream.on('data', onInfo);
    const close = () => { local.destroy(); upstream.destroy(); };
    upstream.on('error', close);
    local.on('error', close);
    upstream.on('close', close);
    local.on('close', close);
  });
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).on('error', reject));
  try {
    const result = await use((server.address() as net.AddressInfo).port);
    if (infoError) throw infoError;
    return result;
  } catch (e) {
    throw infoError ?? e;
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

function summary(m: Map<string, string>, want?: string): string {
  const entries = [...m].filter(([, s]) => want === undefined || s !== want);
  const short = (s: string) => (s.startsWith('ERR') ? s : `${s.slice(0, 8)}..`);
  return entries.map(([k, s]) => `${k}=${short(s)}`).join(' ');
}

// --- s8 ---------------------------------------------------------------------------------------------------------

/** One login attempt's outcome on one server. */
interface Login {
  readonly server: string;
  /** added: the new user with its password; old / new: the rotated user with its old / new password. */
  readonly attempt: 'added' | 'old' | 'new';
  readonly ok: boolean;
  /** The server said "Authorization Violation". */
  readonly refused: boolean;
}

async function credentialsReload(run: ScenarioRun, b: Bench): Promise<void> {
  const sec = secureOf(run, b);
  const changed = b.targets.secureAdded;
  if (!changed) run.abort('no-target', 'no synthesis with the added user');
  const ns = b.target.namespace;
  const pods = await serverPods(run, b);
  const before = await podStates(b, pods);
  const generation = await stsGeneration(b);
  const pw = {
    added: randomBytes(16).toString('hex'),
    old: sec.passwords[SECURE.rotatedUser],
    new: randomBytes(16).toString('hex'),
  };

  // Before: the user to be added does not exist, the rotated user's old password works and its new one does not.
  const pre = await logins(b, pods, pw);
  const preText = `${SECURE.addedUser} refused, ${SECURE.rotatedUser}'s old password works and its new one is refused, on every server`;
  if (!pre.every((l) => (l.attempt === 'old' ? l.ok : !l.ok && l.refused))) {
    run.abort('auth-before', `before the change, not ${preText}: ${loginSummary(pre)}`);
  }
  run.check(true, 'auth-before', `before: ${preText} (${loginSummary(pre)})`);

  const t0 = Date.now();
  const data = { [SECURE.addedUser]: b64(pw.added), [SECURE.rotatedUser]: b64(pw.new) };
  await kubectlOk(['-n', ns, 'patch', 'secret', SECURE.usersSecret, '--type', 'merge', '-p', JSON.stringify({ data })]);
  sec.passwords[SECURE.addedUser] = pw.added;
  sec.passwords[SECURE.rotatedUser] = pw.new;
  const apply = await kubectlOk(['apply', '-f', changed.dir]);
  const changedObjects = apply.split('\n').filter((l) => l.trim() && !/ unchanged$/.test(l)).map((l) => l.trim());
  run.note(`apply_reported:${changedObjects.map((l) => l.replace(/ (configured|created)$/, '')).join(',') || 'nothing'}`);
  b.log.log(`  s8 apply: ${changedObjects.join('; ') || 'all unchanged'}`);

  const want = (l: Login) => (l.attempt === 'old' ? !l.ok && l.refused : l.ok);
  const first: { [attempt: string]: number } = {};
  let last = pre;
  while (seconds(t0) < WATCH_S) {
    last = await logins(b, pods, pw).catch((e): Login[] => {
      b.log.log(`  s8 login probe: ${(e as Error).message}`);
      return [];
    });
    const at = seconds(t0);
    for (const attempt of ['added', 'old', 'new'] as const) {
      const these = last.filter((l) => l.attempt === attempt);
      if (first[attempt] === undefined && these.length === pods.length && these.every(want)) first[attempt] = at;
    }
    if (last.length && last.every(want)) break;
    await sleep(2000);
  }
  const within = (s: number | undefined) => s !== undefined && s <= END_TO_END_LIMIT_S;
  const when = (s: number | undefined) => (s === undefined ? `not within ${WATCH_S} s` : `after ${s} s`);
  run.check(within(first.added), 'added-user', `new user ${SECURE.addedUser} logs in on every server ${when(first.added)} ` +
    `(limit ${RELOAD_LIMIT_S} s + the kubelet's ${KUBELET_SYNC_MAX_S} s volume sync)` +
    `${first.added === undefined ? `: ${loginSummary(last.filter((l) => l.attempt === 'added'))}` : ''}`);
  run.check(within(first.old), 'old-password', `${SECURE.rotatedUser}'s old password refused on every server ${when(first.old)}` +
    `${first.old === undefined ? `: ${loginSummary(last.filter((l) => l.attempt === 'old'))}` : ''}`);
  run.check(within(first.new), 'new-password', `${SECURE.rotatedUser}'s new password works on every server ${when(first.new)}` +
    `${first.new === undefined ? `: ${loginSummary(last.filter((l) => l.attempt === 'new'))}` : ''}`);
  run.note(`credentials_at:added=${first.added ?? '-'}s,old_refused=${first.old ?? '-'}s,new=${first.new ?? '-'}s`);
  const all = Math.max(first.added ?? Infinity, first.old ?? Infinity, first.new ?? Infinity);
  run.note(`issue_60s_from_secret=${all <= RELOAD_LIMIT_S ? 'met' : 'missed'}`);

  const generationAfter = await stsGeneration(b);
  run.check(generationAfter === generation, 'pod-template-changed',
    `StatefulSet generation ${generation} -> ${generationAfter} (the apply changed no pod template, nothing rolls)`);
  await checkNoRestarts(run, b, pods, before);
  run.healthyS = await healthyAfter(run, b, t0);
}

/**
 * Logs in to each server directly (`tls://<pod>.<headless>.<namespace>:4222`, the CA from nats-box's context) with the real nats
 * CLI in nats-box, in one exec; the passwords go through stdin, never onto a command line of the node.
 */
async function logins(b: Bench, pods: ServerPod[], pw: { added: string; old: string; new: string }): Promise<Login[]> {
  const t = b.target;
  const servers = pods.map((p) => `${p.name}.${t.headlessService}.${t.namespace}`).join(' ');
  const script = [
    'read -r added; read -r old; read -r new',
    'try() { out=$(nats -s "tls://$1:' + t.clientPort + '" --user "$3" --password "$4" account info 2>&1); rc=$?',
    '  case "$out" in *[Aa]uthorization\\ [Vv]iolation*) v=refused ;; *) v=- ;; esac; echo "LOGIN $1 $2 $rc $v"; }',
    `for s in ${servers}; do`,
    `  try "$s" added ${SECURE.addedUser} "$added"; try "$s" old ${SECURE.rotatedUser} "$old"; try "$s" new ${SECURE.rotatedUser} "$new"`,
    'done',
  ].join('\n');
  const r = await kubectl(['-n', t.namespace, 'exec', '-i', `deploy/${t.natsBox}`, '--', 'sh', '-c', script],
    { input: `${pw.added}\n${pw.old}\n${pw.new}\n`, timeoutSeconds: 90 });
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('LOGIN ')).map((l) => l.split(' '));
  if (rows.length !== pods.length * 3) throw new Error(`login probe in nats-box: ${rows.length} results (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`);
  return rows.map(([, server, attempt, rc, v]) => ({ server: server.split('.')[0], attempt: attempt as Login['attempt'], ok: rc === '0', refused: v === 'refused' }));
}

function loginSummary(ls: Login[]): string {
  return ls.map((l) => `${l.server}/${l.attempt}=${l.ok ? 'ok' : l.refused ? 'refused' : 'failed'}`).join(' ');
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

async function stsGeneration(b: Bench): Promise<number> {
  return (await kubectlJson<{ metadata: { generation: number } }>(['-n', b.target.namespace, 'get', 'statefulset', b.target.statefulSet]))
    .metadata.generation;
}

// --- both -------------------------------------------------------------------------------------------------------

export function secureOf(run: ScenarioRun, b: Bench): SecureContext {
  if (!b.secure) run.abort('not-secure', 'the deployment has no TLS and users (s7, s8 and s12 need the secure variant)');
  return b.secure;
}

async function serverPods(run: ScenarioRun, b: Bench): Promise<ServerPod[]> {
  const pods = (await b.servers.pods()).sort((x, y) => x.name.localeCompare(y.name));
  if (pods.length !== b.target.replicas) run.abort('pods', `${pods.length} server pods, want ${b.target.replicas}`);
  return pods;
}

/** `pod uid containers=restarts…` of every server pod. */
async function podStates(b: Bench, pods: ServerPod[]): Promise<string[]> {
  return Promise.all(pods.map(async (p) => {
    const s = await b.servers.pod(p.name);
    return `${p.name} ${s?.uid ?? 'gone'} ${s?.allRestarts ?? ''}`;
  }));
}

/** The same pods (UIDs) with the same restart count in every container, sidecars included. */
async function checkNoRestarts(run: ScenarioRun, b: Bench, pods: ServerPod[], before: string[]): Promise<void> {
  const after = await podStates(b, pods);
  const changed = after.filter((s, i) => s !== before[i]);
  run.check(changed.length === 0, 'restarted', changed.length === 0
    ? `no pod restarted or replaced (same UIDs; restart counts ${after.map((s) => s.split(' ')[2]).join(' | ')})`
    : `pods restarted or replaced: before ${before.join('; ')}; after ${after.join('; ')}`);
  if (changed.length === 0) run.note('no-restarts');
}

async function healthyAfter(run: ScenarioRun, b: Bench, t0: number): Promise<number> {
  const s = await b.servers.waitHealthy(t0);
  if (s === undefined) run.abort('healthy', `not all servers healthy within ${b.settings.healthTimeoutSeconds} s`);
  run.check(true, 'healthy', `all servers healthy ${s} s after the change`);
  return s;
}

async function must(result: Promise<{ code: number; stderr: string }>, what: string): Promise<void> {
  const r = await result;
  if (r.code !== 0) throw new Error(`${what}: ${r.stderr.trim()}`);
}

