import type { Percent } from "./money.ts";

/**
 * Fraud screening rules. Each gives a reason an admin can read; what follows
 * from it (a click not counted, a commission held for review) is decided by
 * the caller.
 */
export type FraudRule = "click_flooding" | "refund_abuse" | "self_referral_ip";

export interface RefundAbuseRule {
  /** How many of the seller's latest orders are looked at. */
  readonly orders: number;
  readonly maxRefundPercent: Percent;
}

const HOUR_MS = 3_600_000;

/** More than `maxPerHour` clicks in the hour up to `atMs` (this one included) is flooding. */
export function isFlooding(
  earlierClicksMs: readonly number[],
  atMs: number,
  maxPerHour: number,
): boolean {
  const inHour = earlierClicksMs.filter((t) => t > atMs - HOUR_MS && t <= atMs).length;
  return inHour + 1 > maxPerHour;
}

export const floodingReason = (maxPerHour: number): string =>
  `more than ${maxPerHour} clicks in an hour from this visitor or IP; the click is not counted and not used for attribution`;

/** Which clock hour an instant is in: one flooding flag per visitor per hour is enough. */
export const hourOf = (atMs: number): number => Math.floor(atMs / HOUR_MS);

/**
 * A seller whose latest `orders` orders were refunded more often than the
 * threshold. `refunded` lists their latest orders, newest first; with fewer
 * orders than the rule looks at, there is not enough to judge.
 */
export function refundRateTooHigh(
  refunded: readonly boolean[],
  rule: RefundAbuseRule,
): string | null {
  if (refunded.length < rule.orders) return null;
  const latest = refunded.slice(0, rule.orders);
  const count = latest.filter(Boolean).length;
  // count / orders > percent / 100, in integers: count × 100 × 10^scale > digits × orders.
  const over =
    BigInt(count) * 100n * 10n ** BigInt(rule.maxRefundPercent.scale) >
    rule.maxRefundPercent.digits * BigInt(rule.orders);
  return over
    ? `${count} of the seller's last ${rule.orders} orders were refunded, over the program's limit; commissions are held for review`
    : null;
}
