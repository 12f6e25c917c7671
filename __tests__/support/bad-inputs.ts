// Bad inputs of every kind, each with (part of) the message it must fail the synth with: the property, the value
// and what is valid. The cases reach the library the way users do: typed props, plain JavaScript values (cast
// with `as any`), and the app's environment variables. `InputApi` is how a case builds things, so the same table
// can be run against an earlier version of the library to count what it did with them.

/** How a case builds a deployment and its JetStream resources. */
export interface InputApi {
  /** `new Nats(Testing.chart(), 'nats', props)`. */
  nats(props: any): any;
  /** `new NatsChart(Testing.app(), 'nats', props)`; `app` puts it in an existing app. */
  chart(props: any, app?: any): any;
  app(): any;
  /** A JetStream for a NatsChart with `chartProps`. */
  jetStream(chartProps?: any, jetStreamProps?: any): any;
  addStream(js: any, props: any): any;
  addKeyValue(js: any, props: any): any;
  addObjectStore(js: any, props: any): any;
  addConsumer(stream: any, props: any): any;
  migration(chartProps: any, props?: any): any;
  /** The app's variables, synthesized as main.ts does. */
  env(vars: { [name: string]: string }): void;
  seconds(n: number): any;
  millis(n: number): any;
}

export interface BadInput {
  readonly kind: string;
  readonly input: string;
  readonly run: (api: InputApi) => unknown;
  /** A part of the message that names the property, the value and what is valid. */
  readonly message: string;
}

const user = { name: 'app', passwordSecretName: 'nats-users' };
const admin = { name: 'admin', account: 'SYS', passwordSecretName: 'nats-users', passwordSecretKey: 'admin' };
const appUser = { ...user, account: 'APP' };
const accounts = [{ name: 'APP' }, { name: 'SYS' }];
const tls = { clientTls: true, tlsSecretName: 'nats-tls', tlsCaSecretName: 'nats-ca' };
const nkeyA = 'UAVMSH533JCFLHVVNTG24QQX4JI7L6L6FSRUCYOH7SQRJYEXMEJCD7DH';
const stream = (name = 'S1', subjects = ['s.>']) => ({ name, subjects });

const cases: [string, string, (a: InputApi) => unknown, string][] = [];
const add = (kind: string, input: string, run: (a: InputApi) => unknown, message: string) => cases.push([kind, input, run, message]);

// 1. extraConfig
const extra = (input: string, extraConfig: unknown, message: string) =>
  add('extraConfig', input, (a) => a.nats({ extraConfig }), message);
extra('PORT: 4333', { PORT: 4333 }, 'extraConfig key "PORT" (nats-server reads it as "port") is managed by the construct or not supported: the client port is clientPort');
extra('port: 4333', { port: 4333 }, 'extraConfig key "port" is managed by the construct or not supported: the client port is clientPort');
extra('listen', { listen: '0.0.0.0:4333' }, 'extraConfig key "listen" is managed by the construct or not supported: the client port is clientPort');
extra('Listen', { Listen: '0.0.0.0:4333' }, 'extraConfig key "Listen" (nats-server reads it as "listen") is managed');
extra('http', { http: 8080 }, 'extraConfig key "http" is managed by the construct or not supported: the monitoring port is monitorPort');
extra('HTTP_PORT', { HTTP_PORT: 9000 }, 'extraConfig key "HTTP_PORT" (nats-server reads it as "http_port") is managed');
extra('monitor_port', { monitor_port: 9000 }, 'extraConfig key "monitor_port" (nats-server reads it as "http_port") is managed');
extra('JetStream: false', { JetStream: false }, 'extraConfig key "JetStream" (nats-server reads it as "jetstream") is managed by the construct or not supported: JetStream is always on');
extra('jetstream block', { jetstream: { max_file_store: 1 } }, 'extraConfig key "jetstream" is managed');
extra('store_dir', { StoreDir: '/tmp' }, 'extraConfig key "StoreDir" (nats-server reads it as "store_dir") is managed');
extra('max_payload', { max_payload: 2000000 }, 'extraConfig key "max_payload" is managed by the construct or not supported: the maximum payload is maxPayload');
extra('MAX_PAYLOAD', { MAX_PAYLOAD: 2000000 }, 'extraConfig key "MAX_PAYLOAD" (nats-server reads it as "max_payload") is managed');
extra('authorization token', { authorization: { token: 's3cret' } }, 'extraConfig key "authorization" is managed by the construct or not supported: users are the users property');
extra('accounts', { accounts: { A: {} } }, 'extraConfig key "accounts" is managed');
extra('cluster', { cluster: { name: 'x' } }, 'extraConfig key "cluster" is managed');
extra('tls', { tls: { cert_file: '/x' } }, 'extraConfig key "tls" is managed');
extra('server_name', { server_name: 'x' }, 'extraConfig key "server_name" is managed');
extra('system_account', { system: 'SYS' }, 'extraConfig key "system" (nats-server reads it as "system_account") is managed');
extra('no_auth_user', { no_auth_user: 'x' }, 'extraConfig key "no_auth_user" is managed');
extra('pid_file', { pidfile: '/tmp/x.pid' }, 'extraConfig key "pidfile" (nats-server reads it as "pid_file") is managed');
extra('log_file', { log_file: '/tmp/nats.log' }, 'extraConfig key "log_file" is managed by the construct or not supported: the root filesystem is read-only');
extra('prof_port', { prof_port: 6060 }, 'extraConfig key "prof_port" is managed by the construct or not supported: it opens an unauthenticated profiling endpoint');
extra('leafnodes', { leafnodes: { port: 7422 } }, 'extraConfig key "leafnodes" is managed by the construct or not supported: leaf nodes are the leafnodes property (leafnodePort, leafnodeTls) and leafnodeRemotes');
extra('leaf (alias)', { leaf: { remotes: [] } }, 'extraConfig key "leaf" (nats-server reads it as "leafnodes") is managed by the construct or not supported: leaf nodes are the leafnodes property');
extra('gateway', { gateway: { name: 'east' } }, 'extraConfig key "gateway" is managed by the construct or not supported: gateways are the gateways property (gatewayName, gatewayPort, gatewayRemotes, gatewayTls)');
extra('mqtt', { mqtt: { port: 1883 } }, 'extraConfig key "mqtt" is managed by the construct or not supported: MQTT is the mqtt property (mqttPort, mqttTls)');
extra('websocket', { websocket: { port: 8080, no_tls: true } }, 'extraConfig key "websocket" is managed by the construct or not supported: WebSocket is the websocket property (websocketPort, websocketNoTls');
extra('default_js_domain', { default_js_domain: { APP: 'hub' } }, 'extraConfig key "default_js_domain" is managed by the construct or not supported: JetStream domains are jetStreamDomain');
extra('websocket', { ws: { port: 8080 } }, 'extraConfig key "ws" (nats-server reads it as "websocket") is managed');
extra('operator', { operator: '/x.jwt' }, 'extraConfig key "operator" is managed by the construct or not supported: operator (JWT) mode is not supported');
extra('typo max_conections', { max_conections: 5 }, 'extraConfig key "max_conections" is not a nats-server option extraConfig may set');
extra('typo debugg', { debugg: true }, 'extraConfig key "debugg" is not a nats-server option extraConfig may set');
extra('debug: "yes"', { debug: 'yes' }, 'extraConfig key "debug" must be true or false, got "yes"');
extra('max_connections: "lots"', { max_connections: 'lots' }, 'extraConfig key "max_connections" must be a whole number, got "lots"');
extra('write_deadline: 5', { write_deadline: 5 }, 'extraConfig key "write_deadline" must be a Go duration such as "10s" or "2m", got 5');
extra('ping_interval: "2 minutes"', { ping_interval: '2 minutes' }, 'extraConfig key "ping_interval" must be a Go duration');
extra('write_timeout: "bogus"', { write_timeout: 'bogus' }, 'extraConfig key "write_timeout" must be one of "default", "close", "retry", got "bogus"');
extra('max_sub_tokens: 300', { max_sub_tokens: 300 }, 'extraConfig key "max_sub_tokens" must be a whole number from 1 to 255, got 300');
extra('mappings: "x"', { mappings: 'x' }, 'extraConfig key "mappings" must be a block of keys and values, got "x"');
extra('max_conn and max_connections', { max_conn: 1, max_connections: 2 }, 'extraConfig key "max_connections" and "max_conn" are the same nats-server option; set it once');
extra('max_pending below max_payload', { max_pending: 1000 }, 'extraConfig max_pending must be at least max_payload (1048576 bytes, the default)');
extra('extraConfig: "debug"', 'debug', 'extraConfig must be an object, got "debug"');

// 2. JetStream definitions the server would reject
const js = (input: string, run: (a: InputApi) => unknown, message: string) => add('JetStream', input, run, message);
js('subject ">"', (a) => a.addStream(a.jetStream(), stream('ALL', ['>'])), 'stream "ALL" subject ">" captures every subject');
js('subject "$JS.API.>"', (a) => a.addStream(a.jetStream(), stream('API', ['$JS.API.>'])), 'stream "API" subject "$JS.API.>" overlaps the JetStream API');
js('subject "$JS.>"', (a) => a.addStream(a.jetStream(), stream('API', ['$JS.>'])), 'stream "API" subject "$JS.>" overlaps the JetStream API');
js('stream over a KV bucket', (a) => {
  const j = a.jetStream();
  a.addKeyValue(j, { bucket: 'CFG' });
  a.addStream(j, stream('OVER', ['$KV.CFG.>']));
}, 'stream "OVER" subject "$KV.CFG.>" overlaps "$KV.CFG.>" of KV bucket "CFG"');
js('KV bucket under a stream', (a) => {
  const j = a.jetStream();
  a.addStream(j, stream('OVER', ['$KV.>']));
  a.addKeyValue(j, { bucket: 'CFG' });
}, 'KV bucket "CFG" subject "$KV.CFG.>" overlaps "$KV.>" of stream "OVER"');
js('object store under a stream', (a) => {
  const j = a.jetStream();
  a.addStream(j, stream('OVER', ['$O.*.C.>']));
  a.addObjectStore(j, { bucket: 'FILES' });
}, 'object store "FILES" subject "$O.FILES.C.>" overlaps "$O.*.C.>" of stream "OVER"');
js('maxBytes above the store', (a) => a.addStream(a.jetStream(), { ...stream(), maxBytes: '20Gi' }), 'stream "S1" maxBytes must fit the server\'s store (maxFileStore 9Gi), got 20Gi');
js('KV maxBytes above the store', (a) => a.addKeyValue(a.jetStream(), { bucket: 'B', maxBytes: '20Gi' }), 'KV bucket "B" maxBytes must fit the server\'s store (maxFileStore 9Gi), got 20Gi');
js('object store maxBytes above the store', (a) => a.addObjectStore(a.jetStream(), { bucket: 'B', maxBytes: '20Gi' }), 'object store "B" maxBytes must fit the server\'s store');
js('memory maxBytes above the memory store', (a) => a.addStream(a.jetStream({ maxMemoryStore: '64Mi', memoryLimit: '512Mi' }), { ...stream(), storage: 'memory', maxBytes: '100Mi' }),
  'stream "S1" maxBytes must fit the server\'s store (maxMemoryStore 64Mi), got 100Mi');
js('streams summed above the store', (a) => {
  const j = a.jetStream();
  a.addStream(j, { ...stream('A', ['a.>']), maxBytes: '5Gi' });
  a.addStream(j, { ...stream('B', ['b.>']), maxBytes: '5Gi' });
}, 'stream "B" maxBytes takes the declared streams and buckets to 10Gi with their replicas, more than the 1 server(s) hold (maxFileStore 9Gi each)');
js('R3 streams summed above the cluster', (a) => {
  const j = a.jetStream({ replicas: 3 });
  a.addStream(j, { ...stream('A', ['a.>']), maxBytes: '6Gi', replicas: 3 });
  a.addStream(j, { ...stream('B', ['b.>']), maxBytes: '6Gi', replicas: 3 });
}, 'stream "B" maxBytes takes the declared streams and buckets to 36Gi with their replicas, more than the 3 server(s) hold');
const limited = { accounts: [{ name: 'APP', maxFileStore: '1Gi' }], users: [appUser], natsBoxUser: 'app' };
js('maxBytes above the account', (a) => a.addStream(a.jetStream(limited), { ...stream(), maxBytes: '2Gi' }), 'stream "S1" maxBytes takes account "APP" to 2Gi with replicas, above its JetStream limit (maxFileStore 1Gi)');
js('summed above the account', (a) => {
  const j = a.jetStream(limited);
  a.addStream(j, { ...stream('A', ['a.>']), maxBytes: '600Mi' });
  a.addKeyValue(j, { bucket: 'B', maxBytes: '600Mi' });
}, 'KV bucket "B" maxBytes takes account "APP" to 1.17Gi with replicas, above its JetStream limit');
js('R3 above the account', (a) => a.addStream(a.jetStream({ ...limited, replicas: 3 }), { ...stream(), maxBytes: '512Mi', replicas: 3 }),
  'stream "S1" maxBytes takes account "APP" to 1.5Gi with replicas, above its JetStream limit');
js('placement tags no server has', (a) => a.addStream(a.jetStream({ replicas: 3 }), { ...stream(), placementTags: ['ssd'] }),
  'stream "S1" placementTags must be tags the servers have (extraConfig server_tags: none), or no server is suitable, got "ssd"');
js('placement tags not among server_tags', (a) => a.addStream(a.jetStream({ replicas: 3, extraConfig: { server_tags: ['zone:a'] } }), { ...stream(), placementTags: ['zone:a', 'zone:b'] }),
  'stream "S1" placementTags must be tags the servers have (extraConfig server_tags: "zone:a"), or no server is suitable, got "zone:b"');
js('placement cluster on a single server', (a) => a.addStream(a.jetStream(), { ...stream(), placementCluster: 'nats' }), 'stream "S1" placementCluster needs a cluster: a single server has none, got "nats"');
const repair = (input: string, schedule: unknown, message: string, chartProps = {}, mode?: string) =>
  js(`repairSchedule ${input}`, (a) => a.jetStream(chartProps, { repairSchedule: schedule, mode }), message);
repair('with 4 fields', '*/15 * * *', 'repairSchedule must be a cron schedule (five fields "minute hour day-of-month month day-of-week" such as "*/15 * * * *" or "0 3 * * mon-fri", or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly): 4 field(s), got "*/15 * * *"');
repair('minute 60', '60 * * * *', 'repairSchedule must be a cron schedule (five fields "minute hour day-of-month month day-of-week"');
repair('minute 60 (what)', '60 * * * *', 'the minute field "60" has "60", outside 0-59, got "60 * * * *"');
repair('weekday 7', '0 3 * * 7', 'the day of week field "7" has "7", outside 0-6 or sun-sat, got "0 3 * * 7"');
repair('month name', '0 3 1 foo *', 'the month field "foo" has "foo", outside 1-12 or jan-dec');
repair('backwards range', '0 3 * * fri-mon', 'the day of week field "fri-mon" has a range that runs backwards');
repair('step 0', '*/0 * * * *', 'the minute field "*/0" has a bad step');
repair('@every', '@every 1h', 'repairSchedule must be a cron schedule (five fields');
repair('@every (what)', '@every 1h', 'unknown macro @every 1h, got "@every 1h"');
repair('with a time zone', 'TZ=Europe/Berlin 0 3 * * *', 'a time zone is not part of the schedule, got "TZ=Europe/Berlin 0 3 * * *"');
repair('empty', '', 'repairSchedule must be a cron schedule (five fields');
repair('with NACK', '@hourly', 'repairSchedule needs JetStreamApplyMode.JOB: with NACK, its controller keeps the resources as declared; remove repairSchedule or use JOB mode, got "@hourly" with NACK', {}, 'nack');
repair('with a 40-character name', '@hourly', `repairSchedule needs a deployment name of at most 35 characters: its CronJob "${'n'.repeat(40)}-jetstream-repair" must be at most 52, got 57`, { name: 'n'.repeat(40) });
js('placement cluster of another name', (a) => a.addStream(a.jetStream({ replicas: 3 }), { ...stream(), placementCluster: 'east' }),
  'stream "S1" placementCluster must be this deployment\'s cluster, "nats" (no server of another cluster is reachable), got "east"');
js('maxAge 50ms', (a) => a.addStream(a.jetStream(), { ...stream(), maxAge: a.millis(50) }), 'stream "S1" maxAge (or ttl) must be at least 100ms (the server\'s minimum), or unset for no limit, got 50ms');
js('duplicateWindow 50ms', (a) => a.addStream(a.jetStream(), { ...stream(), duplicateWindow: a.millis(50) }), 'stream "S1" duplicateWindow must be at least 100ms (the server\'s minimum), got 50ms');
js('KV ttl 50ms', (a) => a.addKeyValue(a.jetStream(), { bucket: 'B', ttl: a.millis(50) }), 'KV bucket "B" maxAge (or ttl) must be at least 100ms');
js('object store ttl 10ms', (a) => a.addObjectStore(a.jetStream(), { bucket: 'B', ttl: a.millis(10) }), 'object store "B" maxAge (or ttl) must be at least 100ms');
js('maxMsgSize above the default max_payload', (a) => a.addStream(a.jetStream(), { ...stream(), maxMsgSize: '2Mi' }),
  'stream "S1" message size limit must be at most the server\'s max_payload (1Mi, maxPayload on Nats): larger messages are refused by the server before the stream sees them, got 2Mi');
js('maxMsgSize above maxPayload', (a) => a.addStream(a.jetStream({ maxPayload: '512Ki' }), { ...stream(), maxMsgSize: '1Mi' }), 'stream "S1" message size limit must be at most the server\'s max_payload (512Ki');
js('KV maxValueSize above max_payload', (a) => a.addKeyValue(a.jetStream(), { bucket: 'B', maxValueSize: '4Mi' }), 'KV bucket "B" message size limit must be at most the server\'s max_payload (1Mi');
js('replicas above the servers', (a) => a.addStream(a.jetStream(), { ...stream(), replicas: 3 }), 'stream "S1" replicas must be a whole number from 1 to the cluster\'s 1 server(s)');
js('replicas 7 on 5 servers', (a) => a.addStream(a.jetStream({ replicas: 5 }), { ...stream(), replicas: 7 }), 'stream "S1" replicas must be a whole number from 1 to the cluster\'s 5 server(s)');
js('KV replicas 0', (a) => a.addKeyValue(a.jetStream(), { bucket: 'B', replicas: 0 }), 'KV bucket "B" replicas must be a whole number from 1');
js('memory storage without a memory store', (a) => a.addStream(a.jetStream(), { ...stream(), storage: 'memory' }), 'stream "S1" storage must be StorageType.FILE: the server has no memory store');

// 3. The in-cluster tools' identity
const tools = (input: string, run: (a: InputApi) => unknown, message: string) => add('tool identity', input, run, message);
tools('natsBoxUser in the system account', (a) => a.nats({ accounts, users: [appUser, admin], systemAccount: 'SYS', natsBoxUser: 'admin' }),
  'nats-box connects as natsBoxUser "admin", whose account "SYS" has no JetStream (it is the systemAccount): choose a user of an account with JetStream');
tools('apply Job as a system-account user', (a) => a.jetStream({ accounts, users: [appUser, admin], systemAccount: 'SYS', natsBoxUser: 'admin', natsBox: false }),
  'the JetStream apply Job connects as natsBoxUser "admin", whose account "SYS" has no JetStream');
tools('noAuthUser in an account without JetStream', (a) => a.nats({ accounts: [{ name: 'APP', jetStream: false }], users: [appUser], noAuthUser: 'app' }),
  'nats-box connects as noAuthUser "app", whose account "APP" has no JetStream: choose a user of an account with JetStream');
tools('users but no identity for nats-box', (a) => a.nats({ users: [user] }), 'nats-box needs credentials when users are defined: set natsBoxUser (a password user) or noAuthUser, or natsBox: false');
tools('users but no identity for the apply Job', (a) => a.jetStream({ users: [user], natsBox: false }), 'the JetStream apply Job needs credentials when users are defined: set natsBoxUser (a password user) or noAuthUser');
tools('users but no identity for the migration Job', (a) => a.migration({ replicas: 3, users: [user], natsBox: false }), 'NatsMigrationJob connects as natsBoxUser to both servers');
tools('mutual TLS without a client certificate for nats-box', (a) => a.nats({ ...tls, clientMutualTls: true }),
  'nats-box needs a client certificate under clientMutualTls: with tlsSecretName, set natsBoxTlsSecretName (the certificate nats-box and the Jobs present), or natsBox: false');
tools('mutual TLS without a client certificate for the Job', (a) => a.jetStream({ ...tls, clientMutualTls: true, natsBox: false }),
  'the JetStream apply Job needs a client certificate under clientMutualTls');
tools('a private CA the clients do not get', (a) => a.nats({ clientTls: true, tlsSecretName: 'nats-tls' }),
  'clientTls with tlsSecretName needs tlsCaSecretName (a Secret with ca.crt): the certificate names cluster-internal hosts, which only a private CA signs');
tools('Secret key with a space', (a) => a.nats({ users: [{ ...user, passwordSecretKey: 'pass word' }], natsBoxUser: 'app' }),
  'users[0] ("app") passwordSecretKey must be a Secret key (letters, digits, \'-\', \'_\' and \'.\', at most 253 characters), got "pass word"');
tools('Secret key with a slash', (a) => a.nats({ users: [{ ...user, passwordSecretKey: 'a/b' }], natsBoxUser: 'app' }), 'passwordSecretKey must be a Secret key');
tools('empty Secret key', (a) => a.nats({ users: [{ ...user, passwordSecretKey: '' }], natsBoxUser: 'app' }), 'passwordSecretKey must be a Secret key');
tools('nkey with a bad checksum', (a) => a.nats({ users: [user, { name: 'n', nkey: `${nkeyA.slice(0, -1)}A` }], natsBoxUser: 'app' }),
  'users[1] ("n"): nkey must be a user public key (\'U\' and 55 base32 characters with a valid checksum, as `nats auth nkey gen user` prints)');
tools('nkey of another kind (account)', (a) => a.nats({ users: [user, { name: 'n', nkey: `A${nkeyA.slice(1)}` }], natsBoxUser: 'app' }), 'nkey must be a user public key');
tools('nkey in lower case', (a) => a.nats({ users: [user, { name: 'n', nkey: nkeyA.toLowerCase() }], natsBoxUser: 'app' }), 'nkey must be a user public key');
tools('one nkey for two users', (a) => a.nats({ users: [user, { name: 'n1', nkey: nkeyA }, { name: 'n2', nkey: nkeyA }], natsBoxUser: 'app' }),
  `nkey (one key signs in as one user) "${nkeyA}" is defined twice`);
tools('natsBoxUser with an nkey', (a) => a.nats({ users: [{ name: 'n', nkey: nkeyA }], natsBoxUser: 'n' }), 'natsBoxUser "n" must be a password user');

// 4. Images
const image = (input: string, props: any, message: string) => add('image', input, (a) => a.nats(props), message);
image('nats:latest', { image: 'nats:latest' }, 'image must name a fixed tag or digest, such as "nats:2.15.3-alpine" or "nats@sha256:<64 hex digits>" ("latest" moves), got "nats:latest"');
image('nats-box latest', { natsBoxImage: 'natsio/nats-box:latest' }, 'natsBoxImage must name a fixed tag or digest');
image('no tag', { image: 'nats' }, 'image must name a fixed tag or digest');
image('uppercase repository', { image: 'Nats:2.14.10' }, 'image must be an image reference (lowercase repository path, optional registry host, then :tag or @sha256:digest)');
image('uppercase path', { image: 'harbor.example.com/Library/nats:2.14.10' }, 'image must be an image reference');
image('empty path component', { image: 'harbor.example.com//nats:2.14.10' }, 'image must be an image reference');
image('trailing space', { image: 'nats:2.14.10 ' }, 'image must be an image reference');
image('short digest', { image: 'nats@sha256:abc' }, 'image must be an image reference');
image('bad tag', { image: 'nats:-bad' }, 'image must be an image reference');
image('scheme', { image: 'https://harbor.example.com/nats:2.14.10' }, 'image must be an image reference');
image('registry in upper case', { registry: 'Harbor.Example.com' }, 'registry must be a registry host with an optional port and lowercase path, no scheme or trailing \'/\'');
image('registry with an empty path component', { registry: 'harbor.example.com//library' }, 'registry must be a registry host');
image('registry path in upper case', { registry: 'harbor.example.com/Library' }, 'registry must be a registry host');

// 5. Names and scope
const scope = (input: string, run: (a: InputApi) => unknown, message: string) => add('names and scope', input, run, message);
for (const ns of ['kube-system', 'default', 'kube-public', 'kube-node-lease']) {
  scope(`namespace ${ns}`, (a) => a.chart({ namespace: ns }), `namespace must not be one the cluster owns (default, kube-system, kube-public, kube-node-lease): NatsChart creates its namespace and sets its Pod Security level; choose another, or put Nats in a Chart of your own, got "${ns}"`);
}
scope('namespace in upper case', (a) => a.chart({ namespace: 'NATS' }), 'namespace must be a DNS-1123 label');
scope('namespace a number', (a) => a.chart({ namespace: 5 }), 'namespace must be a string, got 5');
scope('two deployments of one name in one namespace', (a) => {
  const app = a.app();
  a.chart({ namespace: 'nats' }, app);
  a.chart({ namespace: 'nats' }, app);
}, 'NATS deployment "nats" is declared twice in namespace "nats"');
scope('two JetStreams writing one ConfigMap', (a) => {
  const j = a.jetStream();
  a.jetStream(undefined, { nats: j.nats, scope: j.node.scope });
}, 'JetStream of the deployment "nats" is declared twice in namespace "nats"');
scope('name in upper case', (a) => a.nats({ name: 'NATS' }), 'name must be a DNS-1123 label');
scope('name too long', (a) => a.nats({ name: 'n'.repeat(60) }), 'name must be at most 52 characters');
scope('two streams of one name', (a) => {
  const j = a.jetStream();
  a.addStream(j, stream('S', ['a.>']));
  a.addStream(j, stream('S', ['b.>']));
}, 'stream "S" needs the stream name "S", which stream "S" already has');

// 6. Sizes, ports and counts
const size = (input: string, props: any, message: string) => add('sizes and ports', input, (a) => a.nats(props), message);
size('maxFileStore = storageSize', { storageSize: '10Gi', maxFileStore: '10Gi' }, 'maxFileStore must be at most 95% of storageSize ("10Gi", 9.5Gi): the filesystem needs headroom');
size('maxFileStore 98%', { storageSize: '10Gi', maxFileStore: '9.75Gi' }, 'maxFileStore must be at most 95% of storageSize');
size('maxFileStore above storageSize', { storageSize: '10Gi', maxFileStore: '20Gi' }, 'maxFileStore must be at most 95% of storageSize');
size('memory store without a memory limit', { maxMemoryStore: '128Mi' }, 'maxMemoryStore needs memoryLimit: the memory store lives in the server\'s memory');
size('memory store above the request', { maxMemoryStore: '512Mi', memoryLimit: '2Gi' }, 'maxMemoryStore must be at most memoryRequest ("256Mi"): the scheduler reserves only the request for the store, got "512Mi"');
size('memory store above 75% of the limit', { maxMemoryStore: '1Gi', memoryRequest: '1Gi', memoryLimit: '1Gi' }, 'maxMemoryStore must be at most 75% of memoryLimit (768Mi)');
size('client port 443', { clientPort: 443 }, 'clientPort must be from 1024 to 65535: the server runs as non-root without capabilities and cannot bind a privileged port, got 443');
size('cluster port 80', { clusterPort: 80 }, 'clusterPort must be from 1024 to 65535');
size('monitor port 1023', { monitorPort: 1023 }, 'monitorPort must be from 1024 to 65535');
size('port 70000', { clientPort: 70000 }, 'clientPort must be an integer from 1 to 65535, got 70000');
size('ports shared', { clusterPort: 4222 }, 'clusterPort and clientPort must be different ports, both are 4222');
size('replicas 7', { replicas: 7 }, 'replicas must be at most 5: a stream keeps at most 5 copies');
size('replicas 9', { replicas: 9 }, 'replicas must be at most 5');
size('replicas 101', { replicas: 101 }, 'replicas must be at most 5');
size('replicas 2', { replicas: 2 }, 'replicas must be odd (1, 3 or 5)');
size('replicas 0', { replicas: 0 }, 'replicas must be a whole number of at least 1, got 0');
size('replicas -1', { replicas: -1 }, 'replicas must be a whole number of at least 1, got -1');
size('storage below 1Gi', { storageSize: '500Mi' }, 'storageSize must be at least 1Gi, got "500Mi"');
size('memory limit below request', { memoryLimit: '128Mi' }, 'memoryLimit must be at least memoryRequest ("256Mi"), got "128Mi"');
size('cpu limit below request', { cpuLimit: '50m' }, 'cpuLimit must be at least cpuRequest ("100m"), got "50m"');
size('maxPayload above 64Mi', { maxPayload: '100Mi' }, 'maxPayload must be from 1 byte to 64Mi');
size('reloader image with the reloader off', { configReloader: false, configReloaderImage: 'x/reloader:1' }, 'configReloaderImage is set but the config reloader is off: set configReloader to true, or remove configReloaderImage');
size('reloader memory limit below request', { configReloader: true, configReloaderMemoryLimit: '8Mi' }, 'configReloaderMemoryLimit must be at least configReloaderMemoryRequest ("16Mi"), got "8Mi"');
size('metrics prop with metrics off', { metricsPort: 9100 }, 'metricsPort is set but metrics are off: set metrics to true, or remove metricsPort');
size('metricsPort = monitorPort', { metrics: true, metricsPort: 8222 }, 'metricsPort and monitorPort must be different ports, both are 8222');
size('metricsPort 80', { metrics: true, metricsPort: 80 }, 'metricsPort must be from 1024 to 65535');
size('metrics memory limit below request', { metrics: true, metricsMemoryLimit: '16Mi' }, 'metricsMemoryLimit must be at least metricsMemoryRequest ("32Mi"), got "16Mi"');
size('alertStoreUsage 80 (a percentage)', { metrics: true, alertStoreUsage: 80 }, 'alertStoreUsage must be a share of max_file_store between 0 and 1 (such as 0.8), got 80');
size('alertConsumerPending 0', { metrics: true, alertConsumerPending: 0 }, 'alertConsumerPending must be a whole number of at least 1, got 0');
size('metricsLabels with a bad value', { metrics: true, metricsLabels: { release: 'kube prometheus' } }, 'metricsLabels["release"] must be a label value');
size('runAsUser 0 (root)', { runAsUser: 0 }, 'runAsUser must be a non-root id from 1 to 2147483647, got 0');

// 6b. Leafnodes, gateways, WebSocket and MQTT
const listener = (input: string, props: any, message: string) => add('listeners', input, (a) => a.nats(props), message);
const production = { security: 'production', certManagerIssuer: 'nats-ca', users: [user], natsBoxUser: 'app' };
const gw = { replicas: 3, gateways: true, serverNamePrefix: 'east-', gatewayName: 'east' };
const remote = { urls: ['nats-leaf://hub-leafnodes.hub.svc:7422'] };
listener('websocket without TLS or websocketNoTls', { websocket: true },
  'websocket needs TLS or an explicit plain-text choice: set tlsSecretName or certManagerIssuer (WebSocket uses the server certificate), or websocketNoTls: true');
listener('gateways and leafnodes without a system account', { replicas: 3, serverNamePrefix: 'east-', gateways: true, gatewayName: 'east', leafnodes: true },
  'gateways with leafnodes need systemAccount: nats-server 2.15 refuses to start with both and no system account');
listener('websocketNoTls under PRODUCTION', { ...production, websocket: true, websocketNoTls: true }, 'websocketNoTls cannot be true with SecurityProfile.PRODUCTION');
listener('leafnodeTls false under PRODUCTION', { ...production, leafnodes: true, leafnodeTls: false }, 'leafnodeTls cannot be false with SecurityProfile.PRODUCTION');
listener('mqttTls false under PRODUCTION', { ...production, mqtt: true, mqttTls: false }, 'mqttTls cannot be false with SecurityProfile.PRODUCTION');
listener('gatewayTls false under PRODUCTION', { ...production, ...gw, gatewayTls: false }, 'gatewayTls cannot be false with SecurityProfile.PRODUCTION');
listener('plain-text leafnode remote under PRODUCTION', { ...production, leafnodeRemotes: [remote] },
  'leafnodeRemotes[0] must connect with TLS with SecurityProfile.PRODUCTION: set tls: true (and tlsCaSecretName for a private CA), got tls undefined');
listener('leafnodePort = clientPort', { leafnodes: true, leafnodePort: 4222 }, 'leafnodePort and clientPort must be different ports, both are 4222');
listener('mqttPort = websocketPort', { websocket: true, websocketNoTls: true, mqtt: true, mqttPort: 8080 }, 'mqttPort and websocketPort must be different ports, both are 8080');
listener('mqttPort 883', { mqtt: true, mqttPort: 883 }, 'mqttPort must be from 1024 to 65535: the server runs as non-root without capabilities and cannot bind a privileged port, got 883');
listener('gatewayPort 70000', { ...gw, gatewayPort: 70000 }, 'gatewayPort must be an integer from 1 to 65535, got 70000');
listener('leafnodePort with leafnodes off', { leafnodePort: 7422 }, 'leafnodePort is set but leafnodes is off: set leafnodes to true, or remove leafnodePort');
listener('gatewayRemotes with gateways off', { gatewayRemotes: [{ name: 'west', urls: ['nats://w:7222'] }] }, 'gatewayRemotes is set but gateways is off');
listener('mqttExposure with mqtt off', { mqttExposure: 'LoadBalancer' }, 'mqttExposure is set but mqtt is off');
listener('gateways on a single server', { gateways: true, serverNamePrefix: 'east-' },
  'gateways need replicas 3 or 5: with a gateway, JetStream runs clustered, and nats-server refuses to start a single server without routes');
listener('gateways without serverNamePrefix', { replicas: 3, gateways: true }, 'gateways need serverNamePrefix: the clusters of a supercluster share JetStream, whose server names must be unique');
listener('gatewayName with a dot', { ...gw, gatewayName: 'east.1' }, 'gatewayName must be letters, digits, \'_\' or \'-\', got "east.1"');
listener('gateway remote named like this cluster', { ...gw, gatewayRemotes: [{ name: 'east', urls: ['nats://e:7222'] }] },
  'gatewayRemotes[0] name must be another cluster\'s gateway name: "east" is this cluster\'s own (gatewayName), got "east"');
listener('two gateway remotes of one name', { ...gw, gatewayRemotes: [{ name: 'west', urls: ['nats://w:7222'] }, { name: 'west', urls: ['nats://v:7222'] }] },
  'gatewayRemotes name "west" is defined twice');
listener('gateway remote URL with a password', { ...gw, gatewayRemotes: [{ name: 'west', urls: ['nats://u:pw@w:7222'] }] },
  'gatewayRemotes[0] urls entry must be a URL with credentials in a URL would be written into the ConfigMap; use a Secret, got "nats://u:pw@w:7222"');
listener('gateway remote URL over http', { ...gw, gatewayRemotes: [{ name: 'west', urls: ['http://w:7222'] }] },
  'gatewayRemotes[0] urls entry must be a URL with scheme nats://, tls://, a host and a port, got "http://w:7222"');
listener('gateway remote URL without a port', { ...gw, gatewayRemotes: [{ name: 'west', urls: ['nats://w'] }] }, 'gatewayRemotes[0] urls entry must be a URL with scheme nats://');
listener('gateway remote without URLs', { ...gw, gatewayRemotes: [{ name: 'west', urls: [] }] }, 'gatewayRemotes[0] urls must list at least one URL, such as "nats://host:port", got []');
listener('gatewayTls without a CA', { ...gw, gatewayTls: true, tlsSecretName: 'nats-tls' },
  'gatewayTls needs a CA to verify the other clusters\' gateways: set tlsCaSecretName (a Secret with ca.crt), or use certManagerIssuer');
listener('leafnode remote with creds and a seed', { leafnodeRemotes: [{ ...remote, credentialsSecretName: 'c', nkeySeedSecretName: 's' }] },
  'leafnodeRemotes[0] must set at most one credential, credentialsSecretName or nkeySeedSecretName, got both');
listener('leafnode remote account not defined', { accounts, users: [appUser], natsBoxUser: 'app', leafnodeRemotes: [{ ...remote, account: 'EDGE' }] },
  'leafnodeRemotes[0] account "EDGE" is not one of the accounts (APP, SYS)');
listener('leafnode remote without an account', { accounts, users: [appUser], natsBoxUser: 'app', leafnodeRemotes: [remote] },
  'leafnodeRemotes[0] needs account: with accounts defined, the leaf connection shares one of them (APP, SYS)');
listener('leafnode remote URL with a password', { leafnodeRemotes: [{ urls: ['nats-leaf://leaf:s3cret@hub:7422'] }] },
  'leafnodeRemotes[0] urls entry must be a URL with credentials in a URL would be written into the ConfigMap; use a Secret, got "nats-leaf://leaf:s3cret@hub:7422"');
listener('leafnode remote ws:// with TLS', { leafnodeRemotes: [{ urls: ['ws://hub:443'], tls: true }] }, 'leafnodeRemotes[0] urls entry must use wss:// with TLS, got "ws://hub:443"');
listener('leafnode remote key without its Secret', { leafnodeRemotes: [{ ...remote, credentialsSecretKey: 'user.creds' }] },
  'leafnodeRemotes[0] credentialsSecretKey is set without its Secret: set credentialsSecretName, or remove credentialsSecretKey');
listener('leafnode remote seed key with a slash', { leafnodeRemotes: [{ ...remote, nkeySeedSecretName: 's', nkeySeedSecretKey: 'a/b' }] },
  'leafnodeRemotes[0] nkeySeedSecretKey must be a Secret key');
listener('leafnode remote tls:// with tls false', { leafnodeRemotes: [{ urls: ['tls://hub:7422'], tls: false }] },
  'leafnodeRemotes[0] tls is false but a URL asks for TLS (tls:// or wss://): remove tls: false, or use nats-leaf://, got urls ["tls://hub:7422"]');
listener('websocket under PRODUCTION without a certificate', { security: 'production', users: [user], natsBoxUser: 'app', websocket: true },
  'websocket needs TLS or an explicit plain-text choice: set tlsSecretName or certManagerIssuer (WebSocket uses the server certificate)');
listener('leafnode remote CA with tls false', { leafnodeRemotes: [{ ...remote, tls: false, tlsCaSecretName: 'hub-ca' }] },
  'leafnodeRemotes[0] tlsCaSecretName is set but tls is false: remove one');
listener('mqtt with an account without JetStream', { mqtt: true, accounts: [{ name: 'APP', jetStream: false }, { name: 'JS' }], users: [appUser, { ...user, name: 'js', account: 'JS' }], natsBoxUser: 'js' },
  'mqtt needs JetStream in every account whose users may connect over MQTT (nats-server keeps MQTT sessions and retained messages in JetStream): account "APP" has jetStream: false');
listener('websocketIngressClassName without a host', { websocket: true, websocketNoTls: true, websocketIngressClassName: 'nginx' },
  'websocketIngressClassName is set but there is no Ingress: set websocketIngressHost, or remove websocketIngressClassName');
listener('websocketIngressHost with a scheme', { websocket: true, websocketNoTls: true, websocketIngressHost: 'https://nats.example.com' },
  'websocketIngressHost must be a DNS name such as "nats.example.com" (lowercase, at least one dot, no scheme or port), got "https://nats.example.com"');
listener('websocketAllowedOrigins without a scheme', { websocket: true, websocketNoTls: true, websocketAllowedOrigins: ['app.example.com'] },
  'websocketAllowedOrigins entry must be an origin (scheme and host, optional port, no path), such as "https://app.example.com", got "app.example.com"');
listener('mqttCidrs without a prefix length', { mqtt: true, mqttCidrs: ['10.0.0.1'] }, 'mqttCidrs entry must be an address range in CIDR notation, such as "10.0.0.0/8" or "fd00::/8", got "10.0.0.1"');
listener('leafnodeNamespaces in upper case', { leafnodes: true, leafnodeNamespaces: ['Edge'] }, 'leafnodeNamespaces entry must be a DNS-1123 label');
listener('mqttServiceAnnotations key with a space', { mqtt: true, mqttServiceAnnotations: { 'load balancer': 'x' } }, 'mqttServiceAnnotations key must be an annotation name');
listener('jetStreamDomain with a dot', { jetStreamDomain: 'hub.east' }, 'jetStreamDomain must be letters, digits, \'_\' or \'-\' (nats-server refuses \'.\' and spaces), got "hub.east"');

// 7. The app's variables
const env = (input: string, vars: { [name: string]: string }, message: string) => add('app variables', input, (a) => a.env(vars), message);
env('NATS_REPLICA typo', { NATS_REPLICA: '3' }, 'NATS_REPLICA is not a setting of this app; valid ones are NATS_NAMESPACE, NATS_NAME, NATS_REPLICAS');
env('JETSTREAM_MOD typo', { JETSTREAM_MOD: 'nack' }, 'JETSTREAM_MOD is not a setting of this app; valid ones are');
env('MIGRATE_FROM typo', { MIGRATE_FROM: 'true' }, 'MIGRATE_FROM is not a setting of this app');
env('JETSTREAM_MODE=NACK', { JETSTREAM_MODE: 'NACK' }, 'JETSTREAM_MODE must be "job" or "nack", got "NACK"');
env('JETSTREAM_REPAIR_SCHEDULE=hourly', { JETSTREAM_REPAIR_SCHEDULE: 'hourly' }, 'JETSTREAM_REPAIR_SCHEDULE must be a cron schedule (five fields "minute hour day-of-month month day-of-week" such as "*/15 * * * *" or "0 3 * * mon-fri", or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly): 1 field(s), got "hourly"');
env('JETSTREAM_REPAIR_SCHEDUL typo', { JETSTREAM_REPAIR_SCHEDUL: '@hourly' }, 'JETSTREAM_REPAIR_SCHEDUL is not a setting of this app; valid ones are');
env('MIGRATE_FROM_STANDALONE=yes', { MIGRATE_FROM_STANDALONE: 'yes' }, 'MIGRATE_FROM_STANDALONE must be "true" or "false", got "yes"');
env('NATS_MEMORY_STORE_SIZE (renamed)', { NATS_MEMORY_STORE_SIZE: '64Mi' }, 'NATS_MEMORY_STORE_SIZE was renamed NATS_MAX_MEMORY_STORE in 0.3.0');
env('NATS_REPLICAS=three', { NATS_REPLICAS: 'three' }, 'NATS_REPLICAS must be a whole number such as 1 or 3, got "three"');
env('NATS_REPLICAS=2', { NATS_REPLICAS: '2' }, 'replicas must be odd (1, 3 or 5)');
env('NATS_PREPARE_VOLUME_OWNERSHIP=1', { NATS_PREPARE_VOLUME_OWNERSHIP: '1' }, 'NATS_PREPARE_VOLUME_OWNERSHIP must be "true" or "false", got "1"');
env('NATS_METRICS=yes', { NATS_METRICS: 'yes' }, 'NATS_METRICS must be "true" or "false", got "yes"');
env('NATS_MQTT=on', { NATS_MQTT: 'on' }, 'NATS_MQTT must be "true" or "false", got "on"');
env('NATS_WEBSOCKET=1', { NATS_WEBSOCKET: '1' }, 'NATS_WEBSOCKET must be "true" or "false", got "1"');
env('NATS_LEAFNODE typo', { NATS_LEAFNODE: 'true' }, 'NATS_LEAFNODE is not a setting of this app');
env('NATS_STORAGE_SIZE=10GB', { NATS_STORAGE_SIZE: '10GB' }, 'storageSize must be a whole number of bytes written as a Kubernetes quantity such as "10Gi", "512Mi" or "1G", got "10GB"');
env('NATS_NAMESPACE=kube-system', { NATS_NAMESPACE: 'kube-system' }, 'namespace must not be one the cluster owns');
env('NATS_MAX_MEMORY_STORE without a limit', { NATS_MAX_MEMORY_STORE: '64Mi' }, 'maxMemoryStore needs memoryLimit');

// 8. Untyped callers: strings for enums, Durations, numbers and lists
const untyped = (input: string, run: (a: InputApi) => unknown, message: string) => add('untyped caller', input, run, message);
untyped('metricsMonitor as a string', (a) => a.nats({ metrics: true, metricsMonitor: 'podmonitor' }), 'metricsMonitor must be one of MetricsMonitor.POD_MONITOR ("PodMonitor")');
untyped('metrics as a string', (a) => a.nats({ metrics: 'true' }), 'metrics must be true or false, got "true"');
const prop = (input: string, props: any, message: string) => untyped(input, (a) => a.nats(props), message);
prop('security: "PRODUCTION"', { security: 'PRODUCTION' }, 'security must be one of SecurityProfile.HOMELAB ("homelab"), SecurityProfile.PRODUCTION ("production"), got "PRODUCTION"');
prop('security: "Production"', { security: 'Production' }, 'security must be one of SecurityProfile.HOMELAB');
prop('security: true', { security: true }, 'security must be one of SecurityProfile.HOMELAB ("homelab"), SecurityProfile.PRODUCTION ("production"), got true');
prop('storageAccessMode: "RWO"', { storageAccessMode: 'RWO' }, 'storageAccessMode must be one of StorageAccessMode.READ_WRITE_ONCE ("ReadWriteOnce")');
prop('claimRetentionOnDelete: "delete"', { claimRetentionOnDelete: 'delete' }, 'claimRetentionOnDelete must be one of ClaimRetention.RETAIN ("Retain"), ClaimRetention.DELETE ("Delete"), got "delete"');
prop('startupCheck: "FULL"', { startupCheck: 'FULL' }, 'startupCheck must be one of HealthCheck.FULL ("/healthz")');
prop('certManagerIssuerKind: "clusterissuer"', { ...tls, tlsSecretName: undefined, certManagerIssuer: 'ca', certManagerIssuerKind: 'clusterissuer' }, 'certManagerIssuerKind must be one of CertManagerIssuerKind.ISSUER ("Issuer")');
prop('lameDuckDuration: "30s"', { lameDuckDuration: '30s' }, 'lameDuckDuration must be a Duration, such as Duration.seconds(30), got "30s"');
prop('lameDuckDuration: 30', { lameDuckDuration: 30 }, 'lameDuckDuration must be a Duration, such as Duration.seconds(30), got 30');
prop('lameDuckGracePeriod: {seconds: 10}', { lameDuckGracePeriod: { seconds: 10 } }, 'lameDuckGracePeriod must be a Duration, such as Duration.seconds(30), got {"seconds":10}');
prop('configReloader: "true"', { configReloader: 'true' }, 'configReloader must be true or false, got "true"');
image('reloader image latest', { configReloader: true, configReloaderImage: 'natsio/nats-server-config-reloader:latest' }, 'configReloaderImage must name a fixed tag or digest');
prop('replicas: "3"', { replicas: '3' }, 'replicas must be a whole number, got "3"');
prop('clientPort: "4222"', { clientPort: '4222' }, 'clientPort must be a whole number, got "4222"');
prop('natsBox: "false"', { natsBox: 'false' }, 'natsBox must be true or false, got "false"');
prop('prepareVolumeOwnership: "true"', { prepareVolumeOwnership: 'true' }, 'prepareVolumeOwnership must be true or false, got "true"');
prop('networkPolicy: 1', { networkPolicy: 1 }, 'networkPolicy must be true or false, got 1');
prop('mqtt: "true"', { mqtt: 'true' }, 'mqtt must be true or false, got "true"');
prop('mqttExposure: "loadbalancer"', { mqtt: true, mqttExposure: 'loadbalancer' },
  'mqttExposure must be one of ListenerExposure.CLUSTER_IP ("ClusterIP"), ListenerExposure.NODE_PORT ("NodePort"), ListenerExposure.LOAD_BALANCER ("LoadBalancer"), got "loadbalancer"');
prop('leafnodeRemotes: "nats-leaf://hub:7422"', { leafnodeRemotes: 'nats-leaf://hub:7422' }, 'leafnodeRemotes must be a list of NatsLeafnodeRemote objects, got "nats-leaf://hub:7422"');
prop('leafnode remote with "url"', { leafnodeRemotes: [{ url: 'nats-leaf://hub:7422' }] }, 'leafnodeRemotes[0] unknown property "url"; valid ones are urls, account,');
prop('gateway remote urls: "nats://w:7222"', { gatewayRemotes: [{ name: 'w', urls: 'nats://w:7222' }] }, 'gatewayRemotes[0] urls must be a list of strings, got "nats://w:7222"');
prop('websocketServiceAnnotations value 1', { websocket: true, websocketNoTls: true, websocketServiceAnnotations: { a: 1 } }, 'websocketServiceAnnotations["a"] must be a string, got 1');
prop('imagePullSecrets: "harbor"', { imagePullSecrets: 'harbor' }, 'imagePullSecrets must be a list of strings, got "harbor"');
prop('clientNamespaces: "jupyterhub"', { clientNamespaces: 'jupyterhub' }, 'clientNamespaces must be a list of strings, got "jupyterhub"');
prop('storageSize: 10', { storageSize: 10 }, 'storageSize must be a string, got 10');
prop('maxPayload: 1048576', { maxPayload: 1048576 }, 'maxPayload must be a string, got 1048576');
prop('users: {}', { users: {} }, 'users must be a list of NatsUser objects, got {}');
prop('users: [null]', { users: [null] }, 'users[0] must be a NatsUser object, got null');
prop('users: ["alice"]', { users: ['alice'] }, 'users[0] must be a NatsUser object, got "alice"');
prop('user with a plain-text password', { users: [{ name: 'a', password: 'x' }] }, 'users[0] ("a"): plain-text passwords are refused');
prop('user publishAllow: "a.>"', { users: [{ ...user, publishAllow: 'a.>' }], natsBoxUser: 'app' }, 'users[0] ("app"): publishAllow must be a list of strings, got "a.>"');
prop('accounts: "APP"', { accounts: 'APP' }, 'accounts must be a list of NatsAccount objects, got "APP"');
prop('account maxStreams: "20"', { accounts: [{ name: 'APP', maxStreams: '20' }] }, 'accounts[0] maxStreams must be a whole number, got "20"');
prop('account with an unknown property', { accounts: [{ name: 'APP', maxStorage: '1Gi' }] }, 'accounts[0] unknown property "maxStorage"; valid ones are name, jetStream, maxFileStore');
prop('unknown property "replica"', { replica: 3 }, 'unknown property "replica"; valid ones are name, replicas,');
prop('renamed property memoryStoreSize', { memoryStoreSize: '64Mi' }, 'memoryStoreSize was renamed maxMemoryStore in 0.3.0: set maxMemoryStore instead, got memoryStoreSize "64Mi"');
prop('props null', null, 'props must be an object of properties, got null');
prop('extraConfig: ["debug"]', { extraConfig: ['debug'] }, 'extraConfig must be an object, got ["debug"]');
const streamWith = (input: string, props: any, message: string) => untyped(input, (a) => a.addStream(a.jetStream(), { ...stream(), ...props }), message);
streamWith('stream storage: "FILE"', { storage: 'FILE' }, 'stream "S1" storage must be one of StorageType.FILE ("file"), StorageType.MEMORY ("memory"), got "FILE"');
streamWith('stream retention: "WorkQueue"', { retention: 'WorkQueue' }, 'stream "S1" retention must be one of RetentionPolicy.LIMITS ("limits")');
streamWith('stream discard: "OLD"', { discard: 'OLD' }, 'stream "S1" discard must be one of DiscardPolicy.OLD ("old"), DiscardPolicy.NEW ("new"), got "OLD"');
streamWith('stream maxAge: "1h"', { maxAge: '1h' }, 'stream "S1" maxAge must be a Duration, such as Duration.seconds(30), got "1h"');
streamWith('stream duplicateWindow: 120', { duplicateWindow: 120 }, 'stream "S1" duplicateWindow must be a Duration, such as Duration.seconds(30), got 120');
streamWith('stream subjects: "events.>"', { subjects: 'events.>' }, 'stream "S1" subjects must be a list of strings, got "events.>"');
streamWith('stream mirror: "OTHER"', { subjects: undefined, mirror: 'OTHER' }, 'stream "S1" mirror must be a Stream, got "OTHER"');
streamWith('stream sources: ["A"]', { sources: ['A'] }, 'stream "S1" sources must be a list of Stream objects, got ["A"]');
streamWith('stream replicas: "1"', { replicas: '1' }, 'stream "S1" replicas must be a whole number, got "1"');
streamWith('stream maxMsgs: 1.5', { maxMsgs: 1.5 }, 'stream "S1" maxMsgs must be a whole number, got 1.5');
streamWith('stream denyDelete: "yes"', { denyDelete: 'yes' }, 'stream "S1" denyDelete must be true or false, got "yes"');
streamWith('stream unknown property "subject"', { subject: 'x' }, 'stream "S1" unknown property "subject"; valid ones are name, subjects,');
untyped('stream props null', (a) => a.addStream(a.jetStream(), null), 'stream must be an object of properties, got null');
const consumerWith = (input: string, props: any, message: string) =>
  untyped(input, (a) => a.addConsumer(a.addStream(a.jetStream(), stream()), { durableName: 'C', ...props }), message);
consumerWith('consumer deliverPolicy: "ALL"', { deliverPolicy: 'ALL' }, 'consumer "C" deliverPolicy must be one of DeliverPolicy.ALL ("all")');
consumerWith('consumer ackPolicy: "Explicit"', { ackPolicy: 'Explicit' }, 'consumer "C" ackPolicy must be one of AckPolicy.EXPLICIT ("explicit")');
consumerWith('consumer ackWait: "30s"', { ackWait: '30s' }, 'consumer "C" ackWait must be a Duration, such as Duration.seconds(30), got "30s"');
consumerWith('consumer backoff: ["1s"]', { backoff: ['1s'] }, 'consumer "C" backoff must be a list of Durations, got ["1s"]');
consumerWith('consumer maxDeliver: "5"', { maxDeliver: '5' }, 'consumer "C" maxDeliver must be a whole number, got "5"');
consumerWith('consumer filterSubjects: "s.a"', { filterSubjects: 's.a' }, 'consumer "C" filterSubjects must be a list of strings, got "s.a"');
consumerWith('consumer unknown property "durable"', { durable: 'X' }, 'consumer "C" unknown property "durable"; valid ones are durableName,');
const kvWith = (input: string, props: any, message: string) => untyped(input, (a) => a.addKeyValue(a.jetStream(), { bucket: 'B', ...props }), message);
kvWith('KV ttl: "1h"', { ttl: '1h' }, 'KV bucket "B" ttl must be a Duration, such as Duration.seconds(30), got "1h"');
kvWith('KV storage: "MEMORY"', { storage: 'MEMORY' }, 'KV bucket "B" storage must be one of StorageType.FILE ("file"), StorageType.MEMORY ("memory"), got "MEMORY"');
kvWith('KV history: "5"', { history: '5' }, 'KV bucket "B" history must be a whole number, got "5"');
untyped('object store ttl: 3600', (a) => a.addObjectStore(a.jetStream(), { bucket: 'B', ttl: 3600 }), 'object store "B" ttl must be a Duration, such as Duration.seconds(30), got 3600');
untyped('JetStream mode: "NACK"', (a) => a.jetStream(undefined, { mode: 'NACK' }), 'mode must be one of JetStreamApplyMode.JOB ("job"), JetStreamApplyMode.NACK ("nack"), got "NACK"');
untyped('JetStream readyTimeout: 300', (a) => a.jetStream(undefined, { readyTimeout: 300 }), 'readyTimeout must be a Duration, such as Duration.seconds(30), got 300');
untyped('JetStream nats: {}', (a) => a.jetStream(undefined, { nats: {} }), 'nats must be a Nats, got {}');
untyped('JetStream repairSchedule: 15', (a) => a.jetStream(undefined, { repairSchedule: 15 }), 'repairSchedule must be a string, got 15');
untyped('JetStream backoffLimit: "4"', (a) => a.jetStream(undefined, { backoffLimit: '4' }), 'backoffLimit must be a whole number, got "4"');
untyped('migration readyTimeout: 300', (a) => a.migration({ replicas: 3 }, { readyTimeout: 300 }), 'readyTimeout must be a Duration, such as Duration.seconds(30), got 300');

// 9. Quantities beyond what the library computes with
const quantity = (input: string, run: (a: InputApi) => unknown, message: string) => add('quantity range', input, run, message);
quantity('storageSize 1Ei', (a) => a.nats({ storageSize: '1Ei' }), 'storageSize is beyond the largest size this library handles (2^53 - 1 bytes, just under 8Pi), got "1Ei"');
quantity('storageSize 1E', (a) => a.nats({ storageSize: '1E' }), 'storageSize is beyond the largest size this library handles');
quantity('storageSize 9Pi', (a) => a.nats({ storageSize: '9Pi' }), 'storageSize is beyond the largest size this library handles');
quantity('maxFileStore 1e20', (a) => a.nats({ maxFileStore: '1e20' }), 'maxFileStore is beyond the largest size this library handles');
quantity('stream maxBytes 1Ei', (a) => a.addStream(a.jetStream(), { ...stream(), maxBytes: '1Ei' }), 'stream "S1" maxBytes is beyond the largest size this library handles');
quantity('account maxFileStore 2Ei', (a) => a.nats({ accounts: [{ name: 'APP', maxFileStore: '2Ei' }] }), 'account "APP" maxFileStore is beyond the largest size this library handles');
quantity('storageSize -10Gi', (a) => a.nats({ storageSize: '-10Gi' }), 'storageSize must not be negative, got "-10Gi"');
quantity('maxPayload 0.5 bytes', (a) => a.nats({ maxPayload: '0.5' }), 'maxPayload must be a whole number of bytes, got "0.5" (0.5 bytes)');
quantity('maxPayload 500m', (a) => a.nats({ maxPayload: '500m' }), 'maxPayload must be a whole number of bytes, got "500m"');

export const BAD_INPUTS: BadInput[] = cases.map(([kind, input, run, message]) => ({ kind, input, run, message }));
