import { beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const DAY_MS = 86_400_000;

interface StoredProgram {
  commission?: { rate?: unknown; upline?: unknown };
}

/**
 * The Program screen's What if? against real history: a UTC program paying
 * 10% to the seller and 3% of the order to the sponsor, Ana (sponsored by
 * Ben) selling 50.00 five days ago and 30.00 two days ago, both inside the
 * default last 90 days. Booked: Ana 8.00, Ben 2.40. A base rate of 15%
 * would have paid Ana 12.00, and Ben the same 2.40.
 */
describeInBrowser("the admin console's What if? screen", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  const simulationBodies: unknown[] = [];
  const patches: unknown[] = [];

  beforeAll(async () => {
    const program = await createProgram(server, {
      name: "Rate review",
      timezone: "UTC",
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
    });
    programId = program.id;
    await createParticipant(server, programId, { externalId: "ben", name: "Ben" });
    await createParticipant(server, programId, { externalId: "ana", name: "Ana", sponsor: "ben" });
    const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString();
    const item = (unitAmount: number) => ({ items: [{ sku: "BAG", quantity: 1, unitAmount }] });
    const sent = await sendEvents(server, programId, {
      events: [
        order("five-days-ago", { participant: "ana", occurredAt: daysAgo(5), ...item(5000) }),
        order("two-days-ago", { participant: "ana", occurredAt: daysAgo(2), ...item(3000) }),
      ],
    });
    expectStatus(sent, 200);
    page = await browser().newPage({ viewport: { width: 1024, height: 900 } });
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(15_000);
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/simulations"))
        simulationBodies.push(request.postDataJSON());
      if (request.method() === "PATCH") patches.push(request.postDataJSON());
    });
  });

  const read = async () =>
    (await server.call<StoredProgram>("GET", `/v1/programs/${programId}`)).body;
  const card = (name: string) => page.getByRole("region", { name, exact: true });

  it("simulates the form's unsaved rate over the last 90 days, actual against simulated", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Program" }).click();
    await eventually(() => page.getByLabel("Base rate", { exact: true }).inputValue()).toBe("10");
    await page.getByLabel("Base rate", { exact: true }).fill("15");
    await page.getByRole("button", { name: "What if?" }).click();

    await page.getByRole("heading", { name: "What if?" }).waitFor();
    // The form's change in words, and the default period pressed.
    await page.getByText("commission › rate: 10% → 15%").waitFor();
    expect(
      await page.getByRole("button", { name: "Last 90 days" }).getAttribute("aria-pressed"),
    ).toBe("true");
    await page.getByRole("button", { name: "Run" }).click();

    await eventually(() => card("Commissions").textContent()).toBe(
      "CommissionsActual$10.40Simulated$14.40Change+$4.00",
    );
    await eventually(() => card("Participants paid").textContent()).toBe(
      "Participants paidActual2Simulated2Change0",
    );
    const levels = card("Commissions by level").getByRole("row");
    await eventually(() => levels.allTextContents()).toEqual([
      "LevelActualSimulatedChange",
      "Seller$8.00$12.00+$4.00",
      "Sponsor$2.40$2.40$0.00",
    ]);
    const gainers = card("Who gains most").getByRole("row");
    await eventually(() => gainers.allTextContents()).toEqual([
      "ParticipantActualSimulatedChange",
      "Ana$8.00$12.00+$4.00",
    ]);
    await card("Who loses most").getByText("No one.").waitFor();
    // Sales of 80.00: 13% booked, 18% simulated.
    await eventually(() => card("Cost share of sales").textContent()).toBe(
      "Cost share of salesActual13.00%Simulated18.00%Change+5.00 pts",
    );

    expect(await accessibilityViolations(page)).toEqual([]);
    // The cards and tables fit a phone; wide tables scroll inside their own boxes.
    await page.setViewportSize({ width: 375, height: 800 });
    await eventually(() => page.evaluate(() => document.documentElement.scrollWidth)).toBe(375);
    await page.setViewportSize({ width: 1024, height: 900 });

    const [body] = simulationBodies as Record<string, unknown>[];
    expect(simulationBodies).toHaveLength(1);
    expect(body).toMatchObject({
      program: { commission: { rate: { percent: 15 } } },
      goals: [],
      replaceGoals: false,
    });
    // The last 90 days, today included: from the midnight 89 days ago, up to now.
    const todayMidnight = Date.now() - (Date.now() % DAY_MS);
    expect(body?.from).toBe(new Date(todayMidnight - 89 * DAY_MS).toISOString());
    expect(Date.parse(String(body?.to))).toBeLessThanOrEqual(Date.now());
    // Nothing is booked by a simulation.
    expect((await read()).commission?.rate).toEqual({ percent: 10 });
  });

  it("calls the result out of date once the form changes, and saves only after a new run", async () => {
    await page.getByRole("button", { name: "Back to the form" }).click();
    await page.getByLabel("Base rate", { exact: true }).fill("20");
    await page.getByRole("button", { name: "What if?" }).click();
    await page.getByText("this result is out of date").waitFor();
    expect(await page.getByRole("button", { name: "Save this change" }).isDisabled()).toBe(true);

    // A draft the API refuses does not start, and says why, field by field.
    await page.getByRole("button", { name: "Back to the form" }).click();
    await page.getByLabel("Base rate", { exact: true }).fill("150");
    await page.getByRole("button", { name: "What if?" }).click();
    await page.getByRole("button", { name: "Run" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /did not start: .*program\.commission\.rate\.percent: .*0 to 100/ })
      .waitFor();
    expect(simulationBodies).toHaveLength(2);

    // Back to the rate that was simulated, the result stands for the form again.
    await page.getByRole("button", { name: "Back to the form" }).click();
    await page.getByLabel("Base rate", { exact: true }).fill("15");
    await page.getByRole("button", { name: "What if?" }).click();
    await eventually(() => page.getByText("this result is out of date").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Save this change" }).isEnabled()).toBe(true);
  });

  it("saves exactly the simulated change after a confirmation that says what changes", async () => {
    await page.getByRole("button", { name: "Save this change" }).click();
    const dialog = page.getByRole("dialog", { name: "Save this change?" });
    await dialog.getByText("commission › rate: 10% → 15%").waitFor();
    await dialog.getByRole("button", { name: "Save this change" }).click();

    // Back on the form, which shows what was saved.
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    await eventually(() => page.getByLabel("Base rate", { exact: true }).inputValue()).toBe("15");
    expect(patches).toEqual([{ commission: { rate: { percent: 15 } } }]);
    const stored = await read();
    expect(stored.commission).toEqual({ rate: { percent: 15 }, upline: [{ percent: 3 }] });
  });

  it("simulates a new goal from its unsaved form and creates exactly that goal", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByLabel("Name", { exact: true }).fill("First sale");
    await page.getByLabel("Metric").selectOption({ label: "Order count" });
    await page.getByLabel("Step 1 threshold").fill("1");
    await page.getByLabel("Step 1 points", { exact: true }).fill("50");
    await page.getByRole("button", { name: "What if?" }).click();
    await page.getByText("a new goal “First sale”, with 1 step(s)").waitFor();
    await page.getByRole("button", { name: "Run" }).click();

    // Ana's first order crosses the step; Ben sold nothing of his own.
    await eventually(() => card("Points rewarded").textContent()).toBe(
      "Points rewardedActual0Simulated50Change+50",
    );
    const steps = card("Rewards by goal step").getByRole("row");
    await eventually(() => steps.allTextContents()).toEqual([
      "Goal stepSideGrantsCashPointsProducts",
      "First sale, step 1Actual0$0.0000",
      "Simulated1$0.00500",
    ]);
    const body = simulationBodies.at(-1);
    expect(body).toMatchObject({
      program: {},
      goals: [{ name: "First sale", metric: "order_count", steps: [{ threshold: 1 }] }],
      replaceGoals: false,
    });

    await page.getByRole("button", { name: "Save this change" }).click();
    await page
      .getByRole("dialog", { name: "Save this change?" })
      .getByRole("button", { name: "Save this change" })
      .click();
    // The saved goal opens in its own form.
    await page.getByRole("heading", { name: "Edit goal: First sale" }).waitFor();
    const goals = await server.call<{ items: { name: string; steps: unknown[] }[] }>(
      "GET",
      `/v1/programs/${programId}/goals`,
    );
    expect(goals.body.items.map((g) => [g.name, g.steps])).toEqual([
      ["First sale", [{ threshold: 1, reward: { type: "points", points: 50 } }]],
    ]);
  });

  it("simulates an edit of that goal under its id and saves the edit to it", async () => {
    const goals = await server.call<{ items: { id: string }[] }>(
      "GET",
      `/v1/programs/${programId}/goals`,
    );
    const goalId = goals.body.items[0]?.id;
    await eventually(() => page.getByLabel("Step 1 points", { exact: true }).inputValue()).toBe(
      "50",
    );
    await page.getByLabel("Step 1 points", { exact: true }).fill("80");
    await page.getByRole("button", { name: "What if?" }).click();
    await page.getByText("steps › 1 › reward › points: 50 → 80").waitFor();
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("status").filter({ hasText: "events replayed" }).waitFor();
    expect(simulationBodies.at(-1)).toMatchObject({
      program: {},
      goals: [{ id: goalId, name: "First sale", steps: [{ reward: { points: 80 } }] }],
      replaceGoals: false,
    });

    await page.getByRole("button", { name: "Save this change" }).click();
    await page
      .getByRole("dialog", { name: "Save this change?" })
      .getByRole("button", { name: "Save this change" })
      .click();
    // Back on the goal's form, showing what was saved.
    await eventually(() => page.getByLabel("Step 1 points", { exact: true }).inputValue()).toBe(
      "80",
    );
    const saved = await server.call<{ steps: unknown[] }>(
      "GET",
      `/v1/programs/${programId}/goals/${goalId}`,
    );
    expect(saved.body.steps).toEqual([{ threshold: 1, reward: { type: "points", points: 80 } }]);
  });
});
