import { expect, it } from "vitest";
import { closeGoalWindows, grantInactivity } from "../../src/engine/goal-jobs.ts";
import { findProgramById } from "../../src/store/programs.ts";
import {
  createParticipant,
  createProgram,
  order,
  sendEvents,
  useApi,
  type Api,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal } from "../support/goals.ts";

// On PostgreSQL these requests really run at once, on a pool of connections;
// each goal step must still be granted exactly once.
let clock = new Date("2026-11-20T12:00:00Z");

async function grantsOf(api: Api, programId: string) {
  return api.db.query<{ participant_id: string; step: number; window_key: string }>(
    "select participant_id, step, window_key from goal_grants where program_id = $1 order by participant_id, step",
    [programId],
  );
}

async function rewardEntries(api: Api, programId: string) {
  const rows = await api.db.query<{ n: number }>(
    "select count(*)::int as n from ledger_entries where program_id = $1 and cause_type = 'reward' and account = 'participant'",
    [programId],
  );
  return rows[0]?.n ?? 0;
}

describeEachBackend("goal grants under concurrency", (backend) => {
  const api = useApi(backend, { now: () => clock });

  it("twenty concurrent requests crossing the same step grant it once", async () => {
    clock = new Date("2026-11-20T12:00:00Z");
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    await createGoal(api, program.id, {
      name: "Three orders",
      metric: "order_count",
      steps: [
        { threshold: 3, reward: { type: "points", points: 100 } },
        { threshold: 10, reward: { type: "cash", amount: 500 } },
      ],
    });
    await sendEvents(api, program.id, order("first", { participant: "ana" }));
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendEvents(api, program.id, order(`race-${i}`, { participant: "ana" })),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const granted = replies.flatMap((r) => r.body.results.flatMap((x) => x.grants ?? []));
    expect(granted).toHaveLength(2);
    expect(await grantsOf(api, program.id)).toEqual([
      { participant_id: ana.id, step: 1, window_key: "lifetime" },
      { participant_id: ana.id, step: 2, window_key: "lifetime" },
    ]);
    expect(await rewardEntries(api, program.id)).toBe(2);
  });

  it("the same crossing event delivered ten times at once is granted once", async () => {
    const program = await createProgram(api);
    await createParticipant(api, program.id, { externalId: "ana" });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 10 } }],
    });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        sendEvents(api, program.id, order("same", { participant: "ana" })),
      ),
    );
    const statuses = replies.map((r) => r.body.results[0]?.status).sort();
    expect(statuses.filter((s) => s === "processed")).toHaveLength(1);
    expect(await grantsOf(api, program.id)).toHaveLength(1);
    expect(await rewardEntries(api, program.id)).toBe(1);
  });

  it("two window-close runs and two inactivity runs at once grant each step once", async () => {
    clock = new Date("2026-10-10T12:00:00Z");
    const program = await createProgram(api);
    for (const id of ["ana", "ben", "cy"])
      await createParticipant(api, program.id, { externalId: id });
    await createGoal(api, program.id, {
      name: "October",
      metric: "order_count",
      window: { type: "monthly" },
      evaluate: "at_window_end",
      steps: [{ threshold: 1, reward: { type: "points", points: 5 } }],
    });
    await createGoal(api, program.id, {
      name: "Quiet",
      metric: "inactivity_days",
      steps: [{ threshold: 10, reward: { type: "points", points: 1 } }],
    });
    for (const id of ["ana", "ben", "cy"])
      await sendEvents(
        api,
        program.id,
        order(`o-${id}`, { participant: id, occurredAt: "2026-10-10T12:00:00Z" }),
      );
    clock = new Date("2026-11-02T00:00:00Z");
    const stored = await findProgramById(api.db, program.id);
    if (!stored) throw new Error("no program");
    const closed = await Promise.all([
      closeGoalWindows(api.services, stored),
      closeGoalWindows(api.services, stored),
    ]);
    expect(closed.reduce((a, b) => a + b, 0)).toBe(3);
    const inactive = await Promise.all([
      grantInactivity(api.services, stored),
      grantInactivity(api.services, stored),
    ]);
    expect(inactive.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await grantsOf(api, program.id)).toHaveLength(6);
    expect(await rewardEntries(api, program.id)).toBe(6);
  });
});
