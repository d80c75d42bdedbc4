import { beforeAll, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const DAY_MS = 86_400_000;

/**
 * The Overview against events of a UTC program dated from the real clock,
 * since the presets count from today. Today: two clicks on Ana's link and an
 * order through one of them (50.00), an order by Cal's code (30.00, refunded
 * whole) and one naming Ben (20.00), a signup through Ana's link and a lead
 * by Cal's code; yesterday Cal sold 10.00 named, and ten
 * days ago Ana 40.00 named. The program pays 10% and 3% to the sponsor (Ben
 * sponsors Ana); a goal grants 50 points for a first sale.
 */
describeInBrowser("the admin console's Overview", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let goalId = "";
  const now = Date.now();
  const midnight = now - (now % DAY_MS);
  // Today's events fall between midnight and now, in order, whenever the test runs.
  const step = Math.max(1, Math.min(60_000, Math.floor((now - midnight) / 10)));
  const today = (k: number) => new Date(midnight + k * step).toISOString();
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const tenDaysAgo = dayOf(midnight - 10 * DAY_MS);
  const item = (unitAmount: number) => ({ items: [{ sku: "BAG", quantity: 1, unitAmount }] });

  beforeAll(async () => {
    const program = await createProgram(server, {
      name: "Steering",
      timezone: "UTC",
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
    });
    await createParticipant(server, program.id, { externalId: "ben", name: "Ben" });
    const ana = await createParticipant(server, program.id, {
      externalId: "ana",
      name: "Ana",
      sponsor: "ben",
    });
    const cal = await createParticipant(server, program.id, { externalId: "cal", name: "Cal" });
    const goal = await server.call<{ id: string }>("POST", `/v1/programs/${program.id}/goals`, {
      name: "First sale",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 50 } }],
    });
    expectStatus(goal, 201);
    goalId = goal.body.id;
    const sent = await sendEvents(server, program.id, {
      events: [
        order("ten-days-ago", {
          participant: "ana",
          occurredAt: `${tenDaysAgo}T12:00:00.000Z`,
          ...item(4000),
        }),
        order("yesterday", {
          participant: "cal",
          occurredAt: new Date(midnight - DAY_MS / 2).toISOString(),
          ...item(1000),
        }),
        {
          type: "click",
          id: "c-1",
          code: ana.referralCode,
          visitorId: "v-1",
          occurredAt: today(1),
        },
        {
          type: "click",
          id: "c-2",
          code: ana.referralCode,
          visitorId: "v-2",
          occurredAt: today(2),
        },
        order("by-link", { visitorId: "v-1", occurredAt: today(3), ...item(5000) }),
        // v-2 signs up through Ana's link; a lead comes by Cal's code.
        {
          type: "signup",
          id: "signup",
          visitorId: "v-2",
          customer: { id: "cust-signup" },
          occurredAt: today(3),
        },
        {
          type: "lead",
          id: "lead",
          code: cal.referralCode,
          customer: { id: "cust-lead" },
          occurredAt: today(4),
        },
        order("by-code", { code: cal.referralCode, occurredAt: today(4), ...item(3000) }),
        order("named", { participant: "ben", occurredAt: today(5), ...item(2000) }),
        { type: "refund", id: "refund", orderId: "by-code", occurredAt: today(6) },
      ],
    });
    expectStatus(sent, 200);
    expect(sent.body.results.map((r) => r.status)).toEqual(Array(10).fill("processed"));
    page = await browser().newPage({ viewport: { width: 375, height: 900 } });
    page.setDefaultTimeout(10_000);
  });

  const figure = (name: string): Locator => page.getByRole("group", { name, exact: true });
  const preset = (name: string) =>
    page.getByRole("group", { name: "Period" }).getByRole("button", { name, exact: true });
  const row = (table: string, name: string) =>
    page.getByRole("region", { name: table }).getByRole("row", { name: new RegExp(`^${name}`) });

  it("opens on the last 30 days", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    expect(await preset("Last 30 days").getAttribute("aria-pressed")).toBe("true");
    // 40.00 + 10.00 + 50.00 + 30.00 + 20.00
    await figure("Sales").getByText("$150.00").waitFor();
    await eventually(() => figure("Orders").textContent()).toMatch(/^Orders5/);
  });

  it("shows today's figures against yesterday's when Today is chosen", async () => {
    await preset("Today").click();
    expect(await preset("Today").getAttribute("aria-pressed")).toBe("true");
    expect(await preset("Last 30 days").getAttribute("aria-pressed")).toBe("false");
    await figure("Sales").getByText("$100.00", { exact: true }).waitFor();
    // Yesterday: one order of 10.00 by Cal, named.
    await eventually(() => figure("Sales").textContent()).toContain("▲ Up 900% (was $10.00)");
    await eventually(() => figure("Orders").textContent()).toBe("Orders3▲ Up 200% (was 1)");
    await eventually(() => figure("Clicks").textContent()).toBe("Clicks2▲ Up from none (was 0)");
    // Only the order through a click converts one: 1 of 2 clicks.
    await eventually(() => figure("Conversion").textContent()).toBe(
      "Conversion50%1 order through a link, of 2 clicks▲ Up 50 pts (was 0%)",
    );
    await eventually(() => figure("Refunds").textContent()).toBe(
      "Refunds$30.001 refund▲ Up from none (was $0.00)",
    );
    // 10% of 100.00 less the refund's 3.00, and Ben's 3% of Ana's 50.00; 1.00 yesterday.
    await eventually(() => figure("Commissions").textContent()).toBe(
      "Commissions$8.50▲ Up 750% (was $1.00)",
    );
    await eventually(() => figure("Active participants").textContent()).toBe(
      "Active participants3▲ Up 200% (was 1)",
    );
    await page.getByText(/^Today: .+\. Compared with the day before, .+\.$/).waitFor();
  });

  it("tells signups, leads and orders by how they came", async () => {
    const table = "Conversions by how they came";
    // Signups, leads, orders, sales, conversion.
    await eventually(() => row(table, "Referral links").textContent()).toBe(
      "Referral links101$50.0050%",
    );
    await eventually(() => row(table, "Codes").textContent()).toBe(
      "Codes011$30.00not from a click",
    );
    await eventually(() => row(table, "Direct").textContent()).toBe(
      "Direct (named or bound customer)001$20.00not from a click",
    );
    await eventually(() => figure("Signups").textContent()).toBe("Signups1▲ Up from none (was 0)");
    await eventually(() => figure("Leads").textContent()).toBe("Leads1▲ Up from none (was 0)");
  });

  it("shows sales, commissions and participants paid per upline level", async () => {
    const table = "Sales and commissions by upline level";
    // Every order paid a seller; only Ana's (by link) paid her sponsor Ben.
    await eventually(() => row(table, "Seller").textContent()).toBe("Seller$100.00$7.003");
    await eventually(() => row(table, "Sponsor").textContent()).toBe("Sponsor$50.00$1.501");
  });

  it("shows each goal's progress and rewards, linking to the goal", async () => {
    const goal = row("Goals: progress and rewards", "First sale");
    // All three have sold; only Ben's first sale was today (Ana's ten days
    // ago, Cal's yesterday).
    await eventually(() => goal.textContent()).toBe("First sale31Step 1: 150 points");
    expect(await goal.getByRole("link", { name: "First sale" }).getAttribute("href")).toBe(
      `/admin/goals/${goalId}`,
    );
  });

  it("changes the figures with each preset and a custom range", async () => {
    await preset("Last 7 days").click();
    // Today's 100.00 and yesterday's 10.00.
    await figure("Sales").getByText("$110.00", { exact: true }).waitFor();
    await page.getByLabel("From", { exact: true }).fill(tenDaysAgo);
    await page.getByLabel("To", { exact: true }).fill(tenDaysAgo);
    await figure("Sales").getByText("$40.00", { exact: true }).waitFor();
    for (const name of ["Today", "Last 7 days", "Last 30 days"])
      expect(await preset(name).getAttribute("aria-pressed")).toBe("false");
    await page.getByText(/^Custom range: /).waitFor();
  });

  it("fits a phone: no sideways scroll at 375 px", async () => {
    await preset("Today").click();
    await row("Goals: progress and rewards", "First sale").waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });
});
