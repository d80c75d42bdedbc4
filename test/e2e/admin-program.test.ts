import { beforeAll, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { expectStatus, order, sendEvents } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

interface StoredProgram {
  currency: string;
  widget?: { enrol: boolean };
  branding?: { logoUrl?: string; color?: string };
  fraud?: Record<string, unknown>;
  notifications?: Record<string, boolean>;
  commission?: Record<string, unknown>;
  levels?: { key: string; name: string }[];
  attribution?: Record<string, unknown>;
  payouts?: { minimum: number };
}

describeInBrowser("the admin console's program screen", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  const patches: unknown[] = [];

  beforeAll(async () => {
    const program = await server.call<{ id: string }>("POST", "/v1/programs", {
      name: "Plan editing",
      currency: "USD",
      commission: { rate: { percent: 10 }, bySku: { MUG: { flat: 150 } } },
      levels: [{ key: "silver", name: "Silver" }],
      attribution: { cookieDays: 45 },
    });
    expect(program.status).toBe(201);
    programId = program.body.id;
    page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(10_000);
    page.on("request", (request) => {
      if (request.method() === "PATCH") patches.push(request.postDataJSON());
    });
  });

  const read = async () =>
    (await server.call<StoredProgram>("GET", `/v1/programs/${programId}`)).body;

  it("shows the stored plan, money in major units", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Program" }).click();
    await page.getByRole("heading", { name: "Program", exact: true }).waitFor();
    await eventually(() => page.getByLabel("Base rate", { exact: true }).inputValue()).toBe("10");
    await eventually(() => page.getByLabel("SKU rate 1 SKU").inputValue()).toBe("MUG");
    await eventually(() => page.getByLabel("SKU rate 1 type").inputValue()).toBe("flat");
    await eventually(() => page.getByLabel("SKU rate 1", { exact: true }).inputValue()).toBe("1.5");
    await eventually(() => page.getByLabel("Cookie days").inputValue()).toBe("45");
    // Nothing in the page may be wider than a phone.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });

  it("saves the base rate, a new level, an upline level and a cap, sending only those", async () => {
    await page.getByLabel("Base rate", { exact: true }).fill("12.5");
    await page.getByRole("button", { name: "Add level", exact: true }).click();
    await page.getByLabel("Level 2 key").fill("gold");
    await page.getByLabel("Level 2 name").fill("Gold");
    await page.getByRole("button", { name: "Add upline level" }).click();
    await page.getByLabel("Upline level 1 rate").fill("3");
    await page.getByLabel("Cap per order (USD)").fill("25");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();

    expect(patches).toEqual([
      {
        commission: {
          rate: { percent: 12.5 },
          upline: [{ percent: 3 }],
          caps: { perOrder: 2500 },
        },
        levels: [
          { key: "silver", name: "Silver" },
          { key: "gold", name: "Gold" },
        ],
      },
    ]);
    const stored = await read();
    expect(stored.commission).toEqual({
      rate: { percent: 12.5 },
      bySku: { MUG: { flat: 150 } },
      upline: [{ percent: 3 }],
      caps: { perOrder: 2500 },
    });
    expect(stored.levels).toEqual([
      { key: "silver", name: "Silver" },
      { key: "gold", name: "Gold" },
    ]);
    expect(stored.attribution).toEqual({ cookieDays: 45 });
  });

  it("removes a SKU rate and adds a payout minimum with the keyboard alone", async () => {
    await page.getByRole("button", { name: "Remove SKU rate 1" }).focus();
    await page.keyboard.press("Enter");
    await page.getByLabel("Payout minimum (USD)").focus();
    await page.keyboard.type("20");
    await page.keyboard.press("Enter");
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    expect(patches.at(-1)).toEqual({
      commission: { bySku: null },
      payouts: { minimum: 2000 },
    });
    const stored = await read();
    expect(stored.commission?.bySku).toBeUndefined();
    expect(stored.payouts).toEqual({ minimum: 2000 });
  });

  it("shows the API's message beside a by-level rate for a level that does not exist", async () => {
    await page.getByRole("button", { name: "Add level rate" }).click();
    await page.getByLabel("Level rate 1 level").fill("platinum");
    await page.getByLabel("Level rate 1", { exact: true }).fill("20");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("alert").waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Level rate 1 level"))).toMatch(
      /"platinum" is not one of the program's levels/,
    );
    await eventually(() => descriptionOf(page.getByLabel("Base rate", { exact: true }))).toBe("");
    expect((await read()).commission?.byLevel).toBeUndefined();
    // Rows of rates and their messages still fit a phone.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });

  it("shows the API's message beside a base rate over 100 percent", async () => {
    await page.getByLabel("Level rate 1 level").fill("gold");
    await page.getByLabel("Base rate", { exact: true }).fill("150");
    await page.getByRole("button", { name: "Save program" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /0 to 100/ })
      .waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Base rate", { exact: true }))).toMatch(
      /from 0 to 100/,
    );
    await eventually(() => descriptionOf(page.getByLabel("Level rate 1 level"))).toBe("");
    expect((await read()).commission?.rate).toEqual({ percent: 12.5 });

    await page.getByLabel("Base rate", { exact: true }).fill("15");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    const stored = await read();
    expect(stored.commission?.rate).toEqual({ percent: 15 });
    expect(stored.commission?.byLevel).toEqual({ gold: { percent: 20 } });
  });

  it("lets customers join from the widget, sending only that", async () => {
    const before = patches.length;
    await page.getByLabel(/can join the program from the storefront widget/).check();
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    expect(patches.slice(before)).toEqual([{ widget: { enrol: true } }]);
    expect((await read()).widget).toEqual({ enrol: true });
  });

  it("saves what a signup and a lead pay and how people join, sending only those", async () => {
    const before = patches.length;
    await page.getByLabel("Pay per signup (USD)").fill("2");
    await page.getByLabel("Pay per lead (USD)").fill("0.75");
    await page.getByLabel("How people join").selectOption("approval");
    await page.getByText("the brand approves or rejects each application").waitFor();
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    expect(patches.slice(before)).toEqual([
      {
        commission: { perSignup: { flat: 200 }, perLead: { flat: 75 } },
        enrolment: "approval",
      },
    ]);
    const stored = (await read()) as StoredProgram & { enrolment?: string };
    expect(stored.commission).toMatchObject({ perSignup: { flat: 200 }, perLead: { flat: 75 } });
    expect(stored.enrolment).toBe("approval");
    await eventually(() => page.getByLabel("Pay per signup (USD)").inputValue()).toBe("2");
  });

  it("saves the branding: a logo shown as it loads and a picked colour, after the API's message beside a colour it refuses", async () => {
    const before = patches.length;
    await page.getByLabel("Accent colour").fill("teal");
    await page.getByRole("button", { name: "Save program" }).click();
    await eventually(() => descriptionOf(page.getByLabel("Accent colour"))).toMatch(/#RRGGBB/);
    expect((await read()).branding).toBeUndefined();

    // The console's own mark, so the preview loads under the page's policy.
    const logoUrl = `${server.url}/favicon.svg`;
    await page.getByLabel("Logo URL").fill(logoUrl);
    const preview = page.getByRole("img", { name: "Logo preview" });
    await eventually(() =>
      preview.evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBeGreaterThan(0);
    await page.getByLabel("Pick the colour").fill("#0f766e");
    await eventually(() => page.getByLabel("Accent colour").inputValue()).toBe("#0f766e");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    expect(patches.slice(before)).toEqual([
      { branding: { color: "teal" } },
      { branding: { logoUrl, color: "#0f766e" } },
    ]);
    expect((await read()).branding).toEqual({ logoUrl, color: "#0f766e" });
  });

  it("sets fraud limits and turns the payout mail off beside the notice that no mail is sent, sending only those", async () => {
    const before = patches.length;
    await page.getByText("Mail is not configured.").waitFor();
    await page.getByLabel("Most clicks counted per hour").fill("50");
    await page.getByLabel("Recent orders looked at").fill("20");
    await page.getByLabel("Most refunded (%)").fill("30");
    await page.getByLabel("Mail each participant a payout pays").uncheck();
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    expect(patches.slice(before)).toEqual([
      {
        fraud: { maxClicksPerHour: 50, refundAbuse: { orders: 20, maxRefundPercent: 30 } },
        notifications: { payoutSent: false },
      },
    ]);
    const stored = await read();
    expect(stored.fraud).toEqual({
      maxClicksPerHour: 50,
      refundAbuse: { orders: 20, maxRefundPercent: 30 },
    });
    expect(stored.notifications).toEqual({ payoutSent: false });
    // A rate or cap is not among them, so there is no pay change to announce.
    expect(await page.getByRole("link", { name: /Announce this change/ }).count()).toBe(0);
  });

  it("changes the currency while the program has recorded nothing, and says why not once it has an event", async () => {
    const before = patches.length;
    await page.getByLabel("Currency").fill("EUR");
    await page.getByLabel("Cap per order (EUR)").waitFor();
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    // The figures on screen keep their meaning: 25 is 25 euros now, as it was 25 dollars.
    expect(patches.slice(before)).toEqual([{ currency: "EUR" }]);
    expect((await read()).currency).toBe("EUR");

    const event = await sendEvents(
      server,
      programId,
      order("after-the-change", { currency: "EUR" }),
    );
    expectStatus(event, 200);
    await page.getByLabel("Currency").fill("GBP");
    await page.getByRole("button", { name: "Save program" }).click();
    await eventually(() => descriptionOf(page.getByLabel("Currency"))).toBe(
      "cannot change: the program has events in EUR",
    );
    expect((await read()).currency).toBe("EUR");
  });
});
