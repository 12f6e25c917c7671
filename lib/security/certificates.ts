import { natsBoxName } from '../internal/names';
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { COMPONENT_SERVER, standardLabels } from '../internal/labels';
import { NatsSettings } from '../server/settings';
import { certManagerCrds } from '../internal/lazy';

/** The cert-manager Certificates, for `addJsonPatch`. */
export interface INatsCertificates extends IConstruct {
  /** The servers' certificate (clients and routes). */
  readonly server: ApiObject;
  /** nats-box's client certificate, under mutual TLS. */
  readonly natsBox?: ApiObject;
}

/**
 * cert-manager Certificates for the servers (clients and routes) and, under mutual TLS, for nats-box.
 * Created by `Nats` when `certManagerIssuer` is set.
 */
export class NatsCertificates extends Construct implements INatsCertificates {
  public readonly server: ApiObject;
  public readonly natsBox?: ApiObject;

  public constructor(scope: Construct, id: string, s: NatsSettings) {
    super(scope, id);
    const { Certificate, CertificateSpecPrivateKeyAlgorithm, CertificateSpecUsages } = certManagerCrds();
    const tls = s.security.tls!;
    const namespace = Chart.of(this).namespace;
    // Clients use the Service name in any of its forms; routes dial `<pod>.<headless>` (and its FQDN).
    const qualified = (host: string) => (namespace
      ? [host, `${host}.${namespace}`, `${host}.${namespace}.svc`, `${host}.${namespace}.svc.cluster.local`]
      : [host]);
    const issuerRef = { name: tls.certManagerIssuer!, kind: tls.certManagerIssuerKind, group: 'cert-manager.io' };
    const privateKey = { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256 };

    this.server = new Certificate(this, 'Server', {
      metadata: { name: tls.secretName, labels: standardLabels(s.name, COMPONENT_SERVER, s.version) },
      spec: {
        secretName: tls.secretName,
        issuerRef,
        privateKey,
        dnsNames: [
          ...qualified(s.name), ...qualified(`*.${s.headlessServiceName}`),
          // The listeners with TLS are reached through their own Services.
          ...s.listeners.all.filter((l) => l.tls).flatMap((l) => qualified(l.serviceName)),
          'localhost',
        ],
        // Routes are both sides of a TLS connection, so the server certificate serves and presents.
        usages: [CertificateSpecUsages.DIGITAL_SIGNATURE,
          CertificateSpecUsages.SERVER_AUTH, CertificateSpecUsages.CLIENT_AUTH],
      },
    });

    if (tls.natsBoxSecretName && tls.mutual && tls.certManagerIssuer) {
      this.natsBox = new Certificate(this, 'NatsBox', {
        metadata: { name: tls.natsBoxSecretName, labels: standardLabels(s.name, 'nats-box') },
        spec: {
          secretName: tls.natsBoxSecretName,
          issuerRef,
          privateKey,
          commonName: natsBoxName(s.name),
          usages: [CertificateSpecUsages.DIGITAL_SIGNATURE, CertificateSpecUsages.CLIENT_AUTH],
        },
      });
    }
  }
}
