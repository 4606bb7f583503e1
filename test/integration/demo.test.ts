import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  dir = await mkdtemp(path.join(tmpdir(), 'herald-demo-'));
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The nine PDF paths the demo prints, one per line after its summary. */
function printedPdfs(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((p) => p.endsWith('.pdf'));
}

describe('herald demo', () => {
  it('on the embedded PGlite: nine briefs, each a readable 2–4 page PDF of its tenant and period', async () => {
    const out = path.join(dir, 'embedded');
    const r = await herald(['demo', '--out', out], { DATABASE_URL: '' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/embedded PostgreSQL \(PGlite/);
    expect(r.stderr).toMatch(/\[9\/9\] copperleaf monthly/);     // plain progress lines off a terminal
    const pdfs = printedPdfs(r.stdout);
    expect(pdfs).toHaveLength(9);
    for (const tenant of ['northwind', 'bluepeak', 'copperleaf']) {
      for (const kind of ['daily', 'weekly', 'monthly']) {
        expect(pdfs.filter((p) => p.includes(`/${tenant}/executive-summary-${kind}-`))).toHaveLength(1);
      }
    }
    const names: Record<string, string> = { northwind: 'Northwind Mail Co', bluepeak: 'Bluepeak Commerce', copperleaf: 'Copperleaf & Sons <Outfitters>' };
    for (const file of pdfs) {
      const { text, pages } = await pdfText(await readFile(file));
      expect(pages, file).toBeGreaterThanOrEqual(2);
      expect(pages, file).toBeLessThanOrEqual(4);
      const tenant = path.basename(path.dirname(file));
      expect(text, file).toContain(names[tenant]);
      expect(text, file).toContain('Business health'.toUpperCase());
      expect(text, file).not.toMatch(/NaN|undefined|\[object Object\]/);
    }
    const crisis = JSON.parse(await readFile(pdfs.find((p) => p.includes('/bluepeak/executive-summary-daily-'))!.replace(/\.pdf$/, '.json'), 'utf8'));
    expect(crisis.revenue_protection.risk_level).toBe('critical');
    const losing = JSON.parse(await readFile(pdfs.find((p) => p.includes('/copperleaf/executive-summary-monthly-'))!.replace(/\.pdf$/, '.json'), 'utf8'));
    expect(losing.cost.gross_margin).toBeLessThan(0);
    const healthy = JSON.parse(await readFile(pdfs.find((p) => p.includes('/northwind/executive-summary-monthly-'))!.replace(/\.pdf$/, '.json'), 'utf8'));
    expect(healthy.health.status).toBe('good');
  });

  it('with DATABASE_URL: uses that database, and a second run replaces its own sample data', async () => {
    const first = await herald(['demo', '--out', path.join(dir, 'pg1')], { DATABASE_URL: t.url });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(t.name);
    const one = (sql: string) => t.db.query<{ n: number }>(sql).then((r) => r.rows[0].n);
    expect(await one(`SELECT count(*)::int AS n FROM posthog_events`)).toBeGreaterThan(1000);
    const second = await herald(['demo', '--out', path.join(dir, 'pg2')], { DATABASE_URL: t.url });
    expect(second.code).toBe(0);
    // Replaced, not added: still three tenants with 90 days each, and no event stored more than
    // twice (the sample duplicates ~1% of events once, as PostHog's export may).
    expect(await one(`SELECT count(*)::int AS n FROM tenants`)).toBe(3);
    expect(await one(`SELECT count(*)::int AS n FROM deliverability_daily_summary`)).toBe(270);
    expect(await one(`SELECT max(c)::int AS n FROM (SELECT count(*) AS c FROM posthog_events GROUP BY uuid) x`)).toBe(2);
    const runs = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.runs WHERE trigger = 'demo' AND status = 'rendered'`);
    expect(runs.rows[0].n).toBe(18);
  });
});
