/**
 * Retry schedules of the outbox, one per kind of message (pure: attempts made so far in, the next
 * attempt's delay or dead out). A provider's Retry-After wins when it asks for longer.
 *
 * - `brief`: about 1 min, 5 min, 30 min, 2 h after the 1st–4th failures, then dead (SPEC §7).
 *   A brief read an hour late is still worth sending; a burst of retries against a mail server
 *   that is down is not.
 * - `alert`: within seconds (5 s, 15 s, 30 s, 1 min, 2 min, 5 min, then dead): a critical SMS
 *   that waits a minute for its first retry has already failed its reader.
 */
export const RETRY_POLICIES = {
  brief: [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000],
  alert: [5_000, 15_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000],
} as const satisfies Record<string, readonly number[]>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

/** The brief schedule, kept under its old names: the brief jobs' own retries use it too. */
export const RETRY_DELAYS_MS = RETRY_POLICIES.brief;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export type RetryVerdict = { kind: 'retry'; delayMs: number } | { kind: 'dead' };

export function isRetryPolicy(name: string): name is RetryPolicyName {
  return Object.hasOwn(RETRY_POLICIES, name);
}

/**
 * The verdict after `attemptsMade` attempts (the last one failed). `jitter` in [-1, 1] spreads
 * retries of a fan-out that failed together (an SMTP outage) by up to ±10%.
 */
export function nextRetry(attemptsMade: number, retryable: boolean, retryAfterMs?: number, jitter = 0, policy: RetryPolicyName = 'brief'): RetryVerdict {
  const delays: readonly number[] = RETRY_POLICIES[policy] ?? RETRY_POLICIES.brief;
  if (!retryable || attemptsMade > delays.length) return { kind: 'dead' };
  const base = delays[Math.max(0, attemptsMade - 1)];
  const delay = Math.round(base * (1 + 0.1 * Math.max(-1, Math.min(1, jitter))));
  return { kind: 'retry', delayMs: Math.max(delay, retryAfterMs ?? 0) };
}
