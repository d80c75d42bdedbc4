/**
 * When a webhook delivery is tried again after an attempt fails. The waits
 * start at seconds, so a receiver that blinked (a deploy, a restart) hears
 * within a minute, and grow to 8 hours, so one that is down for long is not
 * hammered; then every 8 hours until 3 days after the delivery was created,
 * when it is given up as failed. A delivery that never lands is tried 17
 * times, the last time 71.7 hours after the first.
 */

/** The wait after the n-th failed attempt, in seconds (the last one repeats). */
export const RETRY_WAITS_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800] as const;

/** How long after its creation a delivery is still tried. */
export const GIVE_UP_AFTER_MS = 3 * 86_400_000;

/** The wait after `failedAttempts` attempts have failed (1 after the first), in ms. */
export function retryWaitMs(failedAttempts: number): number {
  const index = Math.min(Math.max(failedAttempts, 1), RETRY_WAITS_SECONDS.length) - 1;
  return (RETRY_WAITS_SECONDS[index] ?? RETRY_WAITS_SECONDS[0]) * 1000;
}

/**
 * When to try a delivery again after its `failedAttempts`-th attempt failed
 * at `failedAt`, or null when that would be past 3 days after `createdAt`:
 * the delivery has failed for good.
 */
export function nextAttemptAt(
  delivery: { readonly createdAt: Date; readonly failedAttempts: number },
  failedAt: Date,
): Date | null {
  const next = failedAt.getTime() + retryWaitMs(delivery.failedAttempts);
  return next > delivery.createdAt.getTime() + GIVE_UP_AFTER_MS ? null : new Date(next);
}
