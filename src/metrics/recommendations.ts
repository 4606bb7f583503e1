import type { CostOptimization, Recommendation, RevenueProtection } from '../report/types.js';
import type { IpRow, VpsRow } from '../sources/types.js';
import { activeInstances, cents } from './cost.js';
import type { MetricSettings } from './settings.js';

const PRIORITY_RANK = { high: 0, medium: 1, low: 2 } as const;

/**
 * Rule-based recommended actions (SPEC §4), each with the rule that made it and an estimated
 * monthly saving where one can be estimated. Highest priority and saving first.
 */
export function recommendActions(
  input: { vps: VpsRow[]; ips: IpRow[]; optimization: CostOptimization; revenue: RevenueProtection },
  s: MetricSettings,
  limit = 6,
): Recommendation[] {
  const out: Recommendation[] = [];
  const rp = input.revenue;
  if (rp.risk_level === 'critical' || rp.risk_level === 'warning') {
    out.push({
      rule: 'deliverability-risk',
      title: 'Contain the deliverability problem',
      detail: `Bounce ${fmtPct(rp.bounce_rate)}, spam ${fmtPct(rp.spam_rate)}: pause sends on the affected IPs, clean the lists and review content. Revenue at risk this period: $${Math.round(rp.revenue_at_risk).toLocaleString('en-US')}.`,
      estimated_monthly_saving: null,
      priority: 'high',
    });
  }
  const underused = activeInstances(input.vps).filter((v) => v.cpu_utilization !== null && v.cpu_utilization < s.rightSize.cpuBelowPercent);
  for (const v of underused) {
    if (!v.monthly_cost) continue;
    out.push({
      rule: 'right-size-vps',
      title: `Right-size VPS ${v.id}`,
      detail: `Average CPU ${v.cpu_utilization!.toFixed(0)}% (under ${s.rightSize.cpuBelowPercent}%) on a $${v.monthly_cost.toFixed(0)}/month instance.`,
      estimated_monthly_saving: cents(v.monthly_cost * s.rightSize.savingShare),
      priority: v.monthly_cost * s.rightSize.savingShare >= 100 ? 'medium' : 'low',
    });
    // An under-used instance rarely needs more than one sending IP: release the rest.
    const ips = input.ips.filter((ip) => ip.vps_instance_id === v.id).sort((a, b) => (b.monthly_cost ?? 0) - (a.monthly_cost ?? 0));
    const extra = ips.slice(1);
    const saving = extra.reduce((sum, ip) => sum + (ip.monthly_cost ?? 0), 0);
    if (extra.length > 0 && saving > 0) {
      out.push({
        rule: 'release-underused-ips',
        title: `Release ${extra.length} IP${extra.length > 1 ? 's' : ''} on ${v.id}`,
        detail: `${ips.length} sending IPs on an instance at ${v.cpu_utilization!.toFixed(0)}% CPU; keep one.`,
        estimated_monthly_saving: cents(saving),
        priority: 'low',
      });
    }
  }
  for (const c of input.optimization.by_category) {
    if (c.identified <= 0) continue;
    out.push({
      rule: 'implement-identified-savings',
      title: `Implement identified ${c.category.replace(/_/g, ' ')} savings`,
      detail: `$${Math.round(c.identified).toLocaleString('en-US')} identified, $${Math.round(c.realized).toLocaleString('en-US')} realized so far.`,
      estimated_monthly_saving: c.identified,
      priority: c.identified >= 5000 ? 'high' : c.identified >= 1000 ? 'medium' : 'low',
    });
  }
  return out
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (b.estimated_monthly_saving ?? Number.MAX_SAFE_INTEGER) - (a.estimated_monthly_saving ?? Number.MAX_SAFE_INTEGER))
    .slice(0, limit);
}

function fmtPct(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`;
}
