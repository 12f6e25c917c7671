// The production profile the tests share: the library's own production test and its Python twin (python/app.py).
import { CertManagerIssuerKind, NatsProps, SecurityProfile } from '../../lib';

export const PRODUCTION_PROPS: NatsProps = {
  replicas: 3,
  security: SecurityProfile.PRODUCTION,
  clientMutualTls: true,
  certManagerIssuer: 'nats-ca',
  certManagerIssuerKind: CertManagerIssuerKind.CLUSTER_ISSUER,
  accounts: [{ name: 'APP', maxFileStore: '5Gi' }, { name: 'SYS' }],
  systemAccount: 'SYS',
  users: [
    { name: 'app', account: 'APP', passwordSecretName: 'nats-users', passwordSecretKey: 'app' },
    { name: 'admin', account: 'SYS', passwordSecretName: 'nats-users', passwordSecretKey: 'admin' },
  ],
  natsBoxUser: 'app',
  clientNamespaces: ['jupyterhub'],
  monitoringNamespace: 'monitoring',
};
