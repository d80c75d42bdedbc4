import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("the participant portal", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("opens from a magic link and turns a goal green when an order arrives, without a reload", async () => {
    const program = await createProgram(server, { name: "Ambassadors" });
    const ana = await createParticipant(server, program.id, { externalId: "ana", name: "Ana" });
    const goal = await server.call<{ id: string }>("POST", `/v1/programs/${program.id}/goals`, {
      name: "First $50",
      metric: "sales_amount",
      window: { type: "lifetime" },
      steps: [{ threshold: 5000, reward: { type: "points", points: 100 } }],
      evaluate: "immediately",
    });
    expectStatus(goal, 201);
    const token = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/tokens`,
    );
    expectStatus(token, 201);

    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${server.url}/portal#token=${encodeURIComponent(token.body.token)}`);
    const bar = page.getByRole("progressbar", { name: "First $50" });
    await bar.waitFor({ timeout: 10_000 });
    // The program's own name heads the page, not Laurel's.
    await eventually(() => page.getByRole("heading", { level: 1 }).textContent()).toBe(
      "Ambassadors",
    );
    // On a phone the balances come right after the figures, before the goals.
    const top = async (name: string) =>
      (await page.getByRole("region", { name }).boundingBox())?.y ?? -1;
    await eventually(
      async () => (await top("Your balances")) > (await top("Your performance")),
    ).toBe(true);
    expect(await top("Your balances")).toBeLessThan(await top("Your goals"));
    await eventually(() => bar.getAttribute("data-band")).toBe("red");
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("0");
    await eventually(() => page.getByText("$50.00 to go").first().isVisible()).toBe(true);

    expect(page.url()).not.toContain("token");
    expect(page.url()).not.toContain(token.body.token);
    await eventually(() => page.getByLabel("Referral link").inputValue()).toBe(ana.referralLink);
    const scrolls = await page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
    );
    expect(scrolls).toBe(false);

    const sent = await sendEvents(
      server,
      program.id,
      order("portal-o-1", {
        participant: "ana",
        items: [{ sku: "SHIRT", quantity: 1, unitAmount: 5000 }],
      }),
    );
    expectStatus(sent, 200);
    await expect
      .poll(() => bar.getAttribute("data-band"), { timeout: 8_000, interval: 250 })
      .toBe("green");
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("100");

    // A session that ends on the server (here: cut short) is noticed at the next refresh.
    await server.db.query("update portal_sessions set expires_at = now() - interval '1 second'");
    await page
      .getByRole("heading", { name: "Your session has ended" })
      .waitFor({ timeout: 10_000 });
    await page.close();
  });

  it("shows a clear error for a link that does not work", async () => {
    const page = await browser().newPage();
    await page.goto(`${server.url}/portal#token=lrl_part_not-a-real-token`);
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: 10_000 });
    await eventually(() => alert.textContent()).toMatch(/link does not work/i);
    expect(page.url()).not.toContain("token");
    await page.close();
  });
});
