// The homelab app: `cdk8s synth` writes the NATS deployment to dist/. Settings come from the
// environment (see README), so another size of deployment needs no code change:
//   NATS_REPLICAS=3 npm run synth
import { App } from 'cdk8s';
import { NatsChart } from './lib';
import { propsFromEnv } from './lib/env-props';

const app = new App(); // writes to dist/, or to $CDK8S_OUTDIR when the cdk8s CLI sets it
new NatsChart(app, 'nats', propsFromEnv(process.env));
app.synth();
