import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProgram, PUBLIC_URL } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const SECRET = "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";
const SHOP = "laurel-goods.myshopify.com";
/** A real orders/paid body as Shopify sends it, bytes and all. */
const ORDER_PAID = readFileSync(
  new URL("../fixtures/shopify/orders-paid.json", import.meta.url),
  "utf8",
);
const ORDER_ID = (JSON.parse(ORDER_PAID) as { id: number }).id;

interface Delivered {
  status: number;
  body: { status?: string; eventIds?: string[] };
}

describeInBrowser("the admin console's integrations screen", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;
  let programId = "";
  let webhookUrl = "";

  beforeAll(async () => {
    const program = await createProgram(server, { name: "Store hookups", currency: "USD" });
    programId = program.id;
    context = await browser().newContext({
      viewport: { width: 375, height: 800 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  const card = (name: string): Locator => page.getByRole("region", { name, exact: true });
  const shopify = () => card("Shopify");

  /**
   * A delivery to the webhook URL as Shopify makes it. The URL names the
   * server's public address; the test reaches the same path on its port.
   */
  async function deliver(
    body: string,
    headers: { topic: string; eventId: string; secret?: string },
  ): Promise<Delivered> {
    const path = new URL(webhookUrl).pathname;
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": createHmac("sha256", headers.secret ?? SECRET)
          .update(body)
          .digest("base64"),
        "x-shopify-topic": headers.topic,
        "x-shopify-shop-domain": SHOP,
        "x-shopify-event-id": headers.eventId,
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Delivered["body"] };
  }

  it("opens at /admin/integrations, saying for each store where its secret is and what to subscribe", async () => {
    await page.goto(`${server.url}/admin/integrations`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Store hookups" });
    await page.getByRole("heading", { name: "Integrations", level: 2 }).waitFor();
    expect(
      await page
        .getByRole("navigation")
        .getByRole("link", { name: "Integrations" })
        .getAttribute("aria-current"),
    ).toBe("page");

    await expect(shopify().textContent()).resolves.toMatch(/Your webhooks will be signed with/);
    for (const topic of ["orders/create", "orders/paid", "refunds/create", "orders/cancelled"])
      await shopify().getByText(topic, { exact: true }).waitFor();
    const stripe = await card("Stripe").textContent();
    expect(stripe).toMatch(/Signing secret \(whsec_…\)/);
    expect(stripe).toMatch(/checkout\.session\.async_payment_succeeded/);
    const woo = await card("WooCommerce").textContent();
    expect(woo).toMatch(/Settings → Advanced → Webhooks/);
    expect(woo).toMatch(/WP REST API Integration v3/);
    expect(woo).toMatch(/Order created.*Order updated/);
    for (const name of ["Shopify", "Stripe", "WooCommerce"]) {
      await card(name).getByText("Not connected").waitFor();
      expect(await card(name).getByLabel("Signing secret").getAttribute("type")).toBe("password");
      expect(await card(name).getByLabel("Signing secret").getAttribute("autocomplete")).toBe(
        "off",
      );
    }
    // Three setup guides and their forms still fit a phone.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });

  it("shows the API's message beside a shop domain that is not the shop's myshopify.com domain", async () => {
    await shopify().getByLabel("Signing secret").fill(SECRET);
    await shopify().getByLabel("Shop domain").fill("https://laurel-goods.com");
    await shopify().getByRole("button", { name: "Connect Shopify" }).click();
    await shopify().getByRole("alert").waitFor();
    await eventually(() => descriptionOf(shopify().getByLabel("Shop domain"))).toBe(
      "must be the shop's x.myshopify.com domain",
    );
    await eventually(() => descriptionOf(shopify().getByLabel("Signing secret"))).toBe("");
    const stored = await server.call("GET", `/v1/programs/${programId}/integrations/shopify`);
    expect(stored.status).toBe(404);
  });

  it("connects Shopify with its secret and shop domain, and shows the webhook URL to give Shopify", async () => {
    await shopify().getByLabel("Shop domain").fill(SHOP);
    await shopify().getByRole("button", { name: "Connect Shopify" }).click();
    const url = shopify().getByLabel("Webhook URL");
    await eventually(() => url.inputValue()).toBe(`${PUBLIC_URL}/v1/hooks/shopify/${programId}`);
    webhookUrl = await url.inputValue();
    expect(await url.getAttribute("readonly")).not.toBeNull();
    // The form that had focus is gone; the URL to copy has it now.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe(
      "shopify-webhook-url",
    );
    await shopify().getByText("Connected", { exact: true }).first().waitFor();
    await shopify().getByText(SHOP, { exact: true }).waitFor();
    await card("Stripe").getByText("Not connected").waitFor();
    const stored = await server.call<{ shopDomain: string }>(
      "GET",
      `/v1/programs/${programId}/integrations/shopify`,
    );
    expect(stored.body.shopDomain).toBe(SHOP);
  });

  it("copies the webhook URL, and says Copied where screen readers hear it", async () => {
    await shopify().getByRole("button", { name: "Copy Shopify webhook URL" }).click();
    const said = shopify().getByRole("status").filter({ hasText: "Copied" });
    await said.waitFor();
    expect(await said.getAttribute("aria-live")).toBe("polite");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(webhookUrl);
  });

  it("keeps the secret out of the page once connected: neither its text nor any field holds it", async () => {
    expect(await page.evaluate(() => document.body.innerText)).not.toContain(SECRET);
    const values = await page.evaluate(() =>
      [...document.querySelectorAll("input, textarea")].map(
        (e) => (e as HTMLInputElement | HTMLTextAreaElement).value,
      ),
    );
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).not.toContain(SECRET);
    expect(await page.content()).not.toContain(SECRET);
  });

  it("says what to do while there are no deliveries yet", async () => {
    await shopify()
      .getByText(/^No deliveries yet: send a test webhook from your store/)
      .waitFor();
  });

  it("lists a signed order as processed and an unhandled topic as ignored with its reason after Refresh, and never a badly signed delivery", async () => {
    const paid = await deliver(ORDER_PAID, { topic: "orders/paid", eventId: "evt-paid-1" });
    expect(paid).toEqual({
      status: 200,
      body: expect.objectContaining({
        status: "processed",
        eventIds: [`shopify:order:${ORDER_ID}`],
      }),
    });
    const forged = await deliver(ORDER_PAID, {
      topic: "orders/paid",
      eventId: "evt-forged-1",
      secret: "someone-elses-secret",
    });
    expect(forged.status).toBe(401);
    const other = await deliver('{"id":7,"title":"Laurel Tee"}', {
      topic: "products/update",
      eventId: "evt-product-1",
    });
    expect(other).toEqual({ status: 200, body: expect.objectContaining({ status: "ignored" }) });

    await shopify().getByRole("button", { name: "Refresh Shopify deliveries" }).click();
    const rows = shopify().getByRole("list", { name: "Recent deliveries" }).getByRole("listitem");
    await eventually(() => rows.count()).toBe(2);
    // Newest first.
    const [ignored, processed] = [rows.nth(0), rows.nth(1)];
    await ignored.getByText("Ignored", { exact: true }).waitFor();
    await ignored.getByText("products/update", { exact: true }).waitFor();
    await ignored.getByText("topic products/update is not handled").waitFor();
    await processed.getByText("Processed", { exact: true }).waitFor();
    await processed.getByText("orders/paid", { exact: true }).waitFor();
    await processed.getByText(`shopify:order:${ORDER_ID}`, { exact: true }).waitFor();
    expect(await processed.textContent()).not.toMatch(/Reason/);
    expect(await shopify().textContent()).not.toContain("evt-forged-1");
  });

  it("shows the 20 newest deliveries and the older ones on Show more", async () => {
    for (let n = 2; n <= 21; n++) {
      const reply = await deliver(`{"id":${n}}`, {
        topic: "products/update",
        eventId: `evt-product-${n}`,
      });
      expect(reply.status).toBe(200);
    }
    await shopify().getByRole("button", { name: "Refresh Shopify deliveries" }).click();
    const rows = shopify().getByRole("list", { name: "Recent deliveries" }).getByRole("listitem");
    await shopify().getByText("20 shown, newest first").waitFor();
    await shopify().getByRole("button", { name: "Show more Shopify deliveries" }).click();
    await eventually(() => rows.count()).toBe(22);
    await rows.nth(21).getByText(`shopify:order:${ORDER_ID}`).waitFor();
    // Focus goes on to the first delivery of the page that came in.
    await eventually(() => page.evaluate(() => document.activeElement?.textContent ?? "")).toMatch(
      /^Ignored/,
    );
    await expect(
      shopify().getByRole("button", { name: "Show more Shopify deliveries" }).count(),
    ).resolves.toBe(0);
  });

  it("replaces the secret, keeping the shop domain: the old secret is refused from then on", async () => {
    await shopify().getByRole("button", { name: "Replace secret of Shopify" }).click();
    const secret = shopify().getByLabel("New signing secret");
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe("shopify-secret");
    expect(await shopify().getByLabel("Shop domain").inputValue()).toBe(SHOP);
    await secret.fill("shpss_rotated_0123456789");
    await shopify().getByRole("button", { name: "Replace secret of Shopify" }).click();
    await shopify().getByRole("status").filter({ hasText: "secret is replaced" }).waitFor();
    const old = await deliver("{}", { topic: "orders/paid", eventId: "evt-old-secret" });
    expect(old.status).toBe(401);
    const renewed = await deliver('{"id":99}', {
      topic: "products/update",
      eventId: "evt-new-secret",
      secret: "shpss_rotated_0123456789",
    });
    expect(renewed.status).toBe(200);
    const stored = await server.call<{ shopDomain: string }>(
      "GET",
      `/v1/programs/${programId}/integrations/shopify`,
    );
    expect(stored.body.shopDomain).toBe(SHOP);
    expect(await page.evaluate(() => document.body.innerText)).not.toContain("shpss_rotated");
  });

  it("disconnects after a confirmation, and the store's deliveries are refused from then on", async () => {
    await shopify().getByRole("button", { name: "Disconnect Shopify" }).click();
    const dialog = page.getByRole("dialog", { name: "Disconnect Shopify?" });
    await dialog.getByText(/deliveries log and everything the deliveries booked stay/).waitFor();
    await dialog.getByRole("button", { name: "Disconnect" }).click();
    await dialog.waitFor({ state: "detached" });
    await shopify().getByText("Not connected").waitFor();
    await shopify().getByRole("status").filter({ hasText: "Shopify is disconnected" }).waitFor();
    await shopify().getByRole("button", { name: "Connect Shopify" }).waitFor();
    // Focus stays in the card whose Disconnect button went away.
    await eventually(() => page.evaluate(() => document.activeElement?.textContent)).toBe(
      "Shopify",
    );
    const stored = await server.call("GET", `/v1/programs/${programId}/integrations/shopify`);
    expect(stored.status).toBe(404);
    const refused = await deliver('{"id":100}', {
      topic: "products/update",
      eventId: "evt-after-disconnect",
      secret: "shpss_rotated_0123456789",
    });
    expect(refused.status).toBe(401);
  });
});
