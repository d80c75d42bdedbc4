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
import {
  createGoal,
  progressOf,
  type GoalBody,
  type GrantBody,
  type ProgressBody,
} from "../support/goals.ts";

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

    // Raising the step later takes no completion back.
    const raised = await api.call("PATCH", `/v1/programs/${program.id}/goals/${goal.id}`, {
      steps: [{ threshold: 10, reward: { type: "points", points: 80 } }],
    });
    expectStatus(raised, 200);
    const [doneProgress] = await progressOf(api, program.id, done.id);
    expect(doneProgress).toMatchObject({
      value: 3,
      target: 10,
      band: "green",
      percent: 100,
      nextStep: null,
      stepsReached: [expect.objectContaining({ step: 1, granted: true })],
    });
    const other = await createGoal(api, program.id, {
      name: "Another",
      metric: "review_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 1 } }],
    });
    const firstPage = await api.call<{ items: GoalBody[]; next: string | null }>(
      "GET",
      `/v1/programs/${program.id}/goals?limit=1`,
    );
    expect(firstPage.body.items.map((g) => g.id)).toEqual([goal.id]);
    const secondPage = await api.call<{ items: GoalBody[]; next: string | null }>(
      "GET",
      `/v1/programs/${program.id}/goals?limit=1&cursor=${firstPage.body.next ?? ""}`,
    );
    expect(secondPage.body).toEqual({
      items: [expect.objectContaining({ id: other.id })],
      next: null,
    });
    await api.call("DELETE", `/v1/programs/${program.id}/goals/${other.id}`);

    // What it measures is fixed once something was counted.
    const remeasure = await api.call("PATCH", `/v1/programs/${program.id}/goals/${goal.id}`, {
      metric: "sales_amount",
    });
    expectError(remeasure, 422, "validation_failed");
    expect(remeasure.body).toMatchObject({ error: { details: [{ path: "metric" }] } });

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

  it("rewards by level, change a level, and credit another program of the same brand", async () => {
    const levels = [
      { key: "silver", name: "Silver" },
      { key: "gold", name: "Gold" },
    ];
    const program = await createProgram(api, { levels });
    const club = await createProgram(api, { name: "Club", commission: undefined });
    const ana = await createParticipant(api, program.id, { externalId: "ana", level: "silver" });
    await createParticipant(api, program.id, { externalId: "ben", level: "silver" });
    const anaInClub = await createParticipant(api, club.id, { externalId: "ana" });
    const goal = await createGoal(api, program.id, {
      name: "Promotion",
      metric: "order_count",
      steps: [
        {
          threshold: 1,
          reward: {
            byLevel: { gold: { type: "points", points: 300 } },
            default: { type: "points", points: 100, program: club.id },
          },
        },
        { threshold: 2, reward: { type: "level", level: "gold" } },
        {
          threshold: 3,
          reward: {
            byLevel: { gold: { type: "points", points: 300 } },
            default: { type: "points", points: 1 },
          },
        },
      ],
    });
    for (const n of [1, 2, 3]) await sendEvents(api, program.id, sale(`a-${n}`, "ana", 1000));
    const balances = async (programId: string, id: string) =>
      (await api.call<BalancesBody>("GET", `/v1/programs/${programId}/participants/${id}/balances`))
        .body;
    // Step 1 went to her Club membership; step 2 made her gold; step 3 paid gold's 300 here.
    expect((await balances(club.id, anaInClub.id)).points.available).toBe(100);
    expect((await balances(program.id, ana.id)).points.available).toBe(300);
    const profile = await api.call<{ level: string }>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}`,
    );
    expect(profile.body.level).toBe("gold");

    // Ben has no Club membership: the grant is recorded and says why nothing was credited.
    const first = only((await sendEvents(api, program.id, sale("b-1", "ben", 1000))).body.results);
    expect(first.grants).toEqual([
      expect.objectContaining({
        goalId: goal.id,
        step: 1,
        notCredited: expect.stringContaining(club.id),
      }),
    ]);

    const unknownLevel = await api.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "Bad level",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "level", level: "platinum" } }],
    });
    expectError(unknownLevel, 422, "validation_failed");
    const otherBrand = await createProgram(api, { name: "Not ours" }, api.otherKey);
    const foreign = await api.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "Foreign credit",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 1, program: otherBrand.id } }],
    });
    expectError(foreign, 422, "validation_failed");
  });

  it("a reward paid into another program fits that program: its levels, its currency", async () => {
    const program = await createProgram(api, { levels: [{ key: "gold", name: "Gold" }] });
    const club = await createProgram(api, {
      name: "Euro club",
      currency: "EUR",
      levels: [{ key: "vip", name: "VIP" }],
    });
    const ladder = (metric: string, reward: Record<string, unknown>) =>
      api.call("POST", `/v1/programs/${program.id}/goals`, {
        name: "Credited elsewhere",
        metric,
        steps: [{ threshold: 1, reward: { ...reward, program: club.id } }],
      });
    expectStatus(await ladder("order_count", { type: "level", level: "vip" }), 201);
    expectStatus(await ladder("order_count", { type: "cash", amount: 500 }), 201);
    expectStatus(await ladder("order_count", { type: "percent_of_value", percent: 10 }), 201);

    const homeLevel = await ladder("order_count", { type: "level", level: "gold" });
    expectError(homeLevel, 422, "validation_failed");
    expect(homeLevel.body).toMatchObject({
      error: {
        details: [
          {
            path: "steps.0.reward.level",
            message: expect.stringMatching(`not one of program ${club.id}'s levels \\(vip\\)`),
          },
        ],
      },
    });
    const shareOfDollars = await ladder("sales_amount", { type: "percent_of_value", percent: 5 });
    expectError(shareOfDollars, 422, "validation_failed");
    expect(shareOfDollars.body).toMatchObject({
      error: {
        details: [
          {
            path: "steps.0.reward.program",
            message: expect.stringMatching(/sales in USD .* counts EUR/),
          },
        ],
      },
    });
  });

  it("counts reviews by the customer, recruits' first sales, and points granted by other goals", async () => {
    const program = await createProgram(api);
    const sam = await createParticipant(api, program.id, { externalId: "sam" });
    await createParticipant(api, program.id, { externalId: "ana", sponsor: "sam" });
    await createParticipant(api, program.id, { externalId: "bo", sponsor: "sam" });
    const reviews = await createGoal(api, program.id, {
      name: "Reviews",
      metric: "review_count",
      steps: [{ threshold: 2, reward: { type: "points", points: 40 } }],
    });
    const recruits = await createGoal(api, program.id, {
      name: "Recruits who sold",
      metric: "referral_count",
      steps: [{ threshold: 2, reward: { type: "points", points: 70 } }],
    });
    const earned = await createGoal(api, program.id, {
      name: "Points earned",
      metric: "points_earned",
      steps: [{ threshold: 100, reward: { type: "points", points: 5 } }],
    });
    const review = (id: string) => ({ type: "review", id, customer: { id: "sam" } });
    await sendEvents(api, program.id, { events: [review("rv-1"), review("rv-2")] });
    // Ana sells twice: one recruit; Bo's first sale makes two.
    await sendEvents(api, program.id, sale("ana-1", "ana", 1000));
    await sendEvents(api, program.id, sale("ana-2", "ana", 1000));
    const bo = only((await sendEvents(api, program.id, sale("bo-1", "bo", 1000))).body.results);
    expect((bo.grants as GrantBody[]).map((g) => [g.goalId, g.participantId])).toEqual([
      [recruits.id, sam.id],
      [earned.id, sam.id],
    ]);
    const progress = await progressOf(api, program.id, sam.id);
    const value = (id: string) => progress.find((p) => p.goalId === id)?.value;
    expect(value(reviews.id)).toBe(2);
    expect(value(recruits.id)).toBe(2);
    // 40 + 70 from the other goals; its own 5 points never count for itself.
    expect(value(earned.id)).toBe(110);
    const balances = await api.call<BalancesBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${sam.id}/balances`,
    );
    expect(balances.body.points.available).toBe(115);
  });

  it("a participant reads their own progress with their token", async () => {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const goal = await createGoal(api, program.id, {
      name: "Reach $100",
      metric: "sales_amount",
      steps: [{ threshold: 10000, reward: { type: "points", points: 10 } }],
    });
    await sendEvents(api, program.id, sale("o-1", "ana", 9000));
    const token = await api.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/tokens`,
    );
    const mine = await api.call<ProgressBody[]>(
      "GET",
      "/v1/me/progress",
      undefined,
      token.body.token,
    );
    expectStatus(mine, 200);
    expect(mine.body).toEqual([
      expect.objectContaining({
        goalId: goal.id,
        value: 9000,
        target: 10000,
        percent: 90,
        band: "orange",
        nextStep: expect.objectContaining({ step: 1, remaining: 1000 }),
      }),
    ]);
  });
});
