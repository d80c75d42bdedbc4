import { readFileSync } from "node:fs";
import { beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { runKeys } from "../../src/cli/keys.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const ANAS_IP = "203.0.113.7";

describeInBrowser("the admin console", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  let targetGoalId = "";
  let anaCode = "";

  beforeAll(async () => {
    const other = await server.call<{ id: string }>("POST", "/v1/programs", {
      name: "Another program",
      currency: "USD",
    });
    expect(other.status).toBe(201);
    const program = await server.call<{ id: string }>("POST", "/v1/programs", {
      name: "Console ambassadors",
      currency: "USD",
      timezone: "America/New_York",
      // No hold: the release-holds job makes a commission available to pay at once.
      commission: { rate: { percent: 10 }, holdDays: 0 },
      // Two clicks from one visitor within an hour raise a flag to review.
      fraud: { maxClicksPerHour: 1 },
    });
    expect(program.status).toBe(201);
    programId = program.body.id;
    const ana = await server.call("POST", `/v1/programs/${programId}/participants`, {
      externalId: "ana-1",
      name: "Ana Lima",
      // An order from Ana's own address through her code is held for review.
      ips: [ANAS_IP],
    });
    expect(ana.status).toBe(201);
    for (const [externalId, sponsor] of [
      ["bo-2", "ana-1"],
      ["cy-3", "bo-2"],
    ] as const) {
      const recruit = await server.call("POST", `/v1/programs/${programId}/participants`, {
        externalId,
        sponsor,
      });
      expect(recruit.status).toBe(201);
    }
    const now = new Date().toISOString();
    const order = (id: string, quantity: number) => ({
      type: "order",
      id,
      occurredAt: now,
      participant: "ana-1",
      items: [{ sku: "SHIRT", quantity, unitAmount: 2500 }],
      currency: "USD",
    });
    const sent = await server.call<{ results: { status: string }[] }>(
      "POST",
      `/v1/programs/${programId}/events`,
      { events: [order("o-1", 2), order("o-2", 4)] },
    );
    expect(sent.body.results.map((r) => r.status)).toEqual(["processed", "processed"]);
    await releaseDueHolds(server.services);
    const ana1 = await server.call<{ items: { referralCode: string }[] }>(
      "GET",
      `/v1/programs/${programId}/participants?externalId=ana-1`,
    );
    anaCode = ana1.body.items[0]?.referralCode ?? "";
    const clicks = await server.call("POST", `/v1/programs/${programId}/events`, {
      events: ["c-1", "c-2"].map((id) => ({ type: "click", id, code: anaCode, visitorId: "v-1" })),
    });
    expect(clicks.status).toBe(200);
    const goal = await server.call<{ id: string }>("POST", `/v1/programs/${programId}/goals`, {
      name: "Monthly target",
      metric: "sales_amount",
      window: { type: "monthly" },
      target: { type: "per_participant" },
      steps: [{ percent: 100, reward: { type: "points", points: 100 } }],
    });
    expect(goal.status).toBe(201);
    targetGoalId = goal.body.id;
    page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    // Under the test's own timeout, so a failure names what it waited for.
    page.setDefaultTimeout(10_000);
  });

  /** An order Ana refers from her own address: its commission waits on a flag. */
  async function sellFromAnasAddress(id: string): Promise<void> {
    const sold = await server.call<{ results: { status: string }[] }>(
      "POST",
      `/v1/programs/${programId}/events`,
      {
        events: [
          {
            type: "order",
            id,
            occurredAt: new Date().toISOString(),
            code: anaCode,
            ip: ANAS_IP,
            items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2500 }],
            currency: "USD",
          },
        ],
      },
    );
    expect(sold.body.results.map((r) => r.status)).toEqual(["processed"]);
  }

  const flaggedOrders = async (status: string) =>
    (
      await server.call<{ items: { orderId: string | null }[] }>(
        "GET",
        `/v1/programs/${programId}/flags?status=${status}`,
      )
    ).body.items.map((f) => f.orderId);

  it("refuses a wrong key with the API's message, then signs in and picks the program", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill("lrl_wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => descriptionOf(page.getByLabel("Admin key"))).toMatch(/\S/);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByLabel("Program", { exact: true })
      .selectOption({ label: "Console ambassadors" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
  });

  it("shows the real numbers of the orders sent through the API", async () => {
    // Each figure is a group named for it; its value reads beside the change from the period before.
    const figure = (name: string) => page.getByRole("group", { name, exact: true });
    await figure("Orders").getByText("2", { exact: true }).waitFor();
    await figure("Sales").getByText("$150.00", { exact: true }).waitFor();
    await figure("Commissions").getByText("$15.00", { exact: true }).waitFor();
    await figure("Active participants").getByText("1", { exact: true }).waitFor();
    await page.getByRole("link", { name: "Ana Lima" }).waitFor();
    await page.getByRole("img", { name: "Sales and commissions per day" }).waitFor();
  });

  it("creates a milestone goal, showing a step's threshold error beside it", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByLabel("Name").fill("Order ladder");
    await page.getByLabel("Metric").selectOption("order_count");
    await page.getByLabel("Step 1 threshold").fill("5");
    await page.getByLabel("Step 1 points").fill("100");
    await page.getByRole("button", { name: "Add step" }).click();
    await page.getByLabel("Step 2 threshold").fill("3");
    await page.getByLabel("Step 2 points").fill("300");
    const preview = page.getByRole("region", { name: "Ladder preview" });
    await preview.getByText("At 3: 300 points").waitFor();
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("alert").waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Step 2 threshold"))).toMatch(
      /strictly increase/,
    );
    await eventually(() => descriptionOf(page.getByLabel("Step 1 threshold"))).toBe("");
    await page.getByLabel("Step 2 threshold").fill("10");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("list", { name: "Goals" }).getByText("Order ladder").waitFor();
    const goals = await server.call<{ items: { name: string; steps: { threshold: number }[] }[] }>(
      "GET",
      `/v1/programs/${programId}/goals`,
    );
    expect(goals.body.items.find((g) => g.name === "Order ladder")?.steps).toEqual([
      { threshold: 5, reward: { type: "points", points: 100 } },
      { threshold: 10, reward: { type: "points", points: 300 } },
    ]);
  });

  it("lists every bad row of a targets file by its line number", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Targets" }).click();
    const file = (rows: string[]) => ({
      name: "targets.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(["participant,goal,period,target", ...rows].join("\n") + "\n"),
    });
    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(
        file([`ana-1,${targetGoalId},2026-11,500000`, `nobody,${targetGoalId},2026-11,1`]),
      );
    const rows = page.getByRole("region", { name: "Rows to fix" });
    await rows.getByRole("cell", { name: "Line 3" }).waitFor();
    await eventually(() => rows.getByRole("cell", { name: "Line 2" }).count()).toBe(0);
    await eventually(() => rows.textContent()).toMatch(/nobody/);
    await page
      .getByLabel("Targets CSV file")
      .setInputFiles(file([`ana-1,${targetGoalId},2026-11,500000`]));
    await page.getByRole("button", { name: "Import 1 target" }).click();
    await page.getByRole("status").filter({ hasText: "Imported 1 target" }).waitFor();
  });

  it("finds a participant and shows their progress, ledger and downline in tabs, the downline one level at a time", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Participants" }).click();
    await page.getByLabel("Search").fill("lima");
    await page.getByRole("link", { name: "Ana Lima" }).click();
    await page.getByRole("heading", { name: "Ana Lima" }).waitFor();
    const bar = page.getByRole("progressbar", { name: "Order ladder" });
    await bar.waitFor();
    await eventually(() => bar.getAttribute("aria-valuemax")).toBe("100");
    await eventually(() => bar.getAttribute("aria-valuenow")).toMatch(/^\d+$/);
    const tab = (name: string) => page.getByRole("tab", { name });
    await eventually(() => tab("Goal progress").getAttribute("aria-selected")).toBe("true");
    // The arrow keys move between tabs, as a screen reader user expects of a tab list.
    await tab("Goal progress").focus();
    await page.keyboard.press("ArrowRight");
    await eventually(() => tab("Ledger").getAttribute("aria-selected")).toBe("true");
    await eventually(() => bar.count()).toBe(0);
    await page
      .getByRole("tabpanel", { name: "Ledger" })
      .getByRole("region", { name: "Ledger" })
      .getByText("event o-2")
      .first()
      .waitFor();
    await tab("Downline").click();
    const downline = page.getByRole("region", { name: "Downline" });
    await downline.getByRole("link", { name: "bo-2" }).waitFor();
    await eventually(() => downline.getByRole("link", { name: "cy-3" }).count()).toBe(0);
    await downline.getByRole("button", { name: "Expand bo-2" }).click();
    await downline.getByRole("link", { name: "cy-3" }).waitFor();
    const [portal] = await Promise.all([
      page.context().waitForEvent("page"),
      page.getByRole("button", { name: "View as participant" }).click(),
    ]);
    await portal.waitForURL(/\/portal#token=lrl_part/);
    await portal.close();
  });

  it("previews what is due, pays exactly that, and downloads the payout's CSV", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Payouts" }).click();
    const due = page.getByRole("table", { name: "Due now" });
    await due
      .getByRole("row", { name: /Ana Lima/ })
      .getByText("$15.00")
      .waitFor();
    await page.getByText("A payout now pays $15.00 to 1 participant.").waitFor();
    await page.getByRole("button", { name: "Create payout" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a payout?" });
    await dialog.getByRole("button", { name: "Pay $15.00" }).click();
    await dialog.waitFor({ state: "detached" });
    const told = page.getByRole("status").filter({ hasText: /^Payout pay_\S+ created/ });
    await told.waitFor();
    expect(await told.textContent()).toContain("$15.00 to 1 participant");
    const payoutId = /Payout (pay_\S+) created/.exec((await told.textContent()) ?? "")?.[1] ?? "";
    await page.getByText("Nothing is due: no payout will be made.").waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Export CSV of ${payoutId}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${payoutId}.csv`);
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv).toMatch(/^participant_id,external_id,email,amount,currency,reference\r?\n/);
    expect(csv).toMatch(/,ana-1,,15\.00,USD,/);
    const show = page.getByRole("button", { name: `Show lines of ${payoutId}` });
    await show.click();
    await page
      .getByRole("table", { name: `Lines of ${payoutId}` })
      .getByRole("link", { name: "Ana Lima" })
      .waitFor();
    await eventually(() =>
      page.getByRole("button", { name: `Hide lines of ${payoutId}` }).getAttribute("aria-expanded"),
    ).toBe("true");
  });

  const flagItems = () =>
    page
      .getByRole("list", { name: "Flags" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading") });

  it("releases a held order's commission from the review queue once confirmed", async () => {
    await sellFromAnasAddress("o-3");
    await page.getByRole("navigation").getByRole("link", { name: "Fraud review" }).click();
    const release = page.getByRole("button", {
      name: "Release commission of order o-3 for Ana Lima",
    });
    await release.click();
    const dialog = page.getByRole("dialog", { name: "Release $2.50 to Ana Lima?" });
    await dialog.getByRole("button", { name: "Release commission" }).click();
    await dialog.waitFor({ state: "detached" });
    await release.waitFor({ state: "detached" });
    await page
      .getByRole("status")
      .filter({ hasText: "Released $2.50 of commission held by the flag on Ana Lima." })
      .waitFor();
    await page.getByLabel("Show").selectOption("approved");
    await flagItems()
      .filter({ hasText: "order o-3" })
      .getByText("Released", { exact: true })
      .waitFor();
    expect(await flaggedOrders("approved")).toContain("o-3");
  });

  it("reverses a held commission as fraud only once the dialog is confirmed", async () => {
    await sellFromAnasAddress("o-4");
    await page.getByLabel("Show").selectOption("open");
    const reverse = page.getByRole("button", { name: "Reverse as fraud: order o-4 for Ana Lima" });
    await reverse.click();
    const dialog = page.getByRole("dialog", { name: "Reverse $2.50 as fraud?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await flaggedOrders("open")).toContain("o-4");
    await reverse.click();
    await dialog.getByRole("button", { name: "Reverse as fraud" }).click();
    await dialog.waitFor({ state: "detached" });
    await reverse.waitFor({ state: "detached" });
    // The button went with its flag, so focus lands on the filter rather than the page's top.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe("flag-status");
    expect(await flaggedOrders("rejected")).toContain("o-4");
    expect(await flaggedOrders("open")).not.toContain("o-4");
  });

  it("ends a goal only once the dialog is confirmed, keeping it on Escape", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    const end = page.getByRole("button", { name: "End Monthly target" });
    await end.click();
    const dialog = page.getByRole("dialog", { name: "End Monthly target?" });
    await dialog.waitFor();
    // The safe choice takes the first focus, and Tab stays inside the dialog.
    const focused = () => page.evaluate(() => document.activeElement?.textContent ?? "");
    await eventually(focused).toBe("Keep goal");
    await page.keyboard.press("Tab");
    await eventually(focused).toBe("End goal");
    await page.keyboard.press("Tab");
    await eventually(focused).toBe("Keep goal");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await eventually(() =>
      page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
    ).toBe("End Monthly target");
    await end.click();
    await dialog.getByRole("button", { name: "End goal" }).click();
    await end.waitFor({ state: "detached" });
    await eventually(focused).toBe("New goal");
    const ended = await server.call<{ items: { id: string; endedAt: string | null }[] }>(
      "GET",
      `/v1/programs/${programId}/goals?ended=true`,
    );
    expect(ended.body.items.find((g) => g.id === targetGoalId)?.endedAt).not.toBeNull();
  });

  it("signs out with the API's reason when the key is revoked while the console is open", async () => {
    const made = await runKeys(server.services, "create", "brand-a", undefined);
    if (!made.ok) throw new Error(made.message);
    const keyId = /(key_\w+)/.exec(made.lines[0] ?? "")?.[1];
    const own = await browser().newPage({ viewport: { width: 375, height: 800 } });
    own.setDefaultTimeout(10_000);
    await own.goto(`${server.url}/admin`);
    await own.getByLabel("Admin key").fill(made.lines[1] ?? "");
    await own.getByRole("button", { name: "Sign in" }).click();
    await own.getByRole("heading", { name: "Overview" }).waitFor();
    // Revoked only once the console has made every request of its first
    // screen (the nav's count of waiting applications among them), so that
    // the click below is what meets the revoked key.
    await own.waitForLoadState("networkidle");

    await runKeys(server.services, "revoke", "brand-a", keyId);
    await own.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await own
      .getByRole("alert")
      .filter({ hasText: /You were signed out: the key was revoked/ })
      .waitFor();
    await own.getByLabel("Admin key").waitFor();
    await eventually(() => own.evaluate(() => sessionStorage.length)).toBe(0);
    await own.close();
  });
});
