// The portal a participant opens to see how they are doing: their program's
// brand, their figures for a period and where they came from, an earnings
// chart, their payouts, their links, and goals that never read past 100%.
import { expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  sendEvents,
  type Api,
} from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const DAY_MS = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString();

async function portalLink(server: Api & { url: string }, programId: string, id: string) {
  const token = await server.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${id}/tokens`,
  );
  expectStatus(token, 201);
  return `${server.url}/portal#token=${encodeURIComponent(token.body.token)}`;
}

describeInBrowser("the participant portal's figures, chart and payouts", () => {
  const server = useWebServer();
  const browser = useBrowser();

  /**
   * Ana, at 10% with no hold, has 4 clicks, 1 signup and 2 orders ($40.00 and
   * $64.52) in the last few days, and was paid her $10.45 in a payout; her
   * "Sell $4" goal stands at 2,613%, and the program has an inactivity ladder.
   */
  async function seeded() {
    const program = await createProgram(server, {
      name: "Trail Club",
      enrolment: "approval",
      commission: { rate: { percent: 10 }, holdDays: 0 },
      branding: { logoUrl: `${server.url}/brand/logo.png`, color: "#0f766e" },
    });
    const ana = await createParticipant(server, program.id, { externalId: "ana", name: "Ana" });
    for (const goal of [
      {
        name: "Sell $4",
        metric: "sales_amount",
        window: { type: "lifetime" },
        steps: [{ threshold: 400, reward: { type: "points", points: 10 } }],
      },
      {
        name: "We miss you",
        metric: "inactivity_days",
        steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
      },
    ])
      expectStatus(await server.call("POST", `/v1/programs/${program.id}/goals`, goal), 201);
    const code = ana.referralCode;
    const sale = (id: string, unitAmount: number, occurredAt: string) => ({
      type: "order",
      id,
      occurredAt,
      code,
      currency: "USD",
      items: [{ sku: "BOOTS", quantity: 1, unitAmount }],
    });
    const events = [
      ...[1, 2, 3, 4].map((i) => ({ type: "click", id: `c-${i}`, occurredAt: daysAgo(2), code })),
      { type: "signup", id: "s-1", occurredAt: daysAgo(2), code, customer: { id: "cu-1" } },
      sale("o-1", 4000, daysAgo(1)),
      sale("o-2", 6452, daysAgo(1)),
    ];
    expectStatus(await sendEvents(server, program.id, { events }), 200);
    await releaseDueHolds(server.services);
    const payout = await server.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(payout, 201);
    return { program, ana, link: await portalLink(server, program.id, ana.id) };
  }

  it("shows the program's brand, the participant's exact figures, an earnings chart and the payout, wide on a desktop", async () => {
    const { link } = await seeded();
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(link);

    const heading = page.getByRole("heading", { level: 1 });
    await eventually(() => heading.textContent()).toBe("Trail Club");
    await eventually(() => page.title()).toBe("Trail Club portal");
    const header = page.locator("header[data-brand-color]");
    await eventually(() => header.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(
      "rgb(15, 118, 110)",
    );
    expect(await header.locator("img").getAttribute("src")).toBe(`${server.url}/brand/logo.png`);

    const stat = (key: string) => page.locator(`[data-stat="${key}"]`).textContent();
    await eventually(() => stat("clicks")).toBe("4");
    expect(await stat("signups")).toBe("1");
    expect(await stat("orders")).toBe("2");
    expect(await stat("sales")).toBe("$104.52");
    expect(await stat("conversionRate")).toBe("50%");
    expect(await stat("earnings")).toBe("$10.45");

    // The chart draws the week's earnings, and its table says them in words.
    const chart = page.locator('[data-chart="earnings"]');
    await chart.waitFor();
    await eventually(() => chart.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    await eventually(() =>
      page
        .locator("[data-bucket] td")
        .allTextContents()
        .then((cells) => cells.filter((c) => c !== "$0.00")),
    ).toEqual(["$10.45"]);

    const payouts = page.getByRole("region", { name: "Payouts" });
    await eventually(() => payouts.locator("[data-payout]").count()).toBe(1);
    expect(await payouts.locator("[data-payout]").textContent()).toContain("$10.45");

    // Wide: the figures and the side column sit next to each other.
    const performance = await page.getByRole("region", { name: "Your performance" }).boundingBox();
    const balances = await page.getByRole("region", { name: "Your balances" }).boundingBox();
    expect(performance && balances).toBeTruthy();
    expect(performance!.width).toBeGreaterThan(700);
    expect(balances!.x).toBeGreaterThan(performance!.x + performance!.width - 1);

    // All time: the same figures here, and a chart by month.
    await page.getByLabel("Period").selectOption({ label: "All time" });
    await eventually(() =>
      page.getByRole("heading", { name: "Cash earned per month" }).count(),
    ).toBe(1);
    await eventually(() => stat("earnings")).toBe("$10.45");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("caps a goal far past its target at 100% complete, and shows no inactivity ladder, at 375 px", async () => {
    const { link } = await seeded();
    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(link);
    const goals = page.getByRole("region", { name: "Your goals" });
    const bar = goals.getByRole("progressbar", { name: "Sell $4" });
    await bar.waitFor({ timeout: 10_000 });
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("100");
    await eventually(() => goals.getByText(/100% · complete/).count()).toBe(1);
    expect(await goals.getByText(/2,613/).count()).toBe(0);
    expect(await page.getByText("We miss you").count()).toBe(0);
    await eventually(() => page.locator('[data-stat="orders"]').textContent()).toBe("2");
    const scrolls = await page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    expect(scrolls).toBe(false);
    await page.close();
  });
  it("picks a period and shows its clicks, signups, leads, orders and their sources, with the recruitment link beside the referral link", async () => {
    const { program, ana, link } = await seeded();
    const code = ana.referralCode;
    // A visitor of Ana's link leaves a lead; 40 days ago her code brought a lead and a $20.00 order.
    const old = daysAgo(40);
    const events = [
      { type: "click", id: "c-v", occurredAt: daysAgo(2), code, visitorId: "v-1" },
      {
        type: "lead",
        id: "l-1",
        occurredAt: daysAgo(1),
        visitorId: "v-1",
        customer: { id: "cu-2" },
      },
      { type: "lead", id: "l-old", occurredAt: old, code, customer: { id: "cu-3" } },
      {
        type: "order",
        id: "o-old",
        occurredAt: old,
        code,
        currency: "USD",
        items: [{ sku: "BOOTS", quantity: 1, unitAmount: 2000 }],
      },
    ];
    expectStatus(await sendEvents(server, program.id, { events }), 200);
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(link);

    const stat = (key: string) => page.locator(`[data-stat="${key}"]`).textContent();
    const source = (key: string) =>
      page.locator(`[data-source="${key}"]`).locator("th, td").allTextContents();
    // The last 30 days: 5 clicks, the code's signup and 2 orders, the link's lead.
    await eventually(() => stat("clicks")).toBe("5");
    expect(await stat("signups")).toBe("1");
    expect(await stat("leads")).toBe("1");
    expect(await stat("orders")).toBe("2");
    expect(await stat("sales")).toBe("$104.52");
    expect(await stat("conversionRate")).toBe("40%");
    expect(await stat("earnings")).toBe("$10.45");
    // Source, clicks, signups, leads, orders, sales, conversion.
    expect(await source(`link:${code}`)).toEqual([
      `Link ${code}`,
      "5",
      "0",
      "1",
      "0",
      "$0.00",
      "0%",
    ]);
    expect(await source(`code:${code}`)).toEqual([
      `Code ${code} typed at checkout`,
      "—not counted",
      "1",
      "0",
      "2",
      "$104.52",
      "—not counted",
    ]);

    // A custom range of the one day 40 days ago.
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: program.timezone }).format(
      new Date(old),
    );
    await page.getByLabel("Period").selectOption({ label: "Custom range" });
    await page.getByLabel("From", { exact: true }).fill(day);
    await page.getByLabel("To", { exact: true }).fill(day);
    await eventually(() => stat("orders")).toBe("1");
    expect(await stat("clicks")).toBe("0");
    expect(await stat("signups")).toBe("0");
    expect(await stat("leads")).toBe("1");
    expect(await stat("sales")).toBe("$20.00");
    expect(await stat("earnings")).toBe("$2.00");
    expect((await source(`code:${code}`)).slice(2, 6)).toEqual(["0", "1", "1", "$20.00"]);

    // All time holds both.
    await page.getByLabel("Period").selectOption({ label: "All time" });
    await eventually(() => stat("orders")).toBe("3");
    expect(await stat("leads")).toBe("2");

    const referral = page.getByRole("region", { name: "Share your link" });
    expect(await referral.getByLabel("Referral link").inputValue()).toBe(ana.referralLink);
    expect(await referral.getByLabel("Recruitment link").inputValue()).toBe(
      `${server.services.publicUrl}/apply/${program.id}?via=${code}`,
    );
    await referral.getByRole("button", { name: "Copy recruitment link" }).waitFor();
    expect(await referral.getByText(/recruiting pays nothing by itself/).count()).toBe(1);

    await page.getByLabel("Period").selectOption({ label: "Custom range" });
    await page.getByLabel("From", { exact: true }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
