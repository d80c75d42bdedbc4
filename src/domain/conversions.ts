import type { CommissionLine, Earner, SkippedLevel } from "./commissions.ts";
import { formatPercent, percentOf } from "./money.ts";
import type { CommissionPlan, Rate } from "./program.ts";

/**
 * Conversions short of an order: a signup and a lead. The plan may pay a flat
 * amount for each (perSignup, perLead), and goals may count them, once per
 * customer per kind: a customer who signs up twice, under two event ids or
 * with their id one time and their email the next, converted once.
 */
export type ConversionKind = "signup" | "lead";

/** The first attributed conversion of a customer of one kind, as remembered. */
export interface ConversionMemory {
  readonly eventId: string;
  readonly participantId: string;
}

/** Where the memory of one customer key is kept in a BatchState: `signup|id:c-1`. */
export const memoryKey = (kind: ConversionKind, customerKey: string): string =>
  `${kind}|${customerKey}`;

/**
 * The keys a conversion is remembered by: the customer's (id and email, see
 * customerKeys), or, with no customer to recognise, the event's own id, so
 * such a conversion is paid once, as its redelivery is processed once.
 */
export function conversionKeys(eventId: string, customerKeys: readonly string[]): string[] {
  return customerKeys.length > 0 ? [...customerKeys] : [`event:${eventId}`];
}

/** The lock that serialises conversions of one customer key, across batches. */
export const conversionLockKey = (kind: ConversionKind, customerKey: string): string =>
  `conversion:${memoryKey(kind, customerKey)}`;

/** The flat amount the plan pays for a conversion of this kind; null pays nothing. */
export function conversionAmount(plan: CommissionPlan | null, kind: ConversionKind): number | null {
  const rate: Rate | null = plan ? (kind === "signup" ? plan.perSignup : plan.perLead) : null;
  // The program schema takes only flat amounts for conversions.
  return rate?.kind === "flat" ? rate.amountMinor : null;
}

/**
 * The commission lines one first conversion earns: the flat amount to the
 * referrer (level 1), and upline[k] of it to the k-th sponsor above, where a
 * percent upline rate is that share of the flat amount and a flat upline rate
 * is paid as it is. Both upline bases are the same here: the referrer's
 * commission is the conversion's whole value. As for orders, anyone not
 * active, or a sponsor short of the plan's uplineQualification, is skipped
 * and their share is not passed up.
 *
 * maxTotalPercent bounds commissions by an order's value; a conversion has no
 * value to take a share of, so it does not apply (the caps do).
 */
export function calculateConversionCommissions(input: {
  readonly amountMinor: number;
  readonly plan: CommissionPlan;
  readonly referrer: Earner;
  /** Sponsors above the referrer, nearest first. */
  readonly upline: readonly Earner[];
}): { lines: CommissionLine[]; skipped: SkippedLevel[] } {
  const { amountMinor, plan, referrer } = input;
  const lines: CommissionLine[] = [];
  const skipped: SkippedLevel[] = [];
  if (amountMinor <= 0) return { lines, skipped };
  if (referrer.status === "active")
    lines.push(line(1, referrer.participantId, amountMinor, `flat ${amountMinor}`, amountMinor));
  else skipped.push(notActive(1, referrer));
  plan.upline.forEach((rate, k) => {
    const earner = input.upline[k];
    if (!earner) return;
    const level = k + 2;
    const earned = rate.kind === "flat" ? rate.amountMinor : percentOf(amountMinor, rate.percent);
    if (earned <= 0) return;
    if (earner.status !== "active") skipped.push(notActive(level, earner));
    else if (earner.qualified === false)
      skipped.push({
        level,
        participantId: earner.participantId,
        reason: "not_qualified",
        message: plan.uplineQualification
          ? `level ${level} is not paid: fewer than ${plan.uplineQualification.minPersonalOrders} personal sales in the last ${plan.uplineQualification.days} days`
          : `level ${level} is not paid: the sponsor does not qualify`,
      });
    else
      lines.push(
        line(
          level,
          earner.participantId,
          amountMinor,
          rate.kind === "flat" ? `flat ${rate.amountMinor}` : `${formatPercent(rate.percent)}%`,
          earned,
        ),
      );
  });
  return { lines, skipped };
}

/** Why a repeated conversion pays nothing and counts towards no goal. */
export function convertedBefore(kind: ConversionKind, first: ConversionMemory): string {
  return `this customer's ${kind} was counted before (event "${first.eventId}"); a customer's ${kind} is paid and counted once`;
}

/**
 * Why a conversion's commissions must wait for an admin: the customer's IP
 * address is one the referrer uses, the sign of someone referring themself
 * under another name.
 */
export function screenConversion(
  ipHash: string | undefined,
  referrerIpHashes: readonly string[],
): { rule: "self_referral_ip"; message: string } | null {
  if (ipHash === undefined || !referrerIpHashes.includes(ipHash)) return null;
  return {
    rule: "self_referral_ip",
    message: "the customer's IP address is one the referrer uses; commissions are held for review",
  };
}

function line(
  level: number,
  participantId: string,
  baseMinor: number,
  rate: string,
  amountMinor: number,
): CommissionLine {
  return {
    level,
    itemIndex: null,
    participantId,
    sku: null,
    quantity: null,
    baseMinor,
    rate,
    amountMinor,
  };
}

function notActive(level: number, earner: Earner): SkippedLevel {
  return {
    level,
    participantId: earner.participantId,
    reason: "participant_not_active",
    message: `level ${level} is not paid: the participant is ${earner.status}, not active`,
  };
}
