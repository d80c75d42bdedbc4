import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { releaseHolds } from "../../src/engine/release-holds.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { balancesOf } from "../../src/store/ledger.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 12);

describeEachBackend("commission holds", (backend) => {
  let db: Database;
  let clock = T0;
  let services: Services;
  let n = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clock) });
    await insertBrand(db, { id: "brd_holds", name: "holds" });
  });
  afterAll(() => db.close());

  /** A program with a 30-day hold; Ana (code) sponsored by Sam; 10% and 5%. */
  async function setUp() {
    n += 1;
    clock = T0;
    const config = {
      name: `H${n}`,
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 30 },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_holds",
      name: config.name,
      currency: "USD",
      timezone: "UTC",
      config,
    });
    const person = async (
      externalId: string,
      sponsor: { id: string; ancestors: string[] } | null,
      code: string,
    ) =>
      insertParticipant(db, {
        id: services.ids.next("par"),
        programId: program.id,
        externalId,
        email: null,
        name: null,
        level: null,
        status: "active",
        sponsorId: sponsor?.id ?? null,
        ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors] : [],
        referralCode: code,
      });
    const sam = await person("sam", null, `SAM${n}H`);
    const ana = await person("ana", sam, `ANA${n}H`);
    const send = async (events: Record<string, unknown>[]) => {
      const results = await ingestEvents(services, program, events);
      for (const r of results) expect(r.status, JSON.stringify(r)).toBe("processed");
    };
    const order = (id: string, atMs: number) => ({
      type: "order",
      id,
      occurredAt: new Date(atMs).toISOString(),
      code: ana.referralCode,
      items: [{ sku: "A", quantity: 2, unitAmount: 5000 }],
    });
    const cash = async (participantId: string) =>
      (await balancesOf(db, program.id, participantId, "USD")).cash;
    return { program, ana, sam, send, order, cash };
  }

  const release = (program: ProgramRecord) => releaseHolds(services, program);

  it("makes a commission available once its hold is over, exactly once", async () => {
    const { program, ana, sam, send, order, cash } = await setUp();
    await send([order("o-1", T0)]);
    clock = T0 + 30 * DAY - 1;
    await release(program);
    expect(await cash(ana.id)).toMatchObject({ pending: 1000, available: 0 });

    clock = T0 + 30 * DAY;
    await release(program);
    await release(program);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 1000 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 500 });
    const rows = await db.query<{ n: number }>(
      "select count(*)::int as n from ledger_entries where program_id = $1 and cause_type = 'release'",
      [program.id],
    );
    expect(rows[0]?.n).toBe(4); // two levels, each out of pending and into available
  });

  it("lets a refund inside the hold cancel the line before it is ever available", async () => {
    const { program, ana, send, order, cash } = await setUp();
    await send([order("o-1", T0)]);
    clock = T0 + DAY;
    await send([
      { type: "refund", id: "r-1", orderId: "o-1", occurredAt: new Date(clock).toISOString() },
    ]);
    clock = T0 + 40 * DAY;
    await release(program);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 0 });
    const rows = await db.query<{ n: number }>(
      "select count(*)::int as n from ledger_entries where program_id = $1 and cause_type = 'release'",
      [program.id],
    );
    expect(rows[0]?.n).toBe(0);
  });

  it("releases only what a partial refund inside the hold left", async () => {
    const { program, ana, send, order, cash } = await setUp();
    await send([order("o-1", T0)]);
    await send([{ type: "refund", id: "r-1", orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }]);
    clock = T0 + 30 * DAY;
    await release(program);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 500 });
  });

  it("takes a refund after the release back from available", async () => {
    const { program, ana, sam, send, order, cash } = await setUp();
    await send([order("o-1", T0)]);
    clock = T0 + 31 * DAY;
    await release(program);
    await send([{ type: "refund", id: "r-1", orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }]);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 500 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 250 });
  });

  it("catches up after downtime: everything due is released by one run", async () => {
    const { program, ana, send, order, cash } = await setUp();
    await send([order("o-1", T0)]);
    clock = T0 + 5 * DAY;
    await send([order("o-2", clock)]);
    clock = T0 + 60 * DAY;
    await send([order("o-3", clock)]);
    await releaseDueHolds(services);
    expect(await cash(ana.id)).toMatchObject({ pending: 1000, available: 2000 });
  });

  it("counts the hold from booking when the order is older", async () => {
    const { program, ana, send, order, cash } = await setUp();
    clock = T0 + 100 * DAY;
    await send([order("o-old", T0)]);
    await release(program);
    expect(await cash(ana.id)).toMatchObject({ pending: 1000, available: 0 });
  });

  it("pages through orders booked in the same instant by order id, releasing each once", async () => {
    const { program, ana, sam, send, order, cash } = await setUp();
    // One batch of events: every order is booked, and so due, at the same instant.
    await send(Array.from({ length: 30 }, (_, i) => order(`o-${i}`, T0)));
    clock = T0 + 30 * DAY;
    expect(await releaseHolds(services, program, { batchSize: 7 })).toBe(60);
    expect(await releaseHolds(services, program, { batchSize: 7 })).toBe(0);
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 30 * 1000 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 30 * 500 });
  });

  describe("run by two servers at once", () => {
    it("still releases each line once", async () => {
      const { program, ana, send, order, cash } = await setUp();
      await send(Array.from({ length: 30 }, (_, i) => order(`o-${i}`, T0 + i * 1000)));
      clock = T0 + 31 * DAY;
      await Promise.all([release(program), release(program), releaseDueHolds(services)]);
      expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 30 * 1000 });
    });
  });
});
