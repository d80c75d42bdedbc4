import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough, startServer, type Server } from "./support/walkthrough.ts";

// Each recipe page in docs/recipes is run as written against a fresh
// `laurel serve`, and what it prints is checked: one line per command, in
// the page's order.

// The pages print many shapes; the checks below read them loosely and match them exactly.
type Json = Record<string, any>;

/** The lines a page printed, each parsed as JSON when it is JSON. */
function outputs(stdout: string): (Json | string)[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => {
      try {
        return JSON.parse(line) as Json;
      } catch {
        return line;
      }
    });
}

/** A line printed by `curl -w ' %{http_code}\n'`: the JSON body and the status. */
function withStatus(line: Json | string): { body: Json; status: number } {
  if (typeof line !== "string")
    throw new Error(`expected a body and a status, got ${JSON.stringify(line)}`);
  const cut = line.lastIndexOf(" ");
  return { body: JSON.parse(line.slice(0, cut)) as Json, status: Number(line.slice(cut + 1)) };
}

const json = (line: Json | string | undefined): Json => {
  if (typeof line !== "object" || line === null)
    throw new Error(`expected JSON, got ${String(line)}`);
  return line;
};

function recipe(title: string, run: (port: () => number) => void): void {
  describe(title, () => {
    let server: Server;
    beforeAll(async () => {
      server = await startServer();
    }, 90_000);
    afterAll(() => server.stop());
    run(() => server.port);
  });
}

recipe("the conversion milestone challenge recipe", (port) => {
  it("$500 in sales -> 5% bonus at once; a later return does not undo it", async () => {
    const stdout = await runWalkthrough("docs/recipes/conversion-milestone-challenge.md", port());
    const lines = outputs(stdout);
    expect(lines).toHaveLength(13);
    const [programId, goalId, order1, order2, refund, balances, progress, order3, patched, order4] =
      lines;
    const [benProgress, anaLedger, anaBalances] = lines.slice(10).map(json);
    expect(programId).toMatch(/^prg_/);
    expect(goalId).toMatch(/^gol_/);

    // The order that crosses $500 carries the grant: 5% of the $550.00 achieved.
    expect(json(order1).results[0]).toMatchObject({ status: "processed", grants: [] });
    const crossing = json(order2).results[0];
    expect(crossing.commissions).toEqual([expect.objectContaining({ level: 1, amount: 2500 })]);
    expect(crossing.grants).toEqual([
      expect.objectContaining({
        goalId,
        step: 1,
        window: "lifetime",
        reward: { type: "cash", amount: 2750 },
      }),
    ]);

    // The return reverses the commission on the jacket, not the bonus.
    expect(json(refund).results[0]).toMatchObject({
      status: "processed",
      commissions: [expect.objectContaining({ amount: -2500 })],
      grants: [],
    });
    const kept = {
      points: { pending: 0, available: 0 },
      cash: { currency: "USD", pending: 3000, available: 2750, paid: 0 },
    };
    expect(balances).toEqual(kept);
    expect(json(progress)).toEqual([
      expect.objectContaining({
        goalId,
        version: 1,
        value: 55000,
        target: 50000,
        percent: 110,
        band: "green",
        stepsReached: [expect.objectContaining({ step: 1, granted: true })],
        nextStep: null,
      }),
    ]);

    // The edit: a new version, no grant, Ben measured against $800.
    expect(json(order3).results[0].grants).toEqual([]);
    expect(json(patched)).toMatchObject({
      id: goalId,
      version: 2,
      name: "Reach $800",
      steps: [{ threshold: 80000 }],
      grants: [],
    });
    expect(json(order4).results[0].grants).toEqual([]);
    expect(benProgress).toEqual([
      expect.objectContaining({
        version: 2,
        value: 60000,
        target: 80000,
        percent: 75,
        band: "red",
        stepsReached: [],
        nextStep: expect.objectContaining({ step: 1, threshold: 80000, remaining: 20000 }),
      }),
    ]);

    // Ana, who completed the first version, keeps her bonus as it was granted.
    const rewards = (anaLedger?.items as Json[]).filter((e) => e.cause.type === "reward");
    expect(rewards).toEqual([
      expect.objectContaining({
        asset: "cash",
        amount: 2750,
        status: "available",
        cause: expect.objectContaining({ eventId: "order-2", goalId, goalVersion: 1, step: 1 }),
      }),
    ]);
    expect(anaBalances).toEqual(kept);
  }, 60_000);
});

recipe("the conversion bonus challenge recipe", (port) => {
  it("a time-boxed tiered sprint pays the highest tier reached, once, when its window closes", async () => {
    const stdout = await runWalkthrough("docs/recipes/conversion-bonus-challenge.md", port());
    const lines = outputs(stdout);
    expect(lines).toHaveLength(10);
    const [programId, goalId, batch, during, close1, close2] = lines;
    const [anaBalances, anaLedger, benBalances, benProgress] = lines.slice(6).map(json);
    expect(programId).toMatch(/^prg_/);
    expect(goalId).toMatch(/^gol_/);

    // Nothing is granted while the window is open, whatever the tier reached.
    const results = json(batch).results as Json[];
    expect(results.map((r) => [r.id, r.status, r.grants])).toEqual([
      ["order-1", "processed", []],
      ["order-2", "processed", []],
      ["order-3", "processed", []],
    ]);
    const [open] = json(during) as Json[];
    expect(open).toMatchObject({
      goalId,
      evaluate: "at_window_end",
      window: { key: "fixed" },
      value: 65000,
      stepsReached: [
        { step: 1, granted: false },
        { step: 2, granted: false },
      ],
      nextStep: { step: 3, remaining: 35000 },
    });

    // The close makes the two grants (the scheduler may have made them a
    // moment before the request: then it answers 0); closing again makes none.
    expect([{ granted: 2 }, { granted: 0 }]).toContainEqual(close1);
    expect(close2).toEqual({ granted: 0 });

    // Ana: only step 2, 2 points per dollar of $650.00.
    expect(anaBalances).toEqual({
      points: { pending: 0, available: 1300 },
      cash: { currency: "USD", pending: 6500, available: 0, paid: 0 },
    });
    const rewards = (anaLedger?.items as Json[]).filter((e) => e.cause.type === "reward");
    expect(rewards).toEqual([
      expect.objectContaining({
        asset: "points",
        amount: 1300,
        cause: expect.objectContaining({ goalId, step: 2, window: "fixed" }),
      }),
    ]);
    // Ben: only step 3, 5% of $1,200.00 in cash.
    expect(benBalances).toEqual({
      points: { pending: 0, available: 0 },
      cash: { currency: "USD", pending: 12000, available: 6000, paid: 0 },
    });
    expect(benProgress).toEqual([
      expect.objectContaining({
        value: 120000,
        band: "green",
        stepsReached: [
          expect.objectContaining({ step: 1, granted: false }),
          expect.objectContaining({ step: 2, granted: false }),
          expect.objectContaining({ step: 3, granted: true }),
        ],
        nextStep: null,
      }),
    ]);
  }, 90_000);
});

recipe("the milestone rewards recipe", (port) => {
  it("5 orders -> 100 points, 20 -> 500 points, 30 -> a free shirt", async () => {
    const stdout = await runWalkthrough("docs/recipes/milestone-rewards.md", port());
    const lines = outputs(stdout);
    expect(lines).toHaveLength(13);
    const [programId, goalIds] = lines;
    expect(programId).toMatch(/^prg_/);
    const [orders, reviews, missYou] = String(goalIds).split(" ");
    expect([orders, reviews, missYou]).toEqual([
      expect.stringMatching(/^gol_/),
      expect.stringMatching(/^gol_/),
      expect.stringMatching(/^gol_/),
    ]);

    // Of the 30 orders, the 5th, 20th and 30th granted the ladder's steps.
    const granted = lines.slice(2, 5).map(json);
    expect(granted.map((g) => [g.id, g.grants.map((x: Json) => [x.goalId, x.step])])).toEqual([
      ["order-5", [[orders, 1]]],
      ["order-20", [[orders, 2]]],
      ["order-30", [[orders, 3]]],
    ]);
    expect(granted[0]?.grants[0].reward).toEqual({ type: "points", points: 100 });
    expect(granted[1]?.grants[0].reward).toEqual({ type: "points", points: 500 });
    const shirt = granted[2]?.grants[0].reward;
    expect(shirt).toEqual({
      type: "free_product",
      sku: "SHIRT-M",
      voucherCode: expect.stringMatching(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/),
    });

    // Reviews: the first and the third.
    const reviewGrants = lines.slice(5, 8).map((l) => json(l).results[0]);
    expect(
      reviewGrants.map((r) => [r.id, r.grants.map((g: Json) => [g.goalId, g.reward])]),
    ).toEqual([
      ["review-1", [[reviews, { type: "points", points: 20 }]]],
      ["review-2", []],
      ["review-3", [[reviews, { type: "points", points: 80 }]]],
    ]);

    // Quiet since July 27: both inactivity steps.
    const [inactivity, balances, ledger, progress, widget] = lines.slice(8).map(json);
    expect(inactivity).toEqual({ granted: 2 });
    expect(balances).toEqual({
      points: { pending: 0, available: 750 },
      cash: { currency: "EUR", pending: 0, available: 0, paid: 0 },
    });
    // Newest first, as the ledger reads.
    const entries = ledger?.items as Json[];
    expect(entries.filter((e) => e.asset === "points").map((e) => e.amount)).toEqual([
      50, 80, 20, 500, 100,
    ]);
    const products = entries.filter((e) => e.asset === "product");
    expect(products).toEqual([
      expect.objectContaining({
        amount: 1,
        cause: expect.objectContaining({
          type: "reward",
          goalId: missYou,
          step: 2,
          window: "since:2026-07-27T10:00:00.000Z",
        }),
        product: { sku: "SOCKS", voucherCode: expect.any(String) },
      }),
      expect.objectContaining({
        amount: 1,
        cause: expect.objectContaining({
          type: "reward",
          eventId: "order-30",
          goalId: orders,
          step: 3,
        }),
        product: { sku: "SHIRT-M", voucherCode: shirt.voucherCode },
      }),
    ]);
    const byGoal = new Map((progress as Json[]).map((p) => [p.goalId, p]));
    expect(byGoal.get(orders)).toMatchObject({
      value: 30,
      target: 30,
      band: "green",
      nextStep: null,
    });
    expect(byGoal.get(reviews)).toMatchObject({ value: 3, band: "green", nextStep: null });
    expect(byGoal.get(missYou)).toMatchObject({
      unit: "days",
      window: { start: "2026-07-27T10:00:00.000Z" },
      stepsReached: [
        { step: 1, granted: true },
        { step: 2, granted: true },
      ],
    });

    // The public widget: the order and review ladders, never the inactivity one.
    expect(widget).toMatchObject({ programId, currency: "EUR" });
    expect((widget?.milestones as Json[]).map((m) => [m.goalId, m.name])).toEqual([
      [orders, "Order milestones"],
      [reviews, "Review milestones"],
    ]);
  }, 60_000);
});

recipe("the target and achievement recipe", (port) => {
  it("a monthly SKU-quantity target imported from a file, rewarded at 50%, 75% and 100%, band orange at 92%", async () => {
    const stdout = await runWalkthrough("docs/recipes/target-and-achievement.md", port());
    const lines = outputs(stdout);
    expect(lines).toHaveLength(12);
    const [programId, goalId] = lines;
    expect(programId).toMatch(/^prg_/);
    expect(goalId).toMatch(/^gol_/);

    // The bad file: every bad row by line, nothing imported.
    const bad = withStatus(lines[2] ?? "");
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("validation_failed");
    expect((bad.body.error.details as Json[]).map((d) => [d.line, d.field])).toEqual([
      [3, "participant"],
      [4, "period"],
      [5, "target"],
    ]);
    // The good file, then the same file again.
    const first = withStatus(lines[3] ?? "");
    const again = withStatus(lines[4] ?? "");
    expect(first).toEqual({
      status: 201,
      body: { importId: expect.any(String), rows: 2, duplicate: false, grants: [] },
    });
    expect(again).toEqual({
      status: 200,
      body: { importId: first.body.importId, rows: 2, duplicate: true, grants: [] },
    });
    const [targets, order1, order2, at92, order3, at100, balances] = lines.slice(5).map(json);
    expect(targets?.items).toEqual([
      { goalId, period: expect.stringMatching(/^\d{4}-\d{2}$/), target: 100 },
    ]);
    const period = targets?.items[0].period as string;

    // 80 shirts (the hats do not count): the 50% and 75% steps at once.
    expect((order1?.results[0].grants as Json[]).map((g) => [g.step, g.window, g.reward])).toEqual([
      [1, period, { type: "points", points: 100 }],
      [2, period, { type: "points", points: 200 }],
    ]);
    expect(order2?.results[0].grants).toEqual([]);
    expect(at92).toEqual([
      expect.objectContaining({
        goalId,
        window: expect.objectContaining({ key: period }),
        value: 92,
        target: 100,
        percent: 92,
        band: "orange",
        stepsReached: [
          expect.objectContaining({ step: 1, threshold: 50, granted: true }),
          expect.objectContaining({ step: 2, threshold: 75, granted: true }),
        ],
        nextStep: expect.objectContaining({ step: 3, threshold: 100, remaining: 8 }),
      }),
    ]);

    // 100%: step 3, 5 points per shirt, and green.
    expect(order3?.results[0].grants).toEqual([
      expect.objectContaining({ step: 3, reward: { type: "points", points: 500 } }),
    ]);
    expect(at100).toEqual([
      expect.objectContaining({ value: 100, percent: 100, band: "green", nextStep: null }),
    ]);
    expect(balances).toEqual({
      points: { pending: 0, available: 800 },
      cash: { currency: "IDR", pending: 0, available: 0, paid: 0 },
    });
  }, 60_000);
});
