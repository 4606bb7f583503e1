import { ConfigError, loadConfig } from '../../config/loadConfig.js';

/** `herald config check [FILE]`: every problem on its own line with its path; exit 2 when any. */
export async function configCheckCommand(file: string | undefined, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    const { config, file: used } = await loadConfig(file);
    out.write(`${used ?? '(built-in defaults)'}: ok (${config.schedules.length} schedule${config.schedules.length === 1 ? '' : 's'})\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const issue of e.issues) err.write(`${e.file}: ${issue.path || '(root)'}: ${issue.message}\n`);
    return 2;
  }
}
