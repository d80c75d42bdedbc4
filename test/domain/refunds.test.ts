import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { planRefund, type OrderState } from "../../src/domain/refunds.ts";

// Two shirts at 25.00 and a hat at 10.00, 5.00 off: item bases 4583 and 917.
// Ana (level 1) earned 20% on shirts (917) and 10% on the hat (92); Sam
// (level 2) 3% of each item (137 and 28).
const order: OrderState = {
  orderId: "order-1001",
  participantId: "ana",
  occurredAtMs: 0,
  items: [
    { sku: "SHIRT", quantity: 2 },
    { sku: "HAT", quantity: 1 },
  ],
  lineBasesMinor: [4583, 917],
  totalMinor: 5500,
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

describe("refunds reverse commissions in proportion", () => {
  it("takes back half the shirt lines for one of two shirts, rounded half-up", () => {
    const plan = planRefund(order, [{ sku: "SHIRT", quantity: 1 }]);
    expect(plan).toEqual({
      ok: true,
      quantities: [1, 0],
      amountMinor: 0,
      valueMinor: 2292, // 4583 / 2 = 2291.5, rounded up
      reversals: [
        { participantId: "ana", level: 1, amountMinor: 459 }, // 917 / 2 = 458.5
        { participantId: "sam", level: 2, amountMinor: 69 }, // 137 / 2 = 68.5
      ],
    });
  });

  it("takes back exactly the rest with the second shirt, so the two refunds sum to the lines", () => {
    const after = { ...order, refundedQuantities: [1, 0] };
    const plan = planRefund(after, [{ sku: "SHIRT", quantity: 1 }]);
    expect(plan.ok && plan.reversals).toEqual([
      { participantId: "ana", level: 1, amountMinor: 458 },
      { participantId: "sam", level: 2, amountMinor: 68 },
    ]);
  });

  it("refunds everything left when no items are named", () => {
    const plan = planRefund({ ...order, refundedQuantities: [1, 0] }, undefined);
    expect(plan.ok && plan.quantities).toEqual([1, 1]);
    expect(plan.ok && plan.reversals).toEqual([
      { participantId: "ana", level: 1, amountMinor: 458 + 92 },
      { participantId: "sam", level: 2, amountMinor: 68 + 28 },
    ]);
  });

  it("refuses more than is left, saying how much is left", () => {
    const plan = planRefund({ ...order, refundedQuantities: [1, 0] }, [
      { sku: "SHIRT", quantity: 2 },
    ]);
    expect(plan).toEqual({
      ok: false,
      code: "refund_exceeds_order",
      message:
        "the refund is more than what is left of order order-1001: 2 × SHIRT asked, 1 left to refund",
    });
  });

  it("refuses a refund of an order already fully refunded", () => {
    expect(planRefund({ ...order, refundedQuantities: [2, 1] }, undefined)).toMatchObject({
      ok: false,
    });
  });

  it("never takes back more than was paid, and all of it once everything is refunded, whatever the steps", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 2 })), {
          maxLength: 6,
        }),
        (steps) => {
          let state = order;
          let taken = 0;
          for (const [item, quantity] of steps) {
            const sku = item === 0 ? "SHIRT" : "HAT";
            const plan = planRefund(state, [{ sku, quantity }]);
            if (!plan.ok) continue;
            taken += plan.reversals.reduce((a, r) => a + r.amountMinor, 0);
            state = {
              ...state,
              refundedQuantities: state.refundedQuantities.map(
                (q, i) => q + (plan.quantities[i] ?? 0),
              ),
            };
          }
          const rest = planRefund(state, undefined);
          if (rest.ok) taken += rest.reversals.reduce((a, r) => a + r.amountMinor, 0);
          expect(taken).toBe(917 + 92 + 137 + 28);
        },
      ),
    );
  });
});
