import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino) on stderr. Secrets never reach them: callers log ids and keys, and
 * these paths are redacted in case an object carrying a secret is logged whole.
 */
export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      name: 'herald',
      level: opts.level ?? process.env.HERALD_LOG_LEVEL ?? 'info',
      redact: {
        paths: ['token', 'password', 'authorization', 'smtpUrl', 'databaseUrl', '*.token', '*.password', '*.authorization', '*.smtpUrl', '*.databaseUrl', 'headers.authorization'],
        censor: '<secret>',
      },
    },
    opts.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Logs a failure that repeats (every poll during a database outage) once, then at most once a
 * window, saying how many were left out: one line a second would say nothing the first did not.
 */
export function repeatedFailureLog(
  logger: Logger, level: 'warn' | 'error', msg: string, opts: { windowMs?: number; now?: () => number } = {},
): (err: Error) => void {
  const windowMs = opts.windowMs ?? 30_000;
  const now = opts.now ?? Date.now;
  let last = -Infinity;
  let left = 0;
  return (err) => {
    const t = now();
    if (t - last < windowMs) {
      left += 1;
      return;
    }
    logger[level](left > 0 ? { err: err.message, repeats_not_logged: left } : { err: err.message }, msg);
    last = t;
    left = 0;
  };
}
