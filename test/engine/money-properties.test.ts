import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPayout } from "../../src/engine/create-payout.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { releaseHolds } from "../../src/engine/release-holds.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

const DAY = 86_400_000;

type Step =
  | { kind: "order"; seller: number; quantity: number; unitAmount: number }
  | { kind: "refund"; order: number; quantity: number | null; early: boolean }
  | { kind: "wait"; days: number }
  | { kind: "payout" };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("order" as const),
      seller: fc.integer({ min: 0, max: 3 }),
      quantity: fc.integer({ min: 1, max: 3 }),
      unitAmount: fc.integer({ min: 1, max: 20_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("refund" as const),
      order: fc.integer({ min: 0, max: 12 }),
      quantity: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      early: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      days: fc.integer({ min: 1, max: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("payout" as const) }) },
);

describeEachBackend("money flow properties", (backend) => {
  let db: Database;
  let clock = Date.UTC(2026, 10, 1);
  let services: Services;
  let programs = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clock) });
    await insertBrand(db, { id: "brd_money", name: "money" });
  });
  afterAll(() => db.close());

  async function newProgram(): Promise<{ program: ProgramRecord; codes: string[] }> {
    programs += 1;
    const config = {
      name: `M${programs}`,
      currency: "USD",
      timezone: "UTC",
      commission: {
        rate: { percent: 15 },
        upline: [{ percent: 5 }, { percent: 5 }],
        holdDays: 10,
        maxTotalPercent: 20,
        caps: { perOrder: 5000 },
      },
      payouts: { minimum: 300 },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_money",
      name: config.name,
      currency: "USD",
      timezone: "UTC",
      config,
    });
    const codes: string[] = [];
    let sponsor: { id: string; ancestors: string[] } | null = null;
    for (let i = 0; i < 4; i++) {
      const p = await insertParticipant(db, {
        id: services.ids.next("par"),
        programId: program.id,
        externalId: `m${i}`,
        email: null,
        name: null,
        level: null,
        status: "active",
        sponsorId: sponsor?.id ?? null,
        ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors] : [],
        referralCode: `MONEY${programs}X${i}`,
      });
      sponsor = { id: p.id, ancestors: p.ancestors };
      codes.push(p.referralCode);
    }
    return { program, codes };
  }

  /** Checks the ledger from first principles; fails the property on the first broken rule. */
  async function audit(program: ProgramRecord): Promise<void> {
    const sums = await db.query<{ asset: string; total: number }>(
      "select asset, sum(amount_minor)::bigint as total from ledger_entries where program_id = $1 group by asset",
      [program.id],
    );
    for (const s of sums) expect(s.total, `${s.asset} entries sum to zero`).toBe(0);
    const transfers = await db.query<{ transfer_id: string; total: number }>(
      "select transfer_id, sum(amount_minor)::bigint as total from ledger_entries where program_id = $1 group by transfer_id having sum(amount_minor) <> 0",
      [program.id],
    );
    expect(transfers, "every transfer balances").toEqual([]);
    // Balances are explained: what a participant holds in every bucket is what
    // they earned less what refunds took back; releases and payouts only move it.
    const explained = await db.query<{ participant_id: string; held: number; earned: number }>(
      `select participant_id, sum(amount_minor)::bigint as held,
         sum(amount_minor) filter (where cause_type in ('commission', 'refund', 'review'))::bigint as earned
       from ledger_entries where program_id = $1 and account = 'participant' group by participant_id`,
      [program.id],
    );
    for (const e of explained) expect(e.held).toBe(e.earned);
    const paidTwice = await db.query<{ n: number }>(
      `select count(*)::int as n from (select participant_id, payout_id from payout_lines where program_id = $1
       group by participant_id, payout_id having count(*) > 1) d`,
      [program.id],
    );
    expect(paidTwice[0]?.n).toBe(0);
    const paid = await db.query<{ ledger: number; lines: number }>(
      `select (select coalesce(sum(amount_minor), 0) from ledger_entries where program_id = $1 and account = 'participant' and bucket = 'paid')::bigint as ledger,
              (select coalesce(sum(amount_minor), 0) from payout_lines where program_id = $1)::bigint as lines`,
      [program.id],
    );
    expect(paid[0]?.ledger, "paid is what the payouts paid").toBe(paid[0]?.lines);
    const overCap = await db.query<{ order_id: string }>(
      `select o.order_id from orders o join ledger_entries l on l.program_id = o.program_id and l.order_id = o.order_id
       where o.program_id = $1 and l.cause_type = 'commission' and l.account = 'participant'
       group by o.order_id, o.commissionable_minor having sum(l.amount_minor) * 100 > o.commissionable_minor * 20
         or sum(l.amount_minor) > 5000`,
      [program.id],
    );
    expect(overCap, "no order pays more than maxTotalPercent or the per-order cap").toEqual([]);
  }

  it("keeps the ledger balanced, explained and never paid twice through any mix of orders, refunds, releases and payouts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        clock = Date.UTC(2026, 10, 1);
        const { program, codes } = await newProgram();
        let orders = 0;
        for (const [n, s] of steps.entries()) {
          if (s.kind === "order") {
            const event = {
              type: "order",
              id: `o-${orders}`,
              occurredAt: new Date(clock).toISOString(),
              code: codes[s.seller],
              items: [{ sku: "A", quantity: s.quantity, unitAmount: s.unitAmount }],
            };
            orders += 1;
            await ingestEvents(services, program, [event, event]);
          } else if (s.kind === "refund") {
            // Early refunds name an order that may come later; either way at most what is left is taken.
            const target = s.early ? s.order : Math.min(s.order, Math.max(0, orders - 1));
            await ingestEvents(services, program, [
              {
                type: "refund",
                id: `r-${n}`,
                orderId: `o-${target}`,
                ...(s.quantity === null ? {} : { items: [{ sku: "A", quantity: s.quantity }] }),
              },
            ]);
          } else if (s.kind === "wait") {
            clock += s.days * DAY;
            await releaseHolds(services, program);
          } else {
            await Promise.all([createPayout(services, program), createPayout(services, program)]);
          }
          await audit(program);
        }
      }),
      { numRuns: backend.name === "pglite" ? 15 : 10 },
    );
  }, 240_000);
});
