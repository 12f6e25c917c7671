/**
 * s12: an account reaches its JetStream limit under load (s10's other half). On the production-like deployment, the
 * user `filler` of the account LIMITED (max_file_store 64 MiB, e2e/faults/secure-app.ts) publishes 1 MB
 * messages to an R3 file stream of its own until the account limit refuses one, while the load generator keeps
 * publishing to its stream in the account APP. The servers must keep running, the publisher must get a clear error,
 * every acked message must stay readable, APP must not notice, and after a purge publishing must resume.
 */
import { kubectl } from '../support/kube';
import { Bench, ScenarioRun, ScenarioSpec } from './scenario';
import { SECURE, secureOf, secureScenario } from './secure';

const FILL = 'ACCOUNT_FILL';
/** Under the default max_payload (1 MiB), with room for headers. */
const MESSAGE_BYTES = 1_000_000;
/** The limit e2e/faults/secure-app.ts gives the account LIMITED. */
const ACCOUNT_LIMIT = SECURE.limitedAccountMaxFileStore;

type Filler = (script: string, timeoutSeconds?: number) => Promise<{ code: number; out: string }>;

interface StreamInfo {
  readonly state: { readonly messages: number; readonly bytes: number; readonly first_seq: number; readonly last_seq: number };
}

export const accountFullScenario = (stream: string): ScenarioSpec => secureScenario('s12-account-full', accountFull, stream);

async function accountFull(run: ScenarioRun, b: Bench): Promise<void> {
  const password = secureOf(run, b).passwords[SECURE.fillerUser];
  const asFiller = (script: string, timeoutSeconds = 60) => natsAs(b, SECURE.fillerUser, password, script, timeoutSeconds);
  const pods = await b.servers.pods();
  const before = new Map<string, string>();
  for (const p of pods) before.set(p.name, JSON.stringify(await b.servers.pod(p.name)));
  const add = await asFiller(`nats stream add ${FILL} --subjects 'accountfill.>' --storage file --replicas 3 --defaults >/dev/null`);
  if (add.code !== 0) run.abort('fill-stream', `stream ${FILL} not created as ${SECURE.fillerUser}: ${add.out}`);

  // One message per `nats pub` in one exec: the ACK lines count exactly what the servers acknowledged.
  const most = Math.ceil((ACCOUNT_LIMIT.bytes / MESSAGE_BYTES) * 1.5);
  const pub = await asFiller([
    `i=0; while [ $i -lt ${most} ]; do`,
    `  if ! out=$(nats pub accountfill.data --jetstream '{{ Random ${MESSAGE_BYTES} ${MESSAGE_BYTES} }}' 2>&1); then echo "REFUSED $out" | tr '\\n' ' '; break; fi`,
    '  i=$((i + 1)); echo "ACK $i"',
    'done',
  ].join('\n'), 300);
  const acked = pub.out.split('\n').filter((l) => l.startsWith('ACK ')).length;
  // The CLI prints the error after its progress line: keep what follows "nats: error:" (or the whole text).
  const refused = pub.out.split('\n').find((l) => l.startsWith('REFUSED '));
  const refusal = refused === undefined ? '' : (/nats: error: .*/.exec(refused)?.[0] ?? refused.slice('REFUSED '.length)).trim();
  if (!refusal) run.abort('never-full', `the account took ${acked} messages of ${MESSAGE_BYTES} bytes (limit ${ACCOUNT_LIMIT.setting}) without refusing one`);
  const full = await info(asFiller);
  const usage = await accountUsage(asFiller);
  run.note(`account_limit=${ACCOUNT_LIMIT.setting} acked=${acked} stream=${(full.state.bytes / 2 ** 20).toFixed(0)}MiB account_usage=${usage}`);
  run.check(/resource limits exceeded for account/i.test(refusal), 'unclear-error',
    `the publisher got a clear error at the account's limit: "${refusal}" (after ${acked} acked messages, ${(full.state.bytes / 2 ** 20).toFixed(0)} MiB in ${FILL}, account usage ${usage})`);

  // Every acked message is there and readable, through the stream's leader.
  run.check(full.state.messages === acked && full.state.first_seq === 1 && full.state.last_seq === acked, 'acked-missing',
    `${FILL} holds exactly the ${acked} acked messages (has ${full.state.messages}, sequences ${full.state.first_seq}-${full.state.last_seq})`);
  const read = await asFiller(`n=0; for s in $(seq 1 ${acked}); do nats stream get ${FILL} "$s" --json >/dev/null 2>&1 && n=$((n + 1)); done; echo "READ $n"`, 300);
  const readable = Number(/READ (\d+)/.exec(read.out)?.[1] ?? -1);
  run.check(readable === acked, 'acked-unreadable', `every acked message of ${FILL} is readable with the account full (${readable}/${acked})`);

  const changed: string[] = [];
  for (const p of pods) if (JSON.stringify(await b.servers.pod(p.name)) !== before.get(p.name)) changed.push(p.name);
  run.check(changed.length === 0, 'restarted-when-full', `no server pod restarted or replaced with the account full${changed.length ? `: ${changed.join(' ')}` : ''}`);
  run.check(await b.servers.allHealthy(), 'unhealthy-when-full', 'all servers answer /healthz with the account full');

  const tFull = Date.now();
  const purged = await asFiller(`nats stream purge ${FILL} -f >/dev/null && nats pub accountfill.data --jetstream 'after the purge' >/dev/null`);
  run.check(purged.code === 0, 'not-resumed',
    `after nats stream purge, publishing to ${FILL} works again (${((Date.now() - tFull) / 1000).toFixed(1)} s)${purged.code ? `: ${purged.out}` : ''}`);
  const removed = await asFiller(`nats stream rm ${FILL} -f`);
  if (removed.code !== 0) run.fail('not-removed', `${FILL} not removed after the scenario: ${removed.out}`);
  const healthyS = await b.servers.waitHealthy(tFull);
  if (healthyS === undefined) run.abort('healthy', 'not all servers healthy after the purge');
  run.healthyS = healthyS;
}

/** Runs `script` in nats-box with the nats CLI logged in as `user` (the password through stdin). */
async function natsAs(b: Bench, user: string, password: string, script: string, timeoutSeconds: number): Promise<{ code: number; out: string }> {
  const login = `read -r pw; nats() { command nats --user ${user} --password "$pw" "$@"; }`;
  const r = await kubectl(['-n', b.target.namespace, 'exec', '-i', `deploy/${b.target.natsBox}`, '--', 'sh', '-c', `${login}\n${script}`],
    { input: `${password}\n`, timeoutSeconds });
  return { code: r.code, out: (r.stdout + r.stderr).trim() };
}

async function info(asFiller: Filler): Promise<StreamInfo> {
  const r = await asFiller(`nats stream info ${FILL} --json`);
  if (r.code !== 0) throw new Error(`stream info ${FILL}: ${r.out}`);
  return JSON.parse(r.out) as StreamInfo;
}

/** The account's JetStream storage in use, as the servers report it to its user (`nats account info`). */
async function accountUsage(asFiller: Filler): Promise<string> {
  const r = await asFiller('nats account info');
  return /Storage: ([\d.]+ \w+)/.exec(r.out)?.[1].replace(' ', '') ?? '?';
}
