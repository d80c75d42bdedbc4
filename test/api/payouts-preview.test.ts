import { describe, expect, it } from "vitest";
import { countRows, expectError, expectStatus, useApi, type ErrorBody } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { setUpPayoutProgram, type PayoutBody } from "../support/payouts.ts";

interface PreviewBody {
  currency: string;
  total: number;
  count: number;
  minimum: number;
  belowMinimum: number;
  lines: {
    participantId: string;
    externalId: string;
    name: string | null;
    email: string | null;
    amount: number;
  }[];
}

describeEachBackend("payout preview and paying what was seen", (backend) => {
  const api = useApi(backend);
  const payoutCount = async (programId: string) =>
    (
      await api.db.query<{ n: number }>(
        "select count(*)::int as n from payouts where program_id = $1",
        [programId],
      )
    )[0]?.n;

  /** Ana Lima, sponsored by Ben Ortiz, sells in a program that pays at once (test/support/payouts.ts). */
  async function setUp(minimum = 500) {
    const payouts = await setUpPayoutProgram(api, {
      minimum,
      names: { ana: "Ana Lima", ben: "Ben Ortiz" },
    });
    const { program } = payouts;
    const preview = async () => {
      const reply = await api.call<PreviewBody>(
        "GET",
        `/v1/programs/${program.id}/payouts/preview`,
      );
      expectStatus(reply, 200);
      return reply.body;
    };
    const pay = <T = PayoutBody>(body?: unknown) =>
      api.call<T>("POST", `/v1/programs/${program.id}/payouts`, body);
    return { ...payouts, preview, pay };
  }

  it("previews who a payout would pay, with names, and how many are under the minimum, writing nothing", async () => {
    const { program, ana, sell, preview, cash } = await setUp();
    await sell("o-1", 10_000); // Ana 1000, Ben 300: under the 500 minimum
    const ledgerBefore = await countRows(api.db, "ledger_entries", program.id);
    expect(await preview()).toEqual({
      currency: "USD",
      total: 1000,
      count: 1,
      minimum: 500,
      belowMinimum: 1,
      lines: [
        {
          participantId: ana.id,
          externalId: "ana",
          name: "Ana Lima",
          email: "ana@example.com",
          amount: 1000,
        },
      ],
    });
    expect(await countRows(api.db, "ledger_entries", program.id)).toBe(ledgerBefore);
    expect(await payoutCount(program.id)).toBe(0);
    expect(await cash(ana.id)).toMatchObject({ available: 1000, paid: 0 });
  });

  it("pays exactly what the preview showed, and then the preview shows nothing due", async () => {
    const { sell, preview, pay } = await setUp(0);
    await sell("o-1", 10_000);
    const seen = await preview();
    const paid = await pay({
      expect: {
        total: seen.total,
        count: seen.count,
        lines: seen.lines.map((l) => ({ participantId: l.participantId, amount: l.amount })),
      },
    });
    expectStatus(paid, 201);
    expect(paid.body.total).toBe(1300);
    expect(paid.body.lines.map((l) => [l.name, l.amount])).toEqual([
      ["Ana Lima", 1000],
      ["Ben Ortiz", 300],
    ]);
    expect(await preview()).toMatchObject({ total: 0, count: 0, belowMinimum: 0, lines: [] });
  });

  it("refuses with a 409 saying what changed when more became due after the preview, and pays nothing", async () => {
    const { program, ana, sell, preview, pay, cash } = await setUp(0);
    await sell("o-1", 10_000);
    const seen = await preview();
    await sell("o-2", 20_000); // Ana now has 3000 available, Ben 900
    const refused = await pay<ErrorBody>({ expect: { total: seen.total, count: seen.count } });
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toMatch(
      /39\.00 USD to 2 participants is due now, not 13\.00 USD/,
    );
    expect(await payoutCount(program.id)).toBe(0);
    expect(await cash(ana.id)).toMatchObject({ available: 3000, paid: 0 });
  });

  it("refuses when the total matches but a line moved from one participant to another", async () => {
    const { program, ana, ben, sell, pay } = await setUp(0);
    await sell("o-1", 10_000); // Ana 1000, Ben 300
    const refused = await pay<ErrorBody>({
      expect: {
        total: 1300,
        count: 2,
        lines: [
          { participantId: ana.id, amount: 900 },
          { participantId: ben.id, amount: 400 },
        ],
      },
    });
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toContain("ana is due 10.00 USD, not 9.00 USD");
    expect(await payoutCount(program.id)).toBe(0);
  });

  it("refuses to pay when nothing is due but something was expected", async () => {
    const { program, pay } = await setUp();
    const refused = await pay<ErrorBody>({ expect: { total: 500, count: 1 } });
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toContain("0.00 USD to 0 participants is due now");
    expect(await payoutCount(program.id)).toBe(0);
  });

  it("still pays without a body, as before", async () => {
    const { sell, pay } = await setUp(0);
    await sell("o-1", 10_000);
    const paid = await pay();
    expectStatus(paid, 201);
    expect(paid.body.total).toBe(1300);
  });

  describe("errors", () => {
    it("answers 400 for an expectation of the wrong shape, naming the field", async () => {
      const { pay } = await setUp();
      const reply = await pay({ expect: { total: "13.00", count: 1 } });
      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).toContain("expect.total");
    });

    it("answers 404 for the preview of another brand's program", async () => {
      const { program } = await setUp();
      expectError(
        await api.call(
          "GET",
          `/v1/programs/${program.id}/payouts/preview`,
          undefined,
          api.otherKey,
        ),
        404,
        "not_found",
      );
    });
  });
});
