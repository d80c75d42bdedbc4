// The console's Fraud review names who each flag is about, with a link, and
// what it holds: a held order's commissions are released or reversed as
// fraud, one at a time or several together, and a flag that holds nothing is
// dismissed without offering either.
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  type BalancesBody,
  type ParticipantBody,
} from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("the admin console's fraud review", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  let ana: ParticipantBody;
  let sam: ParticipantBody;

  const cash = async (participantId: string) =>
    (
      await server.call<BalancesBody>(
        "GET",
        `/v1/programs/${programId}/participants/${participantId}/balances`,
      )
    ).body.cash;
  const flagged = async (status: string) =>
    (
      await server.call<{ items: { orderId: string | null }[] }>(
        "GET",
        `/v1/programs/${programId}/flags?status=${status}`,
      )
    ).body.items.map((f) => f.orderId);

  beforeAll(async () => {
    // 10% to the seller, 5% to the sponsor, no hold; two clicks an hour from one visitor is a flood.
    const program = await createProgram(server, {
      name: "Fraud ambassadors",
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 0 },
      fraud: { maxClicksPerHour: 1 },
    });
    programId = program.id;
    sam = await createParticipant(server, programId, { externalId: "sam-1", name: "Sam Reyes" });
    // Ana buys from her own IP address: each such order is held for review.
    ana = await createParticipant(server, programId, {
      externalId: "ana-1",
      name: "Ana Lima",
      sponsor: "sam-1",
      ips: ["203.0.113.7"],
    });
    const sold = await sendEvents(server, programId, {
      events: ["o-1", "o-2", "o-3"].map((id) =>
        order(id, {
          code: ana.referralCode,
          ip: "203.0.113.7",
          occurredAt: new Date().toISOString(),
          items: [{ sku: "SHIRT", quantity: 1, unitAmount: 10_000 }],
        }),
      ),
    });
    expectStatus(sold, 200);
    const clicks = await sendEvents(server, programId, {
      events: ["c-1", "c-2"].map((id) => ({
        type: "click",
        id,
        code: sam.referralCode,
        visitorId: "v-1",
      })),
    });
    expectStatus(clicks, 200);
    await releaseDueHolds(server.services);
    page = await browser().newPage({ viewport: { width: 1024, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Fraud review" }).click();
  });

  const flags = () => page.getByRole("list", { name: "Flags" });
  const flagOf = (orderId: string) =>
    flags()
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading") })
      .filter({ hasText: `order ${orderId}` });
  const told = (text: string) => page.getByRole("status").filter({ hasText: text }).waitFor();

  it("names and links the participant, and shows who the held commission is for and how much", async () => {
    const flag = flagOf("o-1");
    await flag.getByRole("heading", { name: "Self-referral by IP address: Ana Lima" }).waitFor();
    const link = flag.getByRole("link", { name: "Ana Lima" }).first();
    expect(await link.getAttribute("href")).toBe(`/admin/participants/${ana.id}`);
    await flag.getByText("Holds $15.00 of commission:").waitFor();
    const held = flag.getByRole("list", { name: "Commissions held by the flag on Ana Lima" });
    await eventually(() => held.getByRole("listitem").allTextContents()).toEqual([
      "Ana Lima (own sale): $10.00",
      "Sam Reyes (sponsor, level 2): $5.00",
    ]);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("offers only Dismiss for a click-flooding flag, which holds nothing", async () => {
    const flood = flags()
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: "Click flooding: Sam Reyes" }) });
    await flood.getByText("Holds nothing").waitFor();
    expect(await flood.getByRole("button", { name: /Release|Reverse/ }).count()).toBe(0);
    expect(await flood.getByRole("checkbox").count()).toBe(0);
    await flood
      .getByRole("button", { name: "Dismiss the click flooding flag on Sam Reyes" })
      .click();
    await told("Dismissed the click flooding flag on Sam Reyes.");
    await eventually(() => flood.count()).toBe(0);
    expect(await flagged("approved")).toEqual([null]);
  });

  it("releases a held commission: the balance moves from pending to available", async () => {
    expect(await cash(ana.id)).toMatchObject({ pending: 3000, available: 0 });
    await flagOf("o-1")
      .getByRole("button", { name: "Release commission of order o-1 for Ana Lima" })
      .click();
    const dialog = page.getByRole("dialog", { name: "Release $15.00 to Ana Lima?" });
    await dialog.getByRole("button", { name: "Release commission" }).click();
    await dialog.waitFor({ state: "detached" });
    await told("Released $15.00 of commission held by the flag on Ana Lima.");
    await eventually(() => flagOf("o-1").count()).toBe(0);
    expect(await cash(ana.id)).toMatchObject({ pending: 2000, available: 1000 });
    expect(await cash(sam.id)).toMatchObject({ pending: 1000, available: 500 });
  });

  it("reverses several held orders together as fraud after a confirmation", async () => {
    await flags().getByRole("checkbox", { name: "Select the flag on Ana Lima, order o-2" }).check();
    await flags().getByRole("checkbox", { name: "Select the flag on Ana Lima, order o-3" }).check();
    const selection = page.getByRole("region", { name: "Selected flags" });
    await selection.getByText("2 flags selected, holding $30.00.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await selection.getByRole("button", { name: "Reverse selected as fraud" }).click();
    const dialog = page.getByRole("dialog", { name: "Reverse $30.00 of commission as fraud?" });
    await dialog.getByRole("button", { name: "Reverse as fraud" }).click();
    await dialog.waitFor({ state: "detached" });
    await told("Reversed $30.00 of commission as fraud for 2 flags.");
    await page.getByText("No open flags.").waitFor();
    expect(await cash(ana.id)).toMatchObject({ pending: 0, available: 1000 });
    expect(await cash(sam.id)).toMatchObject({ pending: 0, available: 500 });
    expect((await flagged("rejected")).sort()).toEqual(["o-2", "o-3"]);

    await page.getByLabel("Show").selectOption("rejected");
    const reversed = flagOf("o-2");
    await reversed.getByText("Reversed as fraud").first().waitFor();
    await reversed.getByText("Reversed $15.00 of commission:").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
