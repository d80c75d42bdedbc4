import { beforeAll, expect, it } from "vitest";
import type { Page, Request } from "playwright-core";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

// The chart's chunks as Vite names them: its own module and the Recharts code it shares with the portal.
const CHART_SCRIPT = /\/assets\/(?:sales-chart|CartesianChart)-[\w-]+\.js$/;

/**
 * Recharts is most of the Overview's script, so the console loads it only for
 * the chart: signing in never fetches it, the figures and tables show while it
 * is on the way, and the chart draws into a frame already its size, so the
 * cards below it stay where they were.
 */
describeInBrowser("the Overview's chart, loaded on its own", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  const requested: string[] = [];
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    const program = await createProgram(server, { name: "Chart", timezone: "UTC" });
    await createParticipant(server, program.id, { externalId: "ana", name: "Ana" });
    const sent = await sendEvents(server, program.id, {
      events: [
        order("today", {
          participant: "ana",
          occurredAt: new Date().toISOString(),
          items: [{ sku: "BAG", quantity: 1, unitAmount: 4200 }],
        }),
      ],
    });
    expectStatus(sent, 200);
    page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on("request", (request: Request) => requested.push(request.url()));
    // The chart's own module waits, as on a slow connection, until the test lets it through.
    await page.route("**/assets/sales-chart-*.js", async (route) => {
      await held;
      await route.continue();
    });
  });

  const chartCard = () => page.getByRole("region", { name: "Day by day" });
  const belowChart = () => page.getByRole("region", { name: "How conversions came" });

  it("does not fetch the chart's script to sign in", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").waitFor();
    expect(requested.filter((url) => CHART_SCRIPT.test(url))).toEqual([]);
  });

  it("shows the figures and tables while the chart's script is held back", async () => {
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("group", { name: "Sales", exact: true }).getByText("$42.00").waitFor();
    await belowChart()
      .getByRole("row", { name: /^Direct/ })
      .waitFor();
    await chartCard().getByRole("status").getByText("Loading the chart…").waitFor();
    // Asked for as the screen opened, not once the days had come.
    expect(requested.some((url) => /\/assets\/sales-chart-[\w-]+\.js$/.test(url))).toBe(true);
    expect(await chartCard().getByRole("img").count()).toBe(0);
  });

  it("draws the chart where its placeholder was, moving nothing below it", async () => {
    const before = await belowChart().boundingBox();
    release();
    const chart = chartCard().getByRole("img", { name: "Sales and commissions per day" });
    // Sales, commissions, orders and clicks.
    await eventually(() => chart.locator(".recharts-line").count()).toBe(4);
    await eventually(async () => (await chart.boundingBox())?.height).toBe(256);
    expect(await belowChart().boundingBox()).toEqual(before);
    expect(await chartCard().getByRole("status").count()).toBe(0);
  });
});

/**
 * A screen whose script cannot be fetched (a deploy replaced it, the network
 * dropped) says so in its own place: the header and the other screens stay.
 */
describeInBrowser("a console screen whose script cannot load", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("shows that the screen could not load, and the other screens still open", async () => {
    await createProgram(server, { name: "Unreachable", timezone: "UTC" });
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.route("**/assets/money-*.js", (route) => route.abort("connectionfailed"));
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    const nav = page.getByRole("navigation", { name: "Sections" });
    await nav.getByRole("link", { name: "Payouts" }).click();
    await page.getByText("This screen could not load. Reload the page to try again.").waitFor();
    await nav.getByRole("link", { name: "Goals" }).click();
    await page.getByRole("heading", { name: "Goals", level: 2 }).waitFor();
    await page.close();
  });
});
