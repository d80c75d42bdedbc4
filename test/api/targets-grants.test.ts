import { expect, it } from "vitest";
import type { Goal } from "../../src/domain/goals.ts";
import {
  createParticipant,
  createProgram,
  csvBody,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type BalancesBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { addGoal, targetsCsv } from "../support/targets.ts";

interface GrantBody {
  goalId: string;
  step: number;
  participantId: string;
  window: string;
  reward: Record<string, unknown>;
}

interface ImportBody {
  importId: string;
  rows: number;
  duplicate: boolean;
  grants: GrantBody[];
}

interface ProgressBody {
  goalId: string;
  value: number;
  target: number | null;
  percent: number | null;
  stepsReached: { step: number; granted: boolean }[];
}

/** Half the shirts target pays $25.00, all of it 50 points. */
const shirtsGoal = (evaluate: Goal["evaluate"] = "immediately"): Goal => ({
  name: "Shirts this month",
  metric: "sku_quantity",
  filter: { skus: ["SHIRT"] },
  window: { type: "monthly" },
  target: { type: "per_participant" },
  steps: [
    { percent: 50, reward: { type: "cash", amount: 2500 } },
    { percent: 100, reward: { type: "points", points: 50 } },
  ],
  evaluate,
  returns: "ignore",
  showInWidget: true,
});

describeEachBackend("targets re-imported grant what is now reached", (backend) => {
  // November is open: the orders below fall in its window.
  const api = useApi(backend, { now: () => new Date("2026-11-25T12:00:00Z") });

  async function sellingShirts(sold: number, evaluate?: Goal["evaluate"]) {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "amb-42" });
    const goalId = await addGoal(api.services, program.id, shirtsGoal(evaluate));
    const endpoint = await api.call("POST", "/v1/webhook-endpoints", {
      url: "https://93.184.215.14/grants",
      events: ["reward.granted"],
      programId: program.id,
    });
    expectStatus(endpoint, 201);
    const importTargets = async (target: number, extra: string[] = []) => {
      const reply = await api.call<ImportBody>(
        "POST",
        `/v1/programs/${program.id}/targets`,
        csvBody(targetsCsv(`amb-42,${goalId},2026-11,${target}`, ...extra)),
      );
      expectStatus(reply, reply.body.duplicate ? 200 : 201);
      return reply.body;
    };
    await importTargets(100);
    const sale = await sendEvents(
      api,
      program.id,
      order("o-1", {
        participant: "amb-42",
        items: [{ sku: "SHIRT", quantity: sold, unitAmount: 2000 }],
      }),
    );
    expectStatus(sale, 200);
    const progress = async () => {
      const reply = await api.call<ProgressBody[]>(
        "GET",
        `/v1/programs/${program.id}/participants/${ana.id}/progress`,
      );
      return reply.body.find((p) => p.goalId === goalId);
    };
    const balances = async () =>
      (
        await api.call<BalancesBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${ana.id}/balances`,
        )
      ).body;
    const told = async () =>
      (
        await api.db.query<{ data: { step?: number } }>(
          `select data from outbox_events where program_id = $1 and type = 'reward.granted'`,
          [program.id],
        )
      ).map((r) => r.data.step);
    return { program, ana, goalId, importTargets, progress, balances, told };
  }

  it("re-uploading a lower target (100 → 80 shirts with 40 sold) grants step 1 at once", async () => {
    const { ana, goalId, importTargets, progress, balances, told } = await sellingShirts(40);
    expect(await progress()).toMatchObject({ value: 40, target: 100, percent: 40 });
    expect((await balances()).cash.available).toBe(0);

    const lowered = await importTargets(80);
    expect(lowered.grants).toEqual([
      {
        goalId,
        step: 1,
        participantId: ana.id,
        window: "2026-11",
        reward: { type: "cash", amount: 2500 },
      },
    ]);
    expect(await progress()).toMatchObject({
      value: 40,
      target: 80,
      percent: 50,
      stepsReached: [{ step: 1, granted: true }],
    });
    expect((await balances()).cash.available).toBe(2500);
    // Told to webhooks as any grant is.
    expect(await told()).toEqual([1]);

    // The same target again, in this file or in another, grants nothing twice.
    expect((await importTargets(80)).duplicate).toBe(true);
    expect((await importTargets(80, [`amb-42,${goalId},2026-12,90`])).grants).toEqual([]);
    expect((await balances()).cash.available).toBe(2500);
    expect(await told()).toEqual([1]);
  });

  it("a higher target never takes back a grant, and a lower one again grants only the steps not yet granted", async () => {
    const { goalId, importTargets, progress, balances } = await sellingShirts(40);
    await importTargets(80);
    const raised = await importTargets(200);
    expect(raised.grants).toEqual([]);
    expect(await progress()).toMatchObject({ value: 40, target: 200, percent: 20 });
    expect((await balances()).cash.available).toBe(2500);

    const lowest = await importTargets(40);
    expect(lowest.grants).toEqual([
      expect.objectContaining({ goalId, step: 2, reward: { type: "points", points: 50 } }),
    ]);
    const after = await balances();
    expect(after.cash.available).toBe(2500);
    expect(after.points.available).toBe(50);
  });

  it("a lower target imported while a sale reaches the same step grants that step once", async () => {
    for (let round = 1; round <= 4; round++) {
      const { program, goalId, importTargets, balances } = await sellingShirts(40);
      // Either may come first: the sale reaches 50% of the old target, the import lowers it.
      const [imported, sale] = await Promise.all([
        importTargets(80),
        sendEvents(
          api,
          program.id,
          order(`o-race-${round}`, {
            participant: "amb-42",
            items: [{ sku: "SHIRT", quantity: 10, unitAmount: 2000 }],
          }),
        ),
      ]);
      expectStatus(sale, 200);
      const grants = await api.db.query<{ step: number }>(
        "select step from goal_grants where program_id = $1 and goal_id = $2 order by step",
        [program.id, goalId],
      );
      expect(grants).toEqual([{ step: 1 }]);
      expect(imported.grants.length + (sale.body.results[0]?.grants?.length ?? 0)).toBe(1);
      expect((await balances()).cash.available).toBe(2500);
    }
  });

  it("grants nothing at import for a goal that grants at its window's end", async () => {
    const { importTargets, balances } = await sellingShirts(40, "at_window_end");
    expect((await importTargets(80)).grants).toEqual([]);
    expect((await balances()).cash.available).toBe(0);
  });

  it("grants nothing for a period whose window has closed, nor to a participant who is not active", async () => {
    const { program, goalId, importTargets, balances } = await sellingShirts(40);
    const october = await api.call<ImportBody>(
      "POST",
      `/v1/programs/${program.id}/targets`,
      csvBody(targetsCsv(`amb-42,${goalId},2026-10,1`)),
    );
    expect(october.body.grants).toEqual([]);

    const sam = await createParticipant(api, program.id, { externalId: "amb-43" });
    await sendEvents(
      api,
      program.id,
      order("o-2", {
        participant: "amb-43",
        items: [{ sku: "SHIRT", quantity: 40, unitAmount: 2000 }],
      }),
    );
    const suspended = await api.call("PATCH", `/v1/programs/${program.id}/participants/${sam.id}`, {
      status: "suspended",
    });
    expectStatus(suspended, 200);
    const lowered = await importTargets(80, [`amb-43,${goalId},2026-11,80`]);
    expect(lowered.grants.map((g) => g.participantId)).not.toContain(sam.id);
    expect((await balances()).cash.available).toBe(2500);
  });
});
