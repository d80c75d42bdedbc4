import { expect, it } from "vitest";
import { closeGoalWindows, grantInactivity } from "../../src/engine/goal-jobs.ts";
import { findProgramById } from "../../src/store/programs.ts";
import {
  createParticipant,
  createProgram,
  only,
  order,
  sendEvents,
  useApi,
  type Api,
  type BalancesBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal, progressOf } from "../support/goals.ts";

// Windows are calendar periods in the program's time zone; New York is
// UTC-4 in October and UTC-5 from November 1, 2026 (DST ends then).
let clock = new Date("2026-10-15T12:00:00Z");

const sale = (id: string, participant: string, amount: number, occurredAt: string, sku = "SHIRT") =>
  order(id, { participant, occurredAt, items: [{ sku, quantity: 1, unitAmount: amount }] });

async function points(api: Api, programId: string, participantId: string) {
  const reply = await api.call<BalancesBody>(
    "GET",
    `/v1/programs/${programId}/participants/${participantId}/balances`,
  );
  return reply.body;
}

async function stored(api: Api, programId: string) {
  const program = await findProgramById(api.db, programId);
  if (!program) throw new Error("no program");
  return program;
}

/** The scheduled jobs, run now for one program: the window close, and the inactivity grants. */
const close = async (api: Api, programId: string) =>
  closeGoalWindows(api.services, await stored(api, programId));
const inactivityRun = async (api: Api, programId: string) =>
  grantInactivity(api.services, await stored(api, programId));

describeEachBackend("goal windows and scheduled grants", (backend) => {
  const api = useApi(backend, { now: () => clock });

  it("a monthly at_window_end goal grants the highest step once, when the month closes in the program's time zone", async () => {
    clock = new Date("2026-10-15T12:00:00Z");
    const program = await createProgram(api, { timezone: "America/New_York" });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const goal = await createGoal(api, program.id, {
      name: "October bonus",
      metric: "sales_amount",
      window: { type: "monthly" },
      evaluate: "at_window_end",
      steps: [
        { threshold: 10000, reward: { type: "points", points: 100 } },
        { threshold: 20000, reward: { type: "points_per", points: 1, per: 100 } },
      ],
    });
    // 23:30 on October 31 in New York is 03:30 UTC on November 1: still October.
    const late = only(
      (await sendEvents(api, program.id, sale("oct-1", "ana", 15000, "2026-11-01T03:30:00Z"))).body
        .results,
    );
    expect(late.grants).toEqual([]);
    await sendEvents(api, program.id, sale("oct-2", "ana", 10000, "2026-10-10T12:00:00Z"));
    // 00:30 on November 1 in New York (04:30 UTC): November's window.
    await sendEvents(api, program.id, sale("nov-1", "ana", 5000, "2026-11-01T04:30:00Z"));

    const [october] = (
      await api.call<{ value: number; window: { key: string; start: string; end: string } }[]>(
        "GET",
        `/v1/programs/${program.id}/participants/${ana.id}/progress?period=2026-10`,
      )
    ).body;
    expect(october).toMatchObject({
      value: 25000,
      window: {
        key: "2026-10",
        start: "2026-10-01T04:00:00.000Z",
        end: "2026-11-01T04:00:00.000Z",
      },
    });
    expect(await close(api, program.id)).toBe(0);

    clock = new Date("2026-11-01T04:00:00Z");
    expect(await close(api, program.id)).toBe(1);
    expect(await close(api, program.id)).toBe(0);
    // Only the highest step: 1 point per $1.00 of the $250.00 achieved.
    expect((await points(api, program.id, ana.id)).points.available).toBe(250);
    const [now] = await progressOf(api, program.id, ana.id);
    expect(now).toMatchObject({ goalId: goal.id, value: 5000, window: { key: "2026-11" } });
  });

  it("catches up on windows that closed while nothing ran", async () => {
    clock = new Date("2026-01-10T12:00:00Z");
    const program = await createProgram(api, { timezone: "Europe/Berlin" });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    await createGoal(api, program.id, {
      name: "Monthly orders",
      metric: "order_count",
      window: { type: "monthly" },
      evaluate: "at_window_end",
      steps: [{ threshold: 1, reward: { type: "points", points: 10 } }],
    });
    await sendEvents(api, program.id, sale("jan", "ana", 1000, "2026-01-10T12:00:00Z"));
    clock = new Date("2026-02-10T12:00:00Z");
    await sendEvents(api, program.id, sale("feb", "ana", 1000, "2026-02-10T12:00:00Z"));
    clock = new Date("2026-04-02T12:00:00Z");
    expect(await close(api, program.id)).toBe(2);
    expect((await points(api, program.id, ana.id)).points.available).toBe(20);
  });

  it("a fixed window given in dates runs from midnight to midnight in the program's time zone", async () => {
    clock = new Date("2026-11-10T12:00:00Z");
    const program = await createProgram(api, { timezone: "America/New_York" });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const goal = await createGoal(api, program.id, {
      name: "Black Friday week",
      metric: "order_count",
      window: { type: "fixed", start: "2026-11-23", end: "2026-11-30" },
      steps: [{ threshold: 2, reward: { type: "points", points: 50 } }],
    });
    expect(goal.window).toEqual({
      type: "fixed",
      start: "2026-11-23T05:00:00.000Z",
      end: "2026-11-30T05:00:00.000Z",
    });
    // 23:59 on the 22nd and 00:00 on the 30th in New York fall outside; the week's two count.
    for (const [id, occurredAt] of [
      ["before", "2026-11-23T04:59:00Z"],
      ["first", "2026-11-23T05:00:00Z"],
      ["last", "2026-11-30T04:59:59Z"],
      ["after", "2026-11-30T05:00:00Z"],
    ] as const)
      await sendEvents(api, program.id, sale(id, "ana", 1000, occurredAt));
    const [progress] = await progressOf(api, program.id, ana.id);
    expect(progress).toMatchObject({ value: 2, window: { key: "fixed" } });
    expect((await points(api, program.id, ana.id)).points.available).toBe(50);

    const backwards = await api.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "Backwards",
      metric: "order_count",
      window: { type: "fixed", start: "2026-11-30", end: "2026-11-23" },
      steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    });
    expect(backwards.status).toBe(422);
    expect(JSON.stringify(backwards.body)).toMatch(/window\.end/);
  });

  it("an event dated in a closed window is recorded as late, unless the grace period allows it", async () => {
    clock = new Date("2026-12-01T10:00:00Z");
    const strict = await createProgram(api);
    const lenient = await createProgram(api, { goalGraceHours: 48 });
    for (const program of [strict, lenient]) {
      await createParticipant(api, program.id, { externalId: "ana" });
      await createGoal(api, program.id, {
        name: "November",
        metric: "order_count",
        window: { type: "monthly" },
        steps: [{ threshold: 1, reward: { type: "points", points: 10 } }],
      });
    }
    const event = sale("nov-late", "ana", 1000, "2026-11-30T23:00:00Z");
    const refused = only((await sendEvents(api, strict.id, event)).body.results) as {
      status: string;
      grants: unknown[];
      late?: { window: string; message: string }[];
    };
    expect(refused.status).toBe("processed");
    expect(refused.late).toEqual([
      expect.objectContaining({ window: "2026-11", message: expect.stringContaining("late") }),
    ]);
    const counted = only((await sendEvents(api, lenient.id, event)).body.results);
    expect(counted.grants).toEqual([expect.objectContaining({ window: "2026-11", step: 1 })]);
  });

  it("returns: ignore never lowers progress, subtract does", async () => {
    clock = new Date("2026-11-20T12:00:00Z");
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const ignore = await createGoal(api, program.id, {
      name: "Ignore",
      metric: "sku_quantity",
      filter: { skus: ["SHIRT"] },
      returns: "ignore",
      steps: [{ threshold: 10, reward: { type: "points", points: 1 } }],
    });
    const subtract = await createGoal(api, program.id, {
      name: "Subtract",
      metric: "sku_quantity",
      filter: { skus: ["SHIRT"] },
      returns: "subtract",
      steps: [{ threshold: 10, reward: { type: "points", points: 1 } }],
    });
    await sendEvents(
      api,
      program.id,
      order("o-1", {
        participant: "ana",
        occurredAt: "2026-11-20T10:00:00Z",
        items: [
          { sku: "SHIRT", quantity: 3, unitAmount: 2000 },
          { sku: "HAT", quantity: 1, unitAmount: 1000 },
        ],
      }),
    );
    await sendEvents(api, program.id, {
      type: "refund",
      id: "r-1",
      orderId: "o-1",
      occurredAt: "2026-11-21T10:00:00Z",
      items: [{ sku: "SHIRT", quantity: 2 }],
    });
    const progress = await progressOf(api, program.id, ana.id);
    expect(progress.find((p) => p.goalId === ignore.id)?.value).toBe(3);
    expect(progress.find((p) => p.goalId === subtract.id)?.value).toBe(1);
  });

  /** Ana's last order was on June 1; 30 and then 60 quiet days earn 20 and 50 points. */
  async function quietSinceJune() {
    clock = new Date("2026-06-01T00:00:00Z");
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    await createGoal(api, program.id, {
      name: "We miss you",
      metric: "inactivity_days",
      steps: [
        { threshold: 30, reward: { type: "points", points: 20 } },
        { threshold: 60, reward: { type: "points", points: 50 } },
      ],
    });
    await sendEvents(api, program.id, sale("o-1", "ana", 1000, "2026-06-01T00:00:00Z"));
    return { program, ana, run: () => inactivityRun(api, program.id) };
  }

  it("inactivity: a step once per spell; a new order starts a new spell", async () => {
    const { program, ana, run } = await quietSinceJune();
    clock = new Date("2026-06-20T00:00:00Z");
    expect(await run()).toBe(0);
    clock = new Date("2026-07-02T00:00:00Z");
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    const [inactive] = await progressOf(api, program.id, ana.id);
    expect(inactive).toMatchObject({ value: 31, nextStep: { step: 2, remaining: 29 } });
    clock = new Date("2026-08-01T00:00:00Z");
    expect(await run()).toBe(1);
    expect((await points(api, program.id, ana.id)).points.available).toBe(70);
    // A new order ends the spell; 30 quiet days later the first step comes again.
    await sendEvents(api, program.id, sale("o-2", "ana", 1000, "2026-08-01T00:00:00Z"));
    expect(await run()).toBe(0);
    clock = new Date("2026-09-01T00:00:00Z");
    expect(await run()).toBe(1);
    expect((await points(api, program.id, ana.id)).points.available).toBe(90);
  });

  it("inactivity: an order dated long ago starts a spell whose steps are due at the next run", async () => {
    const { program, ana, run } = await quietSinceJune();
    clock = new Date("2026-08-01T00:00:00Z");
    expect(await run()).toBe(2);
    // A backfilled order from June 20 ends the first spell and starts one that
    // is already 51 days old: past the last run's mark, yet its 30 days are due.
    clock = new Date("2026-08-10T00:00:00Z");
    await sendEvents(api, program.id, sale("o-2", "ana", 1000, "2026-06-20T00:00:00Z"));
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    clock = new Date("2026-08-20T00:00:00Z");
    expect(await run()).toBe(1);
    expect((await points(api, program.id, ana.id)).points.available).toBe(140);
  });

  it("inactivity: participants a step rewards nothing do not keep the others from theirs", async () => {
    clock = new Date("2026-06-01T00:00:00Z");
    const program = await createProgram(api, {
      levels: [
        { key: "silver", name: "Silver" },
        { key: "gold", name: "Gold" },
      ],
    });
    // More silver participants than the job looks at in one go, all sorting
    // before the gold one; only gold is rewarded.
    await api.db.query(
      `insert into participants (program_id, id, external_id, status, level, ancestors, referral_code, created_at)
       select $1, 'par_' || lpad(n::text, 26, '0'), 's-' || n, 'active', 'silver', '{}', 'SILVER' || n, $2
       from generate_series(1, 1200) as n`,
      [program.id, clock.toISOString()],
    );
    const gold = await createParticipant(api, program.id, { externalId: "gold-1", level: "gold" });
    await sendEvents(api, program.id, sale("g-1", "gold-1", 1000, "2026-06-01T00:00:00Z"));
    await createGoal(api, program.id, {
      name: "Gold comeback",
      metric: "inactivity_days",
      steps: [{ threshold: 30, reward: { byLevel: { gold: { type: "points", points: 25 } } } }],
    });
    clock = new Date("2026-07-15T00:00:00Z");
    expect(await inactivityRun(api, program.id)).toBe(1);
    expect((await points(api, program.id, gold.id)).points.available).toBe(25);
  });

  it("a monthly SKU-quantity target imported from a file, rewarded at 50%, 75% and 100%, band orange at 92%", async () => {
    clock = new Date("2026-11-10T12:00:00Z");
    const program = await createProgram(api, { timezone: "Asia/Jakarta" });
    const agent = await createParticipant(api, program.id, { externalId: "amb-42" });
    const goal = await createGoal(api, program.id, {
      name: "November shirts",
      metric: "sku_quantity",
      filter: { skus: ["SHIRT"] },
      window: { type: "monthly" },
      target: { type: "per_participant" },
      steps: [
        { percent: 50, reward: { type: "points", points: 50 } },
        { percent: 75, reward: { type: "points", points: 75 } },
        { percent: 100, reward: { type: "points", points: 100 } },
      ],
    });
    const file = `participant,goal,period,target\namb-42,${goal.id},2026-11,100\n`;
    const imported = await api.app.inject({
      method: "POST",
      url: `/v1/programs/${program.id}/targets`,
      headers: { authorization: `Bearer ${api.key}`, "content-type": "text/csv" },
      payload: file,
    });
    expect(imported.statusCode).toBe(201);
    const bulk = (id: string, quantity: number) =>
      order(id, {
        participant: "amb-42",
        occurredAt: "2026-11-10T12:00:00Z",
        items: [{ sku: "SHIRT", quantity, unitAmount: 1000 }],
      });
    const first = only((await sendEvents(api, program.id, bulk("t-1", 80))).body.results);
    expect((first.grants as { step: number }[]).map((g) => g.step)).toEqual([1, 2]);
    await sendEvents(api, program.id, bulk("t-2", 12));
    const [progress] = await progressOf(api, program.id, agent.id);
    expect(progress).toMatchObject({
      value: 92,
      target: 100,
      percent: 92,
      band: "orange",
      nextStep: { step: 3, threshold: 100, remaining: 8 },
    });
    const last = only((await sendEvents(api, program.id, bulk("t-3", 8))).body.results);
    expect((last.grants as { step: number }[]).map((g) => g.step)).toEqual([3]);
    const [done] = await progressOf(api, program.id, agent.id);
    expect(done).toMatchObject({ percent: 100, band: "green", nextStep: null });
  });
});
