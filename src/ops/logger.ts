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
