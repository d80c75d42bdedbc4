import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createServices, type Services } from "../../src/engine/services.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import type { Database } from "../../src/store/db.ts";
import { insertBrand } from "../../src/store/brands.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

// A sponsor tree of six: p0 leads, p1 and p2 under p0, p3 under p1, p4 under
// p3, p5 under p2. Index i's sponsor is SPONSOR[i].
const SPONSOR = [null, 0, 0, 1, 3, 2] as const;

interface OrderSpec {
  seller: number | null;
  items: { sku: "SHIRT" | "HAT" | "MUG"; quantity: number; unitAmount: number }[];
  discount: number;
  shipping: number;
  customer: number;
  /** A refund of this order: none, the whole order, or one unit of its first item. */
  refund: "none" | "whole" | "one";
}

const orderSpec: fc.Arbitrary<OrderSpec> = fc.record({
  seller: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  items: fc.array(
    fc.record({
      sku: fc.constantFrom("SHIRT" as const, "HAT" as const, "MUG" as const),
      quantity: fc.integer({ min: 1, max: 4 }),
      unitAmount: fc.integer({ min: 0, max: 20_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  discount: fc.integer({ min: 0, max: 3000 }),
  shipping: fc.integer({ min: 0, max: 1500 }),
  customer: fc.integer({ min: 0, max: 8 }),
  refund: fc.constantFrom("none" as const, "whole" as const, "one" as const),
});

/** How the same events are delivered: a permutation, redeliveries, and batch sizes. */
const delivery = (count: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
    redeliver: fc.array(fc.integer({ min: 0, max: Math.max(0, count - 1) }), { maxLength: 5 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
  });

describeEachBackend("ledger and delivery properties", (backend) => {
  let db: Database;
  let services: Services;
  let programs = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db);
    await insertBrand(db, { id: "brd_props", name: "props" });
  });
  afterAll(() => db.close());

  async function newProgram(): Promise<{
    program: ProgramRecord;
    code: (i: number) => string;
    idOf: Map<string, string>;
  }> {
    programs += 1;
    const config = {
      name: `P${programs}`,
      currency: "USD",
      timezone: "UTC",
      commission: {
        rate: { percent: 10 },
        bySku: { SHIRT: { percent: 20 }, MUG: { flat: 150 } },
        upline: [{ percent: 3 }, { percent: 1.5 }, { percent: 1 }],
        maxTotalPercent: 25,
      },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_props",
      name: config.name,
      currency: "USD",
      timezone: "UTC",
      config,
    });
    const code = (i: number) => `PROP${programs}X${i}`;
    const ids: string[] = [];
    const idOf = new Map<string, string>();
    for (const [i, sponsor] of SPONSOR.entries()) {
      const sponsorId = sponsor === null ? null : (ids[sponsor] ?? null);
      const ancestors: string[] = [];
      for (let s: number | null = sponsor; s !== null; s = SPONSOR[s] ?? null)
        ancestors.push(ids[s] ?? "");
      const p = await insertParticipant(db, {
        id: services.ids.next("par"),
        programId: program.id,
        externalId: `p${i}`,
        email: `p${i}@example.com`,
        name: null,
        level: null,
        status: "active",
        sponsorId,
        ancestors,
        referralCode: code(i),
      });
      ids.push(p.id);
      idOf.set(p.id, `p${i}`);
    }
    return { program, code, idOf };
  }

  /** The orders, then their refunds; delivery may put a refund before its order. */
  function toEvents(specs: OrderSpec[], code: (i: number) => string): Record<string, unknown>[] {
    const orders = specs.map((s, n) => ({
      type: "order" as const,
      id: `order-${n}`,
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
      customer: { id: `c-${s.customer}` },
      ...(s.seller === null ? {} : { code: code(s.seller) }),
      items: s.items,
      discount: s.discount,
      shipping: s.shipping,
    }));
    const refunds = specs.flatMap((s, n) => {
      const first = s.items[0];
      if (s.refund === "none" || !first) return [];
      return [
        {
          type: "refund" as const,
          id: `refund-${n}`,
          orderId: `order-${n}`,
          occurredAt: new Date(Date.UTC(2026, 10, 2, 0, n)).toISOString(),
          ...(s.refund === "one" ? { items: [{ sku: first.sku, quantity: 1 }] } : {}),
        },
      ];
    });
    return [...orders, ...refunds];
  }

  /** Balances by external id, summed from the ledger; also checks every asset sums to zero. */
  async function balances(program: ProgramRecord, idOf: Map<string, string>) {
    const zero = await db.query<{ asset: string; total: number }>(
      "select asset, sum(amount_minor)::bigint as total from ledger_entries where program_id = $1 group by asset",
      [program.id],
    );
    for (const row of zero) expect(row.total, `${row.asset} sums to zero`).toBe(0);
    const rows = await db.query<{ participant_id: string; total: number }>(
      `select participant_id, sum(amount_minor)::bigint as total from ledger_entries
       where program_id = $1 and account = 'participant' group by participant_id`,
      [program.id],
    );
    return Object.fromEntries(rows.map((r) => [idOf.get(r.participant_id), r.total]));
  }

  it("gives the same balances for any order of delivery (refunds before their orders too), any redelivery and any batching, and the ledger sums to zero", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(orderSpec, { minLength: 1, maxLength: 12 })
          .chain((specs) =>
            fc.tuple(
              fc.constant(specs),
              delivery(specs.length + specs.filter((s) => s.refund !== "none").length),
            ),
          ),
        async ([specs, plan]) => {
          const reference = await newProgram();
          await ingestEvents(services, reference.program, toEvents(specs, reference.code));
          const expected = await balances(reference.program, reference.idOf);

          const shuffled = await newProgram();
          const events = toEvents(specs, shuffled.code);
          const sequence = [...plan.order, ...plan.redeliver].map((i) => events[i]);
          for (let start = 0, b = 0; start < sequence.length; b += 1) {
            const size = plan.batchSizes[b % plan.batchSizes.length] ?? 1;
            const results = await ingestEvents(
              services,
              shuffled.program,
              sequence.slice(start, start + size),
            );
            for (const r of results) expect(["processed", "duplicate"]).toContain(r.status);
            start += size;
          }
          expect(await balances(shuffled.program, shuffled.idOf)).toEqual(expected);
        },
      ),
      { numRuns: backend.name === "pglite" ? 25 : 15 },
    );
  }, 120_000);

  // Redelivery races with the first delivery in real webhooks; the inbox's
  // unique key and row locks must still book each commission exactly once.
  it("books an event once when the same batch arrives several times at once", async () => {
    const { program, code, idOf } = await newProgram();
    const events = toEvents(
      [...Array(20).keys()].map((n) => ({
        seller: n % 6,
        items: [{ sku: "HAT" as const, quantity: 1, unitAmount: 1000 + n }],
        discount: 0,
        shipping: 0,
        refund: "none" as const,
        customer: n % 3,
      })),
      code,
    );
    const deliveries = await Promise.all(
      [1, 2, 3, 4].map(() => ingestEvents(services, program, events)),
    );
    for (const [i] of events.entries()) {
      const statuses = deliveries.map((d) => d[i]?.status).sort();
      expect(statuses.filter((s) => s === "processed")).toHaveLength(1);
      expect(statuses.filter((s) => s === "duplicate")).toHaveLength(3);
    }
    const entries = await db.query<{ n: number }>(
      "select count(*)::bigint as n from ledger_entries where program_id = $1 and cause_type = 'commission' and level = 1 and account = 'participant'",
      [program.id],
    );
    expect(entries[0]?.n).toBe(20);
    expect(Object.keys(await balances(program, idOf)).length).toBeGreaterThan(0);
  });

  // Two refunds of the same order at the same moment must not both see it
  // unrefunded: together they can take back the commission once, no more.
  it("reverses at most the order's commission when two whole-order refunds arrive at once", async () => {
    const { program, code, idOf } = await newProgram();
    const [placed] = toEvents(
      [
        {
          seller: 4,
          items: [{ sku: "HAT", quantity: 3, unitAmount: 3000 }],
          discount: 0,
          shipping: 0,
          customer: 1,
          refund: "none",
        },
      ],
      code,
    );
    await ingestEvents(services, program, [placed]);
    const refund = (id: string) => ({
      type: "refund",
      id,
      orderId: "order-0",
      occurredAt: "2026-11-05T00:00:00Z",
    });
    const results = await Promise.all([
      ingestEvents(services, program, [refund("r-1")]),
      ingestEvents(services, program, [refund("r-2")]),
    ]);
    expect(results.map((r) => r[0]?.status).sort()).toEqual(["processed", "rejected"]);
    const left = await balances(program, idOf);
    for (const [who, amount] of Object.entries(left))
      expect(amount, `${who} is back to zero`).toBe(0);
  });

  // An order and its early refund racing must not leave the refund waiting forever.
  it("applies a refund that arrives at the same moment as its order", async () => {
    const { program, code, idOf } = await newProgram();
    const events = toEvents(
      [
        {
          seller: 2,
          items: [{ sku: "MUG", quantity: 1, unitAmount: 4000 }],
          discount: 0,
          shipping: 0,
          customer: 1,
          refund: "whole",
        },
      ],
      code,
    );
    await Promise.all(events.map((e) => ingestEvents(services, program, [e])));
    const left = await balances(program, idOf);
    for (const [who, amount] of Object.entries(left))
      expect(amount, `${who} is back to zero`).toBe(0);
  });
});
