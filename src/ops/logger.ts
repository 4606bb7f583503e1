import pino, { type Logger } from 'pino';
import { InputError } from '../report/ReportContext.js';

export type { Logger };

/**
 * Structured JSON logs (pino) on stderr. Secrets never reach them: callers log ids and keys, and
 * these paths are redacted in case an object carrying a secret is logged whole.
 */
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** HERALD_LOG_LEVEL as given (empty: the default); an unknown one is bad input naming it. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = 'info'): string {
  const level = env.HERALD_LOG_LEVEL || fallback;
  if (!LEVELS.includes(level)) throw new InputError('HERALD_LOG_LEVEL', `"${level}" (expected ${LEVELS.join(', ')})`);
  return level;
}

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  // An empty HERALD_LOG_LEVEL means the default; an unknown one is bad input, said as such.
  const level = opts.level || logLevelFromEnv();
  if (!LEVELS.includes(level)) throw new InputError('HERALD_LOG_LEVEL', `"${level}" (expected ${LEVELS.join(', ')})`);
  return pino(
    {
      name: 'herald',
      level,
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
