import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createServices, type Services } from "../../src/engine/services.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import type { Database } from "../../src/store/db.ts";
import { insertBrand } from "../../src/store/brands.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

// Two referrers, r1 under r0. A signup pays 200 and a lead 70 to the
// referrer, and the sponsor 50% of it.
const PAY = { signup: 200, lead: 70 } as const;

/**
 * A conversion by one of five customers (known by id, the email sometimes
 * too) or nobody. A customer always comes through the same referrer (odd
 * customers through r1), so what their first conversion pays does not
 * depend on which of theirs arrives first.
 */
interface Spec {
  kind: "signup" | "lead";
  customer: number | null;
  withEmail: boolean;
  referrer: 0 | 1;
}

const spec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom("signup" as const, "lead" as const),
  customer: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  withEmail: fc.boolean(),
  referrer: fc.constantFrom(0 as const, 1 as const),
});

const referrerOf = (s: Spec): number => (s.customer === null ? s.referrer : s.customer % 2);

/** How the same events are delivered: a permutation, redeliveries, batch sizes, and how many at once. */
const delivery = (count: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    redeliver: fc.array(fc.integer({ min: 0, max: Math.max(0, count - 1) }), { maxLength: 5 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
    concurrent: fc.integer({ min: 1, max: 3 }),
  });

describeEachBackend("conversions paid once, on a real database", (backend) => {
  let db: Database;
  let services: Services;
  let programs = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db);
    await insertBrand(db, { id: "brd_conv", name: "conversions" });
  });
  afterAll(() => db.close());

  async function newProgram(): Promise<{ program: ProgramRecord; code: (i: number) => string }> {
    programs += 1;
    const config = {
      name: `C${programs}`,
      currency: "USD",
      timezone: "UTC",
      commission: {
        perSignup: { flat: PAY.signup },
        perLead: { flat: PAY.lead },
        upline: [{ percent: 50 }],
        holdDays: 0,
      },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_conv",
      name: config.name,
      currency: "USD",
      timezone: "UTC",
      config,
    });
    const code = (i: number) => `CONV${programs}X${i}`;
    const root = await insertParticipant(db, {
      id: services.ids.next("par"),
      programId: program.id,
      externalId: "r0",
      email: "r0@example.com",
      name: null,
      level: null,
      status: "active",
      sponsorId: null,
      ancestors: [],
      referralCode: code(0),
    });
    await insertParticipant(db, {
      id: services.ids.next("par"),
      programId: program.id,
      externalId: "r1",
      email: "r1@example.com",
      name: null,
      level: null,
      status: "active",
      sponsorId: root.id,
      ancestors: [root.id],
      referralCode: code(1),
    });
    return { program, code };
  }

  const toEvents = (specs: Spec[], code: (i: number) => string) =>
    specs.map((s, n) => ({
      type: s.kind,
      id: `ev-${n}`,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
      code: code(referrerOf(s)),
      ...(s.customer === null
        ? {}
        : {
            customer: {
              id: `c-${s.customer}`,
              ...(s.withEmail ? { email: `c${s.customer}@example.com` } : {}),
            },
          }),
    }));

  /** What the customers' first conversions pay: per kind, once per customer, and once per customer-less event. */
  function expectedPay(specs: Spec[]): number {
    const seen = new Set<string>();
    let total = 0;
    specs.forEach((s, n) => {
      const who = `${s.kind}|${s.customer === null ? `none-${n}` : s.customer}`;
      if (seen.has(who)) return;
      seen.add(who);
      const amount = PAY[s.kind];
      total += amount + (referrerOf(s) === 1 ? amount / 2 : 0);
    });
    return total;
  }

  async function ledgerOf(program: ProgramRecord) {
    const transfers = await db.query<{ total: number }>(
      "select sum(amount_minor)::bigint as total from ledger_entries where program_id = $1 group by transfer_id",
      [program.id],
    );
    for (const t of transfers) expect(t.total, "every transfer balances").toBe(0);
    const paid = await db.query<{ total: number; causes: number; entries: number }>(
      `select coalesce(sum(amount_minor), 0)::bigint as total,
         count(distinct cause_key)::int as causes, count(*)::int as entries
       from ledger_entries
       where program_id = $1 and account = 'participant' and cause_type = 'commission'`,
      [program.id],
    );
    const row = paid[0];
    expect(row?.causes, "no leg booked twice").toBe(row?.entries);
    return row?.total ?? 0;
  }

  it("pays each customer's signup and lead exactly once under any order, redelivery, batching and concurrent delivery, and the ledger balances", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(spec, { minLength: 1, maxLength: 12 })
          .chain((specs) => fc.tuple(fc.constant(specs), delivery(specs.length))),
        async ([specs, plan]) => {
          const { program, code } = await newProgram();
          const events = toEvents(specs, code);
          const sequence = [...plan.order, ...plan.redeliver].map((i) => events[i]);
          const batches: (typeof events)[] = [];
          for (let start = 0, b = 0; start < sequence.length; b += 1) {
            const size = plan.batchSizes[b % plan.batchSizes.length] ?? 1;
            batches.push(sequence.slice(start, start + size) as typeof events);
            start += size;
          }
          // Each batch sent `concurrent` times at once, and batches in pairs at once.
          for (let b = 0; b < batches.length; b += 2) {
            const pair = batches.slice(b, b + 2);
            const results = await Promise.all(
              pair.flatMap((batch) =>
                Array.from({ length: plan.concurrent }, () =>
                  ingestEvents(services, program, batch),
                ),
              ),
            );
            for (const r of results.flat()) expect(["processed", "duplicate"]).toContain(r.status);
          }
          expect(await ledgerOf(program)).toBe(expectedPay(specs));
        },
      ),
      { numRuns: backend.name === "pglite" ? 20 : 15 },
    );
  }, 240_000);
});
