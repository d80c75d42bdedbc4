import { afterAll, beforeAll, expect, it } from "vitest";
import { closeGoalWindows, grantInactivity } from "../../src/engine/goal-jobs.ts";
import { createServices } from "../../src/engine/services.ts";
import type { Database } from "../../src/store/db.ts";
import { listGoals } from "../../src/store/goals.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";
import { onCommit, wrote } from "./committed.ts";
import { startNewProgram } from "./populated-database.ts";

const DAY_MS = 86_400_000;
const PEOPLE = 7;
const BATCH = 3;

describeEachBackend("goal jobs stopped midway", (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await openMigrated(backend);
  });
  afterAll(() => db.close());

  /** Seven participants who each sold once in October (monthly goal, step 1), quiet since. */
  async function setUp() {
    const clock = { ms: 0 };
    const fresh = await startNewProgram(db, clock, {
      orders: PEOPLE,
      participants: PEOPLE,
      bookedAtMs: Date.UTC(2026, 9, 20, 12),
    });
    clock.ms = fresh.bookedAtMs + 31 * DAY_MS;
    const goals = await listGoals(db, fresh.program.id);
    const goalId = (metric: string) => goals.find((g) => g.goal.metric === metric)?.id ?? "";
    const now = () => new Date(clock.ms);
    /** Services whose run is stopped once a transaction that granted commits. */
    const stoppedAfterFirstGrants = () => {
      const controller = new AbortController();
      const services = createServices(
        onCommit(db, (statements) => {
          if (wrote(statements, "goal_grants")) controller.abort();
        }),
        { now },
      );
      return { services, signal: controller.signal };
    };
    const grantsOf = (goal: string) =>
      db.query<{ participant_id: string; n: number }>(
        `select participant_id, count(*)::int as n from goal_grants
         where program_id = $1 and goal_id = $2 group by participant_id order by participant_id`,
        [fresh.program.id, goal],
      );
    return {
      program: fresh.program,
      monthly: goalId("sales_amount"),
      inactivity: goalId("inactivity_days"),
      services: createServices(db, { now }),
      stoppedAfterFirstGrants,
      grantsOf,
    };
  }

  it("a window close stopped after a batch goes on from the next participant and grants each once", async () => {
    const { program, monthly, services, stoppedAfterFirstGrants, grantsOf } = await setUp();
    const stopped = stoppedAfterFirstGrants();
    expect(
      await closeGoalWindows(stopped.services, program, {
        signal: stopped.signal,
        batchSize: BATCH,
      }),
    ).toBe(BATCH);
    const [open] = await db.query<{ closed: boolean; grants: number; after: string }>(
      `select closed_at is not null as closed, grants, after_participant as after
       from goal_window_closes where program_id = $1 and goal_id = $2`,
      [program.id, monthly],
    );
    const granted = await grantsOf(monthly);
    expect(open).toEqual({ closed: false, grants: BATCH, after: granted.at(-1)?.participant_id });

    expect(await closeGoalWindows(services, program, { batchSize: BATCH })).toBe(PEOPLE - BATCH);
    expect(await closeGoalWindows(services, program, { batchSize: BATCH })).toBe(0);
    const all = await grantsOf(monthly);
    expect(all).toHaveLength(PEOPLE);
    expect(all.every((g) => g.n === 1)).toBe(true);
    const [closed] = await db.query<{ closed: boolean; grants: number }>(
      `select closed_at is not null as closed, grants from goal_window_closes
       where program_id = $1 and goal_id = $2`,
      [program.id, monthly],
    );
    expect(closed).toEqual({ closed: true, grants: PEOPLE });
  });

  it("an inactivity run stopped after a batch goes on from the next spell and grants each once", async () => {
    const { program, inactivity, services, stoppedAfterFirstGrants, grantsOf } = await setUp();
    const stopped = stoppedAfterFirstGrants();
    expect(
      await grantInactivity(stopped.services, program, {
        signal: stopped.signal,
        batchSize: BATCH,
      }),
    ).toBe(BATCH);
    expect(await grantsOf(inactivity)).toHaveLength(BATCH);

    expect(await grantInactivity(services, program, { batchSize: BATCH })).toBe(PEOPLE - BATCH);
    expect(await grantInactivity(services, program, { batchSize: BATCH })).toBe(0);
    const all = await grantsOf(inactivity);
    expect(all).toHaveLength(PEOPLE);
    expect(all.every((g) => g.n === 1)).toBe(true);
  });
});
