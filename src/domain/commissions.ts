import { allocateProportionally, formatPercent, percentOf, type Percent } from "./money.ts";
import type { CommissionPlan, Rate } from "./program.ts";

export interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
  readonly unitAmountMinor: number;
}

export type ParticipantStatus = "applied" | "active" | "suspended" | "rejected";

/** Someone who may earn on an order: the seller or a sponsor above them. */
export interface Earner {
  readonly participantId: string;
  readonly level: string | null;
  readonly status: ParticipantStatus;
  /**
   * For a sponsor: whether they meet the plan's uplineQualification (enough
   * recent personal sales). Absent means no qualification applies.
   */
  readonly qualified?: boolean;
}

export interface CommissionLine {
  /** 1 is the seller, 2 the seller's sponsor, and so on. */
  readonly level: number;
  /** Which order item the line is for; null for a once-per-order flat amount. */
  readonly itemIndex: number | null;
  readonly participantId: string;
  /** The order item the line is for; null for a once-per-order flat amount. */
  readonly sku: string | null;
  readonly quantity: number | null;
  /** What the rate was applied to, in minor units. */
  readonly baseMinor: number;
  readonly rate: string;
  readonly amountMinor: number;
}

export interface SkippedLevel {
  readonly level: number;
  readonly participantId: string;
  readonly reason: "participant_not_active" | "not_qualified";
  readonly message: string;
}

export interface OrderCommissions {
  readonly lines: readonly CommissionLine[];
  readonly skipped: readonly SkippedLevel[];
  /** Set when maxTotalPercent cut the order's commissions. */
  readonly cut: {
    readonly rule: "max_total_percent";
    readonly beforeMinor: number;
    readonly afterMinor: number;
  } | null;
}

export interface OrderValue {
  /** Per item: quantity × unit amount, less its share of the order discount. */
  readonly lineBasesMinor: readonly number[];
  readonly grossMinor: number;
  readonly commissionableMinor: number;
}

/**
 * An order's commissionable value is its items less its discount; shipping and
 * tax are never part of it. The discount is spread over the items in proportion
 * to their value (exactly, see allocateProportionally), so per-SKU rates apply
 * to what was really paid for each item.
 */
export function valueOrder(items: readonly OrderItem[], discountMinor: number): OrderValue {
  const gross = items.map((i) => i.quantity * i.unitAmountMinor);
  const grossMinor = gross.reduce((a, b) => a + b, 0);
  const discount = Math.min(discountMinor, grossMinor);
  const shares = allocateProportionally(discount, gross);
  const lineBasesMinor = gross.map((g, i) => g - (shares[i] ?? 0));
  return { lineBasesMinor, grossMinor, commissionableMinor: grossMinor - discount };
}

/**
 * The commission lines one attributed order earns.
 *
 * Seller (level 1): per item, the most specific rate wins: bySku, then the
 * seller's byLevel, then the base rate. A percentage is taken of the item's
 * commissionable value and rounded half-up per line. A flat bySku rate is paid
 * per unit; a flat base or level rate is paid once per order.
 *
 * Upline (level 2 up): upline[k] pays the k-th sponsor above the seller, of
 * each item's value ("order" basis) or of each seller line ("commission"
 * basis); a flat upline rate is paid once per order. Anyone not active earns
 * nothing and their share is skipped, not passed up, so a suspension never
 * raises what others earn.
 *
 * maxTotalPercent caps the sum of every line at that share of the
 * commissionable value (rounded down, so the cap is never passed); when it
 * bites, the capped total is split over the lines in proportion to their
 * amounts, exactly.
 */
export function calculateOrderCommissions(input: {
  readonly items: readonly OrderItem[];
  readonly discountMinor: number;
  readonly plan: CommissionPlan;
  readonly seller: Earner;
  /** Sponsors above the seller, nearest first. */
  readonly upline: readonly Earner[];
}): OrderCommissions {
  const { items, plan, seller } = input;
  const value = valueOrder(items, input.discountMinor);
  const lines: CommissionLine[] = [];
  const skipped: SkippedLevel[] = [];

  const sellerLines = sellerCommission(items, value.lineBasesMinor, plan, seller);
  if (seller.status === "active") lines.push(...sellerLines);
  else if (sellerLines.length > 0) skipped.push(notActive(1, seller));

  plan.upline.forEach((rate, k) => {
    const earner = input.upline[k];
    if (!earner) return;
    const level = k + 2;
    const earned = uplineCommission(
      level,
      earner.participantId,
      rate,
      plan.uplineBasis,
      items,
      value,
      sellerLines,
    );
    if (earned.length === 0) return;
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
    else lines.push(...earned);
  });

  return capTotal(lines, skipped, value.commissionableMinor, plan.maxTotalPercent);
}

function sellerCommission(
  items: readonly OrderItem[],
  basesMinor: readonly number[],
  plan: CommissionPlan,
  seller: Earner,
): CommissionLine[] {
  const lines: CommissionLine[] = [];
  let flatRate: FlatRate | null = null;
  let flatBaseMinor = 0;
  for (const [i, item] of items.entries()) {
    const baseMinor = basesMinor[i] ?? 0;
    const skuRate = plan.bySku.get(item.sku);
    const rate =
      skuRate ?? (seller.level ? plan.byLevel.get(seller.level) : undefined) ?? plan.rate;
    if (!rate || baseMinor === 0) continue;
    if (rate.kind === "percent") {
      lines.push(
        line(1, i, seller.participantId, item, baseMinor, rate, percentOf(baseMinor, rate.percent)),
      );
    } else if (skuRate) {
      lines.push(
        line(1, i, seller.participantId, item, baseMinor, rate, rate.amountMinor * item.quantity),
      );
    } else {
      flatRate = rate;
      flatBaseMinor += baseMinor;
    }
  }
  if (flatRate)
    lines.push(
      line(1, null, seller.participantId, null, flatBaseMinor, flatRate, flatRate.amountMinor),
    );
  return lines.filter((l) => l.amountMinor > 0);
}

function uplineCommission(
  level: number,
  participantId: string,
  rate: Rate,
  basis: "order" | "commission",
  items: readonly OrderItem[],
  value: OrderValue,
  sellerLines: readonly CommissionLine[],
): CommissionLine[] {
  if (rate.kind === "flat") {
    const baseMinor = basis === "order" ? value.commissionableMinor : sum(sellerLines);
    return baseMinor > 0
      ? [line(level, null, participantId, null, baseMinor, rate, rate.amountMinor)]
      : [];
  }
  const bases: { itemIndex: number | null; item: LineItem | null; baseMinor: number }[] =
    basis === "order"
      ? items.map((item, i) => ({ itemIndex: i, item, baseMinor: value.lineBasesMinor[i] ?? 0 }))
      : sellerLines.map((s) => ({
          itemIndex: s.itemIndex,
          item: s.sku === null ? null : { sku: s.sku, quantity: s.quantity ?? 0 },
          baseMinor: s.amountMinor,
        }));
  return bases
    .map(({ itemIndex, item, baseMinor }) =>
      line(
        level,
        itemIndex,
        participantId,
        item,
        baseMinor,
        rate,
        percentOf(baseMinor, rate.percent),
      ),
    )
    .filter((l) => l.amountMinor > 0);
}

function capTotal(
  lines: CommissionLine[],
  skipped: SkippedLevel[],
  commissionableMinor: number,
  maxTotalPercent: Percent | null,
): OrderCommissions {
  const beforeMinor = sum(lines);
  if (maxTotalPercent === null) return { lines, skipped, cut: null };
  const capMinor = floorPercentOf(commissionableMinor, maxTotalPercent);
  if (beforeMinor <= capMinor) return { lines, skipped, cut: null };
  const scaled = allocateProportionally(
    capMinor,
    lines.map((l) => l.amountMinor),
  );
  return {
    lines: lines
      .map((l, i) => ({ ...l, amountMinor: scaled[i] ?? 0 }))
      .filter((l) => l.amountMinor > 0),
    skipped,
    cut: { rule: "max_total_percent", beforeMinor, afterMinor: capMinor },
  };
}

function floorPercentOf(amountMinor: number, p: Percent): number {
  return Number((BigInt(amountMinor) * p.digits) / (100n * 10n ** BigInt(p.scale)));
}

function line(
  level: number,
  itemIndex: number | null,
  participantId: string,
  item: LineItem | null,
  baseMinor: number,
  rate: Rate,
  amountMinor: number,
): CommissionLine {
  return {
    level,
    itemIndex,
    participantId,
    sku: item?.sku ?? null,
    quantity: item?.quantity ?? null,
    baseMinor,
    rate: rate.kind === "percent" ? `${formatPercent(rate.percent)}%` : `flat ${rate.amountMinor}`,
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

type FlatRate = Extract<Rate, { kind: "flat" }>;
type LineItem = Pick<OrderItem, "sku" | "quantity">;

const sum = (lines: readonly CommissionLine[]) => lines.reduce((a, l) => a + l.amountMinor, 0);

/** Each earner's total per level, in level order: what an event's outcome reports. */
export function totalByEarner(
  lines: readonly CommissionLine[],
): { participantId: string; level: number; amountMinor: number }[] {
  const totals = new Map<string, { participantId: string; level: number; amountMinor: number }>();
  for (const l of lines) {
    const k = `${l.level}:${l.participantId}`;
    const t = totals.get(k) ?? { participantId: l.participantId, level: l.level, amountMinor: 0 };
    totals.set(k, { ...t, amountMinor: t.amountMinor + l.amountMinor });
  }
  return [...totals.values()].sort((a, b) => a.level - b.level);
}
