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
  type EventResultBody,
  type LedgerEntryBody,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

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
      [600, "commission", "order-1"],
      [-600, "refund", "refund-1"],
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

  describe("of an unattributed order", () => {
    it("is processed and reverses nothing", async () => {
      const { sendOne, refund } = await setUp();
      await sendOne(order("order-1"));
      const result = await sendOne(refund("refund-1"));
      expect(result).toMatchObject({ status: "processed", attributedTo: null, commissions: [] });
    });
  });
});
