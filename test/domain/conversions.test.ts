import { describe, expect, it } from "vitest";
import {
  calculateConversionCommissions,
  conversionAmount,
  conversionKeys,
  screenConversion,
} from "../../src/domain/conversions.ts";
import type { Earner } from "../../src/domain/commissions.ts";
import { toCommissionPlan, type CommissionPlan } from "../../src/domain/program.ts";

const plan = (fields: Record<string, unknown>): CommissionPlan => {
  const p = toCommissionPlan(fields);
  if (!p) throw new Error("a plan was expected");
  return p;
};
const earner = (id: string, fields: Partial<Earner> = {}): Earner => ({
  participantId: id,
  level: null,
  status: "active",
  ...fields,
});

describe("conversions", () => {
  it("pays the flat amount to the referrer and each upline rate of it, a percent rounded half-up", () => {
    const result = calculateConversionCommissions({
      amountMinor: 75,
      plan: plan({ perLead: { flat: 75 }, upline: [{ percent: 3 }, { percent: 50 }, { flat: 9 }] }),
      referrer: earner("ana"),
      upline: [earner("sam"), earner("gus"), earner("liv")],
    });
    expect(result.lines.map((l) => [l.level, l.participantId, l.amountMinor, l.rate])).toEqual([
      [1, "ana", 75, "flat 75"],
      [2, "sam", 2, "3%"],
      [3, "gus", 38, "50%"],
      [4, "liv", 9, "flat 9"],
    ]);
    expect(result.skipped).toEqual([]);
  });

  it("skips a referrer who is not active and a sponsor who does not qualify, passing nothing up", () => {
    const result = calculateConversionCommissions({
      amountMinor: 200,
      plan: plan({
        perSignup: { flat: 200 },
        upline: [{ percent: 10 }, { percent: 5 }],
        uplineQualification: { minPersonalOrders: 1, days: 30 },
      }),
      referrer: earner("ana", { status: "suspended" }),
      upline: [earner("sam", { qualified: false }), earner("gus", { qualified: true })],
    });
    expect(result.lines.map((l) => [l.level, l.participantId, l.amountMinor])).toEqual([
      [3, "gus", 10],
    ]);
    expect(result.skipped.map((s) => [s.level, s.reason])).toEqual([
      [1, "participant_not_active"],
      [2, "not_qualified"],
    ]);
  });

  it("pays nothing for a kind the plan does not pay for, or without a plan", () => {
    expect(conversionAmount(plan({ perSignup: { flat: 200 } }), "signup")).toBe(200);
    expect(conversionAmount(plan({ perSignup: { flat: 200 } }), "lead")).toBeNull();
    expect(conversionAmount(null, "signup")).toBeNull();
  });

  it("keys a conversion by its customer, or by its event id without one", () => {
    expect(conversionKeys("su-1", ["id:c-1", "email:kim@example.com"])).toEqual([
      "id:c-1",
      "email:kim@example.com",
    ]);
    expect(conversionKeys("su-1", [])).toEqual(["event:su-1"]);
  });

  it("holds for review a conversion from an IP address the referrer uses", () => {
    expect(screenConversion("h1", ["h0", "h1"])).toMatchObject({ rule: "self_referral_ip" });
    expect(screenConversion("h2", ["h0", "h1"])).toBeNull();
    expect(screenConversion(undefined, ["h0"])).toBeNull();
  });
});
