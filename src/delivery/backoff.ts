/**
 * Retry schedule of a delivery (SPEC §7): about 1 min, 5 min, 30 min, 2 h after the 1st–4th
 * failures, then dead. Pure: attempts made so far in, the next attempt's delay (or dead) out.
 * A provider's Retry-After wins when it asks for longer.
 */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export type RetryVerdict = { kind: 'retry'; delayMs: number } | { kind: 'dead' };

export function nextRetry(attemptsMade: number, retryable: boolean, retryAfterMs?: number, jitter = 0): RetryVerdict {
  if (!retryable || attemptsMade >= MAX_ATTEMPTS) return { kind: 'dead' };
  const base = RETRY_DELAYS_MS[Math.max(0, attemptsMade - 1)];
  // Up to ±10% jitter spreads retries of a fan-out that failed together (an SMTP outage).
  const delay = Math.round(base * (1 + 0.1 * Math.max(-1, Math.min(1, jitter))));
  return { kind: 'retry', delayMs: Math.max(delay, retryAfterMs ?? 0) };
}
