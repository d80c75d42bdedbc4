// A replay of the program as it is must give exactly what was booked: the
// simulator's figures are only worth reading beside the books if, with
// nothing changed, the two sides are the same to the minor unit.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runDemo } from "../../src/cli/demo.ts";
import { goalInputSchema, type GoalInput } from "../../src/domain/goals.ts";
import { programInputSchema, type ProgramInput } from "../../src/domain/program.ts";
import type { SimulationDraft } from "../../src/domain/simulation.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { simulate } from "../../src/engine/simulate.ts";
import { createGoal } from "../../src/engine/goals.ts";
import { closeGoalWindows } from "../../src/engine/goal-jobs.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
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
import { expectReplayedAsBooked } from "./simulation-support.ts";

const DAY_MS = 86_400_000;

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

// ---------------------------------------------------------------------------
// Random programs and random histories, ingested through the real engine.

// A sponsor tree of six: p0 leads, p1 and p2 under p0, p3 under p1, p4 under
// p3, p5 under p2, so three upline levels can all be paid.
const SPONSOR = [null, 0, 0, 1, 3, 2] as const;
const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2026, 6, 1);
const SKUS = ["SHIRT", "HAT", "MUG"] as const;

interface ProgramSpec {
  timezone: "UTC" | "America/New_York";
  ratePercent: number;
  bySku: "none" | "shirt-percent" | "mug-flat";
  upline: number[];
  uplineBasis: "order" | "commission" | null;
  maxTotalPercent: number | null;
  caps: {
    perOrder: number | null;
    perParticipantMonthly: number | null;
    programMonthly: number | null;
  };
  holdDays: number;
  perSignup: number | null;
  perLead: number | null;
  bindCustomer: boolean;
  cookieDays: number;
  model: "last_click" | "first_click";
  goalGraceHours: 0 | 48;
  refundAbuse: boolean;
  goals: GoalKind[];
  orderSteps: [number, number];
}

type GoalKind = "orders" | "monthly-sales" | "signups" | "shirt-sales";

const programSpec: fc.Arbitrary<ProgramSpec> = fc.record({
  timezone: fc.constantFrom("UTC" as const, "America/New_York" as const),
  ratePercent: fc.integer({ min: 0, max: 300 }).map((n) => n / 10),
  bySku: fc.constantFrom("none" as const, "shirt-percent" as const, "mug-flat" as const),
  upline: fc.array(
    fc.integer({ min: 1, max: 100 }).map((n) => n / 10),
    { maxLength: 3 },
  ),
  uplineBasis: fc.constantFrom(null, "order" as const, "commission" as const),
  maxTotalPercent: fc.option(fc.constantFrom(12, 25), { nil: null }),
  caps: fc.record({
    perOrder: fc.option(fc.integer({ min: 100, max: 3000 }), { nil: null }),
    perParticipantMonthly: fc.option(fc.integer({ min: 500, max: 8000 }), { nil: null }),
    programMonthly: fc.option(fc.integer({ min: 1000, max: 15000 }), { nil: null }),
  }),
  holdDays: fc.integer({ min: 0, max: 40 }),
  perSignup: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  perLead: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  bindCustomer: fc.boolean(),
  cookieDays: fc.integer({ min: 1, max: 30 }),
  model: fc.constantFrom("last_click" as const, "first_click" as const),
  goalGraceHours: fc.constantFrom(0 as const, 48 as const),
  refundAbuse: fc.boolean(),
  goals: fc.subarray(["orders", "monthly-sales", "signups", "shirt-sales"] as GoalKind[], {
    maxLength: 2,
  }),
  orderSteps: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
});

/** The program's settings as POST /v1/programs would store them. */
function programConfig(spec: ProgramSpec, name: string): ProgramInput {
  const caps = Object.fromEntries(Object.entries(spec.caps).filter(([, v]) => v !== null));
  return programInputSchema.parse({
    name,
    currency: "USD",
    timezone: spec.timezone,
    attribution: {
      cookieDays: spec.cookieDays,
      model: spec.model,
      bindCustomer: spec.bindCustomer,
    },
    commission: {
      rate: { percent: spec.ratePercent },
      ...(spec.bySku === "shirt-percent" ? { bySku: { SHIRT: { percent: 20 } } } : {}),
      ...(spec.bySku === "mug-flat" ? { bySku: { MUG: { flat: 150 } } } : {}),
      ...(spec.upline.length > 0 ? { upline: spec.upline.map((percent) => ({ percent })) } : {}),
      ...(spec.uplineBasis ? { uplineBasis: spec.uplineBasis } : {}),
      ...(spec.maxTotalPercent === null ? {} : { maxTotalPercent: spec.maxTotalPercent }),
      ...(Object.keys(caps).length > 0 ? { caps } : {}),
      holdDays: spec.holdDays,
      ...(spec.perSignup === null ? {} : { perSignup: { flat: spec.perSignup } }),
      ...(spec.perLead === null ? {} : { perLead: { flat: spec.perLead } }),
    },
    ...(spec.refundAbuse ? { fraud: { refundAbuse: { orders: 3, maxRefundPercent: 50 } } } : {}),
    goalGraceHours: spec.goalGraceHours,
  });
}

function goalInput(kind: GoalKind, [first, more]: [number, number]): GoalInput {
  switch (kind) {
    case "orders":
      return {
        name: "Orders",
        metric: "order_count",
        steps: [
          { threshold: first, reward: { type: "points", points: 10 } },
          { threshold: first + more, reward: { type: "cash", amount: 500 } },
        ],
      };
    case "monthly-sales":
      return {
        name: "Monthly sales",
        metric: "sales_amount",
        window: { type: "monthly" },
        evaluate: "at_window_end",
        returns: "subtract",
        steps: [
          { threshold: 5000, reward: { type: "cash", amount: 300 } },
          { threshold: 20000, reward: { type: "free_product", sku: "MUG" } },
        ],
      };
    case "signups":
      return {
        name: "Signups",
        metric: "signup_count",
        steps: [{ threshold: 1, reward: { type: "points", points: 5 } }],
      };
    case "shirt-sales":
      return {
        name: "Shirt sales",
        metric: "sku_amount",
        filter: { skus: ["SHIRT"] },
        window: { type: "monthly" },
        returns: "subtract",
        steps: [{ threshold: 3000, reward: { type: "percent_of_value", percent: 5 } }],
      };
  }
}

/** Who an order or conversion names: a participant, a code, a visitor's click, or nobody. */
type Via =
  | { by: "participant"; who: number }
  | { by: "code"; who: number }
  | { by: "visitor"; visitor: number }
  | { by: "none" };

const via: fc.Arbitrary<Via> = fc.oneof(
  fc.record({ by: fc.constant("participant" as const), who: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ by: fc.constant("code" as const), who: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ by: fc.constant("visitor" as const), visitor: fc.integer({ min: 0, max: 4 }) }),
  fc.constant({ by: "none" as const }),
);

type Act =
  | { kind: "click"; gapHours: number; who: number; visitor: number }
  | {
      kind: "order";
      gapHours: number;
      via: Via;
      customer: number;
      items: { sku: (typeof SKUS)[number]; quantity: number; unitAmount: number }[];
      discount: number;
      shipping: number;
      refund: "none" | "whole" | "one" | "amount";
      refundAfterHours: number;
      /** After a partial refund, a later one of everything left. */
      thenWhole: boolean;
      /** The order's webhook is late: its refund is processed first. */
      refundFirst: boolean;
      /** Hours after its first delivery the order comes again; null: once. */
      redeliverAfterHours: number | null;
    }
  | {
      kind: "signup" | "lead";
      gapHours: number;
      via: Via;
      customer: number;
      redeliverAfterHours: number | null;
    };

const gapHours = fc.integer({ min: 0, max: 96 });
const redeliver = fc.option(fc.integer({ min: 0, max: 200 }), { nil: null, freq: 4 });

const act: fc.Arbitrary<Act> = fc.oneof(
  fc.record({
    kind: fc.constant("click" as const),
    gapHours,
    who: fc.integer({ min: 0, max: 5 }),
    visitor: fc.integer({ min: 0, max: 4 }),
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("order" as const),
      gapHours,
      via,
      customer: fc.integer({ min: 0, max: 6 }),
      items: fc.array(
        fc.record({
          sku: fc.constantFrom(...SKUS),
          quantity: fc.integer({ min: 1, max: 3 }),
          unitAmount: fc.integer({ min: 0, max: 20_000 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      discount: fc.integer({ min: 0, max: 2000 }),
      shipping: fc.integer({ min: 0, max: 1000 }),
      refund: fc.constantFrom(
        "none" as const,
        "none" as const,
        "whole" as const,
        "one" as const,
        "amount" as const,
      ),
      refundAfterHours: fc.integer({ min: 1, max: 600 }),
      thenWhole: fc.boolean(),
      refundFirst: fc.boolean(),
      redeliverAfterHours: redeliver,
    }),
  },
  fc.record({
    kind: fc.constantFrom("signup" as const, "lead" as const),
    gapHours,
    via,
    customer: fc.integer({ min: 0, max: 6 }),
    redeliverAfterHours: redeliver,
  }),
);

/** One event as sent, and when it is processed. */
interface Send {
  atMs: number;
  event: Record<string, unknown>;
}

function viaFields(v: Via, code: (i: number) => string): Record<string, unknown> {
  switch (v.by) {
    case "participant":
      return { participant: `p${v.who}` };
    case "code":
      return { code: code(v.who) };
    case "visitor":
      return { visitorId: `v${v.visitor}` };
    case "none":
      return {};
  }
}

/** The acts as events, each with the time it is processed, in processing order. */
function toSends(acts: Act[], code: (i: number) => string): Send[] {
  const sends: Send[] = [];
  let atMs = START_MS;
  acts.forEach((a, n) => {
    atMs += a.gapHours * HOUR_MS + 60_000;
    const occurredAt = new Date(atMs).toISOString();
    const customer = { id: `c${a.kind === "click" ? 0 : a.customer}` };
    switch (a.kind) {
      case "click":
        sends.push({
          atMs,
          event: {
            type: "click",
            id: `click-${n}`,
            occurredAt,
            code: code(a.who),
            visitorId: `v${a.visitor}`,
          },
        });
        return;
      case "signup":
      case "lead": {
        const event = {
          type: a.kind,
          id: `${a.kind}-${n}`,
          occurredAt,
          customer,
          ...viaFields(a.via, code),
        };
        sends.push({ atMs, event });
        if (a.redeliverAfterHours !== null)
          sends.push({ atMs: atMs + a.redeliverAfterHours * HOUR_MS, event });
        return;
      }
      case "order": {
        const order = {
          type: "order",
          id: `order-${n}`,
          occurredAt,
          customer,
          ...viaFields(a.via, code),
          items: a.items,
          discount: a.discount,
          shipping: a.shipping,
        };
        const refundAtMs = atMs + a.refundAfterHours * HOUR_MS;
        const orderAtMs = a.refund !== "none" && a.refundFirst ? refundAtMs + HOUR_MS : atMs;
        sends.push({ atMs: orderAtMs, event: order });
        if (a.redeliverAfterHours !== null)
          sends.push({ atMs: orderAtMs + a.redeliverAfterHours * HOUR_MS, event: order });
        const first = a.items[0];
        const total =
          Math.max(0, a.items.reduce((sum, i) => sum + i.quantity * i.unitAmount, 0) - a.discount) +
          a.shipping;
        const refund = {
          type: "refund",
          id: `refund-${n}`,
          orderId: order.id,
          occurredAt: new Date(refundAtMs).toISOString(),
        };
        if (a.refund === "whole") sends.push({ atMs: refundAtMs, event: refund });
        if (a.refund === "one" && first)
          sends.push({
            atMs: refundAtMs,
            event: { ...refund, items: [{ sku: first.sku, quantity: 1 }] },
          });
        if (a.refund === "amount" && total > 1)
          sends.push({ atMs: refundAtMs, event: { ...refund, amount: Math.floor(total / 3) + 1 } });
        if (a.thenWhole && (a.refund === "one" || a.refund === "amount"))
          sends.push({
            atMs: refundAtMs + a.refundAfterHours * HOUR_MS,
            event: { ...refund, id: `refund-rest-${n}` },
          });
        return;
      }
    }
  });
  // Stable: what is processed at the same moment keeps the order it was made in.
  return sends
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.atMs - b.s.atMs || a.i - b.i)
    .map(({ s }) => s);
}

/**
 * When the scheduler's goal job finds a month closed: early on each of the
 * first days of a month, late enough for any time zone and the grace here.
 */
function goalJobTimes(fromMs: number, toMs: number): number[] {
  const times: number[] = [];
  for (let month = new Date(fromMs); month.getTime() <= toMs + 40 * DAY_MS;) {
    for (let day = 1; day <= 4; day++)
      times.push(Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), day, 6));
    month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
  }
  return times;
}

describeEachBackend("replaying a random history unchanged", (backend) => {
  let db: Database;
  let clockMs = START_MS;
  let services: Services;
  let programs = 0;

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db, { now: () => new Date(clockMs) });
    await insertBrand(db, { id: "brd_replay", name: "replay" });
  });
  afterAll(() => db?.close());

  async function newProgram(spec: ProgramSpec) {
    programs += 1;
    clockMs = START_MS - DAY_MS;
    const config = programConfig(spec, `R${programs}`);
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId: "brd_replay",
      name: config.name,
      currency: config.currency,
      timezone: config.timezone,
      config,
    });
    const code = (i: number) => `REPLAY${programs}X${i}`;
    const ids: string[] = [];
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
        name: `Person ${i}`,
        level: null,
        status: "active",
        sponsorId,
        ancestors,
        referralCode: code(i),
      });
      ids.push(p.id);
    }
    for (const kind of spec.goals) {
      const goal = await createGoal(
        services,
        program,
        goalInputSchema.parse(goalInput(kind, spec.orderSteps)),
      );
      if ("kind" in goal) throw new Error(goal.message);
    }
    return { program, code };
  }

  /**
   * Sends the events as they would have come, the goal job running between
   * them; with a `change`, the program's settings change once on the way,
   * between two batches, as a PATCH would change them. Returns the program
   * as it ends, when it ended, and when it changed.
   */
  async function play(
    first: ProgramRecord,
    sends: Send[],
    batchSizes: number[],
    closesWindows: boolean,
    change: { afterSend: number; spec: ProgramSpec } | null,
  ): Promise<{ program: ProgramRecord; endMs: number; changedMs: number | null }> {
    let program = first;
    let changedMs: number | null = null;
    const lastMs = sends.at(-1)?.atMs ?? START_MS;
    const jobs = closesWindows ? goalJobTimes(START_MS, lastMs) : [];
    let job = 0;
    for (let start = 0, b = 0; start < sends.length; b += 1) {
      const size = batchSizes[b % batchSizes.length] ?? 1;
      const batch = sends.slice(start, start + size);
      const atMs = batch.at(-1)?.atMs ?? clockMs;
      for (; job < jobs.length && (jobs[job] ?? 0) <= atMs; job += 1) {
        clockMs = jobs[job] ?? clockMs;
        await closeGoalWindows(services, program);
      }
      if (change && changedMs === null && start >= change.afterSend && atMs > clockMs + 1) {
        // Between the batch before and this one, never at the instant of either.
        changedMs = clockMs + Math.floor((atMs - clockMs) / 2);
        const config = programConfig(
          { ...change.spec, timezone: first.config.timezone as ProgramSpec["timezone"], goals: [] },
          program.name,
        );
        program = await updateProgram(db, { ...program, config }, new Date(changedMs));
      }
      start += size;
      clockMs = atMs;
      await ingestEvents(
        services,
        program,
        batch.map((s) => s.event),
      );
    }
    for (; job < jobs.length; job += 1) {
      clockMs = jobs[job] ?? clockMs;
      await closeGoalWindows(services, program);
    }
    return { program, endMs: clockMs, changedMs };
  }

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
          const created = await newProgram(spec);
          const sends = toSends(acts, created.code);
          const { program, endMs, changedMs } = await play(
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
          const result = await simulate(services, program, {
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
