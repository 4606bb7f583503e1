/**
 * The Twilio stand-in of bench/alerts.bench.ts, in a process of its own so that its CPU is not
 * counted as the poller's and its arrival times are not delayed by the poller's event loop.
 * test/helpers/twilioStandIn.ts records each message with `at` = Date.now() when the request
 * arrived; the parent asks for them over IPC.
 *
 *   → parent: {type: 'ready', url, accountSid, authToken}
 *   ← {type: 'messages'}  → {type: 'messages', messages: [{to, at, body}]}
 *   ← {type: 'stop'}      → closes and exits
 */
import { startTwilioStandIn } from '../test/helpers/twilioStandIn.js';

const standIn = await startTwilioStandIn();
process.on('message', (m: { type: string }) => {
  if (m.type === 'messages') {
    process.send!({ type: 'messages', messages: standIn.messages.map((x) => ({ to: x.to, at: x.at, body: x.body })) });
    // The stand-in also keeps every request; the bench only needs the messages.
    standIn.requests.length = 0;
  } else if (m.type === 'stop') {
    void standIn.close().finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', url: standIn.url, accountSid: standIn.accountSid, authToken: standIn.authToken });
