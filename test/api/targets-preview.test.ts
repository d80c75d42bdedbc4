import { expect, it } from "vitest";
import type { Goal } from "../../src/domain/goals.ts";
import {
  createParticipant,
  createProgram,
  csvBody,
  expectError,
  expectStatus,
  order,
  sendEvents,
  snapshot,
  useApi,
  type Collection,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { addGoal, fixedGoal, targetsCsv } from "../support/targets.ts";

interface PreviewRow {
  line: number;
  participant: { id: string; externalId: string; name: string | null };
  goal: { id: string; name: string; metric: string; unit: string; currency: string | null };
  period: string;
  target: number;
  change: "new" | "replaces" | "unchanged";
  previousTarget: number | null;
  value: number;
  percent: number;
  stepsGranted: number[];
  grants: { step: number; reward: Record<string, unknown> }[];
}

interface PreviewBody {
  rows: number;
  new: number;
  replaced: number;
  unchanged: number;
  granting: number;
  items: PreviewRow[];
}

interface GoalTargetBody {
  participantId: string;
  externalId: string;
  name: string | null;
  period: string;
  target: number;
  importedAt: string;
  value: number;
  percent: number;
}

/** A monthly sales target: half of it pays $25.00, all of it 50 points. */
const salesGoal: Goal = {
  name: "November sales",
  metric: "sales_amount",
  window: { type: "monthly" },
  target: { type: "per_participant" },
  steps: [
    { percent: 50, reward: { type: "cash", amount: 2500 } },
    { percent: 100, reward: { type: "points", points: 50 } },
  ],
  evaluate: "immediately",
  returns: "ignore",
  showInWidget: true,
};

describeEachBackend("targets preview, template and list", (backend) => {
  const now = new Date("2026-11-25T12:00:00Z");
  const api = useApi(backend, { now: () => now });

  /** Ana has sold $460.00 this month; Sam nothing yet and already has a target. */
  async function setup() {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "amb-42", name: "Ana" });
    const sam = await createParticipant(api, program.id, { externalId: "amb-43", name: "Sam" });
    const goalId = await addGoal(api.services, program.id, salesGoal);
    const sale = await sendEvents(
      api,
      program.id,
      order("o-1", {
        participant: "amb-42",
        items: [{ sku: "SHIRT", quantity: 2, unitAmount: 23000 }],
      }),
    );
    expectStatus(sale, 200);
    const first = await api.call(
      "POST",
      `/v1/programs/${program.id}/targets`,
      csvBody(targetsCsv(`amb-43,${goalId},2026-11,100000`)),
    );
    expectStatus(first, 201);
    return { program, ana, sam, goalId };
  }

  it("previews each row resolved, what it changes and what it would grant at once, writing nothing", async () => {
    const { program, ana, sam, goalId } = await setup();
    const before = await snapshot(api.db);
    const reply = await api.call<PreviewBody>(
      "POST",
      `/v1/programs/${program.id}/targets/preview`,
      // 500 meant as $500 is 500 minor units: Ana's $460.00 is past all of it.
      csvBody(targetsCsv(`amb-42,${goalId},2026-11,500`, `amb-43,${goalId},2026-11,80000`)),
    );
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({ rows: 2, new: 1, replaced: 1, unchanged: 0, granting: 1 });
    expect(reply.body.items).toEqual([
      {
        line: 2,
        participant: { id: ana.id, externalId: "amb-42", name: "Ana" },
        goal: {
          id: goalId,
          name: "November sales",
          metric: "sales_amount",
          unit: "money",
          evaluate: "immediately",
          currency: "USD",
        },
        period: "2026-11",
        target: 500,
        change: "new",
        previousTarget: null,
        value: 46000,
        percent: 9200,
        stepsGranted: [],
        grants: [
          { step: 1, reward: { type: "cash", amount: 2500 } },
          { step: 2, reward: { type: "points", points: 50 } },
        ],
      },
      expect.objectContaining({
        line: 3,
        participant: { id: sam.id, externalId: "amb-43", name: "Sam" },
        target: 80000,
        change: "replaces",
        previousTarget: 100000,
        value: 0,
        percent: 0,
        grants: [],
      }),
    ]);
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("says unchanged for a target set again, and refuses bad rows by line exactly as the import does", async () => {
    const { program, goalId } = await setup();
    const same = await api.call<PreviewBody>(
      "POST",
      `/v1/programs/${program.id}/targets/preview`,
      csvBody(targetsCsv(`amb-43,${goalId},2026-11,100000`)),
    );
    expect(same.body.items[0]).toMatchObject({ change: "unchanged", previousTarget: 100000 });

    const bad = targetsCsv(`amb-42,${goalId},2026-11,500.00`, `nobody,${goalId},2026-11,5`);
    const preview = await api.call<{ error: { details: unknown[] } }>(
      "POST",
      `/v1/programs/${program.id}/targets/preview`,
      csvBody(bad),
    );
    const imported = await api.call<{ error: { details: unknown[] } }>(
      "POST",
      `/v1/programs/${program.id}/targets`,
      csvBody(bad),
    );
    expectError(preview, 422, "validation_failed");
    expect(preview.body.error.details).toEqual(imported.body.error.details);
    expect(preview.body.error.details).toEqual([
      expect.objectContaining({ line: 2, field: "target" }),
      expect.objectContaining({ line: 3, field: "participant" }),
    ]);
  });

  it("answers a template: the header and a row per active participant with their current target", async () => {
    const { program, goalId } = await setup();
    await createParticipant(api, program.id, { externalId: "amb-44", status: "suspended" });
    const reply = await api.app.inject({
      method: "GET",
      url: `/v1/programs/${program.id}/targets/template.csv?goalId=${goalId}&period=2026-11`,
      headers: { authorization: `Bearer ${api.key}` },
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/csv/);
    expect(reply.headers["content-disposition"]).toBe(
      `attachment; filename="targets-${goalId}-2026-11.csv"`,
    );
    expect(reply.body).toBe(
      "participant,goal,period,target\r\n" +
        `amb-42,${goalId},2026-11,\r\n` +
        `amb-43,${goalId},2026-11,100000\r\n`,
    );
  });

  it("refuses a template for a period the goal's window does not take, or a goal with a fixed target", async () => {
    const { program, goalId } = await setup();
    const fixed = await addGoal(api.services, program.id, fixedGoal);
    const base = `/v1/programs/${program.id}/targets/template.csv`;
    expectError(
      await api.call("GET", `${base}?goalId=${goalId}&period=2026-Q4`),
      422,
      "validation_failed",
    );
    expectError(
      await api.call("GET", `${base}?goalId=${fixed}&period=2026-11`),
      422,
      "validation_failed",
    );
    expectError(await api.call("GET", `${base}?period=2026-11`), 422, "validation_failed");
    expectError(await api.call("GET", `${base}?goalId=${goalId}`), 422, "validation_failed");
    expectError(
      await api.call("GET", `${base}?goalId=gol_nothing&period=2026-11`),
      404,
      "not_found",
    );
  });

  it("lists a goal's targets for a period, with when they were imported and the progress made", async () => {
    const { program, ana, sam, goalId } = await setup();
    const imported = await api.call(
      "POST",
      `/v1/programs/${program.id}/targets`,
      csvBody(targetsCsv(`amb-42,${goalId},2026-11,200000`, `amb-42,${goalId},2026-12,300000`)),
    );
    expectStatus(imported, 201);
    const url = `/v1/programs/${program.id}/goals/${goalId}/targets?period=2026-11`;
    const first = await api.call<Collection<GoalTargetBody>>("GET", `${url}&limit=1`);
    expectStatus(first, 200);
    const second = await api.call<Collection<GoalTargetBody>>(
      "GET",
      `${url}&limit=1&cursor=${first.body.next ?? ""}`,
    );
    const items = [...first.body.items, ...second.body.items];
    expect(second.body.next).toBeNull();
    expect(items.map((i) => i.participantId)).toEqual([ana.id, sam.id].sort());
    expect(items.find((i) => i.participantId === ana.id)).toEqual({
      participantId: ana.id,
      externalId: "amb-42",
      name: "Ana",
      period: "2026-11",
      target: 200000,
      importedAt: now.toISOString(),
      value: 46000,
      percent: 23,
    });
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/goals/${goalId}/targets?period=Nov`),
      422,
      "validation_failed",
    );
  });

  it("answers 404 for another brand's program and goal", async () => {
    const { program, goalId } = await setup();
    const other = api.otherKey;
    const preview = await api.call(
      "POST",
      `/v1/programs/${program.id}/targets/preview`,
      csvBody(targetsCsv(`amb-42,${goalId},2026-11,5`)),
      other,
    );
    expectError(preview, 404, "not_found");
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${program.id}/goals/${goalId}/targets?period=2026-11`,
        undefined,
        other,
      ),
      404,
      "not_found",
    );
  });
});
