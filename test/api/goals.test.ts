import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  useApi,
  type Api,
  type BalancesBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal, progressOf, type GoalBody, type GrantBody } from "../support/goals.ts";

const sale = (id: string, participant: string, amount: number, fields = {}) =>
  order(id, {
    participant,
    items: [{ sku: "SHIRT", quantity: 1, unitAmount: amount }],
    ...fields,
  });

describeEachBackend("goals", (backend) => {
  const api = useApi(backend);

  it("$500 in sales -> 5% bonus at once; a later return does not undo it", async () => {
    const program = await createProgram(api, { commission: { rate: { percent: 10 } } });
    const ana = await createParticipant(api, program.id, { externalId: "amb-42" });
    const goal = await createGoal(api, program.id, {
      name: "Reach $500",
      metric: "sales_amount",
      window: { type: "lifetime" },
      target: { type: "fixed" },
      steps: [{ threshold: 50000, reward: { type: "percent_of_value", percent: 5 } }],
      evaluate: "immediately",
      returns: "ignore",
      showInWidget: true,
    });

    const first = only(
      (await sendEvents(api, program.id, sale("o-1", "amb-42", 30000))).body.results,
    );
    expect(first.grants).toEqual([]);
    const second = only(
      (await sendEvents(api, program.id, sale("o-2", "amb-42", 25000))).body.results,
    );
    // 5% of the $550.00 achieved when the step is crossed.
    expect(second.grants).toEqual([
      expect.objectContaining({
        goalId: goal.id,
        step: 1,
        participantId: ana.id,
        reward: { type: "cash", amount: 2750 },
      }),
    ]);
    const before = await api.call<BalancesBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}/balances`,
    );
    expect(before.body.cash.available).toBe(2750);

    const refund = only(
      (
        await sendEvents(api, program.id, {
          type: "refund",
          id: "r-2",
          orderId: "o-2",
          occurredAt: "2026-11-21T10:00:00Z",
        })
      ).body.results,
    );
    expect(refund.status).toBe("processed");
    const after = await api.call<BalancesBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}/balances`,
    );
    expect(after.body.cash.available).toBe(2750);
    const [progress] = await progressOf(api, program.id, ana.id);
    expect(progress).toMatchObject({ value: 55000, band: "green", percent: 110 });
    expect(progress?.stepsReached).toEqual([expect.objectContaining({ step: 1, granted: true })]);

    // Redelivering the order that crossed the step grants nothing again.
    const again = only(
      (await sendEvents(api, program.id, sale("o-2", "amb-42", 25000))).body.results,
    );
    expect(again.status).toBe("duplicate");
    const grants = await api.db.query<{ n: number }>(
      "select count(*)::int as n from goal_grants where program_id = $1",
      [program.id],
    );
    expect(grants[0]?.n).toBe(1);
  });

  it("5 orders -> 100 points, 20 -> 500 points, 30 -> a free shirt", async () => {
    const program = await createProgram(api, { name: "Loyalty", commission: undefined });
    const customer = await createParticipant(api, program.id, { externalId: "c-9" });
    const ladder = await createGoal(api, program.id, {
      name: "Order milestones",
      metric: "order_count",
      steps: [
        { threshold: 5, reward: { type: "points", points: 100 } },
        { threshold: 20, reward: { type: "points", points: 500 } },
        { threshold: 30, reward: { type: "free_product", sku: "SHIRT-M" } },
      ],
    });
    const granted: GrantBody[] = [];
    for (let n = 1; n <= 30; n++) {
      const result = only(
        (await sendEvents(api, program.id, sale(`loyal-${n}`, "c-9", 2000))).body.results,
      );
      granted.push(...((result.grants ?? []) as GrantBody[]).map((g) => ({ ...g, n })));
    }
    expect(granted.map((g) => [(g as GrantBody & { n: number }).n, g.step])).toEqual([
      [5, 1],
      [20, 2],
      [30, 3],
    ]);
    expect(granted[0]?.reward).toEqual({ type: "points", points: 100 });
    expect(granted[1]?.reward).toEqual({ type: "points", points: 500 });
    expect(granted[2]?.reward).toMatchObject({
      type: "free_product",
      sku: "SHIRT-M",
      voucherCode: expect.stringMatching(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/),
    });
    const balances = await api.call<BalancesBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${customer.id}/balances`,
    );
    expect(balances.body.points.available).toBe(600);
    const ledger = await api.call<{ items: { asset: string; cause: Record<string, unknown> }[] }>(
      "GET",
      `/v1/programs/${program.id}/participants/${customer.id}/ledger`,
    );
    const shirt = ledger.body.items.find((e) => e.asset === "product");
    expect(shirt?.cause).toMatchObject({ type: "reward", goalId: ladder.id, step: 3 });
    const [progress] = await progressOf(api, program.id, customer.id);
    expect(progress).toMatchObject({ value: 30, target: 30, band: "green", nextStep: null });
  });

  it("refuses steps that do not strictly increase, naming the step", async () => {
    const program = await createProgram(api);
    const reply = await api.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "Bad ladder",
      metric: "order_count",
      steps: [
        { threshold: 5, reward: { type: "points", points: 100 } },
        { threshold: 5, reward: { type: "points", points: 200 } },
      ],
    });
    expectError(reply, 422, "validation_failed");
    expect(reply.body).toMatchObject({
      error: {
        details: [{ path: "steps.1.threshold", message: expect.stringContaining("step 2") }],
      },
    });
  });

  it("a PATCH makes a new version: grants stay, the others are measured against it", async () => {
    const program = await createProgram(api);
    const done = await createParticipant(api, program.id, { externalId: "done" });
    const close = await createParticipant(api, program.id, { externalId: "close" });
    const goal = await createGoal(api, program.id, {
      name: "Ten orders",
      metric: "order_count",
      steps: [{ threshold: 3, reward: { type: "points", points: 50 } }],
    });
    for (const n of [1, 2, 3]) await sendEvents(api, program.id, sale(`d-${n}`, "done", 1000));
    for (const n of [1, 2]) await sendEvents(api, program.id, sale(`c-${n}`, "close", 1000));

    const patched = await api.call<GoalBody & { grants: GrantBody[] }>(
      "PATCH",
      `/v1/programs/${program.id}/goals/${goal.id}`,
      { steps: [{ threshold: 2, reward: { type: "points", points: 80 } }] },
    );
    expectStatus(patched, 200);
    expect(patched.body.version).toBe(2);
    // Who was already at 2 reaches the new step now; who completed keeps 50 points.
    expect(patched.body.grants).toEqual([
      expect.objectContaining({
        participantId: close.id,
        step: 1,
        reward: { type: "points", points: 80 },
      }),
    ]);
    const points = async (id: string) =>
      (
        await api.call<BalancesBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${id}/balances`,
        )
      ).body.points.available;
    expect(await points(done.id)).toBe(50);
    expect(await points(close.id)).toBe(80);

    const ended = await api.call<GoalBody>("DELETE", `/v1/programs/${program.id}/goals/${goal.id}`);
    expectStatus(ended, 200);
    expect(ended.body.endedAt).not.toBeNull();
    const list = await api.call<{ items: GoalBody[] }>("GET", `/v1/programs/${program.id}/goals`);
    expect(list.body.items).toEqual([]);
    expect(await points(done.id)).toBe(50);
  });

  it("the widget lists the program's ladders, never inactivity goals", async () => {
    const program = await createProgram(api);
    await createGoal(api, program.id, {
      name: "Five orders",
      metric: "order_count",
      steps: [{ threshold: 5, reward: { type: "points", points: 100 } }],
    });
    await createGoal(api, program.id, {
      name: "We miss you",
      metric: "inactivity_days",
      steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
    });
    const reply = await api.call<{ milestones: { name: string }[] }>(
      "GET",
      `/v1/widget/${program.id}/milestones`,
      undefined,
      null,
    );
    expectStatus(reply, 200);
    expect(reply.body.milestones.map((m) => m.name)).toEqual(["Five orders"]);
    const shown = await api.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "Shown inactivity",
      metric: "inactivity_days",
      showInWidget: true,
      steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
    });
    expectError(shown, 422, "validation_failed");
  });
});
