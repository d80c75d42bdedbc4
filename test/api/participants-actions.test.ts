import { describe, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  countRows,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type BalancesBody,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal } from "../support/goals.ts";

interface EntryBody {
  id: string;
  asset: string;
  amount: number;
  status: string;
  createdAt: string;
  occurredAt: string;
  transferId: string;
  held: boolean;
  flagId: string | null;
  cause: {
    type: string;
    eventId: string | null;
    orderId: string | null;
    goalId: string | null;
    goalName?: string | null;
    level: number | null;
    reason?: string;
    by?: string;
  };
}

describeEachBackend("participant actions and the ledger", (backend) => {
  const api = useApi(backend);

  /** 10% to the seller, 3% to the sponsor, no hold: sam sponsors ana; ben stands alone. */
  async function shop(fields: Record<string, unknown> = {}) {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }], holdDays: 0 },
      ...fields,
    });
    const sam = await createParticipant(api, program.id, { externalId: "sam" });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      sponsor: "sam",
      ips: ["203.0.113.7"],
    });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const base = `/v1/programs/${program.id}/participants`;
    const ledger = async (id: string, query = "") => {
      const reply = await api.call<Collection<EntryBody>>("GET", `${base}/${id}/ledger${query}`);
      expectStatus(reply, 200);
      return reply.body;
    };
    const balances = async (id: string) =>
      (await api.call<BalancesBody>("GET", `${base}/${id}/balances`)).body;
    const sell = async (events: Record<string, unknown>[]) =>
      expectStatus(await sendEvents(api, program.id, { events }), 200);
    return { program, sam, ana, ben, base, ledger, balances, sell };
  }

  describe("GET .../participants/{id}/ledger", () => {
    it("reads newest first by default and oldest first on request, each order paging on with its cursor", async () => {
      const { ana, ledger, sell } = await shop();
      await sell([order("o-1", { participant: "ana" })]);
      await sell([order("o-2", { participant: "ana" })]);
      await sell([order("o-3", { participant: "ana" })]);
      const newest = await ledger(ana.id);
      expect(newest.items.map((e) => e.cause.eventId)).toEqual(["o-3", "o-2", "o-1"]);
      const first = await ledger(ana.id, "?limit=2");
      const rest = await ledger(ana.id, `?limit=2&cursor=${first.next ?? ""}`);
      expect([...first.items, ...rest.items].map((e) => e.cause.eventId)).toEqual([
        "o-3",
        "o-2",
        "o-1",
      ]);
      expect(rest.next).toBeNull();
      const oldest = await ledger(ana.id, "?order=oldest&limit=2");
      const after = await ledger(ana.id, `?order=oldest&limit=2&cursor=${oldest.next ?? ""}`);
      expect([...oldest.items, ...after.items].map((e) => e.cause.eventId)).toEqual([
        "o-1",
        "o-2",
        "o-3",
      ]);
    });

    it("gives each entry the time its event happened beside the time it was booked", async () => {
      const { ana, ledger, sell } = await shop();
      await sell([order("o-1", { participant: "ana", occurredAt: "2026-10-03T08:15:00Z" })]);
      const [entry] = (await ledger(ana.id)).items;
      expect(entry?.occurredAt).toBe("2026-10-03T08:15:00.000Z");
      expect(entry?.createdAt).not.toBe(entry?.occurredAt);
    });

    it("names the goal of a reward beside its id", async () => {
      const { program, ana, ledger, sell } = await shop();
      const goal = await createGoal(api, program.id, {
        name: "First sale",
        metric: "order_count",
        window: { type: "lifetime" },
        target: { type: "fixed" },
        steps: [{ threshold: 1, reward: { type: "points", points: 50 } }],
        evaluate: "immediately",
        returns: "ignore",
      });
      await sell([order("o-1", { participant: "ana", occurredAt: new Date().toISOString() })]);
      const reward = (await ledger(ana.id)).items.find((e) => e.cause.type === "reward");
      expect(reward?.cause).toMatchObject({ goalId: goal.id, goalName: "First sale" });
      expect(reward).toMatchObject({ asset: "points", amount: 50, held: false, flagId: null });
    });

    it("marks a commission held for fraud review with its flag, until the flag is decided", async () => {
      const { program, ana, ledger, sell } = await shop({ fraud: {} });
      await sell([order("o-1", { code: ana.referralCode, ip: "203.0.113.7" })]);
      const flags = await api.call<Collection<{ id: string; orderId: string }>>(
        "GET",
        `/v1/programs/${program.id}/flags?status=open`,
      );
      const flag = flags.body.items[0];
      expect(flag?.orderId).toBe("o-1");
      const [held] = (await ledger(ana.id)).items;
      expect(held).toMatchObject({ held: true, flagId: flag?.id, status: "pending" });
      expectStatus(
        await api.call("POST", `/v1/programs/${program.id}/flags/${flag?.id ?? ""}/approve`),
        200,
      );
      const entries = (await ledger(ana.id)).items;
      expect(entries.every((e) => !e.held && e.flagId === null)).toBe(true);
    });
  });

  describe("POST .../participants/{id}/adjustments", () => {
    it("books cash as a transfer of its own that the balance sums, with the reason and who made it", async () => {
      const { program, ana, base, ledger, balances } = await shop();
      const reply = await api.call("POST", `${base}/${ana.id}/adjustments`, {
        asset: "cash",
        amount: 700,
        reason: "Goodwill for a late delivery",
        by: "ops@brand.example",
      });
      expectStatus(reply, 201);
      expect(reply.body).toMatchObject({ asset: "cash", amount: 700, by: "ops@brand.example" });
      expect((await balances(ana.id)).cash).toMatchObject({ available: 700 });
      const [entry] = (await ledger(ana.id)).items;
      expect(entry).toMatchObject({
        asset: "cash",
        amount: 700,
        status: "available",
        cause: {
          type: "adjustment",
          reason: "Goodwill for a late delivery",
          by: "ops@brand.example",
        },
      });
      // The program's account takes the other side, so the transfer sums to zero.
      const legs = await api.db.query<{ account: string; amount: number }>(
        `select account, amount_minor as amount from ledger_entries
         where program_id = $1 and transfer_id = $2 order by account`,
        [program.id, entry?.transferId],
      );
      expect(legs).toEqual([
        { account: "participant", amount: 700 },
        { account: "program", amount: -700 },
      ]);
      const listed = await api.call<Collection<{ stats: { balance: number } }>>(
        "GET",
        `${base}?externalId=ana`,
      );
      expect(listed.body.items[0]?.stats.balance).toBe(700);
    });

    it("takes cash back down to the available balance and refuses more with 422, writing nothing", async () => {
      const { program, ana, base, balances, sell } = await shop();
      await sell([order("o-1", { participant: "ana" })]);
      await releaseDueHolds(api.services);
      expect((await balances(ana.id)).cash.available).toBe(500);
      const before = await countRows(api.db, "ledger_entries", program.id);
      const tooMuch = await api.call("POST", `${base}/${ana.id}/adjustments`, {
        asset: "cash",
        amount: -501,
        reason: "Chargeback",
      });
      expectError(tooMuch, 422, "validation_failed");
      expect(await countRows(api.db, "ledger_entries", program.id)).toBe(before);
      const exact = await api.call("POST", `${base}/${ana.id}/adjustments`, {
        asset: "cash",
        amount: -500,
        reason: "Chargeback",
      });
      expectStatus(exact, 201);
      expect(exact.body).toMatchObject({ by: "admin", balances: { cash: { available: 0 } } });
    });

    it("adds and takes points", async () => {
      const { ana, base, balances } = await shop();
      const post = (amount: number) =>
        api.call("POST", `${base}/${ana.id}/adjustments`, {
          asset: "points",
          amount,
          reason: "Event bonus",
        });
      expectStatus(await post(120), 201);
      expectStatus(await post(-20), 201);
      expect((await balances(ana.id)).points.available).toBe(100);
      expectError(await post(-101), 422, "validation_failed");
    });

    it("refuses to raise a balance past what can be counted exactly, writing nothing", async () => {
      const { ana, base, balances } = await shop();
      const post = (amount: number) =>
        api.call("POST", `${base}/${ana.id}/adjustments`, {
          asset: "points",
          amount,
          reason: "Typo",
        });
      expectStatus(await post(Number.MAX_SAFE_INTEGER - 10), 201);
      const tooMuch = await post(11);
      expectError(tooMuch, 422, "validation_failed");
      expect(JSON.stringify(tooMuch.body)).toContain("add at most 10");
      expect((await balances(ana.id)).points.available).toBe(Number.MAX_SAFE_INTEGER - 10);
    });

    it("books once for one Idempotency-Key, and answers the first reply again", async () => {
      const { program, ana, base, balances } = await shop();
      const body = { asset: "cash", amount: 250, reason: "Missed commission" };
      const send = () =>
        api.app.inject({
          method: "POST",
          url: `${base}/${ana.id}/adjustments`,
          headers: { authorization: `Bearer ${api.key}`, "idempotency-key": "adj-1" },
          payload: body,
        });
      const first = await send();
      const again = await send();
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.json()).toEqual(first.json());
      expect((await balances(ana.id)).cash.available).toBe(250);
      expect(
        await api.db.query("select 1 from ledger_adjustments where program_id = $1", [program.id]),
      ).toHaveLength(1);
    });

    it("refuses a zero amount, a missing reason and an unknown asset with what to fix", async () => {
      const { ana, base } = await shop();
      const post = (body: unknown) => api.call("POST", `${base}/${ana.id}/adjustments`, body);
      expectError(await post({ asset: "cash", amount: 0, reason: "x" }), 422, "validation_failed");
      expectError(await post({ asset: "cash", amount: 5, reason: "  " }), 422, "validation_failed");
      expectError(await post({ asset: "gold", amount: 5, reason: "x" }), 422, "validation_failed");
      expectError(await post({ asset: "cash", amount: 1.5, reason: "x" }), 400, "invalid_request");
    });
  });

  describe("PATCH .../participants/{id} with a sponsor", () => {
    it("moves the participant and their downline; later orders pay the new upline, past commissions stay", async () => {
      const { program, sam, ana, ben, base, ledger, sell } = await shop();
      const cleo = await createParticipant(api, program.id, { externalId: "cleo", sponsor: "ana" });
      await sell([order("o-1", { participant: "ana" })]);
      const moved = await api.call("PATCH", `${base}/${ana.id}`, { sponsor: ben.referralCode });
      expectStatus(moved, 200);
      expect(moved.body).toMatchObject({ sponsorId: ben.id });
      await sell([order("o-2", { participant: "ana" })]);
      expect((await ledger(sam.id)).items.map((e) => [e.cause.eventId, e.amount])).toEqual([
        ["o-1", 150],
      ]);
      expect((await ledger(ben.id)).items.map((e) => [e.cause.eventId, e.amount])).toEqual([
        ["o-2", 150],
      ]);
      const below = await api.call<Collection<{ externalId: string }>>(
        "GET",
        `${base}/${ben.id}/downline`,
      );
      expect(below.body.items.map((p) => p.externalId).sort()).toEqual(["ana", "cleo"]);
      expect(cleo.sponsorId).toBe(ana.id);
    });

    it("refuses a sponsor from the participant's own downline with 422 sponsor_cycle, and an unknown one with 422", async () => {
      const { program, sam, base } = await shop();
      const cycle = await api.call("PATCH", `${base}/${sam.id}`, { sponsor: "ana" });
      expectError(cycle, 422, "sponsor_cycle");
      const unknown = await api.call("PATCH", `${base}/${sam.id}`, { sponsor: "nobody" });
      expectError(unknown, 422, "unknown_sponsor");
      const after = await api.call<{ sponsorId: string | null }>(
        "GET",
        `/v1/programs/${program.id}/participants/${sam.id}`,
      );
      expect(after.body.sponsorId).toBeNull();
    });
  });
});
