// A replay of the program as it is must give exactly what was booked: the
// simulator's figures are only worth reading beside the books if, with
// nothing changed, the two sides are the same to the minor unit.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo.ts";
import { programInputSchema } from "../../src/domain/program.ts";
import type { SimulationDraft } from "../../src/domain/simulation.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { simulate } from "../../src/engine/simulate.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import {
  findProgramById,
  insertProgram,
  updateProgram,
  type ProgramRecord,
} from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";
import {
  act,
  DAY_MS,
  HistoryPlayer,
  programSpec,
  START_MS,
  toSends,
} from "./simulation-histories.ts";
import { expectReplayedAsBooked } from "./simulation-support.ts";

/** The program as it is, over [fromMs, toMs): no change, no goal added or replaced. */
const unchanged = (program: ProgramRecord, fromMs: number, toMs: number): SimulationDraft => ({
  fromMs,
  toMs,
  program: program.config,
  goals: [],
  replaceGoals: false,
});

describeEachBackend("replaying the demo history unchanged", (backend) => {
  // The demo's own clock: its 90 days of history end here.
  const NOW = new Date("2025-06-01T12:00:00Z");
  let db: Database;
  let services: Services;
  let program: ProgramRecord;
  let bookedCash: number;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => NOW });
    const demo = await runDemo(services, () => undefined);
    if (demo.status !== "created") throw new Error("the demo found an existing program");
    bookedCash = demo.commissionsMinor;
    const found = await findProgramById(db, demo.programId);
    if (!found) throw new Error("the demo program is missing");
    program = found;
  }, 180_000);
  afterAll(() => db?.close());

  it("gives exactly the booked figures over the whole history", async () => {
    const result = await simulate(
      services,
      program,
      unchanged(program, NOW.getTime() - 91 * DAY_MS, NOW.getTime()),
    );
    // The books this replay is held to are the ledger's: every cash leg the
    // demo booked is a commission or a cash reward of the period.
    expect(result.actual.commissions).toBeGreaterThan(0);
    expect(result.actual.commissions + result.actual.rewards.cash).toBe(bookedCash);
    expect(result.actual.commissionsByLevel.map((l) => l.level)).toEqual([1, 2, 3]);
    expect(result.actual.rewards.points).toBeGreaterThan(0);
    expectReplayedAsBooked(result);
  }, 120_000);

  it("gives exactly the booked figures over a period that starts mid-history", async () => {
    const result = await simulate(
      services,
      program,
      unchanged(program, NOW.getTime() - 45 * DAY_MS, NOW.getTime()),
    );
    expect(result.actual.commissions).toBeGreaterThan(0);
    expect(result.actual.commissions).toBeLessThan(bookedCash);
    expectReplayedAsBooked(result);
  }, 120_000);

  it("gives exactly the booked figures over a period that starts and ends mid-history", async () => {
    const result = await simulate(
      services,
      program,
      unchanged(program, NOW.getTime() - 60 * DAY_MS, NOW.getTime() - 20 * DAY_MS),
    );
    expect(result.actual.commissions).toBeGreaterThan(0);
    expectReplayedAsBooked(result);
  }, 120_000);
});

describeEachBackend("replaying a random history unchanged", (backend) => {
  let db: Database;
  let player: HistoryPlayer;

  beforeAll(async () => {
    db = await openMigrated(backend);
    await insertBrand(db, { id: "brd_replay", name: "replay" });
    player = new HistoryPlayer(db, "brd_replay", "REPLAY");
  });
  afterAll(() => db?.close());

  let paid = 0;
  let rewarded = 0;

  it("gives exactly the booked figures for any program and history, over any period after its last change", async () => {
    await fc.assert(
      fc.asyncProperty(
        programSpec,
        fc.array(act, { minLength: 3, maxLength: 40, size: "max" }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
        fc.option(fc.record({ afterSend: fc.nat({ max: 60 }), spec: programSpec }), {
          nil: null,
        }),
        fc.tuple(fc.nat(), fc.nat()),
        async (spec, acts, batchSizes, change, [a, b]) => {
          const created = await player.newProgram(spec);
          const sends = toSends(acts, created.code);
          const { program, endMs, changedMs } = await player.play(
            created.program,
            sends,
            batchSizes,
            spec.goals.includes("monthly-sales"),
            change,
          );
          // The period's edges: the start, any moment something happened or
          // was processed, or the end; after the change of settings, if any,
          // since an unchanged draft is the program as it is now.
          const edges = [
            START_MS - DAY_MS,
            ...sends.flatMap((s) => [s.atMs, Date.parse(String(s.event.occurredAt))]),
            endMs + DAY_MS,
          ]
            .map((ms) => (changedMs === null ? ms : Math.max(ms, changedMs)))
            .sort((x, y) => x - y);
          const [fromMs, toMs] = [edges[a % edges.length] ?? 0, edges[b % edges.length] ?? 0].sort(
            (x, y) => x - y,
          ) as [number, number];
          const result = await simulate(player.services, program, {
            fromMs,
            toMs: toMs === fromMs ? toMs + 1 : toMs,
            program: program.config,
            goals: [],
            replaceGoals: false,
          });
          if (result.actual.commissions !== 0) paid += 1;
          if (result.actual.rewardsByGoal.some((g) => g.grants > 0)) rewarded += 1;
          expectReplayedAsBooked(result);
        },
      ),
      // To replay a failure, add the seed and path fast-check printed:
      // { numRuns: 25, seed: 0, path: "0", endOnFailure: true },
      {
        numRuns: backend.name === "pglite" ? 25 : 15,
        // A fixed seed: so few runs do not always reach a reward, and the
        // check below that some did must not depend on the draw.
        seed: 20261202,
        // A failure is shrunk for at most this long, so its counterexample
        // is printed before the test's own timeout hides it.
        plugins: [fc.interruptAfterTimeLimit(150_000, { failOnInterrupt: true })],
      },
    );
    // The histories were not all empty of money: some periods paid, some rewarded.
    expect(paid).toBeGreaterThan(0);
    expect(rewarded).toBeGreaterThan(0);
  }, 240_000);
});

describeEachBackend("replaying after customers stop being bound", (backend) => {
  let db: Database;
  let clockMs = START_MS;
  let services: Services;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clockMs) });
    await insertBrand(db, { id: "brd_bind", name: "bindings" });
  });
  afterAll(() => db?.close());

  // The customer Ana's own order bound stays stored when the program stops
  // binding customers, but no later order may pay her through it.
  it("pays nothing through a binding made while customers were bound", async () => {
    const bound = programInputSchema.parse({
      name: "Bound",
      currency: "USD",
      attribution: { bindCustomer: true },
      commission: { rate: { percent: 10 } },
    });
    let program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_bind",
      name: bound.name,
      currency: bound.currency,
      timezone: bound.timezone,
      config: bound,
    });
    await insertParticipant(db, {
      id: services.ids.next("par"),
      programId: program.id,
      externalId: "ana",
      email: "ana@example.com",
      name: "Ana",
      level: null,
      status: "active",
      sponsorId: null,
      ancestors: [],
      referralCode: "BINDANA",
    });
    const items = [{ sku: "SHIRT", quantity: 1, unitAmount: 10_000 }];
    clockMs = Date.UTC(2026, 6, 1, 10);
    const first = await ingestEvents(services, program, [
      {
        type: "order",
        id: "first",
        occurredAt: new Date(clockMs).toISOString(),
        code: "BINDANA",
        customer: { id: "c1" },
        items,
      },
    ]);
    expect(first[0]?.status).toBe("processed");

    const changedMs = Date.UTC(2026, 6, 2);
    program = await updateProgram(
      db,
      { ...program, config: { ...bound, attribution: { bindCustomer: false } } },
      new Date(changedMs),
    );
    clockMs = Date.UTC(2026, 6, 3, 10);
    const later = await ingestEvents(services, program, [
      {
        type: "order",
        id: "later",
        occurredAt: new Date(clockMs).toISOString(),
        customer: { id: "c1" },
        items,
      },
    ]);
    expect(later[0]).toMatchObject({ status: "processed", commissions: [] });

    clockMs = Date.UTC(2026, 6, 10);
    const result = await simulate(services, program, {
      fromMs: changedMs,
      toMs: clockMs,
      program: program.config,
      goals: [],
      replaceGoals: false,
    });
    expect(result.actual.commissions).toBe(0);
    expectReplayedAsBooked(result);
  });
});
