// The console's goal form and frame on a phone: plain messages beside the
// fields, rewards by level that open and save as they were stored, a form
// reached by its own address, and a header, nav and wide table that fit in
// 375 px without the page scrolling sideways.
import { beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const PHONE = { width: 375, height: 800 };

interface StoredGoal {
  id: string;
  name: string;
  steps: unknown[];
}

const TIERED_STEPS = [
  {
    threshold: 10000,
    reward: {
      byLevel: {
        gold: { type: "cash", amount: 2500 },
        silver: { type: "points", points: 300 },
      },
      default: { type: "points", points: 100 },
    },
  },
  { threshold: 20000, reward: { type: "points_per", points: 5, per: 1000 } },
];

describeInBrowser("the admin console's goal form and frame", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let page: Page;
  let programId = "";
  let goalId = "";
  const programName = "Neighbourhood ambassadors";

  beforeAll(async () => {
    const program = await server.call<{ id: string }>("POST", "/v1/programs", {
      name: programName,
      currency: "USD",
      levels: [
        { key: "silver", name: "Silver" },
        { key: "gold", name: "Gold" },
      ],
    });
    expect(program.status).toBe(201);
    programId = program.body.id;
    const goal = await server.call<StoredGoal>("POST", `/v1/programs/${programId}/goals`, {
      name: "Tiered ladder",
      metric: "sales_amount",
      window: { type: "lifetime" },
      steps: TIERED_STEPS,
    });
    expect(goal.status).toBe(201);
    goalId = goal.body.id;
    page = await browser().newPage({ viewport: PHONE });
    page.setDefaultTimeout(10_000);
  });

  const pageWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

  it("keeps the program's name readable and every section reachable at 375 px", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    const picker = page.getByLabel("Program", { exact: true });
    await picker.selectOption({ label: programName });
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // The picker has a row of its own: wide enough for the whole name.
    const fits = await picker.evaluate((select: HTMLSelectElement) => {
      const probe = document.createElement("span");
      probe.style.font = getComputedStyle(select).font;
      probe.textContent = select.selectedOptions[0]?.textContent ?? "";
      document.body.append(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      return { text, box: select.getBoundingClientRect().width };
    });
    expect(fits.box).toBeGreaterThan(fits.text);
    const links = page.getByRole("navigation", { name: "Sections" }).getByRole("link");
    expect(await links.count()).toBeGreaterThanOrEqual(10);
    for (const link of await links.all()) {
      const box = await link.boundingBox();
      expect(box, (await link.textContent()) ?? "").not.toBeNull();
      expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(PHONE.width);
    }
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
  });

  it("says in plain words beside the name that a blank one will not do", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByRole("button", { name: "New goal" }).click();
    await eventually(async () => new URL(page.url()).pathname).toBe("/admin/goals/new");
    await page.getByLabel("Step 1 threshold").fill("50");
    await page.getByLabel("Step 1 points", { exact: true }).fill("10");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("alert").waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Name", { exact: true }))).toBe(
      "Name must not be empty",
    );
    expect(await page.getByRole("alert").textContent()).not.toMatch(/Too small|expected string/);
  });

  it("opens /admin/goals/new again after a reload, and Back returns to the list", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "New goal", exact: true }).waitFor();
    await page.getByLabel("Name", { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/admin/goals/new");
    await page.goBack();
    await page.getByRole("list", { name: "Goals" }).getByText("Tiered ladder").waitFor();
    expect(new URL(page.url()).pathname).toBe("/admin/goals");
    // Cancel from a form opened from the list goes back to it.
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("list", { name: "Goals" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/admin/goals");
  });

  it("opens a goal's rewards by level at its address, in a table that scrolls inside itself", async () => {
    await page.goto(`${server.url}/admin/goals/${goalId}`);
    await page.getByRole("heading", { name: "Edit goal: Tiered ladder" }).waitFor();
    const value = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    expect(await page.getByLabel("Step 1: a reward for each level").isChecked()).toBe(true);
    await eventually(() => value("Step 1 Gold reward")).toBe("cash");
    expect(await value("Step 1 Gold cash (USD)")).toBe("25");
    expect(await value("Step 1 Silver reward")).toBe("points");
    expect(await value("Step 1 Silver points")).toBe("300");
    expect(await value("Step 1 other levels reward")).toBe("points");
    expect(await value("Step 1 other levels points")).toBe("100");
    expect(await value("Step 2 reward")).toBe("points_per");
    expect(await value("Step 2 points")).toBe("5");
    expect(await value("Step 2 per (USD)")).toBe("10");

    const table = page.getByRole("region", { name: "Step 1 rewards by level" });
    const sizes = await table.evaluate((box) => ({
      scroll: box.scrollWidth,
      client: box.clientWidth,
    }));
    expect(sizes.scroll).toBeGreaterThan(sizes.client);
    expect(await descriptionOf(table)).toMatch(/Scroll sideways/);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    // The keyboard scrolls it too: the box takes focus and the arrow keys move it.
    await table.focus();
    await page.keyboard.press("ArrowRight");
    await eventually(() => table.evaluate((box) => box.scrollLeft)).toBeGreaterThan(0);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
  });

  it("saves the goal unchanged, rewards by level included, and returns to the list", async () => {
    const patched = page.waitForResponse(
      (response) => response.request().method() === "PATCH" && response.url().includes(goalId),
    );
    await page.getByRole("button", { name: "Save changes" }).click();
    expect((await patched).status()).toBe(200);
    await page.getByRole("list", { name: "Goals" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/admin/goals");
    const stored = await server.call<StoredGoal>(
      "GET",
      `/v1/programs/${programId}/goals/${goalId}`,
    );
    expect(stored.body.steps).toEqual(TIERED_STEPS);
  });

  it("changes one level's reward and drops another's to the default", async () => {
    await page.getByRole("button", { name: "Edit Tiered ladder" }).click();
    await page.getByLabel("Step 1 Silver points", { exact: true }).fill("400");
    await page.getByLabel("Step 1 Gold reward", { exact: true }).selectOption("none");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("list", { name: "Goals" }).waitFor();
    const stored = await server.call<StoredGoal>(
      "GET",
      `/v1/programs/${programId}/goals/${goalId}`,
    );
    expect(stored.body.steps[0]).toEqual({
      threshold: 10000,
      reward: {
        byLevel: { silver: { type: "points", points: 400 } },
        default: { type: "points", points: 100 },
      },
    });
  });

  it("creates a goal counting custom events by name, with the API's message beside a missing name", async () => {
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Webinars");
    await page.getByLabel("Metric", { exact: true }).selectOption("custom_count");
    await page.getByLabel("Step 1 threshold").fill("3");
    await page.getByLabel("Step 1 points", { exact: true }).fill("20");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("alert").waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Custom event name"))).toMatch(
      /filter\.name/,
    );
    await page.getByLabel("Custom event name").fill("webinar_attended");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("list", { name: "Goals" }).getByText("Webinars").waitFor();
    const goals = await server.call<{ items: (StoredGoal & Record<string, unknown>)[] }>(
      "GET",
      `/v1/programs/${programId}/goals`,
    );
    expect(goals.body.items.find((g) => g.name === "Webinars")).toMatchObject({
      metric: "custom_count",
      filter: { name: "webinar_attended" },
    });
  });
});
