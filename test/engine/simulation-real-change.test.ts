// What a draft would have paid is only worth trusting if, for a change that
// was really made, it says what that change really paid. Two programs with
// the same people and goals receive the same events; halfway one of them
// changes its rate, upline, caps and a goal, the other does not. Replaying the
// unchanged one through the same change must give the changed one's books.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { seededRandom } from "../../src/cli/seeded-random.ts";
import type { SimulationDraft, SimulationResult } from "../../src/domain/simulation.ts";
import { goalInputSchema } from "../../src/domain/goals.ts";
import type { ActiveGoal } from "../../src/domain/goal-progress.ts";
import { closeGoalWindows } from "../../src/engine/goal-jobs.ts";
import { changeGoal, createGoal as createLiveGoal } from "../../src/engine/goals.ts";
import { simulate } from "../../src/engine/simulate.ts";
import { readSimulationRequest, simulationDraftOf } from "../../src/engine/simulation-draft.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { listGoals } from "../../src/store/goals.ts";
import { findProgramById, type ProgramRecord } from "../../src/store/programs.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Api,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";
import { createGoal, type GoalBody } from "../support/goals.ts";
import {
  act,
  GOAL_KINDS,
  goalInput,
  HistoryPlayer,
  programSpec,
  toSends,
} from "./simulation-histories.ts";
import { expectReplayedAsBooked, portable } from "./simulation-support.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const START_MS = Date.UTC(2026, 8, 1);
/** When the change is made: mid-September, so a month's cap and goal straddle it. */
const CHANGE_MS = Date.UTC(2026, 8, 16, 12);
const END_MS = Date.UTC(2026, 9, 20);
/** When the scheduler's goal job closes September's window. */
const SEPTEMBER_CLOSED_MS = Date.UTC(2026, 9, 1, 0, 5);

// Ana leads; Ben under her, Cy under Ben, Dee under Cy; Eve under Ana, Fay
// under Eve; Gil on his own. Three upline levels can be paid.
const PEOPLE = [
  ["ana", null],
  ["ben", "ana"],
  ["cy", "ben"],
  ["dee", "cy"],
  ["eve", "ana"],
  ["fay", "eve"],
  ["gil", null],
] as const;
type Person = (typeof PEOPLE)[number][0];

const PROGRAM = {
  currency: "USD",
  timezone: "UTC",
  commission: { rate: { percent: 10 }, holdDays: 14, perSignup: { flat: 300 } },
};

/** The change: 12% instead of 10%, two upline levels paid, and a monthly cap per participant. */
const CHANGE = {
  commission: {
    rate: { percent: 12 },
    upline: [{ percent: 3 }, { percent: 1 }],
    caps: { perParticipantMonthly: 9000 },
  },
};

const MILESTONES = {
  name: "Order milestones",
  metric: "order_count",
  steps: [
    { threshold: 3, reward: { type: "points", points: 50 } },
    { threshold: 8, reward: { type: "cash", amount: 1000 } },
  ],
};
/** The goal's change: its first step comes one order sooner, its second pays more. */
const MILESTONE_STEPS = [
  { threshold: 2, reward: { type: "points", points: 50 } },
  { threshold: 8, reward: { type: "cash", amount: 1500 } },
];
const MONTHLY_SALES = {
  name: "Monthly sales",
  metric: "sales_amount",
  window: { type: "monthly" },
  evaluate: "at_window_end",
  steps: [
    { threshold: 20_000, reward: { type: "cash", amount: 500 } },
    { threshold: 60_000, reward: { type: "free_product", sku: "MUG" } },
  ],
};

const CATALOGUE = [
  { sku: "SHIRT", unitAmount: 2800 },
  { sku: "HAT", unitAmount: 2200 },
  { sku: "HOODIE", unitAmount: 6400 },
  { sku: "MUG", unitAmount: 1600 },
] as const;

/** One event of the history, made for a program (referral codes are the program's own). */
interface Planned {
  atMs: number;
  make(codeOf: (who: Person) => string): Record<string, unknown>;
}

/**
 * About 150 events from September 1 to October 20: orders naming their
 * seller, typing their code or following a referral click, refunds whole, of
 * a unit and of an amount (some of orders from before the change), and
 * signups. Nothing falls in the hour of the change, so what happened before
 * it was also dated before it.
 */
function history(): Planned[] {
  const rand = seededRandom(0x5eed);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(rand() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  };
  const sellers: Person[] = ["ana", "ben", "cy", "dee", "dee", "eve", "fay", "fay", "gil"];
  const planned: Planned[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  const clear = (ms: number) => Math.abs(ms - CHANGE_MS) > HOUR_MS && ms < END_MS - HOUR_MS;
  for (let n = 0; n < 110; n++) {
    const atMs = START_MS + Math.floor(rand() * (END_MS - START_MS - 2 * DAY_MS));
    if (!clear(atMs)) continue;
    const seller = pick(sellers);
    const x = rand();
    if (x < 0.15) {
      const customer = { id: `s${Math.floor(rand() * 30)}` };
      planned.push({
        atMs,
        make: (codeOf) => ({
          type: "signup",
          id: `signup-${n}`,
          occurredAt: at(atMs),
          code: codeOf(seller),
          customer,
        }),
      });
      continue;
    }
    const items = CATALOGUE.filter(() => rand() < 0.4).map((c) => ({
      ...c,
      quantity: 1 + Math.floor(rand() * 3),
    }));
    if (items.length === 0) items.push({ ...CATALOGUE[0], quantity: 1 });
    const discount = rand() < 0.2 ? 500 : 0;
    const customer = { id: `c${Math.floor(rand() * 20)}` };
    const how = rand();
    const visitorId = `v${n}`;
    if (how >= 0.7) {
      const clickMs = atMs - HOUR_MS - Math.floor(rand() * 2 * DAY_MS);
      if (clickMs > START_MS && clear(clickMs))
        planned.push({
          atMs: clickMs,
          make: (codeOf) => ({
            type: "click",
            id: `click-${n}`,
            occurredAt: at(clickMs),
            code: codeOf(seller),
            visitorId,
          }),
        });
    }
    planned.push({
      atMs,
      make: (codeOf) => ({
        type: "order",
        id: `order-${n}`,
        occurredAt: at(atMs),
        customer,
        ...(how < 0.4
          ? { participant: seller }
          : how < 0.7
            ? { code: codeOf(seller) }
            : { visitorId }),
        items,
        discount,
        shipping: 695,
      }),
    });
    const refund = rand();
    if (refund < 0.25) {
      const refundMs = atMs + HOUR_MS + Math.floor(rand() * 10 * DAY_MS);
      if (!clear(refundMs)) continue;
      const first = items[0];
      const body =
        refund < 0.1
          ? {}
          : refund < 0.18 && first
            ? { items: [{ sku: first.sku, quantity: 1 }] }
            : { amount: 1000 };
      planned.push({
        atMs: refundMs,
        make: () => ({
          type: "refund",
          id: `refund-${n}`,
          orderId: `order-${n}`,
          occurredAt: at(refundMs),
          ...body,
        }),
      });
    }
  }
  return planned.sort((a, b) => a.atMs - b.atMs);
}

describeEachBackend("a draft identical to a later real change", (backend) => {
  let clockMs = START_MS - DAY_MS;
  const api: Api = useApi(backend, { now: () => new Date(clockMs) });

  interface Twin {
    body: ProgramBody;
    codes: Map<string, string>;
    milestones: GoalBody;
    /** Goal id to name, so two programs' goals compare. */
    goalNames: Map<string, string>;
  }

  async function twin(name: string): Promise<Twin> {
    const body = await createProgram(api, { name, ...PROGRAM });
    const codes = new Map<string, string>();
    for (const [externalId, sponsor] of PEOPLE) {
      const p = await createParticipant(api, body.id, {
        externalId,
        name: externalId.toUpperCase(),
        ...(sponsor ? { sponsor } : {}),
      });
      codes.set(externalId, p.referralCode);
    }
    const milestones = await createGoal(api, body.id, MILESTONES);
    const monthly = await createGoal(api, body.id, MONTHLY_SALES);
    return {
      body,
      codes,
      milestones,
      goalNames: new Map([
        [milestones.id, MILESTONES.name],
        [monthly.id, MONTHLY_SALES.name],
      ]),
    };
  }

  const record = async (twin: Twin): Promise<ProgramRecord> => {
    const found = await findProgramById(api.db, twin.body.id);
    if (!found) throw new Error(`program ${twin.body.id} is missing`);
    return found;
  };

  let unchanged: Twin;
  let changed: Twin;
  /** The unchanged program replayed through the change, from the moment it was made. */
  let drafted: SimulationResult;
  /** The changed program's own books over the same period, by an unchanged replay. */
  let booked: SimulationResult;

  beforeAll(async () => {
    unchanged = await twin("Unchanged");
    changed = await twin("Changed");

    const send = async (twin: Twin, event: Planned) => {
      const reply = await sendEvents(
        api,
        twin.body.id,
        event.make((who) => twin.codes.get(who) ?? "missing"),
      );
      expectStatus(reply, 200);
    };
    let changeMade = false;
    let septemberClosed = false;
    for (const event of history()) {
      if (!changeMade && event.atMs > CHANGE_MS) {
        clockMs = CHANGE_MS;
        const patched = await api.call("PATCH", `/v1/programs/${changed.body.id}`, CHANGE);
        expectStatus(patched, 200);
        const goal = await api.call(
          "PATCH",
          `/v1/programs/${changed.body.id}/goals/${changed.milestones.id}`,
          { steps: MILESTONE_STEPS },
        );
        expectStatus(goal, 200);
        changeMade = true;
      }
      if (!septemberClosed && event.atMs > SEPTEMBER_CLOSED_MS) {
        clockMs = SEPTEMBER_CLOSED_MS;
        expect(await closeGoalWindows(api.services, await record(unchanged))).toBeGreaterThan(0);
        expect(await closeGoalWindows(api.services, await record(changed))).toBeGreaterThan(0);
        septemberClosed = true;
      }
      clockMs = event.atMs;
      await send(unchanged, event);
      await send(changed, event);
    }
    expect(changeMade && septemberClosed).toBe(true);
    clockMs = END_MS + DAY_MS;

    const request = readSimulationRequest({
      from: new Date(CHANGE_MS).toISOString(),
      to: new Date(END_MS).toISOString(),
      program: CHANGE,
      goals: [{ ...MILESTONES, id: unchanged.milestones.id, steps: MILESTONE_STEPS }],
    });
    if (!request.ok) throw new Error(request.message);
    const draft = await simulationDraftOf(api.services, await record(unchanged), request.request);
    if (!draft.ok) throw new Error(draft.message);
    drafted = await simulate(api.services, await record(unchanged), draft.draft);
    const asItIs: SimulationDraft = {
      fromMs: CHANGE_MS,
      toMs: END_MS,
      program: (await record(changed)).config,
      goals: [],
      replaceGoals: false,
    };
    booked = await simulate(api.services, await record(changed), asItIs);
  }, 240_000);

  it("gives what that change really produced, figure by figure", () => {
    expect(portable(drafted.simulated, unchanged.goalNames)).toEqual(
      portable(booked.actual, changed.goalNames),
    );
  });

  it("differs from the unchanged books by what the change made", () => {
    const delta = drafted.delta;
    expect(delta.commissions).toBe(booked.actual.commissions - drafted.actual.commissions);
    // The change paid more commissions, to more upline levels, and more for the goal's second step.
    expect(delta.commissions).toBeGreaterThan(0);
    expect(drafted.actual.commissionsByLevel.map((l) => l.level)).toEqual([1]);
    expect(drafted.simulated.commissionsByLevel.map((l) => l.level)).toEqual([1, 2, 3]);
    expect(delta.rewards.cash).toBeGreaterThan(0);
    expect(delta.sales).toBe(0);
    expect(delta.gainers.length).toBeGreaterThan(0);
  });

  // The changed program's own history holds a change of settings and of a
  // goal: replayed as it is, it must still give its books.
  it("replays the changed program itself, across its change, as booked", () => {
    expectReplayedAsBooked(booked);
  });
});

describeEachBackend("the steps a goal's change grants at once", (backend) => {
  let clockMs = START_MS;
  const api: Api = useApi(backend, { now: () => new Date(clockMs) });

  // A change of a goal's steps grants, there and then, whoever its new steps
  // find already past them: a grant of no event, which is still the period's.
  it("count in the books of the period they were granted in, and in its replay", async () => {
    const program = await createProgram(api, { name: "Milestones", ...PROGRAM });
    await createParticipant(api, program.id, { externalId: "ana", name: "Ana" });
    const goal = await createGoal(api, program.id, MILESTONES);
    for (const day of [10, 11]) {
      clockMs = Date.UTC(2026, 8, day, 12);
      const sent = await sendEvents(
        api,
        program.id,
        order(`order-${day}`, { participant: "ana", occurredAt: new Date(clockMs).toISOString() }),
      );
      expectStatus(sent, 200);
    }
    clockMs = CHANGE_MS;
    const changed = await api.call("PATCH", `/v1/programs/${program.id}/goals/${goal.id}`, {
      steps: MILESTONE_STEPS,
    });
    expectStatus(changed, 200);
    const granted = await api.db.query<{ n: number }>(
      "select count(*)::int as n from goal_grants where program_id = $1 and event_id is null",
      [program.id],
    );
    expect(granted[0]?.n, "Ana's two orders reach the changed first step at once").toBe(1);

    clockMs = END_MS;
    const stored = await findProgramById(api.db, program.id);
    if (!stored) throw new Error(`program ${program.id} is missing`);
    const result = await simulate(api.services, stored, {
      fromMs: Date.UTC(2026, 8, 15),
      toMs: END_MS,
      program: stored.config,
      goals: [],
      replaceGoals: false,
    });
    expect(result.actual.rewards.points).toBe(50);
    expectReplayedAsBooked(result);
  });
});

describeEachBackend("a draft identical to a random real change", (backend) => {
  let db: Database;
  let player: HistoryPlayer;

  beforeAll(async () => {
    db = await openMigrated(backend);
    await insertBrand(db, { id: "brd_twins", name: "twins" });
    player = new HistoryPlayer(db, "brd_twins", "TWIN");
  });
  afterAll(() => db?.close());

  const goalNames = async (programId: string) =>
    new Map((await listGoals(db, programId)).map((g) => [g.id, g.goal.name]));

  let changed = 0;

  // Twins receive the same random history; one changes its settings between
  // two batches, and may change a goal's steps and add a goal there too. The
  // other, replayed from then through the same settings and goals, must pay
  // what the changed one booked, over any period from the change.
  it("gives what the change really produced, for any program, change and history", async () => {
    await fc.assert(
      fc.asyncProperty(
        programSpec,
        programSpec,
        fc.option(fc.record({ which: fc.nat(), factor: fc.constantFrom(0.5, 0.75, 1.5, 2) }), {
          nil: null,
        }),
        fc.option(fc.constantFrom(...GOAL_KINDS), { nil: null }),
        // Without late orders: an order processed after the change but dated
        // before it went through the new settings, and a draft from the
        // change would send it through the old ones.
        fc.array(
          act.map((a) => (a.kind === "order" ? { ...a, refundFirst: false } : a)),
          { minLength: 3, maxLength: 40, size: "max" },
        ),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 5 }),
        fc.nat({ max: 60 }),
        fc.nat(),
        async (spec, next, edit, added, acts, batchSizes, afterSend, end) => {
          const closes = spec.goals.includes("monthly-sales") || added === "monthly-sales";
          const unchanged = await player.newProgram(spec);
          await player.play(
            unchanged.program,
            toSends(acts, unchanged.code),
            batchSizes,
            closes,
            null,
          );
          const twin = await player.newProgram(spec);
          let edited: string | null = null;
          const alsoAt = async (program: ProgramRecord) => {
            const live = await listGoals(db, program.id);
            const goal = edit === null ? undefined : live[edit.which % live.length];
            if (edit && goal) {
              const steps = goal.goal.steps.map((step, i) => ({
                ...step,
                threshold: Math.max(1, Math.round((step.threshold ?? 1) * edit.factor)) + i,
              }));
              const outcome = await changeGoal(player.services, program, goal.id, { steps });
              if (outcome.kind !== "changed")
                throw new Error(`the goal change was ${outcome.kind}`);
              edited = goal.goal.name;
            }
            if (added !== null && !spec.goals.includes(added)) {
              const input = goalInputSchema.parse(goalInput(added, spec.orderSteps));
              const created = await createLiveGoal(player.services, program, input);
              if ("kind" in created) throw new Error(created.message);
            }
          };
          const played = await player.play(
            twin.program,
            toSends(acts, twin.code),
            batchSizes,
            closes,
            { afterSend, spec: next, alsoAt },
          );
          if (played.changedMs === null) return;
          changed += 1;
          const fromMs = played.changedMs;
          const sends = toSends(acts, twin.code).filter((s) => s.atMs > fromMs);
          const edges = [...sends.map((s) => s.atMs), played.endMs + DAY_MS];
          const toMs = edges[end % edges.length] ?? played.endMs + DAY_MS;

          // The draft: the changed twin's settings, its edited goal under the
          // unchanged twin's id, and the goal it added as a new one.
          const ours = await listGoals(db, unchanged.program.id);
          const theirs = await listGoals(db, played.program.id);
          const goals: ActiveGoal[] = theirs.flatMap((g) => {
            const same = ours.find((o) => o.goal.name === g.goal.name);
            if (!same) return [{ id: "draft_1", version: 1, goal: g.goal }];
            return g.goal.name === edited
              ? [{ id: same.id, version: same.version + 1, goal: g.goal }]
              : [];
          });
          const draft = {
            fromMs,
            toMs,
            program: { ...played.program.config, name: unchanged.program.name },
            goals,
            replaceGoals: false,
          };
          const drafted = await simulate(player.services, unchanged.program, draft);
          const booked = await simulate(player.services, played.program, {
            ...draft,
            program: played.program.config,
            goals: [],
          });
          expect(portable(drafted.simulated, await goalNames(unchanged.program.id))).toEqual(
            portable(booked.actual, await goalNames(played.program.id)),
          );
        },
      ),
      // To replay a failure, add the seed and path fast-check printed:
      // { numRuns: 20, seed: 0, path: "0", endOnFailure: true },
      {
        numRuns: backend.name === "pglite" ? 20 : 15,
        plugins: [fc.interruptAfterTimeLimit(150_000, { failOnInterrupt: true })],
      },
    );
    // Most histories were long enough for the change to happen inside them.
    expect(changed).toBeGreaterThan(5);
  }, 240_000);
});
