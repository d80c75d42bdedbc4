import { beforeAll, describe, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type BalancesBody,
  type Collection,
  type LedgerEntryBody,
  type ParticipantBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

describeEachBackend("ledger and balances API", (backend) => {
  const api = useApi(backend);
  let programId = "";
  let ana: ParticipantBody;
  let ben: ParticipantBody;
  let cleo: ParticipantBody;

  const url = (participant: ParticipantBody, rest = "") =>
    `/v1/programs/${programId}/participants/${participant.id}${rest}`;

  beforeAll(async () => {
    // 10% to the seller, 3% to the seller's sponsor; Ben sponsors Ana.
    programId = (await createProgram(api)).id;
    ben = await createParticipant(api, programId, { externalId: "ben" });
    ana = await createParticipant(api, programId, { externalId: "ana", sponsor: "ben" });
    cleo = await createParticipant(api, programId, { externalId: "cleo" });
    // order-1: 2 × 2500 = 5000 -> Ana 500, Ben 150.
    // order-2: 1 × 3000 = 3000 -> Ana 300, Ben 90.
    const reply = await sendEvents(api, programId, {
      events: [
        order("order-1", { code: ana.referralCode }),
        order("order-2", {
          participant: "ana",
          items: [{ sku: "HAT", quantity: 1, unitAmount: 3000 }],
        }),
      ],
    });
    expectStatus(reply, 200);
    expect(reply.body.results.map((r) => r.status)).toEqual(["processed", "processed"]);
  });

  describe("GET .../participants/{id}/balances", () => {
    it("sums the seller's commissions as pending cash, nothing available, paid or in points", async () => {
      const reply = await api.call<BalancesBody>("GET", url(ana, "/balances"));
      expectStatus(reply, 200);
      expect(reply.body).toEqual({
        points: { pending: 0, available: 0 },
        cash: { currency: "USD", pending: 800, available: 0, paid: 0 },
      });
    });

    it("sums the sponsor's level-2 commissions", async () => {
      const reply = await api.call<BalancesBody>("GET", url(ben, "/balances"));
      expect(reply.body.cash).toEqual({ currency: "USD", pending: 240, available: 0, paid: 0 });
    });

    it("answers zeros for a participant who earned nothing", async () => {
      const reply = await api.call<BalancesBody>("GET", url(cleo, "/balances"));
      expect(reply.body).toEqual({
        points: { pending: 0, available: 0 },
        cash: { currency: "USD", pending: 0, available: 0, paid: 0 },
      });
    });
  });

  describe("GET .../participants/{id}/ledger", () => {
    it("lists one pending cash entry per commission, caused by the brand's own event id", async () => {
      const reply = await api.call<Collection<LedgerEntryBody>>("GET", url(ana, "/ledger"));
      expectStatus(reply, 200);
      expect(reply.body.next).toBeNull();
      const entry = (eventId: string, amount: number, level: number) => ({
        id: expect.stringMatching(/^led_[0-9A-Z]{26}$/),
        asset: "cash",
        amount,
        status: "pending",
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
        cause: expect.objectContaining({ type: "commission", eventId, level }),
      });
      // Newest first: what just happened is what people look for.
      expect(reply.body.items).toEqual([
        expect.objectContaining(entry("order-2", 300, 1)),
        expect.objectContaining(entry("order-1", 500, 1)),
      ]);
      const sponsor = await api.call<Collection<LedgerEntryBody>>("GET", url(ben, "/ledger"));
      expect(sponsor.body.items).toEqual([
        expect.objectContaining(entry("order-2", 90, 2)),
        expect.objectContaining(entry("order-1", 150, 2)),
      ]);
    });

    it("pages with ?limit= and ?cursor=", async () => {
      const first = await api.call<Collection<LedgerEntryBody>>("GET", url(ana, "/ledger?limit=1"));
      expect(first.body.items.map((e) => e.cause.eventId)).toEqual(["order-2"]);
      expect(first.body.next).toEqual(expect.any(String));
      const rest = await api.call<Collection<LedgerEntryBody>>(
        "GET",
        url(ana, `/ledger?limit=1&cursor=${encodeURIComponent(first.body.next ?? "")}`),
      );
      expect(rest.body.items.map((e) => e.cause.eventId)).toEqual(["order-1"]);
      expect(rest.body.next).toBeNull();
    });

    it("is empty for a participant who earned nothing", async () => {
      const reply = await api.call("GET", url(cleo, "/ledger"));
      expect(reply.body).toEqual({ items: [], next: null });
    });
  });

  it("keeps the books balanced: entries of each asset sum to zero", async () => {
    const sums = await api.db.query<{ asset: string; total: number; entries: number }>(
      `select asset, sum(amount_minor)::bigint as total, count(*)::int as entries
       from ledger_entries group by asset`,
    );
    expect(sums.length).toBeGreaterThan(0);
    for (const s of sums) {
      expect(s.entries).toBeGreaterThan(0);
      expect({ asset: s.asset, total: Number(s.total) }).toEqual({ asset: s.asset, total: 0 });
    }
  });

  describe("a participant token", () => {
    let token = "";

    beforeAll(async () => {
      const reply = await api.call<{ token: string }>("POST", url(ana, "/tokens"));
      expectStatus(reply, 201);
      expect(reply.body.token).toEqual(expect.any(String));
      token = reply.body.token;
    });

    it("reads its own participant at GET /v1/me", async () => {
      const me = await api.call<ParticipantBody>("GET", "/v1/me", undefined, token);
      expectStatus(me, 200);
      // The participant as the admin reads them, with their own figures and
      // recruitment link (none: the program's enrolment is closed) beside.
      const { stats, recruitmentLink, ...participant } = me.body as ParticipantBody & {
        stats: unknown;
        recruitmentLink: string | null;
      };
      expect(participant).toEqual((await api.call("GET", url(ana))).body);
      expect(recruitmentLink).toBeNull();
      expect(stats).toMatchObject({ orders: 2, sales: 8000, earnings: 800 });
    });

    it("reads its own balances at GET /v1/me/balances", async () => {
      const mine = await api.call<BalancesBody>("GET", "/v1/me/balances", undefined, token);
      expectStatus(mine, 200);
      expect(mine.body).toEqual((await api.call("GET", url(ana, "/balances"))).body);
      expect(mine.body.cash.pending).toBe(800);
    });

    it("reads its own ledger at GET /v1/me/ledger", async () => {
      const mine = await api.call<Collection<LedgerEntryBody>>(
        "GET",
        "/v1/me/ledger",
        undefined,
        token,
      );
      expectStatus(mine, 200);
      expect(mine.body).toEqual((await api.call("GET", url(ana, "/ledger"))).body);
      expect(mine.body.items).toHaveLength(2);
    });

    it("is refused on admin routes with 403: GET /v1/programs", async () => {
      expectError(await api.call("GET", "/v1/programs", undefined, token), 403, "forbidden");
    });

    it("is refused with 403 on another participant's balances", async () => {
      expectError(await api.call("GET", url(ben, "/balances"), undefined, token), 403, "forbidden");
    });

    it("is a new token each time, and each one works", async () => {
      const second = await api.call<{ token: string }>("POST", url(ana, "/tokens"));
      expectStatus(second, 201);
      expect(second.body.token).not.toBe(token);
      expectStatus(await api.call("GET", "/v1/me", undefined, second.body.token), 200);
      expectStatus(await api.call("GET", "/v1/me", undefined, token), 200);
    });
  });
});
