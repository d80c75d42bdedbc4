/** How long a mail waits after each failed attempt; the last delay repeats. */
export const MAIL_RETRY_DELAYS_MS: readonly number[] = [
  30_000,
  2 * 60_000,
  10 * 60_000,
  60 * 60_000,
  3 * 60 * 60_000,
  6 * 60 * 60_000,
];

/** A mail not sent within this of being written is given up on: a day-old sign-in link helps no one. */
export const MAIL_GIVE_UP_MS = 24 * 60 * 60_000;

/**
 * When a mail that failed its `attempts`-th attempt at `failedAt` is tried
 * again, or null when that would be more than a day after it was written.
 */
export function nextMailAttemptAt(attempts: number, createdAt: Date, failedAt: Date): Date | null {
  const delays = MAIL_RETRY_DELAYS_MS;
  const delay = delays[Math.min(Math.max(attempts, 1), delays.length) - 1] ?? 0;
  const next = failedAt.getTime() + delay;
  return next > createdAt.getTime() + MAIL_GIVE_UP_MS ? null : new Date(next);
}
