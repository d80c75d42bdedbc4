import { mulDivHalfUp } from "./money.ts";

/**
 * Refunds reverse commissions in proportion to what was returned.
 *
 * Each commission line is reversed by the difference between what is due back
 * after this refund and what earlier refunds already took back, both computed
 * from the cumulative quantity refunded (half-up). So any sequence of partial
 * refunds takes back exactly the line's amount once the item is fully
 * refunded, never more, and a cent is never lost between refunds. A once-per-
 * order flat line follows the share of the order's value refunded.
 */
export interface OrderState {
  readonly orderId: string;
  readonly participantId: string | null;
  /** When the order happened: a refund counts against the goal windows of its order. */
  readonly occurredAtMs: number;
  readonly items: readonly { readonly sku: string; readonly quantity: number }[];
  /** Per item: its commissionable value (its share of the discount taken off). */
  readonly lineBasesMinor: readonly number[];
  readonly commissionLines: readonly CompactLine[];
  /** The participant paid at each level: earners[0] is level 1. */
  readonly earners: readonly string[];
  /** Per item: how many units earlier refunds returned. */
  readonly refundedQuantities: readonly number[];
  /** Levels whose commission has left its hold (is available or paid). */
  readonly releasedLevels: readonly number[];
}

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
      /** The commissionable value returned. */
      readonly valueMinor: number;
      readonly reversals: readonly Reversal[];
    }
  | { readonly ok: false; readonly code: "refund_exceeds_order"; readonly message: string };

/** `items` absent: everything still left of the order. */
export function planRefund(
  order: OrderState,
  items: readonly { readonly sku: string; readonly quantity: number }[] | undefined,
): RefundPlan {
  const left = order.items.map((item, i) => item.quantity - (order.refundedQuantities[i] ?? 0));
  const quantities = items === undefined ? left : allocateBySku(order, left, items);
  if (typeof quantities === "string")
    return { ok: false, code: "refund_exceeds_order", message: quantities };
  if (quantities.every((q) => q === 0))
    return {
      ok: false,
      code: "refund_exceeds_order",
      message: `order ${order.orderId} has nothing left to refund`,
    };

  const before = order.refundedQuantities.map((q) => q ?? 0);
  const after = order.items.map((_, i) => (before[i] ?? 0) + (quantities[i] ?? 0));
  const refundedBase = (refunded: readonly number[]) =>
    order.items.reduce(
      (sum, item, i) =>
        sum + mulDivHalfUp(order.lineBasesMinor[i] ?? 0, refunded[i] ?? 0, item.quantity),
      0,
    );
  const totalBase = order.lineBasesMinor.reduce((a, b) => a + b, 0);
  const dueBack = (line: CompactLine, refunded: readonly number[]) => {
    if (line.itemIndex === null)
      return totalBase === 0
        ? 0
        : mulDivHalfUp(line.amountMinor, refundedBase(refunded), totalBase);
    const quantity = order.items[line.itemIndex]?.quantity ?? 1;
    return mulDivHalfUp(line.amountMinor, refunded[line.itemIndex] ?? 0, quantity);
  };

  const byLevel = new Map<number, number>();
  for (const line of order.commissionLines) {
    const amount = dueBack(line, after) - dueBack(line, before);
    byLevel.set(line.level, (byLevel.get(line.level) ?? 0) + amount);
  }
  const reversals = [...byLevel.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([level, amountMinor]) => {
      const participantId = order.earners[level - 1];
      return participantId && amountMinor > 0 ? [{ participantId, level, amountMinor }] : [];
    });
  return {
    ok: true,
    quantities,
    valueMinor: refundedBase(after) - refundedBase(before),
    reversals,
  };
}

/** Spreads each SKU's refunded units over the order's items of that SKU, first item first. */
function allocateBySku(
  order: OrderState,
  left: readonly number[],
  items: readonly { readonly sku: string; readonly quantity: number }[],
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

/**
 * A refund that waited for its order asks for what the order may no longer
 * have (an earlier refund took it): it takes what is left of each SKU.
 */
export function clipToLeft(
  order: OrderState,
  items: readonly { readonly sku: string; readonly quantity: number }[],
): { sku: string; quantity: number }[] {
  const left = new Map<string, number>();
  order.items.forEach((item, i) =>
    left.set(
      item.sku,
      (left.get(item.sku) ?? 0) + item.quantity - (order.refundedQuantities[i] ?? 0),
    ),
  );
  return items
    .map((item) => ({ sku: item.sku, quantity: Math.min(item.quantity, left.get(item.sku) ?? 0) }))
    .filter((item) => item.quantity > 0);
}
