import { afterAll, beforeAll, expect, it } from "vitest";
import type { BrowserContext, Locator, Page } from "playwright-core";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

interface ProgressBody {
  goalId: string;
  value: number;
  percent: number | null;
  stepsReached: { step: number; granted: boolean }[];
}

describeInBrowser("the admin console's targets screen", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;
  let programId = "";
  let anaId = "";
  let salesGoal = "";
  let shirtsGoal = "";
  // This month, in the program's time zone (UTC), so the sale below counts in it.
  const period = new Date().toISOString().slice(0, 7);

  const perParticipant = (name: string, metric: string, extra: Record<string, unknown> = {}) => ({
    name,
    metric,
    window: { type: "monthly" },
    target: { type: "per_participant" },
    steps: [
      { percent: 50, reward: { type: "cash", amount: 2500 } },
      { percent: 100, reward: { type: "points", points: 50 } },
    ],
    ...extra,
  });

  beforeAll(async () => {
    const program = await createProgram(server, {
      name: "Target setting",
      currency: "USD",
      timezone: "UTC",
    });
    programId = program.id;
    anaId = (await createParticipant(server, programId, { externalId: "amb-42", name: "Ana Lima" }))
      .id;
    for (const [name, metric, extra] of [
      ["Monthly sales", "sales_amount", {}],
      ["Shirts sold", "sku_quantity", { filter: { skus: ["SHIRT"] } }],
    ] as const) {
      const goal = await server.call<{ id: string }>(
        "POST",
        `/v1/programs/${programId}/goals`,
        perParticipant(name, metric, extra),
      );
      expectStatus(goal, 201);
      if (metric === "sales_amount") salesGoal = goal.body.id;
      else shirtsGoal = goal.body.id;
    }
    // 40 shirts at $11.50: $460.00 of sales this month.
    const sale = await sendEvents(
      server,
      programId,
      order("o-1", {
        participant: "amb-42",
        occurredAt: new Date().toISOString(),
        items: [{ sku: "SHIRT", quantity: 40, unitAmount: 1150 }],
      }),
    );
    expectStatus(sale, 200);
    context = await browser().newContext({
      viewport: { width: 1280, height: 900 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  const file = (rows: string[]) => ({
    name: "targets.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(["participant,goal,period,target", ...rows].join("\n") + "\n"),
  });
  const previewRows = (): Locator =>
    page.getByRole("table", { name: "What importing each row would do now" }).getByRole("row");
  const listed = (): Locator => page.getByRole("region", { name: /^Targets of / }).getByRole("row");

  it("says money is in minor units, and shows the goals that take targets with their ids", async () => {
    await page.goto(`${server.url}/admin/targets`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Target setting" });
    await page.getByRole("heading", { name: "Targets", level: 2 }).waitFor();
    await page.getByText("Money targets are in minor units").waitFor();
    const goal = page.getByLabel("Goal", { exact: true });
    await eventually(() => goal.locator("option").allTextContents()).toEqual([
      `Monthly sales (${salesGoal})`,
      `Shirts sold (${shirtsGoal})`,
    ]);
    await goal.selectOption(salesGoal);
    await eventually(() => page.getByLabel("Goal id (the file's goal column)").inputValue()).toBe(
      salesGoal,
    );
    await eventually(() => page.getByLabel("Period", { exact: true }).inputValue()).toBe(period);
    await eventually(() => page.getByLabel("Example line").textContent()).toContain(
      `amb-42,${salesGoal},${period},50000`,
    );
    await page.getByRole("button", { name: "Copy goal id" }).click();
    await page.getByRole("status").filter({ hasText: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(salesGoal);
  });

  it("downloads a template with a row per active participant", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download template" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`targets-${salesGoal}-${period}.csv`);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(
      `participant,goal,period,target\r\namb-42,${salesGoal},${period},\r\n`,
    );
  });

  it("previews $500 written as 500 as the $5.00 it is, warns, and marks the row that would grant at once", async () => {
    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(file([`amb-42,${salesGoal},${period},500`]));
    await page.getByRole("heading", { name: "Preview of targets.csv: 1 row" }).waitFor();
    const row = previewRows().nth(1);
    await eventually(() => row.textContent()).toContain("$5.00");
    await eventually(() => row.textContent()).toContain("500 minor units");
    await eventually(() => row.textContent()).toContain("$460.00");
    await eventually(() => row.textContent()).toContain("Grants now");
    await eventually(() => row.textContent()).toContain("step 1: $25.00 cash; step 2: 50 points");
    await page
      .getByRole("alert")
      .filter({ hasText: "$5.00 — is that what you meant? Targets are in cents: $500.00 is 50000" })
      .waitFor();
    // Nothing was written by the preview.
    const targets = await server.call<{ items: unknown[] }>(
      "GET",
      `/v1/programs/${programId}/goals/${salesGoal}/targets?period=${period}`,
    );
    expect(targets.body.items).toEqual([]);
  });

  it("imports the corrected file after its preview and lists the target with the progress made", async () => {
    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(file([`amb-42,${salesGoal},${period},100000`]));
    const row = previewRows().nth(1);
    await eventually(() => row.textContent()).toContain("$1,000.00");
    await eventually(() => row.textContent()).not.toContain("Grants now");
    await eventually(() => page.getByRole("alert").count()).toBe(0);
    await page.getByRole("button", { name: "Import 1 target" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Imported 1 target; nothing was due at once." })
      .waitFor();
    const entry = listed().filter({ hasText: "amb-42" });
    await eventually(() => entry.textContent()).toMatch(/Ana Lima.*\$1,000\.00.*\$460\.00.*46%/);
  });

  it("re-imports a lower shirts target (100 → 80 with 40 sold) and the step is granted at once", async () => {
    await page.getByLabel("Goal", { exact: true }).selectOption(shirtsGoal);
    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(file([`amb-42,${shirtsGoal},${period},100`]));
    await page.getByRole("button", { name: "Import 1 target" }).click();
    await page.getByRole("status").filter({ hasText: "nothing was due at once" }).waitFor();
    await eventually(() => listed().filter({ hasText: "amb-42" }).textContent()).toMatch(
      /100.*40.*40%/,
    );

    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(file([`amb-42,${shirtsGoal},${period},80`]));
    const row = previewRows().nth(1);
    await eventually(() => row.textContent()).toContain("Replaces 100");
    await eventually(() => row.textContent()).toContain("Grants now");
    await eventually(() => row.textContent()).toContain("step 1: $25.00 cash");
    await page.getByRole("button", { name: "Import 1 target" }).click();
    await page.getByRole("status").filter({ hasText: "1 step granted at once." }).waitFor();
    await eventually(() => listed().filter({ hasText: "amb-42" }).textContent()).toMatch(
      /80.*40.*50%/,
    );

    const progress = await server.call<ProgressBody[]>(
      "GET",
      `/v1/programs/${programId}/participants/${anaId}/progress`,
    );
    expect(progress.body.find((p) => p.goalId === shirtsGoal)).toMatchObject({
      value: 40,
      percent: 50,
      stepsReached: [expect.objectContaining({ step: 1, granted: true })],
    });
    const balances = await server.call<{ cash: { available: number } }>(
      "GET",
      `/v1/programs/${programId}/participants/${anaId}/balances`,
    );
    expect(balances.body.cash.available).toBe(2500);
  });
});
