// Tracking across domains in a real browser: Laurel on 127.0.0.1 and a shop
// on localhost, two sites with cookie jars of their own, the shop's pages
// loading /track.js with one script tag as a shop's theme would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newApp } from "../../src/api/app.ts";
import { createServices } from "../../src/engine/services.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  only,
  openApi,
  sendEvents,
  type Api,
  type ParticipantBody,
} from "../support/api.ts";
import { backends } from "../support/backends.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";

const COOKIE_DAYS = 7;
const VISITOR = /^v_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  // The browser keeps connections open; they must not hold the test run.
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

describeInBrowser(
  "tracking across domains: /r/{code}, /track.js and ?via= on a shop's own site",
  () => {
    const browser = useBrowser();
    let api: (Api & { close(): Promise<void> }) | undefined;
    let laurelApp: FastifyInstance | undefined;
    let laurel: Server | undefined;
    let shop: Server | undefined;
    let laurelUrl = "";
    let shopUrl = "";
    let programId = "";
    let ana: ParticipantBody;
    /** What the shop's /cart/update.js was sent, as Shopify's cart would take it. */
    const cartUpdates: unknown[] = [];

    const ready = (): Api => {
      if (!api) throw new Error("the API was used before beforeAll opened it");
      return api;
    };

    /** A page of the shop: its own markup, and Laurel's script as the theme includes it. */
    function shopPage(shopify: boolean): string {
      const storefront = shopify
        ? `<script>window.Shopify = { shop: "x.myshopify.com" };</script>`
        : "";
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shirts</title>
      ${storefront}<script src="${laurelUrl}/track.js?program=${programId}"></script>
      </head><body><h1>Shirts</h1></body></html>`;
    }

    async function serveShop(request: IncomingMessage, response: ServerResponse): Promise<void> {
      const path = new URL(request.url ?? "/", shopUrl).pathname;
      if (request.method === "POST" && path === "/cart/update.js") {
        cartUpdates.push(JSON.parse(await readBody(request)));
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ token: "cart-1", item_count: 0 }));
        return;
      }
      if (path === "/favicon.ico") {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(shopPage(path === "/shopify"));
    }

    beforeAll(async () => {
      const pglite = backends.find((b) => b.name === "pglite");
      if (!pglite) throw new Error("no PGlite backend");
      api = await openApi(pglite);
      // The script calls the API at Laurel's public URL, so this Laurel's public
      // URL is the address it really listens on, known before the app is built.
      laurel = createServer();
      laurelUrl = `http://127.0.0.1:${await listen(laurel)}`;
      const app = await newApp(createServices(api.db, { publicUrl: laurelUrl }));
      await app.ready();
      laurelApp = app;
      laurel.on("request", (request, response) => app.routing(request, response));
      shop = createServer((request, response) => void serveShop(request, response));
      // localhost, not 127.0.0.1: another site, so the browser keeps its cookies apart.
      shopUrl = `http://localhost:${await listen(shop)}`;
      programId = (
        await createProgram(api, {
          name: "Shirts",
          landingUrl: `${shopUrl}/landing?campaign=spring#top`,
          attribution: { cookieDays: COOKIE_DAYS },
        })
      ).id;
      ana = await createParticipant(api, programId, { externalId: "ana" });
    });

    afterAll(async () => {
      await laurelApp?.close();
      await close(laurel);
      await close(shop);
      await api?.close();
    });

    /** A visitor of their own: a new browser context has empty cookie jars and storage. */
    async function newVisitor(): Promise<{
      context: BrowserContext;
      page: Page;
      errors: string[];
    }> {
      const context = await browser().newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      return { context, page, errors };
    }

    /** The laurel_vid cookie the shop's own origin holds, once the script has set it. */
    async function shopCookie(context: BrowserContext) {
      await eventually(async () =>
        (await context.cookies(shopUrl)).some((c) => c.name === "laurel_vid"),
      ).toBe(true);
      const cookie = (await context.cookies(shopUrl)).find((c) => c.name === "laurel_vid");
      if (!cookie) throw new Error("no laurel_vid cookie on the shop's origin");
      return cookie;
    }

    /** An order by the visitor, as the shop's checkout reports it right after. */
    async function expectOrderPaysAna(visitorId: string, orderId: string): Promise<void> {
      const sent = await sendEvents(ready(), programId, {
        type: "order",
        id: orderId,
        visitorId,
        items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2000 }],
      });
      expectStatus(sent, 200);
      expect(only(sent.body.results)).toMatchObject({
        status: "processed",
        attributedTo: ana.id,
        attribution: { source: "click" },
        commissions: expect.arrayContaining([{ participantId: ana.id, level: 1, amount: 200 }]),
      });
    }

    async function clicksBy(visitorId: string): Promise<number> {
      const [row] = await ready().db.query<{ n: number | string }>(
        "select count(*) as n from clicks where program_id = $1 and visitor_id = $2",
        [programId, visitorId],
      );
      return Number(row?.n ?? 0);
    }

    it("a referral link lands on the shop with lrl_vid, which the script keeps in the shop's cookie and drops from the address", async () => {
      const { context, page, errors } = await newVisitor();
      await page.goto(`${laurelUrl}/r/${ana.referralCode}`);
      await eventually(() => page.evaluate(() => location.href)).toBe(
        `${shopUrl}/landing?campaign=spring#top`,
      );
      const cookie = await shopCookie(context);
      expect(cookie.value).toMatch(VISITOR);
      expect(cookie).toMatchObject({ path: "/", sameSite: "Lax", secure: false, httpOnly: false });
      const days = (cookie.expires * 1000 - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(COOKIE_DAYS - 0.01);
      expect(days).toBeLessThanOrEqual(COOKIE_DAYS);
      // The same visitor id as the click Laurel recorded and its own cookie.
      const laurelCookie = (await context.cookies(laurelUrl)).find((c) => c.name === "laurel_vid");
      expect(laurelCookie?.value).toBe(cookie.value);
      expect(await clicksBy(cookie.value)).toBe(1);
      await expectOrderPaysAna(cookie.value, "order-after-link");
      expect(errors).toEqual([]);
      await context.close();
    });

    it("a shop's own ?via= link records a click, keeps the visitor id in the shop's cookie and answers LaurelTrack.visitorId()", async () => {
      const { context, page, errors } = await newVisitor();
      await page.goto(`${shopUrl}/shirts?via=${ana.referralCode}`);
      const cookie = await shopCookie(context);
      expect(cookie.value).toMatch(VISITOR);
      const answered = await page.evaluate(() =>
        (
          window as unknown as { LaurelTrack: { visitorId(): string | null } }
        ).LaurelTrack.visitorId(),
      );
      expect(answered).toBe(cookie.value);
      await eventually(() => clicksBy(cookie.value)).toBe(1);
      // Laurel's own origin was only called, never visited: it has no cookie of its own.
      expect(await context.cookies(laurelUrl)).toEqual([]);
      await expectOrderPaysAna(cookie.value, "order-after-via");
      expect(errors).toEqual([]);
      await context.close();
    });

    it("on a Shopify storefront writes the visitor id to the cart attribute laurel_vid once", async () => {
      const { context, page, errors } = await newVisitor();
      cartUpdates.length = 0;
      await page.goto(`${shopUrl}/shopify?via=${ana.referralCode}`);
      const cookie = await shopCookie(context);
      await eventually(async () => cartUpdates.length).toBe(1);
      expect(cartUpdates).toEqual([{ attributes: { laurel_vid: cookie.value } }]);
      // Further pages of the same visitor and cart leave the cart alone.
      await page.reload({ waitUntil: "networkidle" });
      await page.goto(`${shopUrl}/shopify`, { waitUntil: "networkidle" });
      expect(
        await page.evaluate(() => typeof (window as { LaurelTrack?: unknown }).LaurelTrack),
      ).toBe("object");
      expect(cartUpdates).toHaveLength(1);
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
