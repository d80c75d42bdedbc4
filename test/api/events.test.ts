import { describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type EventResultBody,
  type Table,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

/** The tables an event may write to. */
const EVENT_TABLES: Table[] = ["events", "clicks", "customer_bindings", "orders", "ledger_entries"];

describeEachBackend("events API", (backend) => {
  const api = useApi(backend);

  /**
   * A fresh program paying 10% to the seller and 3% to the seller's sponsor,
   * with Ana sponsored by Ben.
   */
  async function network(fields: Record<string, unknown> = {}) {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
      ...fields,
    });
    const ben = await createParticipant(api, program.id, {
      externalId: "ben",
      email: "ben@example.com",
    });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      email: "ana@example.com",
      sponsor: "ben",
    });
    const send = (body: unknown) => sendEvents(api, program.id, body);
    /** Sends one event and returns its one result, failing unless the answer is 200. */
    const sendOne = async (event: unknown): Promise<EventResultBody> => {
      const reply = await send(event);
      expectStatus(reply, 200);
      return only(reply.body.results);
    };
    const rows = async (): Promise<Record<string, number>> => {
      const counts = await Promise.all(EVENT_TABLES.map((t) => countRows(api.db, t, program.id)));
      return Object.fromEntries(EVENT_TABLES.map((t, i) => [t, counts[i] ?? 0]));
    };
    return { programId: program.id, ana, ben, send, sendOne, rows };
  }

  describe("an order with a code", () => {
    it("is processed, attributed to the code's owner, and pays level 1 and level 2 exactly", async () => {
      const { ana, ben, sendOne } = await network();
      // Items: 2 × $25.00 = $50.00 (5000). Shipping and tax do not earn.
      // Level 1 (Ana, the seller): 10% of 5000 = 500.
      // Level 2 (Ben, Ana's sponsor): 3% of 5000 = 150.
      const result = await sendOne(
        order("order-1001", {
          code: ana.referralCode,
          customer: { id: "c-9", email: "c9@example.com" },
          shipping: 800,
          tax: 400,
        }),
      );
      expect(result).toMatchObject({
        id: "order-1001",
        status: "processed",
        attributedTo: ana.id,
        commissions: [
          { participantId: ana.id, level: 1, amount: 500 },
          { participantId: ben.id, level: 2, amount: 150 },
        ],
        grants: [],
      });
      expect(result.commissions).toHaveLength(2);
    });

    it("matches the code whatever its case", async () => {
      const { ana, sendOne } = await network();
      const result = await sendOne(order("o-1", { code: ana.referralCode.toLowerCase() }));
      expect(result.attributedTo).toBe(ana.id);
    });

    it("prefers an explicit participant over the code", async () => {
      const { ana, ben, sendOne } = await network();
      const result = await sendOne(order("o-1", { participant: "ben", code: ana.referralCode }));
      expect(result).toMatchObject({
        attributedTo: ben.id,
        attribution: { source: "participant" },
      });
    });
  });

  describe("redelivery", () => {
    it("of the same event answers `duplicate` with the first outcome and changes nothing", async () => {
      const { ana, ben, sendOne, rows } = await network();
      const event = order("order-1", { code: ana.referralCode, customer: { id: "c-1" } });
      const first = await sendOne(event);
      const before = await rows();
      expect(before.ledger_entries).toBe(3); // one transfer: two legs and the program's entry

      const again = await sendOne(event);
      expect(again).toEqual({ ...first, status: "duplicate" });
      expect(again.commissions).toEqual([
        { participantId: ana.id, level: 1, amount: 500 },
        { participantId: ben.id, level: 2, amount: 150 },
      ]);
      expect(await rows()).toEqual(before);
    });

    it("with the fields in another order is still the same event", async () => {
      const { ana, sendOne, rows } = await network();
      const event = order("order-1", { code: ana.referralCode });
      await sendOne(event);
      const before = await rows();
      const reordered = Object.fromEntries(Object.entries(event).reverse());
      expect((await sendOne(reordered)).status).toBe("duplicate");
      expect(await rows()).toEqual(before);
    });

    it("of the same event at once is processed once: one `processed`, the rest `duplicate`", async () => {
      const { ana, send, rows } = await network();
      const event = order("order-1", { code: ana.referralCode });
      const replies = await Promise.all(Array.from({ length: 6 }, () => send(event)));
      const statuses = replies.map((r) => {
        expectStatus(r, 200);
        return only(r.body.results).status;
      });
      expect(statuses.sort()).toEqual([
        "duplicate",
        "duplicate",
        "duplicate",
        "duplicate",
        "duplicate",
        "processed",
      ]);
      expect((await rows()).ledger_entries).toBe(3);
    });

    it("of the same id with other content is a 409 conflict for a single event, changing nothing", async () => {
      const { ana, send, sendOne, rows } = await network();
      await sendOne(order("order-1", { code: ana.referralCode }));
      const before = await rows();
      const reply = await send(
        order("order-1", {
          code: ana.referralCode,
          items: [{ sku: "SHIRT", quantity: 3, unitAmount: 2500 }],
        }),
      );
      expectError(reply, 409, "conflict");
      expect(await rows()).toEqual(before);
    });

    it("of the same id with other content is `rejected` with code conflict in a batch, the others processed", async () => {
      const { ana, send, sendOne, rows } = await network();
      await sendOne(order("order-1", { code: ana.referralCode }));
      const before = await rows();
      const reply = await send({
        events: [
          order("order-1", { code: ana.referralCode, discount: 100 }),
          order("order-2", { code: ana.referralCode }),
        ],
      });
      expectStatus(reply, 200);
      expect(reply.body.results).toEqual([
        expect.objectContaining({
          id: "order-1",
          status: "rejected",
          error: expect.objectContaining({ code: "conflict", message: expect.any(String) }),
        }),
        expect.objectContaining({ id: "order-2", status: "processed", attributedTo: ana.id }),
      ]);
      const after = await rows();
      expect(after.orders).toBe((before.orders ?? 0) + 1);
      expect(after.events).toBe((before.events ?? 0) + 1);
    });
  });

  describe("a batch", () => {
    it("answers one result per event in the order sent", async () => {
      const { ana, ben, send } = await network();
      const reply = await send({
        events: [
          order("b-1", { participant: "ana" }),
          order("b-2", { participant: "ben" }),
          { type: "click", id: "b-3", code: ana.referralCode, visitorId: "v-9" },
        ],
      });
      expectStatus(reply, 200);
      expect(reply.body.results.map((r) => [r.id, r.status, r.attributedTo])).toEqual([
        ["b-1", "processed", ana.id],
        ["b-2", "processed", ben.id],
        ["b-3", "processed", ana.id],
      ]);
    });

    it("with one invalid event rejects only that one, with its error, and processes the others", async () => {
      const { ana, send, rows } = await network();
      const before = await rows();
      const reply = await send({
        events: [
          order("good-1", { code: ana.referralCode }),
          { type: "order", id: "bad-1", items: [] },
          order("good-2", { code: ana.referralCode }),
        ],
      });
      expectStatus(reply, 200);
      const [good1, bad, good2] = reply.body.results;
      expect(reply.body.results).toHaveLength(3);
      expect(good1).toMatchObject({ id: "good-1", status: "processed", attributedTo: ana.id });
      expect(good2).toMatchObject({ id: "good-2", status: "processed", attributedTo: ana.id });
      expect(bad).toMatchObject({
        id: "bad-1",
        status: "rejected",
        error: {
          code: "invalid_event",
          message: expect.any(String),
          details: [expect.objectContaining({ path: "items" })],
        },
      });
      const after = await rows();
      expect(after.events).toBe((before.events ?? 0) + 2);
      expect(after.orders).toBe((before.orders ?? 0) + 2);
    });

    it("rejects alone an event of another currency and one naming an unknown participant", async () => {
      const { ana, send } = await network();
      const reply = await send({
        events: [
          order("eur-1", { code: ana.referralCode, currency: "EUR" }),
          order("who-1", { participant: "nobody" }),
          order("ok-1", { code: ana.referralCode }),
        ],
      });
      expectStatus(reply, 200);
      expect(reply.body.results.map((r) => [r.id, r.status, r.error?.code])).toEqual([
        ["eur-1", "rejected", "currency_mismatch"],
        ["who-1", "rejected", "unknown_participant"],
        ["ok-1", "processed", undefined],
      ]);
    });

    it("of more than 1000 events is a 422 and stores nothing", async () => {
      const { ana, send, rows } = await network();
      const before = await rows();
      const events = Array.from({ length: 1001 }, (_, i) =>
        order(`big-${i}`, { code: ana.referralCode }),
      );
      expectError(await send({ events }), 422, "too_many_events");
      expect(await rows()).toEqual(before);
    });

    it("of exactly 1000 events is accepted", async () => {
      const { ana, send } = await network();
      const events = Array.from({ length: 1000 }, (_, i) =>
        order(`full-${i}`, { code: ana.referralCode }),
      );
      const reply = await send({ events });
      expectStatus(reply, 200);
      expect(reply.body.results).toHaveLength(1000);
      expect(reply.body.results.every((r) => r.status === "processed")).toBe(true);
    });
  });

  describe("an invalid request", () => {
    it("with malformed JSON is a 400 malformed_request", async () => {
      const { programId, rows } = await network();
      const before = await rows();
      const reply = await api.app.inject({
        method: "POST",
        url: `/v1/programs/${programId}/events`,
        headers: { authorization: `Bearer ${api.key}`, "content-type": "application/json" },
        payload: '{"type": "order", "id": ',
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.json()).toEqual({
        error: {
          code: "malformed_request",
          message: expect.any(String),
          details: [],
          requestId: reply.headers["request-id"],
        },
      });
      expect(await rows()).toEqual(before);
    });

    it("with one invalid event is a 400 naming the field", async () => {
      const { send, rows } = await network();
      const before = await rows();
      const reply = await send({ type: "order", id: "o-1" });
      expectError(reply, 400, "invalid_request");
      expect(reply.text).toContain("items");
      expect(await rows()).toEqual(before);
    });

    it("that is not an object is a 400", async () => {
      const { send } = await network();
      expectError(await send([order("o-1")]), 400, "invalid_request");
    });
  });

  describe("an order in another currency", () => {
    it("is a 422 currency_mismatch, stores nothing, and the same id sent correctly is then processed", async () => {
      const { ana, send, sendOne, rows } = await network();
      const before = await rows();
      const reply = await send(order("order-eur", { code: ana.referralCode, currency: "EUR" }));
      expectError(reply, 422, "currency_mismatch");
      expect(await rows()).toEqual(before);

      const fixed = await sendOne(order("order-eur", { code: ana.referralCode, currency: "USD" }));
      expect(fixed).toMatchObject({ id: "order-eur", status: "processed", attributedTo: ana.id });
    });
  });

  describe("an order naming an unknown participant", () => {
    it("is a 422 unknown_participant and stores nothing", async () => {
      const { send, rows } = await network();
      const before = await rows();
      expectError(await send(order("o-1", { participant: "nobody" })), 422, "unknown_participant");
      expect(await rows()).toEqual(before);
    });
  });

  describe("commissionable value", () => {
    it("never includes shipping or tax", async () => {
      const { ana, ben, sendOne } = await network();
      // 2 × 2500 = 5000 earns 10% = 500 and 3% = 150, however large shipping and tax are.
      const result = await sendOne(
        order("o-1", { participant: "ana", shipping: 100_000, tax: 50_000 }),
      );
      expect(result.commissions).toEqual([
        { participantId: ana.id, level: 1, amount: 500 },
        { participantId: ben.id, level: 2, amount: 150 },
      ]);
    });

    it("is lowered by the discount, spread over the items in proportion", async () => {
      const { ana, ben, sendOne } = await network();
      // Items: SHIRT 2 × 2500 = 5000 and HAT 1 × 1000 = 1000; gross 6000, discount 500.
      // The discount splits 5000:1000 -> 416.67 and 83.33; rounded down to 416 + 83 = 499,
      // the last unit goes to the larger remainder (SHIRT): 417 and 83.
      // Bases: SHIRT 5000 - 417 = 4583, HAT 1000 - 83 = 917 (5500 in all).
      // Level 1, 10% per line, half-up: 458.3 -> 458 and 91.7 -> 92, total 550.
      // Level 2, 3% per line, half-up: 137.49 -> 137 and 27.51 -> 28, total 165.
      const result = await sendOne(
        order("o-1", {
          participant: "ana",
          items: [
            { sku: "SHIRT", quantity: 2, unitAmount: 2500 },
            { sku: "HAT", quantity: 1, unitAmount: 1000 },
          ],
          discount: 500,
        }),
      );
      expect(result.commissions).toEqual([
        { participantId: ana.id, level: 1, amount: 550 },
        { participantId: ben.id, level: 2, amount: 165 },
      ]);
    });
  });

  describe("self-referral", () => {
    it("is not attributed: a customer with the participant's email using their code gets attributedTo null, a reason, and no ledger entries", async () => {
      const { ana, sendOne } = await network();
      const result = await sendOne(
        order("self-1", { code: ana.referralCode, customer: { email: "ANA@example.com" } }),
      );
      expect(result).toMatchObject({
        id: "self-1",
        status: "processed",
        attributedTo: null,
        attribution: { reason: "self_referral", message: expect.stringMatching(/\S/) },
        commissions: [],
      });
      const entries = await api.db.query("select 1 from ledger_entries where event_id = $1", [
        "self-1",
      ]);
      expect(entries).toEqual([]);
    });

    it("is not attributed when the customer id is the participant's external id", async () => {
      const { ana, sendOne } = await network();
      const result = await sendOne(
        order("self-2", { code: ana.referralCode, customer: { id: "ana" } }),
      );
      expect(result).toMatchObject({
        attributedTo: null,
        attribution: { reason: "self_referral" },
      });
    });
  });

  describe("referral clicks", () => {
    const click = (id: string, code: string, occurredAt: string, visitorId = "v-123") => ({
      type: "click",
      id,
      code,
      visitorId,
      occurredAt,
    });

    it("attribute a later order of the same visitor to the last participant clicked (last_click)", async () => {
      const { ana, ben, sendOne } = await network();
      await sendOne(click("clk-1", ana.referralCode, "2026-11-18T10:00:00Z"));
      await sendOne(click("clk-2", ben.referralCode, "2026-11-19T10:00:00Z"));
      const result = await sendOne(order("o-1", { visitorId: "v-123" }));
      expect(result).toMatchObject({ attributedTo: ben.id, attribution: { source: "click" } });
    });

    it("attribute the order to the first participant clicked under first_click", async () => {
      const { ana, ben, sendOne } = await network({
        attribution: { cookieDays: 30, model: "first_click" },
      });
      await sendOne(click("clk-1", ana.referralCode, "2026-11-18T10:00:00Z"));
      await sendOne(click("clk-2", ben.referralCode, "2026-11-19T10:00:00Z"));
      const result = await sendOne(order("o-1", { visitorId: "v-123" }));
      expect(result).toMatchObject({ attributedTo: ana.id, attribution: { source: "click" } });
    });

    it("attribute an order sent in the same batch as the click", async () => {
      const { ana, send } = await network();
      const reply = await send({
        events: [
          click("clk-1", ana.referralCode, "2026-11-19T10:00:00Z"),
          order("o-1", { visitorId: "v-123" }),
        ],
      });
      expect(reply.body.results[1]).toMatchObject({ id: "o-1", attributedTo: ana.id });
    });

    it("do not attribute an order of another visitor", async () => {
      const { ana, sendOne } = await network();
      await sendOne(click("clk-1", ana.referralCode, "2026-11-19T10:00:00Z"));
      const result = await sendOne(order("o-1", { visitorId: "v-other" }));
      expect(result).toMatchObject({ attributedTo: null, attribution: { reason: "no_referrer" } });
    });

    it("do not attribute an order placed after the cookie window closed", async () => {
      const { ana, sendOne } = await network({ attribution: { cookieDays: 7 } });
      await sendOne(click("clk-1", ana.referralCode, "2026-11-01T10:00:00Z"));
      const late = await sendOne(
        order("late", { visitorId: "v-123", occurredAt: "2026-11-09T10:00:00Z" }),
      );
      expect(late).toMatchObject({
        attributedTo: null,
        attribution: { reason: "no_referrer" },
        commissions: [],
      });
      const inTime = await sendOne(
        order("in-time", { visitorId: "v-123", occurredAt: "2026-11-07T10:00:00Z" }),
      );
      expect(inTime.attributedTo).toBe(ana.id);
    });

    it("with an unknown code are a 422 unknown_code", async () => {
      const { send } = await network();
      expectError(
        await send(click("clk-1", "NO-SUCH-CODE", "2026-11-19T10:00:00Z")),
        422,
        "unknown_code",
      );
    });
  });

  describe("bindCustomer", () => {
    it("keeps paying the first referrer for a later order of the same customer without a code", async () => {
      const { ana, ben, sendOne } = await network({ attribution: { bindCustomer: true } });
      const first = await sendOne(
        order("o-1", { code: ana.referralCode, customer: { id: "c-1", email: "c1@example.com" } }),
      );
      expect(first.attributedTo).toBe(ana.id);
      const later = await sendOne(
        order("o-2", { customer: { id: "c-1" }, occurredAt: "2026-11-25T10:00:00Z" }),
      );
      expect(later).toMatchObject({
        attributedTo: ana.id,
        attribution: { source: "customer" },
        commissions: [
          { participantId: ana.id, level: 1, amount: 500 },
          { participantId: ben.id, level: 2, amount: 150 },
        ],
      });
      // Recognised by email too.
      const byEmail = await sendOne(
        order("o-3", { customer: { email: "C1@example.com" }, occurredAt: "2026-11-26T10:00:00Z" }),
      );
      expect(byEmail.attributedTo).toBe(ana.id);
    });

    it("is off by default: a later order without a code is not attributed", async () => {
      const { ana, sendOne } = await network();
      await sendOne(order("o-1", { code: ana.referralCode, customer: { id: "c-1" } }));
      const later = await sendOne(
        order("o-2", { customer: { id: "c-1" }, occurredAt: "2026-11-25T10:00:00Z" }),
      );
      expect(later.attributedTo).toBeNull();
    });
  });

  describe("subscriptions", () => {
    it("every order of a subscription pays whoever its first attributed order paid, whether or not the program binds customers", async () => {
      const { ana, ben, sendOne } = await network();
      const first = await sendOne(
        order("inv-1", { code: ana.referralCode, subscription: "sub-1", customer: { id: "c-1" } }),
      );
      expect(first.attributedTo).toBe(ana.id);
      const renewal = await sendOne(
        order("inv-2", { subscription: "sub-1", occurredAt: "2026-12-20T10:00:00Z" }),
      );
      expect(renewal).toMatchObject({
        attributedTo: ana.id,
        attribution: { source: "customer" },
        commissions: [
          { participantId: ana.id, level: 1, amount: 500 },
          { participantId: ben.id, level: 2, amount: 150 },
        ],
      });
      // The customer alone is not bound: the program does not bind customers.
      const other = await sendOne(
        order("o-3", { customer: { id: "c-1" }, occurredAt: "2026-12-21T10:00:00Z" }),
      );
      expect(other.attributedTo).toBeNull();
    });

    it("a renewal's own code still wins over the subscription's first referrer", async () => {
      const { ana, ben, sendOne } = await network();
      await sendOne(order("inv-1", { code: ana.referralCode, subscription: "sub-2" }));
      const renewal = await sendOne(
        order("inv-2", {
          subscription: "sub-2",
          code: ben.referralCode,
          occurredAt: "2026-12-20T10:00:00Z",
        }),
      );
      expect(renewal).toMatchObject({ attributedTo: ben.id, attribution: { source: "code" } });
    });

    it("a subscription whose first order was not attributed is bound by its first attributed one", async () => {
      const { ana, sendOne } = await network();
      const unattributed = await sendOne(order("inv-1", { subscription: "sub-3" }));
      expect(unattributed.attributedTo).toBeNull();
      await sendOne(
        order("inv-2", {
          subscription: "sub-3",
          code: ana.referralCode,
          occurredAt: "2026-12-20T10:00:00Z",
        }),
      );
      const third = await sendOne(
        order("inv-3", { subscription: "sub-3", occurredAt: "2027-01-20T10:00:00Z" }),
      );
      expect(third.attributedTo).toBe(ana.id);
    });
  });
});
