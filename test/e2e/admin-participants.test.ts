// The console's Participants screen in chromium, over participants, orders and
// commissions made through the API: the list's figures, sorting, filters,
// paging past the first hundred, the CSV export as downloaded, and on the
// detail page a sponsor change and a manual adjustment read back in the ledger.
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("the admin console's participants screen", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;
  let programId = "";

  beforeAll(async () => {
    // Gold sellers earn 30%, everyone else 10%, sponsors 3%: ana sells the
    // most, bo (gold) earns the most, so the two sorts disagree.
    const program = await createProgram(server, {
      name: "Table talk",
      currency: "USD",
      levels: [
        { key: "bronze", name: "Bronze" },
        { key: "gold", name: "Gold" },
      ],
      commission: {
        rate: { percent: 10 },
        byLevel: { gold: { percent: 30 } },
        upline: [{ percent: 3 }],
        holdDays: 0,
      },
    });
    programId = program.id;
    await createParticipant(server, programId, { externalId: "sam", name: "Sam Stone" });
    await createParticipant(server, programId, {
      externalId: "ana",
      name: "Ana Lima",
      level: "bronze",
      sponsor: "sam",
    });
    await createParticipant(server, programId, {
      externalId: "bo",
      name: "Bo Berg",
      level: "gold",
      sponsor: "sam",
    });
    await createParticipant(server, programId, { externalId: "dee", name: "Dee Park" });
    // 102 more, so the list runs past 100.
    for (let n = 0; n < 102; n++)
      await createParticipant(server, programId, {
        externalId: `m${String(n).padStart(3, "0")}`,
        name: `Member ${String(n).padStart(3, "0")}`,
      });
    const sold = await sendEvents(server, programId, {
      events: [
        order("a-1", {
          participant: "ana",
          items: [{ sku: "HAT", quantity: 8, unitAmount: 2500 }],
        }),
        order("b-1", { participant: "bo", items: [{ sku: "HAT", quantity: 4, unitAmount: 2500 }] }),
      ],
    });
    expectStatus(sold, 200);
    context = await browser().newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  const table = (): Locator =>
    page.getByRole("region", { name: "Participants" }).getByRole("table");
  const firstColumn = async (): Promise<string[]> =>
    (await table().locator("tbody tr td:first-child a").allTextContents()).map((t) => t.trim());
  const header = (name: string): Locator => table().getByRole("columnheader", { name });

  it("lists participants with level names, sponsors and money in the program's currency", async () => {
    await page.goto(`${server.url}/admin/participants`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Table talk" });
    await page.getByRole("heading", { name: "Participants", level: 2 }).waitFor();
    const bo = table().getByRole("row").filter({ hasText: "Bo Berg" });
    await bo.waitFor();
    const cells = (await bo.getByRole("cell").allTextContents()).map((t) => t.trim());
    expect(cells.slice(1, 9)).toEqual([
      "Gold",
      "active",
      "Sam Stone",
      "$100.00",
      "1",
      "$30.00",
      "$0.00",
      "0",
    ]);
    expect(await bo.getByRole("link", { name: "Sam Stone" }).getAttribute("href")).toMatch(
      /\/admin\/participants\/par_/,
    );
  });

  it("sorts by sales and by earnings from the column headers, saying the order", async () => {
    await header("Sales").getByRole("button").click();
    await eventually(() => header("Sales").getAttribute("aria-sort")).toBe("descending");
    await eventually(async () => (await firstColumn()).slice(0, 2)).toEqual([
      "Ana Lima",
      "Bo Berg",
    ]);
    expect(await header("Earnings").getAttribute("aria-sort")).toBe("none");
    await header("Earnings").getByRole("button").click();
    await eventually(() => header("Earnings").getAttribute("aria-sort")).toBe("descending");
    // bo earns 30% of 100.00, ana 10% of 200.00, sam 3% of both.
    await eventually(async () => (await firstColumn()).slice(0, 3)).toEqual([
      "Bo Berg",
      "Ana Lima",
      "Sam Stone",
    ]);
    await header("Earnings").getByRole("button").click();
    await eventually(() => header("Earnings").getAttribute("aria-sort")).toBe("ascending");
  });

  it("filters by level, status and search", async () => {
    await page.getByLabel("Level").first().selectOption({ label: "Gold" });
    await eventually(firstColumn).toEqual(["Bo Berg"]);
    await page.getByLabel("Level").first().selectOption({ label: "Any level" });
    await page.getByLabel("Search").fill("park");
    await eventually(firstColumn).toEqual(["Dee Park"]);
    await page.getByLabel("Status").first().selectOption({ label: "Suspended" });
    await page.getByText("No participants match.").waitFor();
    await page.getByLabel("Status").first().selectOption({ label: "Any status" });
    await page.getByLabel("Search").fill("");
  });

  it("pages past the first hundred with Show more", async () => {
    await header("Participant").getByRole("button").click();
    await eventually(() => header("Participant").getAttribute("aria-sort")).toBe("ascending");
    await eventually(async () => (await firstColumn()).length).toBe(50);
    for (let shown = 50; shown < 106; shown += 50) {
      await page.getByRole("button", { name: "Show more" }).click();
      await eventually(async () => (await firstColumn()).length).toBe(Math.min(106, shown + 50));
    }
    expect(await page.getByRole("button", { name: "Show more" }).count()).toBe(0);
    const names = await firstColumn();
    expect(new Set(names).size).toBe(106);
    expect(names.at(-1)).toBe("Sam Stone");
    await page.getByRole("status").filter({ hasText: "106 shown" }).waitFor();
  });

  it("downloads the CSV of what the list shows, every row", async () => {
    await page.getByLabel("Level").first().selectOption({ label: "Any level" });
    await header("Sales").getByRole("button").click();
    await eventually(() => header("Sales").getAttribute("aria-sort")).toBe("descending");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`participants-${programId}.csv`);
    const path = await download.path();
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(path, "utf8");
    const [head, ...rows] = text.trimEnd().split("\r\n");
    expect(head?.split(",").slice(0, 3)).toEqual(["participant_id", "external_id", "name"]);
    expect(rows).toHaveLength(106);
    expect(rows.slice(0, 2).map((r) => r.split(",").slice(1, 3))).toEqual([
      ["ana", "Ana Lima"],
      ["bo", "Bo Berg"],
    ]);
    expect(rows[0]?.split(",").slice(10, 14)).toEqual(["200.00", "1", "20.00", "0.00"]);
  });

  it("changes a sponsor and books an adjustment on the detail page, both read back in the ledger", async () => {
    await table().getByRole("link", { name: "Bo Berg" }).click();
    await page.getByRole("heading", { name: "Bo Berg", level: 2 }).waitFor();
    const actions = page.getByRole("region", { name: "Actions" });
    await actions.getByLabel("New sponsor (external id or referral code)").fill("dee");
    await actions.getByRole("button", { name: "Change sponsor" }).click();
    await actions.getByRole("status").filter({ hasText: "Sponsor changed to dee" }).waitFor();
    await page
      .getByRole("region", { name: "Figures" })
      .getByRole("link", { name: "Dee Park" })
      .waitFor();

    await actions.getByLabel("Amount (negative takes away)").fill("-12.50");
    await actions.getByLabel("Reason").fill("Returned sample");
    await actions.getByRole("button", { name: "Book adjustment" }).click();
    const dialog = page.getByRole("dialog", { name: "Book this adjustment?" });
    await dialog.getByText(/-\$12\.50/).waitFor();
    // Bo has nothing available yet: the API's refusal shows in the dialog.
    await dialog.getByRole("button", { name: "Book adjustment" }).click();
    await dialog.getByRole("alert").filter({ hasText: "only 0 is available" }).waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await actions.getByLabel("Amount (negative takes away)").fill("12.50");
    await actions.getByRole("button", { name: "Book adjustment" }).click();
    await page
      .getByRole("dialog", { name: "Book this adjustment?" })
      .getByRole("button", { name: "Book adjustment" })
      .click();
    await actions.getByRole("status").filter({ hasText: "Adjustment booked: $12.50" }).waitFor();

    await page.getByRole("tab", { name: "Ledger" }).click();
    const rows = page.getByRole("region", { name: "Ledger" }).locator("tbody tr");
    // Newest first: the adjustment, then the commission of b-1 at its event's time.
    await eventually(() => rows.first().textContent()).toContain("Returned sample");
    expect(await rows.first().textContent()).toContain("$12.50");
    expect(await rows.nth(1).textContent()).toContain("event b-1");
    expect(await rows.nth(1).textContent()).toMatch(/Nov 20, 2026/);
  });

  it("fits a 375 px phone without sideways scrolling of the page", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${server.url}/admin/participants`);
    await table().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });
});
