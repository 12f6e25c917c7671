import { Testing } from 'cdk8s';
import { Nats, NatsProps, SecurityProfile } from '../lib';

const user = { name: 'alice', passwordSecretName: 'nats-users' };
const synthWith = (props: NatsProps) => () => new Nats(Testing.chart(), 'nats', { natsBox: false, ...props });

test.each([
  [{ clientTls: true }, 'clientTls needs a certificate: set tlsSecretName (an existing kubernetes.io/tls Secret) or certManagerIssuer (cert-manager creates one)'],
  [{ clusterTls: true, replicas: 3 }, 'clusterTls needs a certificate'],
  [{ clientTls: true, tlsSecretName: 'a', certManagerIssuer: 'b' }, 'set either tlsSecretName or certManagerIssuer, not both'],
  [{ tlsSecretName: 'nats-tls' }, 'tlsSecretName is set but no listener uses TLS: set clientTls and/or clusterTls'],
  [{ monitorTls: true, certManagerIssuer: 'ca' }, 'monitorTls needs clientTls: nats-server serves HTTPS monitoring with the client TLS certificate'],
  [{ clientMutualTls: true }, 'clientMutualTls needs clientTls'],
  [{ clientTls: true, clientMutualTls: true, tlsSecretName: 'nats-tls' }, 'clientMutualTls needs a CA to verify client certificates: set tlsCaSecretName (a Secret with ca.crt)'],
  [{ clusterTls: true, tlsSecretName: 'nats-tls' }, 'clusterTls needs a CA to verify route peers: set tlsCaSecretName (a Secret with ca.crt)'],
  [{ users: [{ ...user, account: 'APP' }] }, 'users[0] ("alice"): account "APP" is not one of the accounts (none defined)'],
  [{ accounts: [{ name: 'APP' }], users: [user] }, 'users[0] ("alice"): set account; with accounts defined every user belongs to one (APP)'],
  [{ users: [{ name: 'alice', password: 'hunter2' } as any] }, 'users[0] ("alice"): plain-text passwords are refused, since they would be written into the ConfigMap; put the password in a Secret and set passwordSecretName'],
  [{ users: [user, { ...user }] }, 'user "alice" is defined twice; names must be unique'],
  [{ users: [user, { name: 'Alice', nkey: 'UAVMSH533JCFLHVVNTG24QQX4JI7L6L6FSRUCYOH7SQRJYEXMEJCD7DH' }, { name: 'ALICE', passwordSecretName: 's' }] }, 'password environment variable (user names that differ only in punctuation or case) "NATS_PASSWORD_ALICE" is defined twice'],
  [{ accounts: [{ name: 'APP' }, { name: 'APP' }] }, 'account "APP" is defined twice; names must be unique'],
  [{ users: [{ ...user, publishAllow: ['orders..new'] }] }, 'users[0] ("alice") publishAllow entry must be a NATS subject such as "events.>" or "orders.*.created" (no empty tokens: no leading, trailing or double dots), got "orders..new"'],
  [{ users: [{ ...user, subscribeDeny: ['a.>.b'] }] }, 'users[0] ("alice") subscribeDeny entry must be a NATS subject'],
  [{ users: [{ name: 'alice' }] }, 'users[0] ("alice"): set exactly one credential, passwordSecretName or nkey'],
  [{ users: [{ name: 'alice', nkey: 'UABC' }] }, 'users[0] ("alice"): nkey must be a user public key (\'U\' and 55 base32 characters with a valid checksum, as `nats auth nkey gen user` prints), got "UABC"'],
  [{ users: [{ ...user, passwrd: 'x' } as any] }, 'users[0] ("alice"): unknown property "passwrd"'],
  [{ users: [user], noAuthUser: 'bob' }, 'noAuthUser "bob" is not one of the users (alice)'],
  [{ accounts: [{ name: 'SYS' }], systemAccount: 'SYSTEM' }, 'systemAccount "SYSTEM" is not one of the accounts (SYS)'],
  [{ accounts: [{ name: 'SYS', jetStream: true }], systemAccount: 'SYS' }, 'account "SYS" is the systemAccount, which cannot have JetStream; remove jetStream: true'],
  [{ natsBox: true, users: [user] }, 'nats-box needs credentials when users are defined: set natsBoxUser (a password user) or noAuthUser, or natsBox: false'],
  [{ security: SecurityProfile.PRODUCTION, users: [user] }, 'clientTls and clusterTls needs a certificate'],
  [{ security: SecurityProfile.PRODUCTION, certManagerIssuer: 'ca' }, 'SecurityProfile.PRODUCTION needs at least one user'],
  [{ security: SecurityProfile.PRODUCTION, certManagerIssuer: 'ca', users: [user], networkPolicy: false }, 'networkPolicy cannot be false with SecurityProfile.PRODUCTION; use SecurityProfile.HOMELAB to turn it off'],
  [{ security: SecurityProfile.PRODUCTION, certManagerIssuer: 'ca', users: [user], clientTls: false }, 'clientTls cannot be false with SecurityProfile.PRODUCTION'],
  [{ networkPolicy: true, clientNamespaces: ['Jupyter Hub'] }, 'clientNamespaces entry must be a DNS-1123 label'],
] as Array<[NatsProps, string]>)('%j', (props, message) => {
  expect(synthWith(props)).toThrow(message);
});
