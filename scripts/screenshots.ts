// Takes the README's screenshots of the admin console, the portal and the
// widget from a real demo: a fresh temporary database, `laurel demo`, the app
// on a free port and Debian's chromium. Run with `npm run screenshots`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SignJWT } from "jose";
import type { Page } from "playwright-core";
import { newApp } from "../src/api/app.ts";
import { DEMO_PROGRAM, runDemo } from "../src/cli/demo.ts";
import { DEFAULT_HOLD_DAYS } from "../src/engine/program-rules.ts";
import { releaseHolds } from "../src/engine/release-holds.ts";
import { createServices } from "../src/engine/services.ts";
import { openPglite } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { findProgramById } from "../src/store/programs.ts";
import { CHROMIUM, launchBrowser } from "../test/support/chromium.ts";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = join(ROOT, "docs/screenshots");
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 375, height: 800 };
/** Generous: chromium starts cold, and the first queries read a freshly filled database. */
const WAIT_MS = 20_000;

/** A port nobody is listening on, so the printed links name the port the app will take. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

function listen(server: Server): Promise<string> {
  return new Promise((done) =>
    server.listen(0, "127.0.0.1", () => {
      // localhost, not 127.0.0.1: the shop is on another origin, as a real one is.
      done(`http://localhost:${(server.address() as AddressInfo).port}`);
    }),
  );
}

async function shoot(page: Page, name: string, { drawing = false } = {}): Promise<void> {
  // Fonts settle after the data is in, and a chart's lines draw themselves in
  // over a second and a half.
  await page.evaluate(() => document.fonts.ready);
  await page.waitForTimeout(drawing ? 1_800 : 400);
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
}

interface Showcased {
  id: string;
  externalId: string;
  name: string | null;
}

/**
 * The demo's top earner has finished every goal; the pictures say more with
 * someone halfway there, so this picks whoever has the most goals under way.
 */
async function pickShowcase(
  call: <T>(method: "GET" | "POST", path: string) => Promise<T>,
  programId: string,
): Promise<Showcased> {
  const { items } = await call<{ items: Showcased[] }>(
    "GET",
    `/v1/programs/${programId}/participants?limit=100`,
  );
  let best: { who: Showcased; score: number } | null = null;
  for (const who of items) {
    const progress = await call<{ percent: number | null }[]>(
      "GET",
      `/v1/programs/${programId}/participants/${who.id}/progress`,
    );
    const percents = progress.map((p) => p.percent ?? 0);
    const underWay = percents.filter((p) => p > 0 && p < 100).length;
    const done = percents.filter((p) => p >= 100).length;
    // Some goals under way first, then one finished for a green bar beside them.
    const score = underWay * 10 + Math.min(done, 1);
    if (!best || score > best.score) best = { who, score };
  }
  if (!best) throw new Error("the demo has no participants");
  return best.who;
}

async function main(): Promise<number> {
  if (!existsSync(CHROMIUM)) {
    console.error(
      `${CHROMIUM} is not installed (install Debian's chromium, or set LAUREL_CHROMIUM)`,
    );
    return 1;
  }
  const build = spawnSync(process.execPath, [join(ROOT, "bin/build-web.js")], {
    stdio: "inherit",
  });
  if (build.status !== 0) return build.status ?? 1;
  mkdirSync(OUT, { recursive: true });

  const dataDir = mkdtempSync(join(tmpdir(), "laurel-screenshots-"));
  const db = await openPglite(dataDir);
  const cleanups: (() => Promise<unknown>)[] = [
    () => db.close(),
    async () => rmSync(dataDir, { recursive: true, force: true }),
  ];
  try {
    await migrate(db);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const services = createServices(db, { publicUrl: url });
    const lines: string[] = [];
    console.log("Running the demo (a minute or so)...");
    const demo = await runDemo(services, (line) => lines.push(line));
    if (demo.status !== "created") throw new Error("the temporary database already had a demo");
    const key = lines.at(-1) ?? "";
    const portalLink = lines.map((l) => l.trim()).find((l) => l.startsWith(`${url}/portal#`));
    if (!key.startsWith("lrl_admin_") || !portalLink)
      throw new Error(`the demo did not print a key and a portal link:\n${lines.join("\n")}`);

    const app = await newApp(services);
    cleanups.unshift(() => app.close());
    await app.listen({ port, host: "127.0.0.1" });
    const call = async <T>(method: "GET" | "POST", path: string): Promise<T> => {
      const reply = await app.inject({
        method,
        url: path,
        headers: { authorization: `Bearer ${key}` },
      });
      if (reply.statusCode >= 300)
        throw new Error(`${method} ${path}: ${reply.statusCode} ${reply.body}`);
      return reply.json() as T;
    };
    const me = await pickShowcase(call, demo.programId);
    const { token } = await call<{ token: string }>(
      "POST",
      `/v1/programs/${demo.programId}/participants/${me.id}/tokens`,
    );
    const magicLink = `${url}/portal#token=${encodeURIComponent(token)}`;

    const browser = await launchBrowser();
    cleanups.unshift(() => browser.close());
    const page = await browser.newPage({ viewport: DESKTOP });
    page.setDefaultTimeout(WAIT_MS);

    await page.goto(`${url}/admin`);
    await page.getByLabel("Admin key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: DEMO_PROGRAM });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page
      .getByRole("group", { name: "Orders", exact: true })
      .getByText(/[1-9]/)
      .first()
      .waitFor();
    await page
      .getByRole("region", { name: "How conversions came" })
      .getByRole("row")
      .nth(1)
      .waitFor();
    await page.getByRole("img", { name: "Sales and commissions per day" }).waitFor();
    await page.locator(".recharts-line-curve").first().waitFor();
    await shoot(page, "admin-overview", { drawing: true });

    await page.setViewportSize(MOBILE);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, "admin-overview-mobile", { drawing: true });
    await page.setViewportSize(DESKTOP);

    await page.getByRole("link", { name: `Continue setting up ${DEMO_PROGRAM}` }).click();
    await page.getByRole("heading", { name: `Set up ${DEMO_PROGRAM}` }).waitFor();
    await page
      .getByRole("region", { name: /Set the commission plan/ })
      .getByText(/Done/)
      .waitFor();
    await shoot(page, "admin-setup");

    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByRole("list", { name: "Goals" }).getByText("Order milestones").waitFor();
    await shoot(page, "admin-goals");

    await page.getByRole("navigation").getByRole("link", { name: "Participants" }).click();
    const list = page.getByRole("region", { name: "Participants" }).getByRole("table");
    await list.getByRole("row").nth(10).waitFor();
    // Sorted by sales, highest first, the list opens on the network's best sellers.
    const sales = list.getByRole("columnheader", { name: "Sales" });
    for (let i = 0; i < 2 && (await sales.getAttribute("aria-sort")) !== "descending"; i++) {
      await sales.getByRole("button").click();
      await page.waitForTimeout(300);
    }
    await list.getByRole("row").nth(10).waitFor();
    await shoot(page, "admin-participants");

    await page.getByLabel("Search").fill(me.name ?? me.externalId);
    await page.getByRole("link", { name: me.name ?? me.externalId }).click();
    await page.getByRole("heading", { name: me.name ?? me.externalId }).waitFor();
    await page.getByRole("progressbar").first().waitFor();
    await shoot(page, "admin-participant");

    for (const [name, viewport] of [
      ["portal", DESKTOP],
      ["portal-mobile", MOBILE],
    ] as const) {
      const portal = await browser.newPage({ viewport });
      portal.setDefaultTimeout(WAIT_MS);
      await portal.goto(magicLink);
      await portal.getByRole("progressbar").first().waitFor();
      await portal.getByLabel("Referral link").waitFor();
      await shoot(portal, name, { drawing: true });
      await portal.close();
    }

    const { secret } = await call<{ secret: string }>(
      "POST",
      `/v1/programs/${demo.programId}/widget-secret`,
    );
    const customerToken = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(me.externalId)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(secret));
    const shop = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1"><title>A shop</title>
        <style>body { font-family: Georgia, serif; margin: 3rem; color: #222; max-width: 40rem; }</style>
        </head><body><h1>Example Shop</h1>
        <p>Tees, hoodies and sneakers. The rewards button in the corner is Laurel's widget,
        added with one script tag.</p>
        <script src="${url}/widget.js" data-program="${demo.programId}"
          data-customer-token="${customerToken}"></script>
        </body></html>`);
    });
    const shopUrl = await listen(shop);
    cleanups.unshift(() => new Promise((done) => shop.close(done)));
    const widget = await browser.newPage({ viewport: DESKTOP });
    widget.setDefaultTimeout(WAIT_MS);
    await widget.goto(shopUrl);
    await widget.getByRole("button", { name: "★ Rewards" }).click();
    const dialog = widget.getByRole("dialog", { name: `${DEMO_PROGRAM} rewards` });
    await dialog.getByRole("progressbar").first().waitFor();
    await shoot(widget, "widget");
    await widget.close();

    // A hold runs from when an order is booked, so every commission of a demo
    // just written is still held and nothing is due. The hold-release job,
    // run as it will run the day the holds end, makes them available; this
    // comes after the other pictures, whose ledgers would otherwise show
    // releases dated a month ahead.
    const holdsOver = new Date(Date.now() + (DEFAULT_HOLD_DAYS + 1) * 86_400_000);
    const later = createServices(db, { publicUrl: url, now: () => holdsOver });
    const program = await findProgramById(db, demo.programId);
    if (!program) throw new Error(`the demo's program ${demo.programId} is gone`);
    const released = await releaseHolds(later, program);
    if (released === 0) throw new Error("the demo has no commissions to release");
    await page.getByRole("navigation").getByRole("link", { name: "Payouts" }).click();
    await page.getByRole("table", { name: "Due now" }).getByRole("link").nth(3).waitFor();
    await page.getByText(/^A payout now pays /).waitFor();
    await shoot(page, "admin-payouts");
    await page.close();
    return 0;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

process.exitCode = await main();
