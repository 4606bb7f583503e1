/**
 * Puts a deliverability measurement for a tenant in the event store (the PostHog export table of
 * DATABASE_URL), as the platform's pipeline would: a bounce rate above 15% is a crisis, under 4%
 * clears it. See README, "A director's loop".
 *   npx tsx scripts/dev-crisis.ts <tenant> <bounce-rate> [--times N]
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const [tenant, rate] = process.argv.slice(2);
const i = process.argv.indexOf('--times');
const times = i > 0 ? Number(process.argv[i + 1]) : 1;
if (!tenant || !(Number(rate) >= 0 && Number(rate) <= 1) || !process.env.DATABASE_URL) {
  console.error('usage: DATABASE_URL=… npx tsx scripts/dev-crisis.ts <tenant> <bounce-rate 0–1> [--times N]');
  process.exit(2);
}
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
await client.connect();
for (let n = 0; n < times; n++) {
  await client.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, 'email_deliverability_event', $2, $3, now())`,
    [randomUUID(), tenant, JSON.stringify({ tenant_id: tenant, bounce_rate: Number(rate), spam_rate: 0.004, email_count: 24_500 })]);
  console.log(`${tenant}: bounce ${(Number(rate) * 100).toFixed(1)}% recorded`);
  if (n < times - 1) await new Promise((r) => setTimeout(r, 1500)); // one per poll: each is an evaluation
}
await client.end();
