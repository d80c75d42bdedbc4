import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

describeEachBackend("multi-level commissions", (backend) => {
  const api = useApi(backend);

  async function chain(commission: Record<string, unknown>) {
    const program = await createProgram(api, { commission });
    const gus = await createParticipant(api, program.id, { externalId: "gus" });
    const sam = await createParticipant(api, program.id, { externalId: "sam", sponsor: "gus" });
    const ana = await createParticipant(api, program.id, { externalId: "ana", sponsor: "sam" });
    const sell = async (id: string, code: string, at = "2026-11-20T10:00:00Z") => {
      const reply = await sendEvents(
        api,
        program.id,
        order(id, { code, occurredAt: at, items: [{ sku: "A", quantity: 1, unitAmount: 50_000 }] }),
      );
      expectStatus(reply, 200);
      return only(reply.body.results);
    };
    return { program, gus, sam, ana, sell };
  }

  it("pays a 3-level chain on the order: 10%, 3% and 1% of $500.00", async () => {
    const { gus, sam, ana, sell } = await chain({
      rate: { percent: 10 },
      upline: [{ percent: 3 }, { percent: 1 }],
    });
    const result = await sell("o-1", ana.referralCode);
    expect(result.commissions).toEqual([
      { participantId: ana.id, level: 1, amount: 5000 },
      { participantId: sam.id, level: 2, amount: 1500 },
      { participantId: gus.id, level: 3, amount: 500 },
    ]);
  });

  it("pays a 3-level chain on the commission: 3% and 1% of the seller's $50.00", async () => {
    const { gus, sam, ana, sell } = await chain({
      rate: { percent: 10 },
      upline: [{ percent: 3 }, { percent: 1 }],
      uplineBasis: "commission",
    });
    const result = await sell("o-1", ana.referralCode);
    expect(result.commissions).toEqual([
      { participantId: ana.id, level: 1, amount: 5000 },
      { participantId: sam.id, level: 2, amount: 150 },
      { participantId: gus.id, level: 3, amount: 50 },
    ]);
  });

  it("skips a sponsor with no personal sale in the last 30 days, and says which level and why", async () => {
    const { gus, sam, ana, sell } = await chain({
      rate: { percent: 10 },
      upline: [{ percent: 3 }, { percent: 1 }],
      uplineQualification: { minPersonalOrders: 1, days: 30 },
    });
    await sell("gus-own", gus.referralCode, "2026-11-01T10:00:00Z");
    const first = await sell("o-1", ana.referralCode);
    expect(first.commissions).toEqual([
      { participantId: ana.id, level: 1, amount: 5000 },
      { participantId: gus.id, level: 3, amount: 500 },
    ]);
    expect(first.skippedLevels).toEqual([
      {
        level: 2,
        participantId: sam.id,
        reason: "not_qualified",
        message: "level 2 is not paid: fewer than 1 personal sales in the last 30 days",
      },
    ]);

    await sell("sam-own", sam.referralCode, "2026-11-20T11:00:00Z");
    const second = await sell("o-2", ana.referralCode, "2026-11-20T12:00:00Z");
    expect(second.commissions?.map((c) => c.level)).toEqual([1, 2, 3]);

    // Thirty days after Gus's own sale he no longer qualifies.
    const later = await sell("o-3", ana.referralCode, "2026-12-02T10:00:00Z");
    expect(later.skippedLevels?.map((s) => [s.level, s.reason])).toEqual([[3, "not_qualified"]]);
  });

  it("pays nobody for a recruit's sign-up when the plan has no perSignup", async () => {
    const { program, ana } = await chain({ rate: { percent: 10 }, upline: [{ percent: 3 }] });
    const reply = await sendEvents(api, program.id, {
      type: "signup",
      id: "su-1",
      customer: { id: "c-1" },
      code: ana.referralCode,
    });
    expectStatus(reply, 200);
    expect(only(reply.body.results).commissions).toEqual([]);
  });

  it("pays nobody at any level for a purchase through one's own code", async () => {
    const { program, ana } = await chain({
      rate: { percent: 10 },
      upline: [{ percent: 3 }, { percent: 1 }],
    });
    const reply = await sendEvents(
      api,
      program.id,
      order("o-self", { code: ana.referralCode, customer: { id: "ana" } }),
    );
    expect(only(reply.body.results)).toMatchObject({
      attributedTo: null,
      commissions: [],
      attribution: { reason: "self_referral" },
    });
  });
});
