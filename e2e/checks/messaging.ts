/** Core NATS: a subscriber in nats-box receives what `nats pub` sends on the seed's `test.subject`. */
import { Ctx } from './deployment';
import { nats, sleep } from './support/kube';
import { lastLines, token } from './support/text';

export async function checkPubSub(c: Ctx): Promise<void> {
  const { d, r } = c;
  const message = token('hello');
  let subscribed = true;
  const sub = nats(d.ns, d.box, ['sub', 'test.subject', '--count', '1', '--raw'], { timeoutSeconds: 30 })
    .finally(() => { subscribed = false; });
  // The subscription starts at an unknown moment: publish every half second until it has received one.
  for (let i = 0; i < 40 && subscribed; i++) {
    await sleep(500);
    await nats(d.ns, d.box, ['pub', 'test.subject', message]);
  }
  const got = await sub;
  r.check(got.stdout.split('\n').some((l) => l.trim() === message), 'nats sub test.subject received the message from nats pub',
    `nats sub/pub test.subject: ${lastLines(got.stdout + got.stderr, 3)}`);
}
