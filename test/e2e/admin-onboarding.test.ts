// A new brand's admin from an empty console to a program that is set up:
// created through the form, checked off step by step against what the API
// holds, then edited and its pay change announced.
import { SignJWT } from "jose";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectStatus, type Collection, type ProgramBody } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("the admin console's onboarding", () => {
  const server = useWebServer();
  const browser = useBrowser();
  let context: BrowserContext;
  let page: Page;
  let key = "";
  let programId = "";
  let referralCode = "";

  beforeAll(async () => {
    key = await server.adminKeyFor("A brand with nothing yet");
    context = await browser().newContext({
      viewport: { width: 1000, height: 900 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
  });

  const programs = async () =>
    (await server.call<Collection<ProgramBody>>("GET", "/v1/programs", undefined, key)).body.items;
  const step = (title: string): Locator => page.getByRole("region", { name: new RegExp(title) });
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  const path = () => new URL(page.url()).pathname;

  it("offers an empty brand a form to create its first program", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Create your first program" }).waitFor();
    // The browser's own zone is the default.
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await eventually(() => page.getByLabel("Time zone").inputValue()).toBe(zone);
  });

  it("shows the API's message beside a bad landing URL, and creates nothing", async () => {
    await page.getByLabel("Name", { exact: true }).fill("Spring Ambassadors");
    await page.getByLabel("Currency").fill("eur");
    await page.getByLabel("Time zone").selectOption("Europe/Berlin");
    await page.getByLabel("Landing URL").fill("shop dot example");
    await page.getByLabel("Commission rate (%)").fill("12");
    await page.getByRole("button", { name: "Add upline level" }).click();
    await page.getByLabel("Upline level 1 (%)").fill("3");
    await page.getByRole("button", { name: "Add level" }).click();
    await page.getByLabel("Level 1 key").fill("gold");
    await page.getByLabel("Level 1 name").fill("Gold");
    await page.getByRole("button", { name: "Create program" }).click();

    await page.getByRole("alert").filter({ hasText: "The program was not created" }).waitFor();
    await eventually(() => descriptionOf(page.getByLabel("Landing URL"))).toMatch(/URL/);
    await eventually(() => descriptionOf(page.getByLabel("Name", { exact: true }))).toBe("");
    // The field at fault takes focus, so its message is read out.
    await eventually(() =>
      page.evaluate(() => document.activeElement?.getAttribute("id") ?? ""),
    ).toBe("new-program-landing-url");
    expect(await programs()).toEqual([]);
  });

  it("creates the program with what the form said and opens its setup checklist", async () => {
    await page.getByLabel("Landing URL").fill("https://shop.example.com/spring");
    await page.getByRole("button", { name: "Create program" }).click();
    await page.getByRole("heading", { name: "Set up Spring Ambassadors" }).waitFor();
    expect(path()).toBe("/admin/setup");

    const [created] = await programs();
    expect(created).toMatchObject({
      name: "Spring Ambassadors",
      currency: "EUR",
      timezone: "Europe/Berlin",
      landingUrl: "https://shop.example.com/spring",
      commission: { rate: { percent: 12 }, upline: [{ percent: 3 }] },
      levels: [{ key: "gold", name: "Gold" }],
    });
    programId = created?.id ?? "";
    // The header has it selected.
    await eventually(() => page.getByLabel("Program", { exact: true }).inputValue()).toBe(
      programId,
    );
    await eventually(() => step("Set the commission plan").textContent()).toMatch(
      /Done.*Sellers earn 12% of each referred order/,
    );
    for (const title of [
      "Connect your store",
      "Add the tracking script",
      "Embed the widget",
      "Invite your first participants",
    ])
      await eventually(() => step(title).textContent()).toMatch(/Not done yet/);
  });

  it("copies a tracking script that the server answers for this program", async () => {
    await step("Add the tracking script")
      .getByRole("button", { name: "Copy tracking script" })
      .click();
    await step("Add the tracking script")
      .getByRole("status")
      .filter({ hasText: "Copied" })
      .waitFor();
    const snippet = await clipboard();
    expect(snippet).toBe(
      `<script src="${server.url}/track.js?program=${programId}" defer></script>`,
    );
    const src = /src="([^"]+)"/.exec(snippet)?.[1] ?? "";
    const script = await fetch(src);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(await script.text()).toContain(programId);
  });

  it("creates the widget secret, shows it once, and it signs tokens the widget accepts", async () => {
    const widget = step("Embed the widget");
    await widget.getByRole("button", { name: "Copy widget script" }).click();
    expect(await clipboard()).toBe(
      `<script src="${server.url}/widget.js" data-program="${programId}" data-customer-token="CUSTOMER_TOKEN"></script>`,
    );

    await widget.getByRole("button", { name: "Create widget secret" }).click();
    await widget.getByText("Copy it now: you won't see it again").waitFor();
    // Copying it is the one thing left to do, so it has focus.
    await eventually(() =>
      page.evaluate(() => document.activeElement?.getAttribute("id") ?? ""),
    ).toBe("widget-secret");
    await widget.getByRole("button", { name: "Copy widget secret" }).click();
    const secret = await clipboard();
    expect(secret).toMatch(/^lrl_widget_/);
    await eventually(() => widget.textContent()).toMatch(/Done/);

    // The shop's server signs a customer token with it, and the widget's route takes it.
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("customer-1")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(secret));
    expectStatus(await server.call("GET", `/v1/widget/${programId}/me`, undefined, token), 200);

    // Shown once: leaving the screen forgets it, and only a rotation makes another.
    await page.getByRole("navigation").getByRole("link", { name: "Overview" }).click();
    await page.getByRole("link", { name: /Continue setting up Spring Ambassadors/ }).click();
    await page.getByRole("heading", { name: "Set up Spring Ambassadors" }).waitFor();
    await step("Embed the widget").getByRole("button", { name: "Rotate widget secret" }).waitFor();
    expect(await page.getByLabel("Widget secret").count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
  });

  it("invites a participant at a level and hands over a portal sign-in link that works", async () => {
    const invite = step("Invite your first participants");
    await invite.getByLabel("Name").fill("Ana");
    await invite.getByLabel("Email").fill("ana@example.com");
    await invite.getByLabel("Level (optional)").selectOption({ label: "Gold" });
    await invite.getByRole("button", { name: "Add participant" }).click();
    await invite.getByRole("status").filter({ hasText: "Ana is a participant now." }).waitFor();
    await eventually(() => invite.textContent()).toMatch(/Done/);

    const listed = await server.call<
      Collection<{ externalId: string; email: string; level: string; referralCode: string }>
    >("GET", `/v1/programs/${programId}/participants`, undefined, key);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        externalId: "ana@example.com",
        email: "ana@example.com",
        level: "gold",
      }),
    ]);
    referralCode = listed.body.items[0]?.referralCode ?? "";

    // This server has no mail, and the step says so beside the link.
    await invite.getByRole("button", { name: "Make a portal sign-in link for Ana" }).click();
    const link = await invite.getByLabel("Portal sign-in link for Ana").inputValue();
    expect(link).toMatch(new RegExp(`^${server.url}/portal#token=lrl_part_`));
    await invite.getByText("Mail is not configured.").waitFor();
    const participantToken = decodeURIComponent(link.split("#token=")[1] ?? "");
    expectStatus(await server.call("POST", "/v1/sessions", undefined, participantToken), 201);
  });

  it("marks the tracking script done once a click is recorded, and the Overview links to what is left", async () => {
    const click = await fetch(`${server.url}/v1/track/${programId}/clicks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: referralCode }),
    });
    expect(click.status).toBe(201);
    await page.reload();
    await eventually(() => step("Add the tracking script").textContent()).toMatch(
      /Done.*1 click recorded/,
    );
    await page.getByText("4 of 5 steps done.").waitFor();
    await page.getByRole("navigation").getByRole("link", { name: "Overview" }).click();
    await page.getByText("4 of 5 setup steps done.").waitFor();
  });

  it("keeps a new name, time zone and landing URL saved on the Program screen across a reload", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Program" }).click();
    await page.getByRole("heading", { name: "Program", exact: true }).waitFor();
    await eventually(() => page.getByLabel("Name", { exact: true }).inputValue()).toBe(
      "Spring Ambassadors",
    );
    await page.getByLabel("Name", { exact: true }).fill("Summer Ambassadors");
    await page.getByLabel("Time zone").selectOption("America/Chicago");
    await page.getByLabel("Landing URL").fill("https://shop.example.com/summer");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    // Neither a rate nor a cap changed: there is nothing to announce.
    expect(await page.getByRole("link", { name: /Announce this change/ }).count()).toBe(0);

    await page.reload();
    await eventually(() => page.getByLabel("Name", { exact: true }).inputValue()).toBe(
      "Summer Ambassadors",
    );
    await eventually(() => page.getByLabel("Time zone").inputValue()).toBe("America/Chicago");
    await eventually(() => page.getByLabel("Landing URL").inputValue()).toBe(
      "https://shop.example.com/summer",
    );
    await eventually(() =>
      page.getByLabel("Program", { exact: true }).locator("option:checked").textContent(),
    ).toBe("Summer Ambassadors");
    expect((await programs())[0]).toMatchObject({
      name: "Summer Ambassadors",
      timezone: "America/Chicago",
      landingUrl: "https://shop.example.com/summer",
    });
  });

  it("offers to announce a rate and cap change, opening the composer with what changed", async () => {
    await page.getByLabel("Base rate", { exact: true }).fill("15");
    await page.getByLabel("Cap per participant per month (EUR)").fill("4000");
    await page.getByRole("button", { name: "Save program" }).click();
    await page.getByRole("status").filter({ hasText: "Program saved" }).waitFor();
    await page.getByRole("link", { name: "Announce this change to participants" }).click();

    await eventually(async () => path()).toBe("/admin/broadcasts/new");
    const query = new URL(page.url()).searchParams;
    expect(query.get("subject")).toBe("Changes to the Summer Ambassadors commission plan");
    const body = query.get("body") ?? "";
    expect(body).toContain("- Commission rate: 12% → 15%");
    expect(body).toContain("- Monthly cap per participant: no cap → €4,000.00");
    expect(body).not.toContain("Upline");
  });
});
