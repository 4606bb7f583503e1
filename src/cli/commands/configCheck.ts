import { ConfigError, loadConfig } from '../../config/loadConfig.js';
import { checkChannels } from '../../delivery/channelHealth.js';
import { channelsFromEnv, closeChannels } from '../../worker/channelsFromEnv.js';
import { openDatabases } from '../context.js';
import { oneLine } from '../oneLine.js';
import { InputError } from '../../report/ReportContext.js';
import { HogqlClient, hogqlOptionsFromEnv } from '../../sources/hogqlClient.js';

/**
 * `herald config check [FILE] [--live]`: every problem on its own line with its path; exit 2 when
 * any. `--live` also checks the channels' credentials and destinations (exit 1 on a problem).
 */
export async function configCheckCommand(file: string | undefined, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, opts: { live?: boolean } = {}): Promise<number> {
  try {
    const { config, file: used } = await loadConfig(file);
    // The posthog-api event store needs its three variables (SPEC §2.2, §10); --live asks PostHog.
    let posthog: HogqlClient | null = null;
    if (config.sources.events.kind === 'posthog-api') {
      try {
        posthog = new HogqlClient({ ...hogqlOptionsFromEnv(process.env), maxAttempts: 2, maxWaitMs: 5_000 });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        err.write(`${oneLine(`${used ?? '(built-in defaults)'}: sources.events.kind: posthog-api: ${e.message}`)}\n`);
        return 2;
      }
    }
    out.write(`${used ?? '(built-in defaults)'}: ok (${config.schedules.length} schedule${config.schedules.length === 1 ? '' : 's'})\n`);
    if (!opts.live) return 0;
    const dbs = openDatabases(config);
    const channels = channelsFromEnv(config);
    try {
      const reports: { channel: string; ok: boolean; problems: string[] }[] = await checkChannels(dbs.herald, config, channels);
      if (posthog) {
        // The key, the project and the host, with one trivial query.
        const problem = await posthog.query('SELECT 1 AS ok', {}, 'connection check').then(() => null, (e: Error) => e.message);
        reports.push({ channel: 'posthog-api', ok: problem === null, problems: problem ? [problem] : [] });
      }
      for (const r of reports) {
        out.write(`${r.channel}: ${r.ok ? 'ok' : 'PROBLEM'}\n`);
        for (const p of r.problems) out.write(`  ${p}\n`);
      }
      return reports.every((r) => r.ok) ? 0 : 1;
    } finally {
      closeChannels(channels);
      await dbs.close();
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) err.write(`${oneLine(`${e.file}: ${issue.path || '(root)'}: ${issue.message}`)}\n`);
    return 2;
  }
}
