import type { Db } from '../db/Db.js';
import { importRecipients } from '../recipients/recipientsRepo.js';

/**
 * The demo tenants' leadership: who `config/demo.yaml` delivers briefs to (c-suite, finance), and
 * who is on call for alerts (oncall: tier 0; c-suite: tier 1); and the platform's own CEO
 * (tenant null), who alone receives the portfolio reports. Slack channel ids are the ones
 * `scripts/dev-sinks.ts` (the local Slack stand-in) knows. Idempotent (an import).
 */
export const SAMPLE_RECIPIENTS_YAML = `
recipients:
  - { tenant: northwind, name: Nora Chen, role: CEO, email: nora.chen@northwind.example, slack_channel: C0NWEXEC01, phone: "+12125550101", timezone: America/New_York, groups: [c-suite] }
  - { tenant: northwind, name: Omar Diaz, role: CFO, email: omar.diaz@northwind.example, groups: [c-suite, finance] }
  - { tenant: bluepeak, name: Birgit Lang, role: CEO, email: birgit.lang@bluepeak.example, slack_channel: C0BPEXEC01, phone: "+493055501010", timezone: Europe/Berlin, quiet_hours: "22:00-07:00", groups: [c-suite] }
  - { tenant: bluepeak, name: Jonas Weber, role: Finance director, email: jonas.weber@bluepeak.example, groups: [finance] }
  - { tenant: copperleaf, name: Chloe Tan, role: CEO, email: chloe.tan@copperleaf.example, slack_channel: C0CLEXEC01, phone: "+6565550101", timezone: Asia/Singapore, groups: [c-suite] }
  - { tenant: copperleaf, name: Arjun Rao, role: CFO, email: arjun.rao@copperleaf.example, groups: [c-suite, finance] }
  - { tenant: northwind, name: Priya Nair, role: Head of deliverability, email: priya.nair@northwind.example, phone: "+12125550111", timezone: America/New_York, groups: [oncall] }
  - { tenant: bluepeak, name: Lena Vogt, role: Head of deliverability, email: lena.vogt@bluepeak.example, slack_channel: C0BPONCALL, phone: "+4915123456789", timezone: Europe/Berlin, groups: [oncall] }
  - { tenant: copperleaf, name: Wei Lim, role: Deliverability lead, email: wei.lim@copperleaf.example, phone: "+6591234567", timezone: Asia/Singapore, groups: [oncall] }
  - { tenant: null, name: Maya Brooks, role: Platform CEO, email: maya.brooks@herald-platform.example, slack_channel: C0PLATFORM, timezone: Europe/Berlin, groups: [c-suite] }
`;

/** The Slack channels of the sample recipients (the dev stand-in accepts these). */
export const SAMPLE_SLACK_CHANNELS = ['C0NWEXEC01', 'C0BPEXEC01', 'C0CLEXEC01', 'C0BPONCALL', 'C0PLATFORM'];

export async function loadSampleRecipients(db: Db): Promise<number> {
  const result = await importRecipients(db, SAMPLE_RECIPIENTS_YAML, { file: 'sample recipients' });
  return result.added + result.updated + result.unchanged;
}
