// Two deployments for the reach checks of issue 16 (e2e/checks/reach.ts): a hub accepting leaf nodes, WebSocket and
// MQTT, and a leaf in another namespace connecting to it, each with its NetworkPolicy. The plain variant serves the
// listeners in plain text (WebSocket by explicit choice); the TLS variant serves them with a certificate from the
// Secrets nats-tls / nats-ca, and the leaf verifies the hub against hub-ca. Writes <out>/hub and <out>/leaf:
//   CDK8S_OUTDIR=/tmp/dist-reach REACH_VARIANT=plain|tls REACH_NAMESPACE=nats-reach-plain \
//     node -r ts-node/register/transpile-only e2e/verify/reach-app.ts
import * as path from 'path';
import { App } from 'cdk8s';
import { NatsChart } from '../../lib';

const variant = process.env.REACH_VARIANT ?? 'plain';
if (variant !== 'plain' && variant !== 'tls') throw new Error(`REACH_VARIANT must be "plain" or "tls", got "${variant}"`);
const tls = variant === 'tls';
const prefix = process.env.REACH_NAMESPACE ?? `nats-reach-${variant}`;
const out = process.env.CDK8S_OUTDIR ?? 'dist-reach';
const hubNamespace = `${prefix}-hub`;
const leafNamespace = `${prefix}-leaf`;
/** Where the WebSocket and MQTT clients run: admitted to those two ports only. */
const clientsNamespace = `${prefix}-clients`;

const hubApp = new App({ outdir: path.join(out, 'hub') });
new NatsChart(hubApp, 'nats', {
  namespace: hubNamespace,
  networkPolicy: true,
  leafnodes: true,
  leafnodeNamespaces: [leafNamespace],
  websocket: true,
  websocketNamespaces: [clientsNamespace],
  mqtt: true,
  mqttNamespaces: [clientsNamespace],
  ...(tls
    ? { leafnodeTls: true, mqttTls: true, tlsSecretName: 'nats-tls', tlsCaSecretName: 'nats-ca' }
    : { websocketNoTls: true }),
});
hubApp.synth();

const leafApp = new App({ outdir: path.join(out, 'leaf') });
new NatsChart(leafApp, 'nats', {
  namespace: leafNamespace,
  networkPolicy: true,
  jetStreamDomain: 'leaf',
  leafnodeRemotes: [{
    urls: [`nats-leaf://nats-leafnodes.${hubNamespace}.svc.cluster.local:7422`],
    ...(tls ? { tls: true, tlsCaSecretName: 'hub-ca' } : {}),
  }],
});
leafApp.synth();
