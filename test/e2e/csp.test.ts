// The console, the portal and the API docs in a real browser under the
// Content-Security-Policy Laurel sends: each screen works and the browser
// reports no violation, so the strict policy blocks nothing the apps need.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_DIR } from "../../src/api/web.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

interface Watched {
  page: Page;
  /** What the browser refused, one line each: the directive and what it blocked. */
  violations: string[];
}

describeInBrowser("the pages under their Content-Security-Policy", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let programId = "";
  let portalLink = "";

  beforeAll(async () => {
    const program = await createProgram(server, {
      name: "Policy ambassadors",
      commission: { rate: { percent: 10 }, holdDays: 0 },
      payouts: { minimum: 0 },
    });
    programId = program.id;
    const ana = await createParticipant(server, programId, {
      externalId: "ana",
      name: "Ana Lima",
      email: "ana@example.com",
    });
    const goal = await server.call("POST", `/v1/programs/${programId}/goals`, {
      name: "First $50",
      metric: "sales_amount",
      window: { type: "lifetime" },
      steps: [{ threshold: 5000, reward: { type: "points", points: 100 } }],
    });
    expectStatus(goal, 201);
    // A goal that takes per-participant targets, so the Targets screen shows its file picker.
    const targeted = await server.call("POST", `/v1/programs/${programId}/goals`, {
      name: "Monthly target",
      metric: "sales_amount",
      window: { type: "monthly" },
      target: { type: "per_participant" },
      steps: [{ percent: 100, reward: { type: "points", points: 100 } }],
    });
    expectStatus(targeted, 201);
    const sold = await sendEvents(
      server,
      programId,
      order("csp-o-1", {
        participant: "ana",
        occurredAt: new Date().toISOString(),
        items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2500 }],
      }),
    );
    expectStatus(sold, 200);
    // Ana's commission, held 0 days, becomes available as the release-holds job makes it.
    await releaseDueHolds(server.services);
    const token = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${programId}/participants/${ana.id}/tokens`,
    );
    expectStatus(token, 201);
    portalLink = `/portal#token=${encodeURIComponent(token.body.token)}`;
  });

  /**
   * A new page that records every violation: the DOM's securitypolicyviolation
   * events (through a binding, which the page's own policy cannot block) and
   * the console lines Chromium writes for them.
   */
  async function watchedPage(): Promise<Watched> {
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const violations: string[] = [];
    await page.exposeBinding("reportViolation", (_source, line: string) => {
      violations.push(line);
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        const report = (window as unknown as { reportViolation: (line: string) => void })
          .reportViolation;
        report(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
      });
    });
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    return { page, violations };
  }

  /** Opens `url`, checking that the response really carried a policy for the test to hold it to. */
  async function open(page: Page, url: string): Promise<void> {
    const response = await page.goto(`${server.url}${url}`);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
  }

  it("reports an inline script slipped into the console, and does not run it", async () => {
    const { page, violations } = await watchedPage();
    await open(page, "/admin");
    await page.getByLabel("Admin key").waitFor();
    const ran = await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "document.body.dataset.injected = 'ran'";
      document.head.append(script);
      return document.body.dataset.injected ?? "blocked";
    });
    expect(ran).toBe("blocked");
    await eventually(async () => violations.some((v) => /script-src/.test(v))).toBe(true);
    await page.close();
  });

  it("runs every screen of the console without a violation", async () => {
    const { page, violations } = await watchedPage();
    await open(page, "/admin");
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Policy ambassadors" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // The Recharts chart, drawn with inline style attributes and SVG.
    await page.getByRole("img", { name: "Sales and commissions per day" }).waitFor();
    const nav = (name: string) => page.getByRole("navigation").getByRole("link", { name });

    await nav("Goals").click();
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByRole("region", { name: "Ladder preview" }).waitFor();

    await nav("Targets").click();
    await page.getByLabel("Targets CSV file").waitFor();

    await nav("Participants").click();
    await page.getByRole("link", { name: "Ana Lima" }).click();
    await page.getByRole("heading", { name: "Ana Lima" }).waitFor();
    await page.getByRole("progressbar", { name: "First $50" }).waitFor();
    await page.getByRole("tab", { name: "Ledger" }).click();
    await page.getByRole("tab", { name: "Downline" }).click();

    await nav("Fraud review").click();
    await page.getByLabel("Show").waitFor();

    await nav("Payouts").click();
    // A Radix dialog locks the page's scroll with a <style> element of its
    // own: applied, it carries the page's style nonce.
    await page.getByRole("button", { name: "Create payout" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a payout?" });
    await dialog.waitFor();
    await eventually(() => page.evaluate(() => getComputedStyle(document.body).overflow)).toBe(
      "hidden",
    );
    await dialog.getByRole("button", { name: /^Pay / }).click();
    await dialog.waitFor({ state: "detached" });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page
        .getByRole("button", { name: /Export CSV of/ })
        .first()
        .click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^pay_.*\.csv$/);

    await nav("Program").click();
    await page.getByRole("heading", { name: "Program" }).waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });

  it("runs the portal from its magic link without a violation", async () => {
    const { page, violations } = await watchedPage();
    await open(page, portalLink);
    const bar = page.getByRole("progressbar", { name: "First $50" });
    await bar.waitFor({ timeout: 10_000 });
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("50");
    await eventually(() => page.getByLabel("Referral link").inputValue()).toMatch(/\S/);
    expect(violations).toEqual([]);
    await page.close();
  });

  it("runs Swagger UI at /docs under its own policy without a violation", async () => {
    const { page, violations } = await watchedPage();
    await open(page, "/docs");
    await page.getByText("Payouts", { exact: true }).first().waitFor({ timeout: 15_000 });
    await page.getByText("/v1/programs/{programId}/payouts", { exact: true }).first().click();
    await page.getByRole("button", { name: "Try it out" }).first().waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });

  describe("on a shop that isolates itself (Cross-Origin-Embedder-Policy: require-corp)", () => {
    let shop: Server;
    let shopUrl = "";

    beforeAll(async () => {
      // The console's own stylesheet, which Laurel keeps to its own origin.
      const stylesheet = /href="(\/assets\/[^"]+\.css)"/.exec(
        readFileSync(`${WEB_DIR}admin/index.html`, "utf8"),
      )?.[1];
      if (!stylesheet) throw new Error("the console's shell names no stylesheet");
      shop = createServer((_request, response) => {
        response.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cross-origin-embedder-policy": "require-corp",
        });
        response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
          <title>An isolated shop</title>
          <link rel="stylesheet" href="${server.url}${stylesheet}"></head>
          <body><h1>An isolated shop</h1>
          <script src="${server.url}/widget.js" data-program="${programId}"></script>
          </body></html>`);
      });
      await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
      // localhost, not 127.0.0.1: another site as well as another port.
      shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => shop?.close(resolve));
    });

    it("still loads the widget and its ladders from Laurel, and refuses what Laurel keeps to itself", async () => {
      const page = await browser().newPage();
      const refused: string[] = [];
      page.on("requestfailed", (request) => refused.push(new URL(request.url()).pathname));
      await page.goto(shopUrl);
      await page.getByRole("button", { name: "★ Rewards" }).click({ timeout: 10_000 });
      const dialog = page.getByRole("dialog", { name: "Policy ambassadors rewards" });
      await dialog.getByText("First $50").first().waitFor();
      // The same-origin stylesheet is refused, so the isolation really is in force.
      await eventually(async () => refused.some((path) => path.endsWith(".css"))).toBe(true);
      expect(refused.filter((path) => !path.endsWith(".css"))).toEqual([]);
      await page.close();
    });
  });
});
