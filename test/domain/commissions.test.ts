import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  calculateOrderCommissions,
  totalByEarner,
  valueOrder,
  type Earner,
} from "../../src/domain/commissions.ts";
import { toCommissionPlan, type CommissionInput } from "../../src/domain/program.ts";

const seller: Earner = { participantId: "ana", level: "silver", status: "active" };
const sponsor: Earner = { participantId: "sam", level: null, status: "active" };
const grand: Earner = { participantId: "gus", level: null, status: "active" };

function commissions(
  plan: CommissionInput,
  order: {
    items: { sku: string; quantity: number; unitAmountMinor: number }[];
    discountMinor?: number;
  },
  who: Earner = seller,
  upline: Earner[] = [sponsor, grand],
) {
  const compiled = toCommissionPlan(plan);
  if (!compiled) throw new Error("no plan");
  return calculateOrderCommissions({
    items: order.items,
    discountMinor: order.discountMinor ?? 0,
    plan: compiled,
    seller: who,
    upline,
  });
}

const shirtAndHat = {
  items: [
    { sku: "SHIRT", quantity: 2, unitAmountMinor: 2500 },
    { sku: "HAT", quantity: 1, unitAmountMinor: 1000 },
  ],
  discountMinor: 500,
};

describe("an order's commissionable value", () => {
  it("is its items less the discount, spread over items in proportion", () => {
    expect(valueOrder(shirtAndHat.items, 500)).toEqual({
      lineBasesMinor: [4583, 917],
      grossMinor: 6000,
      commissionableMinor: 5500,
    });
  });

  it("never goes below zero when the discount exceeds the items", () => {
    expect(
      valueOrder([{ sku: "A", quantity: 1, unitAmountMinor: 100 }], 500).commissionableMinor,
    ).toBe(0);
  });
});

describe("seller commission: the most specific rate wins per line", () => {
  it("pays 10% of $500.00 as $50.00", () => {
    const result = commissions(
      { rate: { percent: 10 } },
      { items: [{ sku: "X", quantity: 1, unitAmountMinor: 50_000 }] },
    );
    expect(totalByEarner(result.lines)).toEqual([
      { participantId: "ana", level: 1, amountMinor: 5000 },
    ]);
  });

  it("takes bySku over byLevel over the base rate", () => {
    const result = commissions(
      {
        rate: { percent: 10 },
        byLevel: { silver: { percent: 12 } },
        bySku: { SHIRT: { percent: 20 } },
      },
      shirtAndHat,
    );
    expect(result.lines.map((l) => [l.sku, l.baseMinor, l.rate, l.amountMinor])).toEqual([
      ["SHIRT", 4583, "20%", 917],
      ["HAT", 917, "12%", 110],
    ]);
  });

  it("pays a flat base rate once per order and a flat SKU rate per unit", () => {
    const result = commissions(
      { rate: { flat: 500 }, bySku: { SHIRT: { flat: 200 } } },
      shirtAndHat,
      seller,
      [],
    );
    expect(result.lines.map((l) => [l.sku, l.amountMinor])).toEqual([
      ["SHIRT", 400],
      [null, 500],
    ]);
  });

  it("pays nothing to a suspended seller, and says so", () => {
    const result = commissions(
      { rate: { percent: 10 } },
      shirtAndHat,
      { ...seller, status: "suspended" },
      [],
    );
    expect(result.lines).toEqual([]);
    expect(result.skipped).toEqual([
      {
        level: 1,
        participantId: "ana",
        reason: "participant_not_active",
        message: "level 1 is not paid: the participant is suspended, not active",
      },
    ]);
  });
});

describe("upline commission on a 3-level chain", () => {
  const plan: CommissionInput = { rate: { percent: 10 }, upline: [{ percent: 3 }, { percent: 1 }] };
  const order = { items: [{ sku: "X", quantity: 1, unitAmountMinor: 50_000 }] };

  it("on the order basis pays 3% and 1% of the order to sponsor and grand-sponsor", () => {
    expect(totalByEarner(commissions(plan, order).lines)).toEqual([
      { participantId: "ana", level: 1, amountMinor: 5000 },
      { participantId: "sam", level: 2, amountMinor: 1500 },
      { participantId: "gus", level: 3, amountMinor: 500 },
    ]);
  });

  it("on the commission basis pays 3% and 1% of the seller's commission", () => {
    expect(totalByEarner(commissions({ ...plan, uplineBasis: "commission" }, order).lines)).toEqual(
      [
        { participantId: "ana", level: 1, amountMinor: 5000 },
        { participantId: "sam", level: 2, amountMinor: 150 },
        { participantId: "gus", level: 3, amountMinor: 50 },
      ],
    );
  });

  it("stops where the chain ends", () => {
    expect(
      totalByEarner(commissions(plan, order, seller, [sponsor]).lines).map((t) => t.level),
    ).toEqual([1, 2]);
  });

  it("skips a suspended sponsor without passing the share up", () => {
    const result = commissions(plan, order, seller, [{ ...sponsor, status: "suspended" }, grand]);
    expect(totalByEarner(result.lines)).toEqual([
      { participantId: "ana", level: 1, amountMinor: 5000 },
      { participantId: "gus", level: 3, amountMinor: 500 },
    ]);
    expect(result.skipped).toEqual([
      {
        level: 2,
        participantId: "sam",
        reason: "participant_not_active",
        message: "level 2 is not paid: the participant is suspended, not active",
      },
    ]);
  });
});

describe("uplineQualification", () => {
  const plan: CommissionInput = {
    rate: { percent: 10 },
    upline: [{ percent: 3 }, { percent: 1 }],
    uplineQualification: { minPersonalOrders: 1, days: 30 },
  };
  const order = { items: [{ sku: "X", quantity: 1, unitAmountMinor: 50_000 }] };

  it("skips a sponsor without recent personal sales, says why, and still pays the one above", () => {
    const result = commissions(plan, order, seller, [
      { ...sponsor, qualified: false },
      { ...grand, qualified: true },
    ]);
    expect(totalByEarner(result.lines).map((t) => [t.participantId, t.amountMinor])).toEqual([
      ["ana", 5000],
      ["gus", 500],
    ]);
    expect(result.skipped).toEqual([
      {
        level: 2,
        participantId: "sam",
        reason: "not_qualified",
        message: "level 2 is not paid: fewer than 1 personal sales in the last 30 days",
      },
    ]);
  });
});

describe("maxTotalPercent", () => {
  const order = { items: [{ sku: "X", quantity: 1, unitAmountMinor: 10_001 }] };

  it("scales every line in proportion when the total passes the cap", () => {
    const result = commissions(
      { rate: { percent: 15 }, upline: [{ percent: 5 }, { percent: 5 }], maxTotalPercent: 20 },
      order,
    );
    // Uncapped: 1500 + 500 + 500 = 2500; the cap is 20% of 10001 = 2000.2, rounded down to 2000.
    expect(result.cut).toEqual({ rule: "max_total_percent", beforeMinor: 2500, afterMinor: 2000 });
    expect(totalByEarner(result.lines).map((t) => t.amountMinor)).toEqual([1200, 400, 400]);
  });

  it("leaves the lines alone under the cap", () => {
    const result = commissions({ rate: { percent: 10 }, maxTotalPercent: 20 }, order);
    expect(result.cut).toBeNull();
  });

  it("is never passed, whatever the order and rates", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sku: fc.constantFrom("A", "B", "C"),
            quantity: fc.integer({ min: 1, max: 5 }),
            unitAmountMinor: fc.integer({ min: 0, max: 100_000 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 60 }),
        (items, discountMinor, rate, upline, cap) => {
          const result = commissions(
            {
              rate: { percent: rate },
              bySku: { A: { flat: 300 } },
              upline: [{ percent: upline }, { percent: upline }],
              maxTotalPercent: cap,
            },
            { items, discountMinor },
          );
          const total = result.lines.reduce((a, l) => a + l.amountMinor, 0);
          const value = valueOrder(items, discountMinor).commissionableMinor;
          expect(total * 100).toBeLessThanOrEqual(value * cap);
        },
      ),
    );
  });
});
