import { describe, expect, it } from "vitest";
import { createProgram, expectError, expectStatus, sendEvents, useApi } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { setUpPayoutProgram, type PayoutBody } from "../support/payouts.ts";

describeEachBackend("payouts", (backend) => {
  const api = useApi(backend);

  async function setUp(minimum = 500) {
    const payouts = await setUpPayoutProgram(api, { minimum });
    const pay = async () => {
      const reply = await api.call<PayoutBody>(
        "POST",
        `/v1/programs/${payouts.program.id}/payouts`,
      );
      expectStatus(reply, 201);
      return reply.body;
    };
    return { ...payouts, pay };
  }

  it("pays every available balance at or over the minimum, and marks it paid", async () => {
    const { ana, ben, sell, pay, cash } = await setUp();
    await sell("o-1", 10_000); // Ana 1000, Ben 300: under the 500 minimum
    const payout = await pay();
    expect(payout.id).toMatch(/^pay_/);
    expect(payout.total).toBe(1000);
    expect(payout.lines).toEqual([
      {
        participantId: ana.id,
        externalId: "ana",
        name: null,
        email: "ana@example.com",
        amount: 1000,
        reference: `${payout.id}-1`,
      },
    ]);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0, paid: 1000 });
    expect(await cash(ben.id)).toMatchObject({ available: 300, paid: 0 });
  });

  it("never pays an entry twice: a second payout has no lines", async () => {
    const { sell, pay } = await setUp();
    await sell("o-1", 10_000);
    await pay();
    const again = await pay();
    expect(again).toMatchObject({ total: 0, lines: [] });
  });

  it("never pays an entry twice when two payouts are asked for at the same moment", async () => {
    const { program, ana, sell, cash } = await setUp(0);
    for (let i = 0; i < 5; i++) await sell(`o-${i}`, 10_000);
    const replies = await Promise.all(
      [1, 2, 3].map(() => api.call<PayoutBody>("POST", `/v1/programs/${program.id}/payouts`)),
    );
    const totals = replies.map((r) => r.body.total).sort((a, b) => a - b);
    expect(totals).toEqual([0, 0, 5000 + 1500]);
    expect(await cash(ana.id)).toMatchObject({ available: 0, paid: 5000 });
  });

  it("nets a refund of a paid line against the next payout", async () => {
    const { program, ana, sell, pay, cash } = await setUp(0);
    await sell("o-1", 10_000);
    await pay();
    const refund = await sendEvents(api, program.id, { type: "refund", id: "r-1", orderId: "o-1" });
    expectStatus(refund, 200);
    expect(await cash(ana.id)).toMatchObject({ available: -1000, paid: 1000 });
    await sell("o-2", 30_000); // Ana earns 3000; 1000 of it repays the refunded line
    const next = await pay();
    expect(next.lines.find((l) => l.participantId === ana.id)?.amount).toBe(2000);
  });

  it("leaves suspended participants out until they are active again", async () => {
    const { program, ana, sell, pay } = await setUp(0);
    await sell("o-1", 10_000);
    await api.call("PATCH", `/v1/programs/${program.id}/participants/${ana.id}`, {
      status: "suspended",
    });
    expect((await pay()).lines.map((l) => l.externalId)).toEqual(["ben"]);
  });

  it("exports CSV with a header row and amounts in major units", async () => {
    const { program, ana, ben, sell, pay } = await setUp(0);
    await sell("o-1", 12_345); // Ana 1235 (1234.5 rounds up), Ben 370 (370.35)
    const payout = await pay();
    const reply = await api.call(
      "GET",
      `/v1/programs/${program.id}/payouts/${payout.id}/export.csv`,
    );
    expectStatus(reply, 200);
    expect(String(reply.headers["content-type"])).toContain("text/csv");
    expect(reply.text).toBe(
      [
        "participant_id,external_id,email,amount,currency,reference",
        `${ana.id},ana,ana@example.com,12.35,USD,${payout.id}-1`,
        `${ben.id},ben,ben@example.com,3.70,USD,${payout.id}-2`,
        "",
      ].join("\r\n"),
    );
  });

  it("reads a payout back, and lists payouts", async () => {
    const { program, sell, pay } = await setUp(0);
    await sell("o-1", 10_000);
    const payout = await pay();
    const read = await api.call<PayoutBody>(
      "GET",
      `/v1/programs/${program.id}/payouts/${payout.id}`,
    );
    expect(read.body).toEqual(payout);
    const list = await api.call<{ items: { id: string }[] }>(
      "GET",
      `/v1/programs/${program.id}/payouts`,
    );
    expect(list.body.items.map((p) => p.id)).toEqual([payout.id]);
  });

  describe("errors", () => {
    it("answers 404 for a payout of another program or brand", async () => {
      const { program, sell, pay } = await setUp(0);
      await sell("o-1", 10_000);
      const payout = await pay();
      const other = await createProgram(api);
      expectError(
        await api.call("GET", `/v1/programs/${other.id}/payouts/${payout.id}`),
        404,
        "not_found",
      );
      expectError(
        await api.call(
          "GET",
          `/v1/programs/${program.id}/payouts/${payout.id}/export.csv`,
          undefined,
          api.otherKey,
        ),
        404,
        "not_found",
      );
    });
  });
});
