// The console's Payouts section pays only what the admin saw: the preview
// names who is due and how much, the confirmation repeats the total and
// count, a payout made after more became due is refused with the new
// figures shown, and a payout goes created -> exported -> paid.
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  type ParticipantBody,
} from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

interface PayoutBody {
  id: string;
  status: string;
  paymentReference: string | null;
  total: number;
}

describeInBrowser("the admin console's payouts", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  let ana: ParticipantBody;
  let ben: ParticipantBody;
  let earlierPayout = "";
  let payoutId = "";

  const sell = async (id: string, unitAmount: number) => {
    const sold = await sendEvents(
      server,
      programId,
      order(id, {
        code: ana.referralCode,
        occurredAt: new Date().toISOString(),
        items: [{ sku: "SHIRT", quantity: 1, unitAmount }],
      }),
    );
    expectStatus(sold, 200);
    await releaseDueHolds(server.services);
  };

  beforeAll(async () => {
    // 10% to the seller, 3% to the sponsor, no hold, a $5.00 minimum.
    const program = await createProgram(server, {
      name: "Payout ambassadors",
      timezone: "America/New_York",
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }], holdDays: 0 },
      payouts: { minimum: 500 },
    });
    programId = program.id;
    ben = await createParticipant(server, programId, {
      externalId: "ben-1",
      name: "Ben Ortiz",
      email: "ben@example.com",
    });
    ana = await createParticipant(server, programId, {
      externalId: "ana-1",
      name: "Ana Lima",
      email: "ana@example.com",
      sponsor: "ben-1",
    });
    // An empty payout made before anything was due: the list shows the new one above it.
    const empty = await server.call<PayoutBody>("POST", `/v1/programs/${programId}/payouts`);
    expectStatus(empty, 201);
    earlierPayout = empty.body.id;
    await sell("o-1", 20_000); // Ana 2000, Ben 600
    page = await browser().newPage({ viewport: { width: 1024, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
  });

  const due = () => page.getByRole("table", { name: "Due now" });
  const made = () => page.getByRole("table", { name: "Payouts made, newest first" });
  const statusOf = async (payoutId: string) =>
    (
      await made()
        .getByRole("row")
        .filter({ hasText: payoutId })
        .getByRole("cell")
        .nth(2)
        .textContent()
    )?.trim();

  it("previews who is due, by name and email, with the total", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Payouts" }).click();
    await page.getByRole("heading", { name: "Due now" }).waitFor();
    await due().waitFor();
    const rows = due().locator("tbody tr");
    await eventually(() => rows.allTextContents()).toEqual([
      "Ana Lima (ana-1)ana@example.com$20.00",
      "Ben Ortiz (ben-1)ben@example.com$6.00",
    ]);
    const link = due().getByRole("link", { name: "Ana Lima" });
    expect(await link.getAttribute("href")).toBe(`/admin/participants/${ana.id}`);
    await expect(due().locator("tfoot").textContent()).resolves.toBe("Total$26.00");
    await page.getByText("A payout now pays $26.00 to 2 participants.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("refuses a payout when more became due after the preview, and shows what is due now", async () => {
    await sell("o-2", 10_000); // Ana +1000, Ben +300, unseen by the page
    await page.getByRole("button", { name: "Create payout" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a payout?" });
    await dialog.getByText("It pays $26.00 to 2 participants").waitFor();
    await dialog.getByRole("button", { name: "Pay $26.00" }).click();
    await dialog.getByRole("alert").filter({ hasText: "what is due has changed" }).waitFor();
    // The preview behind the dialog has caught up, and so has the dialog.
    await dialog.getByText("It pays $39.00 to 2 participants").waitFor();
    const listed = await server.call<{ items: PayoutBody[] }>(
      "GET",
      `/v1/programs/${programId}/payouts`,
    );
    expect(listed.body.items.map((p) => p.id)).toEqual([earlierPayout]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
  });

  it("pays what the preview shows after a confirmation, listed newest first as created", async () => {
    await page.getByRole("button", { name: "Create payout" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a payout?" });
    await dialog.getByText("It pays $39.00 to 2 participants").waitFor();
    await dialog.getByRole("button", { name: "Pay $39.00" }).click();
    await dialog.waitFor({ state: "detached" });
    const told = page.getByRole("status").filter({ hasText: /^Payout pay_\S+ created/ });
    await told.waitFor();
    expect(await told.textContent()).toContain("$39.00 to 2 participants");
    payoutId = /Payout (pay_\S+) created/.exec((await told.textContent()) ?? "")?.[1] ?? "";
    expect(payoutId).toMatch(/^pay_/);
    const ids = made().locator("tbody tr td:nth-child(2)");
    await eventually(() => ids.allTextContents()).toEqual([payoutId, earlierPayout]);
    await eventually(() => statusOf(payoutId)).toBe("Created");
    expect(await server.call<BalanceBody>("GET", balancesOf(ana.id))).toMatchObject({
      body: { cash: { available: 0, paid: 3000 } },
    });
    expect(await server.call<BalanceBody>("GET", balancesOf(ben.id))).toMatchObject({
      body: { cash: { available: 0, paid: 900 } },
    });
  });

  it("then says nothing is due and offers no payout", async () => {
    await page.getByText("Nothing is due: no payout will be made.").waitFor();
    await eventually(() => page.getByRole("button", { name: "Create payout" }).count()).toBe(0);
    await eventually(() => due().count()).toBe(0);
  });

  it("shows the payout's lines by name, exports its CSV (exported), and marks it paid with a reference", async () => {
    await page.getByRole("button", { name: `Show lines of ${payoutId}` }).click();
    const lines = page.getByRole("table", { name: `Lines of ${payoutId}` });
    await lines.getByRole("link", { name: "Ana Lima" }).waitFor();
    await lines.getByRole("link", { name: "Ben Ortiz" }).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Export CSV of ${payoutId}` }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${payoutId}.csv`);
    await eventually(() => statusOf(payoutId)).toBe("Exported");

    await page.getByRole("button", { name: `Mark as paid: ${payoutId}` }).click();
    const dialog = page.getByRole("dialog", { name: `Mark ${payoutId} as paid?` });
    await dialog.getByLabel("Provider's reference (optional)").fill("wise-2211");
    expect(await accessibilityViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Mark as paid" }).click();
    await dialog.waitFor({ state: "detached" });
    await page
      .getByRole("status")
      .filter({ hasText: `Payout ${payoutId} marked paid (reference wise-2211).` })
      .waitFor();
    await eventually(() => statusOf(payoutId)).toMatch(/^Paid.*wise-2211$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await eventually(() =>
      page.getByRole("button", { name: `Mark as paid: ${payoutId}` }).count(),
    ).toBe(0);
    const stored = await server.call<PayoutBody>(
      "GET",
      `/v1/programs/${programId}/payouts/${payoutId}`,
    );
    expect(stored.body).toMatchObject({ status: "paid", paymentReference: "wise-2211" });
  });

  interface BalanceBody {
    cash: { available: number; paid: number };
  }
  const balancesOf = (participantId: string) =>
    `/v1/programs/${programId}/participants/${participantId}/balances`;
});
