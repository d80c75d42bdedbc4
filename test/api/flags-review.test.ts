import { describe, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  PUBLIC_URL,
  type BalancesBody,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface FlagBody {
  id: string;
  rule: string;
  ruleName: string;
  participantId: string;
  participant: { externalId: string; name: string | null; consoleUrl: string };
  orderId: string | null;
  status: string;
  currency: string;
  held: number;
  commissions: {
    participantId: string;
    externalId: string;
    name: string | null;
    level: number;
    amount: number;
  }[];
}

describeEachBackend("fraud review", (backend) => {
  const api = useApi(backend);

  /**
   * 10% to the seller and 5% to the sponsor, no hold; Ana (sponsored by Sam)
   * uses 203.0.113.7, so an order bought from there is held for review.
   */
  async function setUp() {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 0 },
      fraud: { maxClicksPerHour: 1 },
    });
    const sam = await createParticipant(api, program.id, {
      externalId: "sam",
      name: "Sam Reyes",
    });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      name: "Ana Lima",
      sponsor: "sam",
      ips: ["203.0.113.7"],
    });
    const base = `/v1/programs/${program.id}/flags`;
    const held = async (...ids: string[]) => {
      const reply = await sendEvents(api, program.id, {
        events: ids.map((id) =>
          order(id, {
            code: ana.referralCode,
            ip: "203.0.113.7",
            items: [{ sku: "A", quantity: 1, unitAmount: 10_000 }],
          }),
        ),
      });
      expectStatus(reply, 200);
      await releaseDueHolds(api.services);
    };
    const flood = async () => {
      const reply = await sendEvents(api, program.id, {
        events: ["c-1", "c-2"].map((id) => ({
          type: "click",
          id,
          code: sam.referralCode,
          visitorId: "v-1",
        })),
      });
      expectStatus(reply, 200);
    };
    const flags = async (status = "open") =>
      (await api.call<Collection<FlagBody>>("GET", `${base}?status=${status}`)).body.items;
    const review = (flagIds: string[], decision: string) =>
      api.call<{ flags: FlagBody[] }>("POST", `${base}/review`, { flagIds, decision });
    const cash = async (participantId: string) =>
      (
        await api.call<BalancesBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${participantId}/balances`,
        )
      ).body.cash;
    return { program, ana, sam, base, held, flood, flags, review, cash };
  }

  it("names who a flag is about, links to them, and shows the commissions it holds", async () => {
    const { ana, sam, held, flags } = await setUp();
    await held("o-1");
    const [flag] = await flags();
    expect(flag).toMatchObject({
      rule: "self_referral_ip",
      ruleName: "Self-referral by IP address",
      participantId: ana.id,
      participant: {
        externalId: "ana",
        name: "Ana Lima",
        consoleUrl: `${PUBLIC_URL}/admin/participants/${ana.id}`,
      },
      orderId: "o-1",
      currency: "USD",
      held: 1500,
      commissions: [
        { participantId: ana.id, externalId: "ana", name: "Ana Lima", level: 1, amount: 1000 },
        { participantId: sam.id, externalId: "sam", name: "Sam Reyes", level: 2, amount: 500 },
      ],
    });
  });

  it("shows a click-flooding flag holding nothing", async () => {
    const { sam, flood, flags } = await setUp();
    await flood();
    const [flag] = await flags();
    expect(flag).toMatchObject({
      rule: "click_flooding",
      ruleName: "Click flooding",
      participant: { externalId: "sam", name: "Sam Reyes" },
      participantId: sam.id,
      held: 0,
      commissions: [],
    });
  });

  it("shows what a decided flag released or reversed", async () => {
    const { base, held, flags } = await setUp();
    await held("o-1", "o-2");
    const [first, second] = await flags();
    const approved = await api.call<FlagBody>("POST", `${base}/${first?.id}/approve`);
    expectStatus(approved, 200);
    expect(approved.body).toMatchObject({ status: "approved", held: 1500 });
    const rejected = await api.call<FlagBody>("POST", `${base}/${second?.id}/reject`);
    expect(rejected.body).toMatchObject({ status: "rejected", held: 1500 });
    expect((await flags("rejected")).map((f) => [f.id, f.held])).toEqual([[second?.id, 1500]]);
  });

  it("releases several held orders at once: their commissions become available", async () => {
    const { ana, sam, held, flags, review, cash } = await setUp();
    await held("o-1", "o-2");
    expect(await cash(ana.id)).toMatchObject({ pending: 2000, available: 0 });
    const ids = (await flags()).map((f) => f.id);
    const reply = await review(ids, "release");
    expectStatus(reply, 200);
    expect(reply.body.flags.map((f) => [f.id, f.status, f.held])).toEqual(
      ids.map((id) => [id, "approved", 1500]),
    );
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 2000 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 1000 });
    expect(await flags()).toEqual([]);
  });

  it("reverses several held orders at once as fraud", async () => {
    const { ana, sam, held, flags, review, cash } = await setUp();
    await held("o-1", "o-2");
    const ids = (await flags()).map((f) => f.id);
    expectStatus(await review(ids, "reverse"), 200);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 0 });
    expect((await flags("rejected")).map((f) => f.id)).toEqual(ids);
  });

  it("decides each flag once when a bulk review and single decisions of the same flags race", async () => {
    const { ana, base, held, flags, review, cash } = await setUp();
    await held("o-1", "o-2");
    const [first, second] = (await flags()).map((f) => f.id);
    const replies = await Promise.all([
      review([second ?? "", first ?? ""], "release"),
      api.call("POST", `${base}/${first}/reject`),
      api.call("POST", `${base}/${second}/reject`),
    ]);
    const statuses = replies.map((r) => r.status);
    // The bulk release wins both flags, or a rejection got in first and the bulk decided none.
    const bulkWon = statuses[0] === 200;
    expect(statuses).toEqual(bulkWon ? [200, 409, 409] : [409, 200, 200]);
    expect(await flags()).toEqual([]);
    expect(await flags(bulkWon ? "approved" : "rejected")).toHaveLength(2);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: bulkWon ? 2000 : 0 });
  });

  describe("all or none", () => {
    it("decides none when one of them was decided already", async () => {
      const { ana, base, held, flags, review, cash } = await setUp();
      await held("o-1", "o-2");
      const [first, second] = (await flags()).map((f) => f.id);
      expectStatus(await api.call("POST", `${base}/${second}/reject`), 200);
      const reply = await review([first ?? "", second ?? ""], "release");
      expectError(reply, 409, "conflict");
      expect(JSON.stringify(reply.body)).toContain(`flag ${second} was already rejected`);
      expect((await flags()).map((f) => f.id)).toEqual([first]);
      expect(await cash(ana.id)).toMatchObject({ pending: 1000, available: 0 });
    });

    it("decides none when one holds nothing, saying to dismiss it on its own", async () => {
      const { held, flood, flags, review } = await setUp();
      await held("o-1");
      await flood();
      const open = await flags();
      const reply = await review(
        open.map((f) => f.id),
        "reverse",
      );
      expectError(reply, 409, "conflict");
      expect(JSON.stringify(reply.body)).toContain("holds no commission");
      expect(await flags()).toHaveLength(2);
    });

    it("decides none when one is not found", async () => {
      const { held, flags, review } = await setUp();
      await held("o-1");
      const [flag] = await flags();
      expectError(await review([flag?.id ?? "", "flg_nope"], "release"), 404, "not_found");
      expect(await flags()).toHaveLength(1);
    });
  });

  describe("errors", () => {
    it("answers 422 for no flags, and for a decision other than release or reverse", async () => {
      const { review } = await setUp();
      expectError(await review([], "release"), 422, "validation_failed");
      const unknown = await review(["flg_1"], "approve");
      expectError(unknown, 422, "validation_failed");
      expect(JSON.stringify(unknown.body)).toContain("decision");
    });

    it("answers 404 for another brand's flags", async () => {
      const { base, held, flags } = await setUp();
      await held("o-1");
      const [flag] = await flags();
      expectError(
        await api.call(
          "POST",
          `${base}/review`,
          { flagIds: [flag?.id], decision: "release" },
          api.otherKey,
        ),
        404,
        "not_found",
      );
      expect(await flags()).toHaveLength(1);
    });
  });
});
