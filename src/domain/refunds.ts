import { mulDivHalfUp } from "./money.ts";

/**
 * Refunds reverse commissions in proportion to what was returned.
 *
 * A refund names units of the order's items, an amount of the order's total
 * (what the customer paid: items less discount, plus shipping and tax), or
 * neither (everything left). Each item's refunded share is the share of its
 * units returned plus the share of the total refunded by amount, never past
 * the whole item. Each commission line is reversed by the difference between
 * what is due back after this refund and what earlier refunds already took
 * back, both computed from the cumulative shares (half-up, exactly in BigInt).
 * So any sequence of partial refunds takes back exactly the line's amount once
 * the order is fully refunded, never more, and a cent is never lost between
 * refunds. A once-per-order flat line follows the share of the order's value
 * refunded.
 */
export interface OrderState {
  readonly orderId: string;
  readonly participantId: string | null;
  /** When the order happened: a refund counts against the goal windows of its order. */
  readonly occurredAtMs: number;
  readonly items: readonly RefundItem[];
  /** Per item: its commissionable value (its share of the discount taken off). */
  readonly lineBasesMinor: readonly number[];
  /** What the customer paid: the items less the discount, plus shipping and tax. */
  readonly totalMinor: number;
  readonly commissionLines: readonly CompactLine[];
  /** The participant paid at each level: earners[0] is level 1. */
  readonly earners: readonly string[];
  /** Per item: how many units earlier refunds returned. */
  readonly refundedQuantities: readonly number[];
  /** How much of the total earlier refunds by amount returned. */
  readonly refundedAmountMinor: number;
  /** Levels whose commission has left its hold (is available or paid). */
  readonly releasedLevels: readonly number[];
}

export interface RefundItem {
  readonly sku: string;
  readonly quantity: number;
}

/** Units of SKUs, an amount of the order's total, or (undefined) everything still left. */
export type RefundRequest = readonly RefundItem[] | { readonly amountMinor: number } | undefined;

export interface CompactLine {
  readonly level: number;
  /** null: a once-per-order flat amount. */
  readonly itemIndex: number | null;
  readonly amountMinor: number;
}

export interface Reversal {
  readonly participantId: string;
  readonly level: number;
  /** What this refund takes back, a positive number of minor units. */
  readonly amountMinor: number;
}

export type RefundPlan =
  | {
      readonly ok: true;
      /** Per item: units this refund returns. */
      readonly quantities: readonly number[];
      /** What this refund takes of the order's total by amount; 0 for a refund of units. */
      readonly amountMinor: number;
      /** The commissionable value returned. */
      readonly valueMinor: number;
      readonly reversals: readonly Reversal[];
    }
  | { readonly ok: false; readonly code: "refund_exceeds_order"; readonly message: string };

export function planRefund(order: OrderState, request: RefundRequest): RefundPlan {
  const refuse = (message: string): RefundPlan => ({
    ok: false,
    code: "refund_exceeds_order",
    message,
  });
  const left = order.items.map((item, i) => item.quantity - (order.refundedQuantities[i] ?? 0));
  let quantities: readonly number[] = order.items.map(() => 0);
  let amountMinor = 0;
  if (request === undefined) quantities = left;
  else if (isAmount(request)) {
    const available = amountLeft(order);
    if (request.amountMinor > available)
      return refuse(
        `the refund is more than what is left of order ${order.orderId}: ${request.amountMinor} asked of its total, ${available} left to refund`,
      );
    amountMinor = request.amountMinor;
  } else {
    const allocated = allocateBySku(order, left, request);
    if (typeof allocated === "string") return refuse(allocated);
    quantities = allocated;
  }
  if (isFullyRefunded(order) || (amountMinor === 0 && quantities.every((q) => q === 0)))
    return refuse(`order ${order.orderId} has nothing left to refund`);

  const after = withRefund(order, { quantities, amountMinor });
  const before = refundedValuesMinor(order);
  const now = refundedValuesMinor(after);
  const byLevel = new Map<number, number>();
  for (const line of order.commissionLines) {
    const amount = dueBack(after, line) - dueBack(order, line);
    byLevel.set(line.level, (byLevel.get(line.level) ?? 0) + amount);
  }
  const reversals = [...byLevel.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([level, amount]) => {
      const participantId = order.earners[level - 1];
      return participantId && amount > 0 ? [{ participantId, level, amountMinor: amount }] : [];
    });
  return {
    ok: true,
    quantities,
    amountMinor,
    valueMinor: sum(now) - sum(before),
    reversals,
  };
}

/** The order once a planned refund is applied. */
export function withRefund(
  order: OrderState,
  refund: { readonly quantities: readonly number[]; readonly amountMinor: number },
): OrderState {
  return {
    ...order,
    refundedQuantities: order.items.map(
      (_, i) => (order.refundedQuantities[i] ?? 0) + (refund.quantities[i] ?? 0),
    ),
    refundedAmountMinor: order.refundedAmountMinor + refund.amountMinor,
  };
}

/** Per item: the commissionable value refunds have returned so far (half-up). */
export function refundedValuesMinor(order: OrderState): number[] {
  return order.items.map((_, i) => shareOf(order.lineBasesMinor[i] ?? 0, refundedShare(order, i)));
}

/** True when nothing of the order is left: every item is refunded whole, by units or by amount. */
export function isFullyRefunded(order: OrderState): boolean {
  return order.items.every((_, i) => {
    const share = refundedShare(order, i);
    return share.num === share.den;
  });
}

/**
 * The most of the order's total a refund by amount may still take: what
 * refunds the least refunded item whole, past which an amount would take
 * back nothing more. An amount refunds its share of every item, so once one
 * item has come back by units, the rest of the order still needs its share
 * of the whole total.
 */
export function amountLeft(order: OrderState): number {
  const total = BigInt(order.totalMinor);
  if (total === 0n) return 0;
  let most = 0n;
  order.items.forEach((item, i) => {
    const quantity = BigInt(item.quantity);
    const unitsLeft = quantity - BigInt(order.refundedQuantities[i] ?? 0);
    const needed = (total * unitsLeft + quantity - 1n) / quantity;
    if (needed > most) most = needed;
  });
  const available = most - BigInt(order.refundedAmountMinor);
  return available > 0n ? Number(available) : 0;
}

/**
 * A refund that waited for its order asks for what the order may no longer
 * have (an earlier refund took it): it takes what is left of each SKU, or of
 * the total.
 */
export function clipToLeft(order: OrderState, request: RefundRequest): RefundRequest {
  if (request === undefined) return undefined;
  if (isAmount(request)) return { amountMinor: Math.min(request.amountMinor, amountLeft(order)) };
  const left = new Map<string, number>();
  order.items.forEach((item, i) =>
    left.set(
      item.sku,
      (left.get(item.sku) ?? 0) + item.quantity - (order.refundedQuantities[i] ?? 0),
    ),
  );
  return request
    .map((item) => ({ sku: item.sku, quantity: Math.min(item.quantity, left.get(item.sku) ?? 0) }))
    .filter((item) => item.quantity > 0);
}

function isAmount(
  request: NonNullable<RefundRequest>,
): request is { readonly amountMinor: number } {
  return !Array.isArray(request);
}

/** An exact fraction num/den with 0 <= num <= den and den > 0. */
interface Share {
  readonly num: bigint;
  readonly den: bigint;
}

/**
 * Item i's refunded share of itself: units returned over units, plus the
 * amount refunded over the total, at most the whole item. Products of two
 * amounts near 2^53 are exact only as BigInt.
 */
function refundedShare(order: OrderState, i: number): Share {
  const quantity = BigInt(order.items[i]?.quantity ?? 1);
  const units = BigInt(order.refundedQuantities[i] ?? 0);
  const total = BigInt(order.totalMinor);
  const [num, den] =
    total === 0n
      ? [units, quantity]
      : [units * total + BigInt(order.refundedAmountMinor) * quantity, quantity * total];
  return { num: num < den ? num : den, den };
}

/** `value × share`, rounded half-up; both non-negative. */
function shareOf(value: number, share: Share): number {
  const numerator = BigInt(value) * share.num;
  return Number((2n * numerator + share.den) / (2n * share.den));
}

function dueBack(order: OrderState, line: CompactLine): number {
  if (line.itemIndex !== null)
    return shareOf(line.amountMinor, refundedShare(order, line.itemIndex));
  const totalBase = sum(order.lineBasesMinor);
  // An order of no commissionable value has no share to follow: its flat line
  // comes back whole with the last of the order.
  if (totalBase === 0) return isFullyRefunded(order) ? line.amountMinor : 0;
  return mulDivHalfUp(line.amountMinor, sum(refundedValuesMinor(order)), totalBase);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Spreads each SKU's refunded units over the order's items of that SKU, first item first. */
function allocateBySku(
  order: OrderState,
  left: readonly number[],
  items: readonly RefundItem[],
): number[] | string {
  const quantities = order.items.map(() => 0);
  const problems: string[] = [];
  const wanted = new Map<string, number>();
  for (const item of items) wanted.set(item.sku, (wanted.get(item.sku) ?? 0) + item.quantity);
  for (const [sku, quantity] of wanted) {
    let rest = quantity;
    order.items.forEach((item, i) => {
      if (item.sku !== sku || rest === 0) return;
      const take = Math.min(rest, left[i] ?? 0);
      quantities[i] = take;
      rest -= take;
    });
    if (rest > 0) {
      const available = quantity - rest;
      problems.push(`${quantity} × ${sku} asked, ${available} left to refund`);
    }
  }
  if (problems.length > 0)
    return `the refund is more than what is left of order ${order.orderId}: ${problems.join("; ")}`;
  return quantities;
}
