import { ConfigError, loadConfig } from '../../config/loadConfig.js';
import { checkChannels } from '../../delivery/channelHealth.js';
import { channelsFromEnv, closeChannels } from '../../worker/channelsFromEnv.js';
import { openDatabases } from '../context.js';
import { oneLine } from '../oneLine.js';

/**
 * `herald config check [FILE] [--live]`: every problem on its own line with its path; exit 2 when
 * any. `--live` also checks the channels' credentials and destinations (exit 1 on a problem).
 */
export async function configCheckCommand(file: string | undefined, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, opts: { live?: boolean } = {}): Promise<number> {
  try {
    const { config, file: used } = await loadConfig(file);
    out.write(`${used ?? '(built-in defaults)'}: ok (${config.schedules.length} schedule${config.schedules.length === 1 ? '' : 's'})\n`);
    if (!opts.live) return 0;
    const dbs = openDatabases(config);
    const channels = channelsFromEnv(config);
    try {
      const reports = await checkChannels(dbs.herald, config, channels);
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
