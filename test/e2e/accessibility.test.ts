// An automated accessibility audit of the main screens with axe-core, run in
// the real browser: WCAG 2 A and AA rules, colour contrast included.
import type { Page } from "playwright-core";
import { beforeAll, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("accessibility of the main screens (axe-core, WCAG 2.1 AA)", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let programId = "";
  let portalToken = "";
  beforeAll(async () => {
    const program = await createProgram(server, { name: "Audited ambassadors" });
    programId = program.id;
    const ana = await createParticipant(server, program.id, {
      externalId: "ana",
      name: "Ana Lima",
    });
    const goal = await server.call("POST", `/v1/programs/${program.id}/goals`, {
      name: "First $100",
      metric: "sales_amount",
      steps: [
        { threshold: 5000, reward: { type: "points", points: 10 } },
        { threshold: 10000, reward: { type: "points", points: 50 } },
      ],
    });
    expectStatus(goal, 201);
    await sendEvents(
      server,
      program.id,
      order("a11y-1", {
        participant: "ana",
        items: [{ sku: "SHIRT", quantity: 1, unitAmount: 9200 }],
      }),
    );
    const token = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/tokens`,
    );
    portalToken = token.body.token;
  });

  async function signedIn(): Promise<Page> {
    const page = await browser().newPage();
    await page.goto(`${server.url}/admin`);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByLabel("Program", { exact: true })
      .selectOption({ label: "Audited ambassadors" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    return page;
  }

  it("the admin console's sign-in, overview, goals, participant, integrations, webhooks, broadcasts, setup and new-program pages have no violations", async () => {
    const page = await signedIn();
    await page.getByLabel("Orders", { exact: true }).filter({ hasText: "1" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByText("First $100").first().waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("navigation").getByRole("link", { name: "Participants" }).click();
    // The list with its sortable headers, figures and Export CSV.
    await page.getByRole("columnheader", { name: "Sales" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("link", { name: "Ana Lima" }).click();
    await page.getByRole("progressbar").first().waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("navigation").getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("region", { name: "WooCommerce" }).getByLabel("Signing secret").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // An endpoint added through the form, with its secret shown and a delivery listed.
    await page.getByRole("navigation").getByRole("link", { name: "Webhooks" }).click();
    await page.getByLabel("URL").fill("https://93.184.215.14/laurel/webhooks");
    await page.getByRole("checkbox", { name: "commission.created" }).check();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const endpoint = page.getByRole("region", { name: "https://93.184.215.14/laurel/webhooks" });
    await endpoint.getByLabel("Signing secret").waitFor();
    await endpoint.getByRole("button", { name: /^Send test event/ }).click();
    await endpoint.getByRole("button", { name: /^Refresh deliveries/ }).click();
    await endpoint.getByRole("list", { name: "Recent deliveries" }).getByRole("listitem").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // This server has no mail: Broadcasts says so, beside a New broadcast that explains why it waits.
    await page.getByRole("navigation").getByRole("link", { name: "Broadcasts" }).click();
    await page.getByRole("status").filter({ hasText: "Mail is not configured." }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // Targets: a goal that takes them, and a file's preview with its money shown as money.
    const targetGoal = await server.call<{ id: string }>(
      "POST",
      `/v1/programs/${programId}/goals`,
      {
        name: "Monthly sales target",
        metric: "sales_amount",
        window: { type: "monthly" },
        target: { type: "per_participant" },
        steps: [{ percent: 50, reward: { type: "cash", amount: 2500 } }],
      },
    );
    expectStatus(targetGoal, 201);
    await page.getByRole("navigation").getByRole("link", { name: "Targets" }).click();
    await page.getByLabel("Targets CSV file").setInputFiles({
      name: "targets.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(
        `participant,goal,period,target\nana,${targetGoal.body.id},${new Date().toISOString().slice(0, 7)},500\n`,
      ),
    });
    await page.getByRole("heading", { name: /^Preview of targets\.csv/ }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // The setup checklist from the Overview, with a widget secret shown; then the new-program form.
    await page.getByRole("navigation").getByRole("link", { name: "Overview" }).click();
    await page.getByRole("link", { name: /Continue setting up/ }).click();
    await page.getByRole("button", { name: "Create widget secret" }).click();
    await page.getByLabel("Widget secret").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("link", { name: "New program" }).click();
    await page.getByRole("heading", { name: "New program" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it("the goal form on a phone, with a reward by level in its sideways-scrolling table, has no violations", async () => {
    const tiered = await createProgram(server, {
      name: "Audited tiers",
      levels: [
        { key: "silver", name: "Silver" },
        { key: "gold", name: "Gold" },
      ],
    });
    const goal = await server.call<{ id: string }>("POST", `/v1/programs/${tiered.id}/goals`, {
      name: "Tiered",
      metric: "order_count",
      steps: [
        {
          threshold: 3,
          reward: {
            byLevel: { gold: { type: "points", points: 30 } },
            default: { type: "points", points: 10 },
          },
        },
      ],
    });
    expectStatus(goal, 201);
    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Audited tiers" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.goto(`${server.url}/admin/goals/${goal.body.id}`);
    await page.getByRole("region", { name: "Step 1 rewards by level" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it("the portal has no violations, on a phone too", async () => {
    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${server.url}/portal#token=${encodeURIComponent(portalToken)}`);
    await page.getByRole("progressbar", { name: "First $100" }).waitFor({ timeout: 10_000 });
    // The figures, the earnings chart and the payouts too, and the two-column desktop layout.
    await page.locator("[data-chart]").waitFor();
    await page
      .getByRole("region", { name: "Payouts" })
      .getByText(/payout/i)
      .first()
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it("the widget's open panel has no violations, and the audit does catch them", async () => {
    const page = await browser().newPage();
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>Shop</title></head><body><main><h1>Shop</h1></main>
       <script src="${server.url}/widget.js" data-program="${programId}"></script></body></html>`,
    );
    const launcher = page.getByRole("button", { name: /rewards/i });
    await launcher.click();
    await page.getByRole("dialog").getByText("First $100").first().waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // The same audit on a page with a known fault reports it.
    await page.setContent(
      `<!doctype html><html lang="en"><head><title>Bad</title></head><body><img src="x.png"></body></html>`,
    );
    expect((await accessibilityViolations(page)).join("\n")).toMatch(/^image-alt/m);
    await page.close();
  });
});
