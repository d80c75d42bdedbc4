import { readFile } from "node:fs/promises";
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
  type BalancesBody,
  type ErrorBody,
  type EventResultBody,
  type LedgerEntryBody,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal, progressOf } from "../support/goals.ts";

/** The error a reply carries; expectError has checked its shape. */
const errorOf = (reply: { body: unknown }) => (reply.body as ErrorBody).error;

describeEachBackend("refunds", (backend) => {
  const api = useApi(backend);

  /**
   * Ana, sponsored by Ben; 10% to the seller, 3% to the sponsor. An order of
   * two shirts at 25.00 and a hat at 10.00 with Ana's code pays Ana 600 (500 +
   * 100) and Ben 180 (150 + 30).
   */
  async function setUp() {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
    });
    const ben = await createParticipant(api, program.id, { externalId: "ben" });
    const ana = await createParticipant(api, program.id, { externalId: "ana", sponsor: "ben" });
    const send = (body: unknown) => sendEvents(api, program.id, body);
    const sendOne = async (event: unknown): Promise<EventResultBody> => {
      const reply = await send(event);
      expectStatus(reply, 200);
      return only(reply.body.results);
    };
    const shirtsAndHat = order("order-1", {
      code: ana.referralCode,
      items: [
        { sku: "SHIRT", quantity: 2, unitAmount: 2500 },
        { sku: "HAT", quantity: 1, unitAmount: 1000 },
      ],
    });
    const cash = async (participantId: string) => {
      const reply = await api.call<BalancesBody>(
        "GET",
        `/v1/programs/${program.id}/participants/${participantId}/balances`,
      );
      expectStatus(reply, 200);
      return reply.body.cash.pending;
    };
    const refund = (id: string, fields: Record<string, unknown> = {}) => ({
      type: "refund",
      id,
      orderId: "order-1",
      occurredAt: "2026-11-21T10:00:00Z",
      ...fields,
    });
    return { program, ana, ben, send, sendOne, shirtsAndHat, cash, refund };
  }

  it("of one shirt of two reverses half the shirt's commission at every level", async () => {
    const { ana, ben, sendOne, shirtsAndHat, cash, refund } = await setUp();
    await sendOne(shirtsAndHat);
    const result = await sendOne(refund("refund-1", { items: [{ sku: "SHIRT", quantity: 1 }] }));
    expect(result).toMatchObject({
      status: "processed",
      attributedTo: ana.id,
      commissions: [
        { participantId: ana.id, level: 1, amount: -250 },
        { participantId: ben.id, level: 2, amount: -75 },
      ],
      refund: { orderId: "order-1", state: "applied", valueMinor: 2500 },
    });
    expect(await cash(ana.id)).toBe(600 - 250);
    expect(await cash(ben.id)).toBe(180 - 75);
  });

  it("of the whole order (no items) reverses everything that is left", async () => {
    const { ana, ben, sendOne, shirtsAndHat, cash, refund } = await setUp();
    await sendOne(shirtsAndHat);
    await sendOne(refund("refund-1", { items: [{ sku: "SHIRT", quantity: 1 }] }));
    await sendOne(refund("refund-2"));
    expect(await cash(ana.id)).toBe(0);
    expect(await cash(ben.id)).toBe(0);
  });

  it("names its cause on the ledger as a refund entry", async () => {
    const { program, ana, sendOne, shirtsAndHat, refund } = await setUp();
    await sendOne(shirtsAndHat);
    await sendOne(refund("refund-1"));
    const ledger = await api.call<Collection<LedgerEntryBody>>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}/ledger`,
    );
    expect(ledger.body.items.map((e) => [e.amount, e.cause.type, e.cause.eventId])).toEqual([
      [-600, "refund", "refund-1"],
      [600, "commission", "order-1"],
    ]);
  });

  it("of more than is left is a 422 that says how much is left, and changes nothing", async () => {
    const { program, ana, send, sendOne, shirtsAndHat, cash, refund } = await setUp();
    await sendOne(shirtsAndHat);
    await sendOne(refund("refund-1", { items: [{ sku: "SHIRT", quantity: 1 }] }));
    const entries = await countRows(api.db, "ledger_entries", program.id);
    const reply = await send(refund("refund-2", { items: [{ sku: "SHIRT", quantity: 2 }] }));
    expectError(reply, 422, "refund_exceeds_order");
    expect(JSON.stringify(reply.body)).toContain("1 left to refund");
    expect(await countRows(api.db, "ledger_entries", program.id)).toBe(entries);
    expect(await countRows(api.db, "refunds", program.id)).toBe(1);
    expect(await cash(ana.id)).toBe(350);
  });

  it("of more than is left is `rejected` alone in a batch", async () => {
    const { send, sendOne, shirtsAndHat, refund } = await setUp();
    await sendOne(shirtsAndHat);
    const reply = await send({
      events: [
        refund("refund-1", { items: [{ sku: "HAT", quantity: 2 }] }),
        refund("refund-2", { items: [{ sku: "HAT", quantity: 1 }] }),
      ],
    });
    expectStatus(reply, 200);
    expect(reply.body.results.map((r) => [r.status, r.error?.code])).toEqual([
      ["rejected", "refund_exceeds_order"],
      ["processed", undefined],
    ]);
  });

  it("that arrives before its order is kept, and applied when the order arrives", async () => {
    const { ana, ben, sendOne, shirtsAndHat, cash, refund } = await setUp();
    const early = await sendOne(refund("refund-1", { items: [{ sku: "HAT", quantity: 1 }] }));
    expect(early).toMatchObject({ status: "processed", refund: { state: "waiting_for_order" } });
    await sendOne(shirtsAndHat);
    expect(await cash(ana.id)).toBe(600 - 100);
    expect(await cash(ben.id)).toBe(180 - 30);
  });

  it("that arrives before its order in the same batch is applied too", async () => {
    const { ana, send, shirtsAndHat, cash, refund } = await setUp();
    const reply = await send({ events: [refund("refund-1"), shirtsAndHat] });
    expectStatus(reply, 200);
    expect(await cash(ana.id)).toBe(0);
  });

  it("redelivered is a duplicate and reverses nothing twice", async () => {
    const { ana, sendOne, shirtsAndHat, cash, refund } = await setUp();
    await sendOne(shirtsAndHat);
    const first = await sendOne(refund("refund-1", { items: [{ sku: "SHIRT", quantity: 1 }] }));
    const again = await sendOne(refund("refund-1", { items: [{ sku: "SHIRT", quantity: 1 }] }));
    expect(again).toEqual({ ...first, status: "duplicate" });
    expect(await cash(ana.id)).toBe(350);
  });

  describe("by amount", () => {
    /**
     * The same order with 8.00 shipping and 12.00 tax: the customer paid
     * 80.00, of which 60.00 is commissionable.
     */
    async function setUpCharged() {
      const fixture = await setUp();
      const charged = { ...fixture.shirtsAndHat, shipping: 800, tax: 1200 };
      const ledgerSum = async () => {
        const rows = await api.db.query<{ total: number }>(
          `select coalesce(sum(amount_minor), 0)::bigint as total from ledger_entries
           where program_id = $1 and account = 'participant'`,
          [fixture.program.id],
        );
        return rows[0]?.total;
      };
      return { ...fixture, charged, ledgerSum };
    }

    it("of a quarter of what the customer paid reverses a quarter of every commission line", async () => {
      const { ana, ben, sendOne, charged, cash, refund } = await setUpCharged();
      await sendOne(charged);
      const result = await sendOne(refund("refund-1", { amount: 2000 }));
      expect(result).toMatchObject({
        status: "processed",
        attributedTo: ana.id,
        // Ana: 500 / 4 + 100 / 4; Ben: 150 / 4 = 37.5 up to 38, 30 / 4 = 7.5 up to 8.
        commissions: [
          { participantId: ana.id, level: 1, amount: -150 },
          { participantId: ben.id, level: 2, amount: -46 },
        ],
        refund: { orderId: "order-1", state: "applied", valueMinor: 1500 },
      });
      expect(await cash(ana.id)).toBe(600 - 150);
      expect(await cash(ben.id)).toBe(180 - 46);
    });

    it("in parts summing to the total takes back every commission exactly, not a cent more", async () => {
      const { ana, ben, sendOne, charged, cash, refund, ledgerSum } = await setUpCharged();
      await sendOne(charged);
      for (const [id, amount] of [
        ["refund-1", 2667],
        ["refund-2", 2667],
        ["refund-3", 2666],
      ] as const)
        await sendOne(refund(id, { amount }));
      expect(await cash(ana.id)).toBe(0);
      expect(await cash(ben.id)).toBe(0);
      expect(await ledgerSum()).toBe(0);
    });

    it("lowers sales progress by the same share of the commissionable value, and leaves the units sold", async () => {
      const { program, ana, sendOne, charged, refund } = await setUpCharged();
      const goal = (name: string, metric: string, filter?: unknown) =>
        createGoal(api, program.id, {
          name,
          metric,
          ...(filter === undefined ? {} : { filter }),
          window: { type: "lifetime" },
          steps: [{ threshold: 1_000_000, reward: { type: "points", points: 1 } }],
          returns: "subtract",
        });
      const sales = await goal("Sales", "sales_amount");
      const shirts = await goal("Shirts", "sku_quantity", { skus: ["SHIRT"] });
      const orders = await goal("Orders", "order_count");
      const values = async () => {
        const progress = await progressOf(api, program.id, ana.id);
        const value = (id: string) => progress.find((p) => p.goalId === id)?.value;
        return [value(sales.id), value(shirts.id), value(orders.id)];
      };
      await sendOne(charged);
      await sendOne(refund("refund-1", { amount: 2000 }));
      expect(await values()).toEqual([6000 - 1500, 2, 1]);
      // The rest of the total: nothing of the order is left, so it stops counting as an order.
      await sendOne(refund("refund-2", { amount: 6000 }));
      expect(await values()).toEqual([0, 2, 0]);
    });

    it("of more than is left of the total is a 422 that says how much is left, and changes nothing", async () => {
      const { program, ana, send, sendOne, charged, cash, refund } = await setUpCharged();
      await sendOne(charged);
      await sendOne(refund("refund-1", { amount: 6000 }));
      const entries = await countRows(api.db, "ledger_entries", program.id);
      const reply = await send(refund("refund-2", { amount: 2500 }));
      expectError(reply, 422, "refund_exceeds_order");
      expect(errorOf(reply).message).toContain("2500 asked of its total, 2000 left to refund");
      expect(await countRows(api.db, "ledger_entries", program.id)).toBe(entries);
      expect(await countRows(api.db, "refunds", program.id)).toBe(1);
      expect(await cash(ana.id)).toBe(150);
    });

    it("of more than is left of the total is `rejected` alone in a batch", async () => {
      const { send, sendOne, charged, refund } = await setUpCharged();
      await sendOne(charged);
      const reply = await send({
        events: [refund("refund-1", { amount: 8001 }), refund("refund-2", { amount: 8000 })],
      });
      expectStatus(reply, 200);
      expect(reply.body.results.map((r) => [r.status, r.error?.code])).toEqual([
        ["rejected", "refund_exceeds_order"],
        ["processed", undefined],
      ]);
    });

    it("of an order whose total is 0 finds nothing to refund", async () => {
      const { send, sendOne, refund, ana } = await setUpCharged();
      await sendOne(
        order("order-1", {
          code: ana.referralCode,
          items: [{ sku: "PIN", quantity: 1, unitAmount: 0 }],
        }),
      );
      const reply = await send(refund("refund-1", { amount: 1 }));
      expectError(reply, 422, "refund_exceeds_order");
      expect(errorOf(reply).message).toContain("0 left to refund");
    });

    it("with items too is a 400 that says to send one or the other, and `rejected` alone in a batch", async () => {
      const { program, send, sendOne, charged, refund } = await setUpCharged();
      await sendOne(charged);
      const both = refund("refund-1", { amount: 100, items: [{ sku: "HAT", quantity: 1 }] });
      const reply = await send(both);
      expectError(reply, 400, "invalid_request");
      expect(errorOf(reply).message).toContain("send one or the other");
      expect(errorOf(reply).details).toEqual([
        { path: "amount", message: expect.stringContaining("items or an amount, not both") },
      ]);
      const batch = await send({ events: [both, refund("refund-2", { amount: 100 })] });
      expectStatus(batch, 200);
      expect(batch.body.results.map((r) => [r.status, r.error?.code])).toEqual([
        ["rejected", "invalid_event"],
        ["processed", undefined],
      ]);
      expect(await countRows(api.db, "refunds", program.id)).toBe(1);
    });

    it.each([[0], [-500], [12.5]])("of %s is invalid", async (amount) => {
      const { send, sendOne, charged, refund } = await setUpCharged();
      await sendOne(charged);
      const reply = await send({ events: [refund("refund-1", { amount })] });
      expectStatus(reply, 200);
      expect(reply.body.results).toEqual([
        expect.objectContaining({
          status: "rejected",
          error: expect.objectContaining({
            code: "invalid_event",
            details: [expect.objectContaining({ path: "amount" })],
          }),
        }),
      ]);
    });

    it("that arrives before its order waits, and is applied when the order arrives", async () => {
      const { ana, ben, sendOne, charged, cash, refund } = await setUpCharged();
      const early = await sendOne(refund("refund-1", { amount: 2000 }));
      expect(early).toMatchObject({
        status: "processed",
        refund: { state: "waiting_for_order", valueMinor: 0 },
      });
      await sendOne(charged);
      expect(await cash(ana.id)).toBe(600 - 150);
      expect(await cash(ben.id)).toBe(180 - 46);
    });

    it("that wait for their order take no more than its total between them", async () => {
      const { program, ana, ben, send, charged, cash, refund, ledgerSum } = await setUpCharged();
      const reply = await send({
        events: [refund("refund-1", { amount: 6000 }), refund("refund-2", { amount: 6000 })],
      });
      expectStatus(reply, 200);
      await send(charged);
      expect(await cash(ana.id)).toBe(0);
      expect(await cash(ben.id)).toBe(0);
      expect(await ledgerSum()).toBe(0);
      const stored = await api.db.query<{ refund_id: string; applied_amount_minor: number }>(
        "select refund_id, applied_amount_minor from refunds where program_id = $1 order by refund_id",
        [program.id],
      );
      expect(stored).toEqual([
        { refund_id: "refund-1", applied_amount_minor: 6000 },
        { refund_id: "refund-2", applied_amount_minor: 2000 },
      ]);
    });

    it("then by items, then whole, takes back exactly every commission once", async () => {
      const { ana, ben, send, sendOne, charged, cash, refund, ledgerSum } = await setUpCharged();
      await sendOne(charged);
      await sendOne(refund("refund-1", { amount: 2000 }));
      // A quarter of the shirts by amount and one of two by units: three quarters of the shirt lines.
      const shirt = await sendOne(refund("refund-2", { items: [{ sku: "SHIRT", quantity: 1 }] }));
      expect(shirt.commissions).toEqual([
        { participantId: ana.id, level: 1, amount: -(375 - 125) },
        { participantId: ben.id, level: 2, amount: -(113 - 38) },
      ]);
      const rest = await sendOne(refund("refund-3"));
      expect(rest.commissions).toEqual([
        { participantId: ana.id, level: 1, amount: -(600 - 150 - 250) },
        { participantId: ben.id, level: 2, amount: -(180 - 46 - 75) },
      ]);
      expect(await cash(ana.id)).toBe(0);
      expect(await cash(ben.id)).toBe(0);
      expect(await ledgerSum()).toBe(0);
      expectError(await send(refund("refund-4")), 422, "refund_exceeds_order");
      expectError(await send(refund("refund-5", { amount: 1 })), 422, "refund_exceeds_order");
    });

    it("of an order stored before shipping and tax were kept counts them from the order as sent", async () => {
      const { program, ana, sendOne, charged, cash, refund } = await setUpCharged();
      await sendOne(charged);
      await api.db.query(
        "update orders set shipping_minor = 0, tax_minor = 0 where program_id = $1",
        [program.id],
      );
      const migration = await readFile(
        new URL("../../src/store/migrations/0011_refund_amounts.sql", import.meta.url),
        "utf8",
      );
      const backfill = migration.split(/;\s*$/m).find((s) => s.includes("update orders"));
      await api.db.query(backfill ?? "select 1");
      await sendOne(refund("refund-1", { amount: 2000 }));
      expect(await cash(ana.id)).toBe(600 - 150);
    });
  });

  describe("of an unattributed order", () => {
    it("is processed and reverses nothing", async () => {
      const { sendOne, refund } = await setUp();
      await sendOne(order("order-1"));
      const result = await sendOne(refund("refund-1"));
      expect(result).toMatchObject({ status: "processed", attributedTo: null, commissions: [] });
    });
  });
});
