import type { HeraldConfig } from '../../config/schema.js';
import { createLogger } from '../../ops/logger.js';
import { systemClock } from '../../time/clock.js';
import { Worker } from '../../worker/Worker.js';
import { channelsFromEnv, closeChannels } from '../../worker/channelsFromEnv.js';
import { openDatabases } from '../context.js';
import { InputError } from '../../report/ReportContext.js';
import { agendaBackendKind } from '../../scheduler/agendaQueue.js';

/**
 * `herald worker [--port 8080]`: runs until SIGTERM/SIGINT. The first signal drains (running
 * briefs and sends finish) and exits 0; a second one exits at once.
 */
export async function workerCommand(config: HeraldConfig, opts: { port: string }): Promise<number> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InputError('--port', `"${opts.port}" is not a port number`);
  // Bad settings are said in one line before anything starts (and logs).
  agendaBackendKind(process.env);
  const logger = createLogger();
  const dbs = openDatabases(config);
  const channels = channelsFromEnv(config);
  const worker = new Worker({ config, dbs, channels, clock: systemClock, logger, port });
  let signals = 0;
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      logger.info({ signal }, 'draining');
      void worker.stop().then(() => closeChannels(channels)).then(() => dbs.close()).then(() => resolve(0), (err: Error) => {
        logger.error({ err: err.message }, 'drain failed');
        resolve(1);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await worker.start();
  } catch (err) {
    // Whatever had started stops; then the one-line error (exit 2 for a port in use).
    await worker.stop(5_000).catch(() => undefined);
    closeChannels(channels);
    await dbs.close().catch(() => undefined);
    // Libraries may leave timers behind (Agenda's): exit once the error is printed.
    setTimeout(() => process.exit(), 1_000).unref();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new InputError('--port', `${port} is already in use`);
    throw err;
  }
  const code = await stopped;
  // Drained and closed; Agenda leaves lock-renewal timers behind that would keep the process
  // alive for minutes, so exit now rather than wait for the event loop to empty.
  process.exit(code);
}
