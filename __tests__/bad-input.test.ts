// Every bad input of __tests__/support/bad-inputs.ts fails at synth time with an Error whose message names the
// property, the value and what is valid: never a crash from inside the library (a TypeError), never silence.
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Duration, Testing } from 'cdk8s';
import { JetStream, Nats, NatsChart, NatsMigrationJob } from '../lib';
import { appSettingsFromEnv } from '../lib/app/env';
import { BAD_INPUTS, InputApi } from './support/bad-inputs';

let jetStreams = 0;
let ids = 0;
const api: InputApi = {
  nats: (props) => new Nats(Testing.chart(), 'nats', props),
  chart: (props, app) => new NatsChart(app ?? Testing.app(), `nats${jetStreams++}`, props),
  app: () => Testing.app(),
  jetStream: (chartProps = {}, jsProps = {}) => {
    const { scope, ...props } = jsProps;
    const chart = scope ?? new NatsChart(Testing.app(), 'nats', chartProps);
    return new JetStream(chart, `JetStream${jetStreams++}`, { nats: chart.nats, ...props });
  },
  addStream: (js, props) => js.addStream(`Stream${ids++}`, props),
  addKeyValue: (js, props) => js.addKeyValue(`KeyValue${ids++}`, props),
  addObjectStore: (js, props) => js.addObjectStore(`ObjectStore${ids++}`, props),
  addConsumer: (stream, props) => stream.addConsumer(`Consumer${ids++}`, props),
  migration: (chartProps, props = {}) => {
    const chart = new NatsChart(Testing.app(), 'nats', chartProps);
    return new NatsMigrationJob(chart, 'Migration', { nats: chart.nats, ...props });
  },
  env: (vars) => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'bad-env-')) });
    new NatsChart(app, 'nats', appSettingsFromEnv(vars).props);
    app.synthYaml();
  },
  seconds: (n) => Duration.seconds(n),
  millis: (n) => Duration.millis(n),
};

test('the table covers every kind of bad input, at least 150 cases', () => {
  expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(150);
  expect(new Set(BAD_INPUTS.map((c) => c.kind))).toEqual(new Set([
    'extraConfig', 'JetStream', 'tool identity', 'image', 'names and scope', 'sizes and ports', 'listeners', 'app variables', 'untyped caller',
    'quantity range',
  ]));
});

describe.each([...new Set(BAD_INPUTS.map((c) => c.kind))])('%s', (kind) => {
  test.each(BAD_INPUTS.filter((c) => c.kind === kind).map((c) => [c.input, c] as const))('%s', (_input, c) => {
    let error: unknown;
    try {
      c.run(api);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).constructor).toBe(Error); // not a TypeError or RangeError from inside
    expect((error as Error).message).toContain(c.message);
  });
});
