import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  amountLeft,
  clipToLeft,
  isFullyRefunded,
  planRefund,
  withRefund,
  type CompactLine,
  type OrderState,
  type RefundRequest,
} from "../../src/domain/refunds.ts";

// Two shirts at 25.00 and a hat at 10.00, 5.00 off: item bases 4583 and 917;
// with 8.00 shipping and 4.00 tax the customer paid 67.00. Ana (level 1)
// earned 20% on shirts (917) and 10% on the hat (92); Sam (level 2) 3% of
// each item (137 and 28).
const order: OrderState = {
  orderId: "order-1001",
  participantId: "ana",
  occurredAtMs: 0,
  items: [
    { sku: "SHIRT", quantity: 2 },
    { sku: "HAT", quantity: 1 },
  ],
  lineBasesMinor: [4583, 917],
  totalMinor: 6700,
  commissionLines: [
    { level: 1, itemIndex: 0, amountMinor: 917 },
    { level: 1, itemIndex: 1, amountMinor: 92 },
    { level: 2, itemIndex: 0, amountMinor: 137 },
    { level: 2, itemIndex: 1, amountMinor: 28 },
  ],
  earners: ["ana", "sam"],
  refundedQuantities: [0, 0],
  refundedAmountMinor: 0,
  releasedLevels: [],
};

const taken = (plan: ReturnType<typeof planRefund>) =>
  plan.ok ? plan.reversals.map((r) => [r.participantId, r.amountMinor]) : plan.message;

describe("a refund by amount reverses every commission line in the share of the total refunded", () => {
  // already refunded by amount, amount asked, reversed (ana, sam), value returned
  it.each([
    // 917 × 1/4 = 229.25 and 92 / 4 = 23; 137 / 4 = 34.25 and 28 / 4 = 7;
    // value 1145.75 + 229.25.
    ["a quarter of the total", 0, 1675, [252, 41], 1375],
    // 458.5 up to 459, 46; 68.5 up to 69, 14; value 2291.5 up and 458.5 up.
    ["the first half", 0, 3350, [505, 83], 2751],
    // What is left of each line after the first half: the halves sum to the lines.
    ["the second half", 3350, 3350, [504, 82], 2749],
    ["the whole total at once", 0, 6700, [1009, 165], 5500],
  ])("%s", (_, before, amountMinor, [ana, sam], valueMinor) => {
    const plan = planRefund({ ...order, refundedAmountMinor: before }, { amountMinor });
    expect(plan).toEqual({
      ok: true,
      quantities: [0, 0],
      amountMinor,
      valueMinor,
      reversals: [
        { participantId: "ana", level: 1, amountMinor: ana },
        { participantId: "sam", level: 2, amountMinor: sam },
      ],
    });
  });

  it("counts shipping and tax in the total: 67.00 refunded of 67.00 is everything, 55.00 is not", () => {
    expect(isFullyRefunded(withRefund(order, { quantities: [0, 0], amountMinor: 6700 }))).toBe(
      true,
    );
    expect(isFullyRefunded(withRefund(order, { quantities: [0, 0], amountMinor: 5500 }))).toBe(
      false,
    );
  });

  it("returns no units: goals that count units are not lowered by it", () => {
    const plan = planRefund(order, { amountMinor: 6700 });
    expect(plan.ok && plan.quantities).toEqual([0, 0]);
  });

  it("of one minor unit may take back nothing, and is still applied", () => {
    // 917 / 6700 of a cent and less: every line rounds to 0; the shirts' value 0.68 rounds up.
    const plan = planRefund(order, { amountMinor: 1 });
    expect(plan).toMatchObject({ ok: true, amountMinor: 1, valueMinor: 1, reversals: [] });
  });

  it("is exact near 2^53, where a float product would be off by 2", () => {
    const huge: OrderState = {
      ...order,
      items: [{ sku: "YACHT", quantity: 1 }],
      lineBasesMinor: [Number.MAX_SAFE_INTEGER],
      totalMinor: Number.MAX_SAFE_INTEGER,
      commissionLines: [{ level: 1, itemIndex: 0, amountMinor: 8014687441826737 }],
      earners: ["ana"],
      refundedQuantities: [0],
    };
    const plan = planRefund(huge, { amountMinor: 5471313452454535 });
    expect(taken(plan)).toEqual([["ana", 4868424243485442]]);
  });
});

describe("a refund by amount is refused beyond what is left of the total", () => {
  it("refuses more than is left of the total, saying how much is left", () => {
    expect(planRefund({ ...order, refundedAmountMinor: 5000 }, { amountMinor: 2000 })).toEqual({
      ok: false,
      code: "refund_exceeds_order",
      message:
        "the refund is more than what is left of order order-1001: 2000 asked of its total, 1700 left to refund",
    });
  });

  it("takes exactly what is left", () => {
    const plan = planRefund({ ...order, refundedAmountMinor: 5000 }, { amountMinor: 1700 });
    expect(plan.ok).toBe(true);
  });

  it("finds nothing to refund in an order whose total is 0", () => {
    const free: OrderState = {
      ...order,
      lineBasesMinor: [0, 0],
      totalMinor: 0,
      commissionLines: [],
    };
    expect(planRefund(free, { amountMinor: 1 })).toMatchObject({
      ok: false,
      code: "refund_exceeds_order",
      message: expect.stringContaining("1 asked of its total, 0 left to refund"),
    });
  });

  it("leaves nothing, not even its units, once the whole total is refunded", () => {
    const refunded = { ...order, refundedAmountMinor: 6700 };
    for (const request of [undefined, [{ sku: "HAT", quantity: 1 }]] satisfies RefundRequest[])
      expect(planRefund(refunded, request)).toEqual({
        ok: false,
        code: "refund_exceeds_order",
        message: "order order-1001 has nothing left to refund",
      });
  });
});

describe("refunds by amount and by units of one order add up, and nothing is reversed twice", () => {
  it("a whole refund after a quarter by amount takes back exactly the rest, and every unit", () => {
    const plan = planRefund({ ...order, refundedAmountMinor: 1675 }, undefined);
    expect(plan).toEqual({
      ok: true,
      quantities: [2, 1],
      amountMinor: 0,
      valueMinor: 5500 - 1375,
      reversals: [
        { participantId: "ana", level: 1, amountMinor: 1009 - 252 },
        { participantId: "sam", level: 2, amountMinor: 165 - 41 },
      ],
    });
  });

  it("units of an item after half by amount take back the rest of that item only", () => {
    const plan = planRefund({ ...order, refundedAmountMinor: 3350 }, [
      { sku: "SHIRT", quantity: 1 },
    ]);
    // Half of 2 shirts by amount plus 1 of 2 by units: the shirt lines are whole.
    expect(taken(plan)).toEqual([
      ["ana", 917 - 459],
      ["sam", 137 - 69],
    ]);
  });

  it("an amount after the hat came back refunds the shirts' share, never the hat again", () => {
    const plan = planRefund({ ...order, refundedQuantities: [0, 1] }, { amountMinor: 3350 });
    expect(taken(plan)).toEqual([
      ["ana", 459],
      ["sam", 69],
    ]);
  });

  it("after the hat came back, an amount may still take the whole total: what the shirts need", () => {
    expect(amountLeft({ ...order, refundedQuantities: [0, 1] })).toBe(6700);
    expect(amountLeft({ ...order, refundedQuantities: [1, 1] })).toBe(3350);
    expect(amountLeft({ ...order, refundedQuantities: [1, 1], refundedAmountMinor: 3350 })).toBe(0);
  });

  it("a refund by amount that waited for its order takes what earlier refunds left", () => {
    expect(clipToLeft({ ...order, refundedAmountMinor: 3000 }, { amountMinor: 5000 })).toEqual({
      amountMinor: 3700,
    });
  });
});

/** An order of up to four items and four levels, each level one line, amounts up to 2^53 / 5. */
const orders = fc
  .record({
    items: fc.array(
      fc.record({
        quantity: fc.integer({ min: 1, max: 5 }),
        baseMinor: fc.oneof(
          fc.integer({ min: 0, max: 10_000 }),
          fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 5) }),
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    chargesMinor: fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 5) }),
    lines: fc.array(
      fc.record({
        item: fc.integer({ min: -1, max: 3 }),
        amountMinor: fc.oneof(
          fc.integer({ min: 0, max: 1_000 }),
          fc.integer({ min: 0, max: Math.floor(Number.MAX_SAFE_INTEGER / 5) }),
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ items, chargesMinor, lines }): OrderState => {
    const commissionLines: CompactLine[] = lines.map((l, i) => ({
      level: i + 1,
      itemIndex: l.item < 0 ? null : l.item % items.length,
      amountMinor: l.amountMinor,
    }));
    const basesMinor = items.map((i) => i.baseMinor);
    return {
      ...order,
      items: items.map((item, i) => ({ sku: `SKU-${i % 2}`, quantity: item.quantity })),
      lineBasesMinor: basesMinor,
      totalMinor: basesMinor.reduce((a, b) => a + b, 0) + chargesMinor,
      commissionLines,
      earners: commissionLines.map((l) => `p${l.level}`),
      refundedQuantities: items.map(() => 0),
    };
  })
  .filter((o) => o.totalMinor > 0);

/** Splits `total` into parts at the given cut points (taken modulo the total). */
function partsOf(total: number, cuts: readonly number[]): number[] {
  const points = [...new Set(cuts.map((c) => Number(BigInt(c) % BigInt(total)))), 0, total].sort(
    (a, b) => a - b,
  );
  return points.slice(1).flatMap((p, i) => {
    const part = p - (points[i] ?? 0);
    return part > 0 ? [part] : [];
  });
}

/** Applies one refund, adding what it took back per level (each level is one line) into `taken`. */
function apply(state: OrderState, request: RefundRequest, taken: Map<number, number>) {
  const plan = planRefund(state, request);
  if (!plan.ok) return { state, plan };
  for (const r of plan.reversals) taken.set(r.level, (taken.get(r.level) ?? 0) + r.amountMinor);
  return { state: withRefund(state, plan), plan };
}

const lineAmounts = (o: OrderState) =>
  new Map(o.commissionLines.filter((l) => l.amountMinor > 0).map((l) => [l.level, l.amountMinor]));

describe("whatever the steps, refunds take back each commission line exactly once", () => {
  it("any sequence of partial amount refunds summing to the total reverses exactly each commission line, and never more", () => {
    fc.assert(
      fc.property(orders, fc.array(fc.maxSafeNat(), { maxLength: 8 }), (start, cuts) => {
        const taken = new Map<number, number>();
        const lines = lineAmounts(start);
        let state = start;
        let value = 0;
        for (const amountMinor of partsOf(start.totalMinor, cuts)) {
          const step = apply(state, { amountMinor }, taken);
          expect(step.plan.ok).toBe(true);
          if (step.plan.ok) value += step.plan.valueMinor;
          state = step.state;
          for (const [level, amount] of taken)
            expect(amount).toBeLessThanOrEqual(lines.get(level) ?? 0);
        }
        expect(taken).toEqual(lines);
        expect(value).toBe(start.lineBasesMinor.reduce((a, b) => a + b, 0));
        expect(isFullyRefunded(state)).toBe(true);
        expect(planRefund(state, { amountMinor: 1 }).ok).toBe(false);
      }),
    );
  });

  it("refunds by units, by amount and whole, in any order, take back each line exactly once the order is whole, never more", () => {
    const steps = fc.array(
      fc.oneof(
        fc.record({ amountPermille: fc.integer({ min: 1, max: 1000 }) }),
        fc.record({
          sku: fc.constantFrom("SKU-0", "SKU-1"),
          quantity: fc.integer({ min: 1, max: 3 }),
        }),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(orders, steps, (start, plan) => {
        const taken = new Map<number, number>();
        const lines = lineAmounts(start);
        let state = start;
        for (const step of plan) {
          const request: RefundRequest =
            "amountPermille" in step
              ? {
                  amountMinor: Math.max(
                    1,
                    Number((BigInt(start.totalMinor) * BigInt(step.amountPermille)) / 1000n),
                  ),
                }
              : [{ sku: step.sku, quantity: step.quantity }];
          state = apply(state, request, taken).state;
          expect(state.refundedAmountMinor).toBeLessThanOrEqual(state.totalMinor);
          for (const [level, amount] of taken)
            expect(amount).toBeLessThanOrEqual(lines.get(level) ?? 0);
        }
        if (!isFullyRefunded(state)) state = apply(state, undefined, taken).state;
        expect(taken).toEqual(lines);
        expect(planRefund(state, undefined).ok).toBe(false);
      }),
    );
  });
});
