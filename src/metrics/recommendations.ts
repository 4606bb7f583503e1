import type { CostOptimization, Recommendation, RevenueProtection } from '../report/types.js';
import type { IpRow, VpsRow } from '../sources/types.js';
import { activeInstances, cents } from './cost.js';
import type { MetricSettings } from './settings.js';
import { formatDate, formatUsd } from '../report/format.js';

const PRIORITY_RANK = { high: 0, medium: 1, low: 2 } as const;

/**
 * Rule-based recommended actions (SPEC §4), each with the rule that made it and an estimated
 * monthly saving where one can be estimated. Highest priority and saving first.
 */
export function recommendActions(
  input: {
    vps: VpsRow[]; ips: IpRow[]; optimization: CostOptimization; revenue: RevenueProtection; deliverabilityAlerts?: number;
    /** The tenant's running monthly cost: an identified saving above it is no monthly saving. */
    monthlyTotalCost?: number;
  },
  s: MetricSettings,
  limit = 6,
): Recommendation[] {
  const out: Recommendation[] = [];
  const rp = input.revenue;
  // The period's average can hide a crisis that started late in it: the risk now, and critical or
  // high deliverability alerts, count too.
  const alerts = input.deliverabilityAlerts ?? 0;
  const worrying = (l: string | null | undefined) => l === 'critical' || l === 'warning';
  if (worrying(rp.risk_level) || worrying(rp.risk_level_now) || alerts > 0) {
    // What it is now first when the period's average hides it, then the period.
    const now = rp.risk_now;
    const nowText = worrying(rp.risk_level_now) && rp.risk_level_now !== rp.risk_level && now?.metric && now.value !== null && now.on
      ? `${now.metric === 'bounce_rate' ? 'Bounce' : 'Spam'} ${fmtPct(now.value)} on ${dayMonth(now.on)}; period: `
      : '';
    out.push({
      rule: 'deliverability-risk',
      title: 'Contain the deliverability problem',
      detail: `${capitalize(`${nowText}bounce ${fmtPct(rp.bounce_rate)}, spam ${fmtPct(rp.spam_rate)}`)}${alerts > 0 ? `, ${alerts} critical or high deliverability alert${alerts === 1 ? '' : 's'}` : ''}: pause sends on the affected IPs, clean the lists, review content. Revenue at risk: ${formatUsd(rp.revenue_at_risk)}.`,
      estimated_monthly_saving: null,
      priority: 'high',
    });
  }
  out.push(...costRules({ vps: input.vps, ips: input.ips, optimization: input.optimization, monthlyTotalCost: input.monthlyTotalCost }, s)
    .map(({ resources: _r, basis: _b, ...r }) => r));
  return out
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (b.estimated_monthly_saving ?? Number.MAX_SAFE_INTEGER) - (a.estimated_monthly_saving ?? Number.MAX_SAFE_INTEGER))
    .slice(0, limit);
}

/** A cost rule's recommendation, with the resources it names and how its saving was estimated. */
export interface CostRule extends Recommendation {
  /** VPS ids, IP ids, or the savings category. */
  resources: string[];
  basis: string;
}

/**
 * The cost rules of SPEC §4, in this order: right-size active VPS instances whose average CPU is
 * under the line (a share of their cost), release the IPs of those instances but one each (their
 * cost), implement identified savings by category (those that can be a monthly saving). The
 * executive summary's recommended actions and the cost-optimization report both read these.
 */
export function costRules(
  input: { vps: VpsRow[]; ips: IpRow[]; optimization: CostOptimization; monthlyTotalCost?: number },
  s: MetricSettings,
): CostRule[] {
  const out: CostRule[] = [];
  // One line per rule, not per instance: an executive acts on "right-size 4 instances", and the
  // detail names them.
  const underused = activeInstances(input.vps)
    .filter((v) => v.cpu_utilization !== null && v.cpu_utilization < s.rightSize.cpuBelowPercent && (v.monthly_cost ?? 0) > 0)
    .sort((a, b) => (b.monthly_cost ?? 0) - (a.monthly_cost ?? 0));
  if (underused.length > 0) {
    const saving = cents(underused.reduce((sum, v) => sum + v.monthly_cost! * s.rightSize.savingShare, 0));
    out.push({
      rule: 'right-size-vps',
      title: underused.length === 1 ? `Right-size VPS ${underused[0].id}` : `Right-size ${underused.length} under-used VPS instances`,
      detail: `Average CPU under ${s.rightSize.cpuBelowPercent}%: ${listInstances(underused.map((v) => `${v.id} (${v.cpu_utilization!.toFixed(0)}% CPU, ${formatUsd(v.monthly_cost)}/month)`))}.`,
      estimated_monthly_saving: saving,
      priority: saving >= 500 ? 'high' : saving >= 100 ? 'medium' : 'low',
      resources: underused.map((v) => v.id),
      basis: `${Math.round(s.rightSize.savingShare * 100)}% of the monthly cost of each active instance with average CPU under ${s.rightSize.cpuBelowPercent}%`,
    });
  }
  // An under-used instance rarely needs more than one sending IP: release the rest.
  const releasable = underused.flatMap((v) =>
    input.ips.filter((ip) => ip.vps_instance_id === v.id).sort((a, b) => (a.monthly_cost ?? 0) - (b.monthly_cost ?? 0)).slice(0, -1));
  const ipSaving = cents(releasable.reduce((sum, ip) => sum + (ip.monthly_cost ?? 0), 0));
  if (releasable.length > 0 && ipSaving > 0) {
    const hosts = new Set(releasable.map((ip) => ip.vps_instance_id));
    out.push({
      rule: 'release-underused-ips',
      title: `Release ${releasable.length} sending IP${releasable.length > 1 ? 's' : ''} on under-used instances`,
      detail: `Keep one IP on each of ${listInstances([...hosts])}.`,
      estimated_monthly_saving: ipSaving,
      priority: ipSaving >= 500 ? 'high' : ipSaving >= 100 ? 'medium' : 'low',
      resources: releasable.map((ip) => ip.id),
      basis: 'the monthly cost of every IP but the dearest on each under-used instance',
    });
  }
  // Identified savings, by category. One larger than the whole monthly cost cannot be saved each
  // month (a yearly or one-off figure): flagged in the detail, never counted as a monthly saving.
  const monthly = input.monthlyTotalCost ?? Number.POSITIVE_INFINITY;
  for (const c of input.optimization.by_category) {
    if (c.identified <= 0) continue;
    const flagged = c.identified_flagged ?? 0;
    const plausible = cents(c.identified - flagged);
    const tooLarge = plausible > monthly;
    const saving = plausible > 0 && !tooLarge ? plausible : null;
    const notes: string[] = [];
    if (flagged > 0) notes.push(`${formatUsd(flagged)} of it comes from opportunities each larger than the monthly total cost of ${formatUsd(monthly)}: check them; they are not counted as a monthly saving`);
    if (tooLarge) notes.push(`the rest, ${formatUsd(plausible)}, is more than the monthly total cost of ${formatUsd(monthly)}: not counted as a monthly saving`);
    const size = saving ?? 0;
    out.push({
      rule: 'implement-identified-savings',
      title: `Implement identified ${categoryWords(c.category)} savings`,
      detail: `${formatUsd(c.identified)} identified, ${formatUsd(c.realized)} realized so far${notes.length ? `; ${notes.join('; ')}` : ''}.`,
      estimated_monthly_saving: saving,
      priority: size >= 5000 ? 'high' : size >= 1000 ? 'medium' : 'low',
      resources: [c.category],
      basis: 'identified savings of the period not yet implemented, less any opportunity larger than the monthly total cost',
    });
  }
  return out;
}

/** "ip_pool" → "IP pool": category ids read as words in a title. */
function categoryWords(category: string): string {
  return category.replace(/[_-]+/g, ' ').replace(/\b(ip|ips|vps|smtp|roi)\b/gi, (w) => (w.toLowerCase() === 'ips' ? 'IPs' : w.toUpperCase()));
}

function listInstances(items: string[], max = 4): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function fmtPct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "2026-11-21" → "21 Nov". */
function dayMonth(date: string): string {
  return formatDate(date).replace(/ \d{4}$/, '');
}
