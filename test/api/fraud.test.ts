import { describe, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type BalancesBody,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface FlagBody {
  id: string;
  rule: string;
  participantId: string;
  orderId: string | null;
  reason: string;
  status: string;
}

describeEachBackend("fraud screening", (backend) => {
  const api = useApi(backend);

  async function setUp(fraud: Record<string, unknown>) {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 0 },
      landingUrl: "https://shop.example.com/",
      fraud,
    });
    const sam = await createParticipant(api, program.id, { externalId: "sam" });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      sponsor: "sam",
      ips: ["203.0.113.7"],
    });
    const send = async (events: Record<string, unknown>[]) => {
      const reply = await sendEvents(api, program.id, { events });
      expectStatus(reply, 200);
      return reply.body.results;
    };
    const flags = async (status?: string) =>
      (
        await api.call<Collection<FlagBody>>(
          "GET",
          `/v1/programs/${program.id}/flags${status ? `?status=${status}` : ""}`,
        )
      ).body.items;
    const cash = async (participantId: string) =>
      (
        await api.call<BalancesBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${participantId}/balances`,
        )
      ).body.cash;
    return { program, sam, ana, send, flags, cash };
  }

  describe("click flooding", () => {
    it("does not count clicks beyond the hourly limit, nor use them for attribution, and raises one flag", async () => {
      const { ana, sam, send, flags } = await setUp({ maxClicksPerHour: 2 });
      const click = (id: string, code: string, minute: number) => ({
        type: "click",
        id,
        code,
        visitorId: "v-1",
        occurredAt: new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString(),
      });
      const results = await send([
        click("c-1", ana.referralCode, 0),
        click("c-2", ana.referralCode, 1),
        click("c-3", sam.referralCode, 2),
        click("c-4", sam.referralCode, 3),
      ]);
      expect(results.map((r) => (r as { fraud?: { rule: string } }).fraud?.rule ?? null)).toEqual([
        null,
        null,
        "click_flooding",
        "click_flooding",
      ]);
      // Sam's clicks were not counted, so the order goes to Ana's last click.
      const [placed] = await send([
        order("o-1", { visitorId: "v-1", occurredAt: "2026-11-20T10:30:00Z" }),
      ]);
      expect(placed?.attributedTo).toBe(ana.id);
      const raised = await flags("open");
      expect(raised.map((f) => [f.rule, f.participantId])).toEqual([["click_flooding", sam.id]]);
    });

    it("on a referral link: still redirects, but records no click past the limit", async () => {
      const { program, ana, flags } = await setUp({ maxClicksPerHour: 2 });
      const follow = () =>
        api.app.inject({
          method: "GET",
          url: `/r/${ana.referralCode}`,
          headers: { cookie: "laurel_vid=v-flood" },
        });
      for (let i = 0; i < 4; i++) expect((await follow()).statusCode).toBe(302);
      const clicks = await api.db.query<{ n: number }>(
        "select count(*)::int as n from clicks where program_id = $1",
        [program.id],
      );
      expect(clicks[0]?.n).toBe(2);
      expect((await flags()).map((f) => f.rule)).toEqual(["click_flooding"]);
    });
  });

  describe("refund abuse", () => {
    it("holds a seller's new commissions for review once too many recent orders were refunded; approval releases them", async () => {
      const { program, ana, sam, send, flags, cash } = await setUp({
        refundAbuse: { orders: 2, maxRefundPercent: 50 },
      });
      const sale = (id: string) =>
        order(id, {
          code: ana.referralCode,
          items: [{ sku: "A", quantity: 1, unitAmount: 10_000 }],
        });
      await send([sale("o-1"), sale("o-2")]);
      await send([
        { type: "refund", id: "r-1", orderId: "o-1" },
        { type: "refund", id: "r-2", orderId: "o-2" },
      ]);
      const [held] = await send([sale("o-3")]);
      expect(held).toMatchObject({
        status: "processed",
        attributedTo: ana.id,
        fraud: { rule: "refund_abuse" },
      });
      await releaseDueHolds(api.services);
      expect(await cash(ana.id)).toMatchObject({ pending: 1000, available: 0 });

      const [flag] = await flags("open");
      expect(flag).toMatchObject({ rule: "refund_abuse", participantId: ana.id, orderId: "o-3" });
      const approved = await api.call<FlagBody>(
        "POST",
        `/v1/programs/${program.id}/flags/${flag?.id}/approve`,
      );
      expectStatus(approved, 200);
      expect(approved.body.status).toBe("approved");
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 1000 });
      expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 500 });

      const again = await api.call("POST", `/v1/programs/${program.id}/flags/${flag?.id}/reject`);
      expectError(again, 409, "conflict");
      expect(await cash(ana.id)).toMatchObject({ available: 1000 });
    });

    it("reverses the held commissions when the flag is rejected", async () => {
      const { program, ana, sam, send, flags, cash } = await setUp({
        refundAbuse: { orders: 1, maxRefundPercent: 0 },
      });
      const sale = (id: string) =>
        order(id, {
          code: ana.referralCode,
          items: [{ sku: "A", quantity: 1, unitAmount: 10_000 }],
        });
      await send([sale("o-1")]);
      await send([{ type: "refund", id: "r-1", orderId: "o-1" }]);
      await send([sale("o-2")]);
      const [flag] = await flags("open");
      const rejected = await api.call<FlagBody>(
        "POST",
        `/v1/programs/${program.id}/flags/${flag?.id}/reject`,
      );
      expectStatus(rejected, 200);
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0 });
      expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 0 });
      await releaseDueHolds(api.services);
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0 });
    });

    it("does not judge a seller with fewer orders than the rule looks at", async () => {
      const { ana, send } = await setUp({ refundAbuse: { orders: 3, maxRefundPercent: 10 } });
      await send([order("o-1", { code: ana.referralCode })]);
      await send([{ type: "refund", id: "r-1", orderId: "o-1" }]);
      const [next] = await send([order("o-2", { code: ana.referralCode })]);
      expect(next).not.toHaveProperty("fraud");
    });
  });

  describe("self-referral by IP address", () => {
    it("holds for review an order bought from an IP address the seller uses", async () => {
      const { ana, send, flags, cash } = await setUp({});
      const [held] = await send([order("o-1", { code: ana.referralCode, ip: "203.0.113.7" })]);
      expect(held).toMatchObject({ attributedTo: ana.id, fraud: { rule: "self_referral_ip" } });
      await releaseDueHolds(api.services);
      expect(await cash(ana.id)).toMatchObject({ available: 0 });
      expect((await flags("open")).map((f) => f.rule)).toEqual(["self_referral_ip"]);
      const [other] = await send([order("o-2", { code: ana.referralCode, ip: "198.51.100.1" })]);
      expect(other).not.toHaveProperty("fraud");
    });

    it("refuses outright a purchase by the participant's own customer id or email", async () => {
      const { program, ana } = await setUp({});
      const reply = await sendEvents(
        api,
        program.id,
        order("o-1", { code: ana.referralCode, customer: { id: "ana" } }),
      );
      expect(only(reply.body.results)).toMatchObject({
        attributedTo: null,
        attribution: { reason: "self_referral" },
      });
    });
  });
});
