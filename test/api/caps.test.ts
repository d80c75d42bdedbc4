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

describeEachBackend("commission caps", (backend) => {
  const api = useApi(backend);

  async function setUp(caps: Record<string, number>) {
    const program = await createProgram(api, {
      timezone: "America/New_York",
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], caps },
    });
    const sam = await createParticipant(api, program.id, { externalId: "sam" });
    const ana = await createParticipant(api, program.id, { externalId: "ana", sponsor: "sam" });
    const sell = async (id: string, amount: number, at = "2026-11-10T15:00:00Z") => {
      const reply = await sendEvents(
        api,
        program.id,
        order(id, {
          code: ana.referralCode,
          occurredAt: at,
          items: [{ sku: "A", quantity: 1, unitAmount: amount }],
        }),
      );
      expectStatus(reply, 200);
      return only(reply.body.results);
    };
    return { program, sam, ana, sell };
  }

  it("caps all commissions of one order together, and records the cut with its cap", async () => {
    const { ana, sam, sell } = await setUp({ perOrder: 1000 });
    // Uncapped: Ana 10% of 20000 = 2000, Sam 5% = 1000; capped to 1000 in proportion.
    const result = await sell("o-1", 20_000);
    expect(result.commissions).toEqual([
      { participantId: ana.id, level: 1, amount: 667 },
      { participantId: sam.id, level: 2, amount: 333 },
    ]);
    expect(result.cuts).toEqual([{ rule: "per_order", beforeMinor: 3000, afterMinor: 1000 }]);
  });

  it("caps each participant per calendar month in the program's time zone, and starts again next month", async () => {
    const { ana, sell } = await setUp({ perParticipantMonthly: 1500 });
    await sell("o-1", 10_000); // Ana 1000
    const second = await sell("o-2", 10_000); // Ana has 500 of room left
    expect(second.commissions?.find((c) => c.participantId === ana.id)?.amount).toBe(500);
    expect(second.cuts).toEqual([
      {
        rule: "per_participant_monthly",
        participantId: ana.id,
        beforeMinor: 1000,
        afterMinor: 500,
      },
    ]);
    // 2026-12-01T03:00Z is still November in New York: no room.
    const lateNovember = await sell("o-3", 10_000, "2026-12-01T03:00:00Z");
    expect(lateNovember.commissions?.find((c) => c.participantId === ana.id)).toBeUndefined();
    const december = await sell("o-4", 10_000, "2026-12-01T06:00:00Z");
    expect(december.commissions?.find((c) => c.participantId === ana.id)?.amount).toBe(1000);
  });

  it("caps the program per month, and an order over the cap still counts as a sale", async () => {
    const { program, sell } = await setUp({ programMonthly: 2000 });
    await sell("o-1", 10_000); // 1000 + 500
    const over = await sell("o-2", 10_000); // 500 of room left for 1500
    expect(over.commissions?.reduce((a, c) => a + c.amount, 0)).toBe(500);
    const third = await sell("o-3", 10_000);
    expect(third).toMatchObject({ status: "processed", commissions: [] });
    const orders = await api.db.query<{ n: number }>(
      "select count(*)::int as n from orders where program_id = $1 and participant_id is not null",
      [program.id],
    );
    expect(orders[0]?.n).toBe(3);
  });

  it("applies a cap changed by PATCH to the next event, without a restart", async () => {
    const { program, ana, sell } = await setUp({ perOrder: 100_000 });
    expect(
      (await sell("o-1", 10_000)).commissions?.find((c) => c.participantId === ana.id)?.amount,
    ).toBe(1000);
    const patched = await api.call("PATCH", `/v1/programs/${program.id}`, {
      commission: { caps: { perOrder: 300 } },
    });
    expectStatus(patched, 200);
    expect((await sell("o-2", 10_000)).commissions?.reduce((a, c) => a + c.amount, 0)).toBe(300);
  });

  it("lets two concurrent batches never pass a participant's monthly cap together", async () => {
    const { program, ana, sell } = await setUp({ perParticipantMonthly: 2500 });
    await sell("warm", 1); // creates nothing meaningful, makes sure everything exists
    const batch = (prefix: string) =>
      sendEvents(api, program.id, {
        events: Array.from({ length: 5 }, (_, i) =>
          order(`${prefix}-${i}`, {
            code: ana.referralCode,
            occurredAt: "2026-11-11T15:00:00Z",
            items: [{ sku: "A", quantity: 1, unitAmount: 10_000 }],
          }),
        ),
      });
    await Promise.all([batch("a"), batch("b"), batch("c")]);
    const booked = await api.db.query<{ total: number }>(
      "select coalesce(sum(amount_minor), 0)::bigint as total from ledger_entries where program_id = $1 and participant_id = $2 and cause_type = 'commission'",
      [program.id, ana.id],
    );
    expect(booked[0]?.total).toBe(2500);
  });
});
