// The storefront widget in a real browser, embedded by a page on another
// origin the way a shop embeds it: one script tag, a customer token minted by
// the shop's server, and the shop's own (hostile) CSS around it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { SignJWT } from "jose";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { WEB_DIR } from "../../src/api/web.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

/** Styles a careless shop might have: none of them may reach inside the widget. */
const HOSTILE_CSS = `
  laurel-widget, div, button { display: none !important; }
  * { color: red !important; font-family: serif !important; background: yellow !important; }
  button { color: red; border: 5px dotted blue; padding: 40px; }
`;

describeInBrowser("the storefront widget on a shop's page", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let shop: Server;
  let shopUrl = "";
  let programId = "";
  let token = "";
  let widgetSecret = "";

  /** A customer token as the shop's server mints it. */
  const mint = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(widgetSecret));

  /**
   * The shop's page: the script tag, with or without a token and hostile CSS;
   * or with the token queued by an inline script before the widget loads.
   */
  function shopPage(options: { token: boolean | "queued"; css: string; program?: string }): string {
    const tokenAttribute = options.token === true ? ` data-customer-token="${token}"` : "";
    const queued =
      options.token === "queued"
        ? `<script>(window.LaurelWidget ||= { q: [] }).q.push(["setCustomerToken", "${token}"], ["open"]);</script>`
        : "";
    return `<!doctype html><html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>A shop</title><style>${options.css}</style></head>
      <body><h1>A shop</h1>${queued}
      <script src="${server.url}/widget.js" data-program="${options.program ?? programId}"${tokenAttribute}></script>
      </body></html>`;
  }

  beforeAll(async () => {
    const program = await createProgram(server, { name: "Loyalty", commission: undefined });
    programId = program.id;
    const goal = await server.call("POST", `/v1/programs/${programId}/goals`, {
      name: "Two orders",
      metric: "order_count",
      steps: [{ threshold: 2, reward: { type: "points", points: 50 } }],
    });
    expectStatus(goal, 201);
    const spend = await server.call("POST", `/v1/programs/${programId}/goals`, {
      name: "Spend $100",
      metric: "sales_amount",
      steps: [{ threshold: 10000, reward: { type: "cash", amount: 500 } }],
    });
    expectStatus(spend, 201);
    await createParticipant(server, programId, { externalId: "cust-1" });
    expectStatus(await sendEvents(server, programId, order("o-1", { participant: "cust-1" })), 200);
    const secret = await server.call<{ secret: string }>(
      "POST",
      `/v1/programs/${programId}/widget-secret`,
    );
    expectStatus(secret, 201);
    widgetSecret = secret.body.secret;
    token = await mint("cust-1");
    shop = createServer((request, response) => {
      const path = request.url ?? "/";
      if (path === "/logo.svg") {
        response.writeHead(200, { "content-type": "image/svg+xml" });
        response.end(
          '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#0f766e"/></svg>',
        );
        return;
      }
      const html =
        path === "/hostile"
          ? shopPage({ token: true, css: HOSTILE_CSS })
          : path === "/unknown-program"
            ? shopPage({ token: false, css: "", program: "prg_01JUNKNOWNUNKNOWNUNKNOWN00" })
            : path === "/later"
              ? shopPage({ token: false, css: "" })
              : path === "/queued"
                ? shopPage({ token: "queued", css: "" })
                : shopPage({ token: true, css: "" });
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(html);
    });
    await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
    // localhost, not 127.0.0.1: another host as well as another port.
    shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => shop?.close(resolve));
  });

  async function openShop(path: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
    const page = await browser().newPage({ viewport: { width, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${shopUrl}${path}`);
    return { page, errors };
  }

  const launcherStyle = (page: Page) =>
    page.evaluate(() => {
      const button = document
        .querySelector("laurel-widget")
        ?.shadowRoot?.querySelector("button.launcher");
      if (!button) return null;
      const style = getComputedStyle(button);
      return {
        display: style.display,
        color: style.color,
        backgroundColor: style.backgroundColor,
        fontFamily: style.fontFamily,
        borderTopStyle: style.borderTopStyle,
        paddingTop: style.paddingTop,
      };
    });

  it("shows the signed-in customer's progress from another origin, and closes on Escape", async () => {
    const { page, errors } = await openShop("/");
    const launcher = page.getByRole("button", { name: "★ Rewards" });
    await eventually(() => launcher.getAttribute("aria-expanded")).toBe("false");
    await launcher.click();
    await eventually(() => launcher.getAttribute("aria-expanded")).toBe("true");
    const dialog = page.getByRole("dialog", { name: "Loyalty rewards" });
    await dialog.getByText("1 order to go to 50 points").waitFor();
    // Both goals are half done: one order of two, $50.00 of $100.00.
    await eventually(() => dialog.getByText("Keep going · 50%").count()).toBe(2);
    const fill = await page.evaluate(() => {
      const element = document.querySelector("laurel-widget")?.shadowRoot?.querySelector(".fill");
      return element ? getComputedStyle(element).backgroundColor : null;
    });
    expect(fill).toBe("rgb(185, 28, 28)");
    await eventually(() => dialog.getByText("0 of 1 step reached").count()).toBe(2);
    // The ladders, with money in the program's currency.
    await eventually(() => dialog.getByText("$100.00: $5.00 cash").count()).toBe(1);
    await eventually(() => dialog.getByText("$50.00 to go to $5.00 cash").count()).toBe(1);
    const bar = dialog.getByRole("progressbar", { name: "Two orders" });
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("50");
    await page.keyboard.press("Escape");
    await eventually(() => dialog.isHidden()).toBe(true);
    await eventually(() => launcher.getAttribute("aria-expanded")).toBe("false");
    const focused = await page.evaluate(
      () => document.querySelector("laurel-widget")?.shadowRoot?.activeElement?.className,
    );
    expect(focused).toBe("launcher");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("keeps the shop's CSS out: the launcher looks the same on a hostile page", async () => {
    const plain = await openShop("/");
    const hostile = await openShop("/hostile");
    const expected = await launcherStyle(plain.page);
    expect(expected).toMatchObject({ display: "inline-flex", color: "rgb(255, 255, 255)" });
    await eventually(() => launcherStyle(hostile.page)).toEqual(expected);
    // And still usable there.
    await hostile.page.getByRole("button", { name: "★ Rewards" }).click();
    await hostile.page.getByText("1 order to go to 50 points").waitFor();
    // The widget's styles do not leak out onto the shop's own buttons or text.
    const shopHeading = await plain.page.evaluate(
      () => getComputedStyle(document.querySelector("h1") as Element).fontFamily,
    );
    expect(shopHeading).not.toContain("system-ui");
    await plain.page.close();
    await hostile.page.close();
  });

  it("takes a token later through LaurelWidget.setCustomerToken, and fits 375 px", async () => {
    const { page, errors } = await openShop("/later", 375);
    await page.getByRole("button", { name: "★ Rewards" }).click();
    await page.getByText("2 orders: 50 points").waitFor();
    await eventually(() => page.getByText("Your progress").count()).toBe(0);
    await page.evaluate((t) => {
      (
        window as unknown as { LaurelWidget: { setCustomerToken(t: string): void } }
      ).LaurelWidget.setCustomerToken(t);
    }, token);
    await page.getByText("1 order to go to 50 points").waitFor();
    const box = await page.getByRole("dialog").boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(375);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("runs calls the page queued before the script loaded, and later ones at once", async () => {
    const { page, errors } = await openShop("/queued");
    // The queue opened the panel and gave the token: no click needed.
    const dialog = page.getByRole("dialog", { name: "Loyalty rewards" });
    await dialog.getByText("1 order to go to 50 points").waitFor();
    await page.evaluate(() => {
      (
        window as unknown as { LaurelWidget: { q: { push(...c: unknown[]): void } } }
      ).LaurelWidget.q.push(["close"]);
    });
    await dialog.waitFor({ state: "hidden" });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("lets a customer who is not a member join, when the program allows it, and then shows their progress", async () => {
    expectStatus(
      await server.call("PATCH", `/v1/programs/${programId}`, { widget: { enrol: true } }),
      200,
    );
    const { page, errors } = await openShop("/later", 375);
    const newcomer = await mint("cust-new");
    await page.evaluate((t) => {
      (
        window as unknown as { LaurelWidget: { setCustomerToken(t: string): void } }
      ).LaurelWidget.setCustomerToken(t);
    }, newcomer);
    await page.getByRole("button", { name: "★ Rewards" }).click();
    await page.getByRole("button", { name: "Join Loyalty" }).click();
    await page.getByText("2 orders to go to 50 points").waitFor();
    await eventually(() => page.getByRole("button", { name: "Join Loyalty" }).count()).toBe(0);
    const member = await server.call<{ items: { referralLink: string }[] }>(
      "GET",
      `/v1/programs/${programId}/participants?externalId=cust-new`,
    );
    expect(member.body.items).toHaveLength(1);
    // The join is confirmed with the new member's own link, ready to copy.
    const link = member.body.items[0]?.referralLink ?? "";
    await page.getByText(`You've joined — your link is ${link}`).waitFor();
    await eventually(() => page.getByLabel("Your referral link").inputValue()).toBe(link);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: shopUrl,
    });
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByText("Link copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows shoppers nothing for a program id that does not exist, and tells the developer in the console", async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    const warnings: string[] = [];
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "warning") warnings.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${shopUrl}/unknown-program`);
    await eventually(async () => warnings.join("\n")).toContain("prg_01JUNKNOWNUNKNOWNUNKNOWN00");
    expect(await page.locator("laurel-widget").count()).toBe(0);
    expect(await page.getByRole("button", { name: "★ Rewards" }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("names a free product as shoppers know it, and wears the program's colour and logo", async () => {
    expectStatus(
      await server.call("POST", `/v1/programs/${programId}/goals`, {
        name: "Three orders",
        metric: "order_count",
        steps: [
          { threshold: 3, reward: { type: "free_product", sku: "HOODIE-ZIP", name: "Zip Hoodie" } },
        ],
      }),
      201,
    );
    expectStatus(
      await server.call("PATCH", `/v1/programs/${programId}`, {
        branding: { color: "#fde047", logoUrl: `${shopUrl}/logo.svg` },
      }),
      200,
    );
    const { page, errors } = await openShop("/");
    const launcher = page.getByRole("button", { name: "★ Rewards" });
    // A light colour takes black text: the launcher stays readable.
    await eventually(() => launcherStyle(page)).toMatchObject({
      backgroundColor: "rgb(253, 224, 71)",
      color: "rgb(0, 0, 0)",
    });
    await launcher.click();
    const dialog = page.getByRole("dialog", { name: "Loyalty rewards" });
    await dialog.getByText("3 orders: a free Zip Hoodie").waitFor();
    // The goal counts the orders after it was made: none yet.
    await dialog.getByText("3 orders to go to a free Zip Hoodie").waitFor();
    expect(await dialog.getByText(/HOODIE-ZIP/).count()).toBe(0);
    // The brand's logo beside the title, loaded from the brand's own site.
    await eventually(() =>
      page.evaluate(() => {
        const img = document
          .querySelector("laurel-widget")
          ?.shadowRoot?.querySelector<HTMLImageElement>("img.logo");
        return img ? { src: img.src, shown: !img.hidden && img.naturalWidth > 0 } : null;
      }),
    ).toEqual({ src: `${shopUrl}/logo.svg`, shown: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("ships a widget.js well under 50 KB gzipped", () => {
    const size = gzipSync(readFileSync(`${WEB_DIR}widget.js`)).length;
    expect(size).toBeLessThan(50 * 1024);
  });
});
