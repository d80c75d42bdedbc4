// The Webhooks screen's alert email: the brand's contact, whom Laurel mails
// when it disables an endpoint that kept failing, saved with PATCH /v1/brand,
// with the API's message beside the field.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProgram } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

const LABEL = "Alert email when an endpoint is disabled";

describeInBrowser("the alert email on the console's webhooks screen", () => {
  const browser = useBrowser();
  // No SMTP server: the field still saves, and the screen says the mail waits for one.
  const server = useWebServer();
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    await createProgram(server, { name: "Alerts" });
    context = await browser().newContext({ viewport: { width: 375, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/admin/webhooks`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 2 }).waitFor();
  });
  afterAll(async () => {
    await context?.close();
  });

  const brandContact = async () =>
    (await server.call<{ contactEmail: string | null }>("GET", "/v1/brand")).body.contactEmail;
  const alerts = () => page.getByRole("form", { name: "Alert email" });

  it("starts empty, and says the alert waits for mail to be set up", async () => {
    await eventually(() => alerts().getByLabel(LABEL).inputValue()).toBe("");
    await alerts()
      .getByRole("status")
      .filter({ hasText: "The alert email is sent only once mail is set up." })
      .waitFor();
  });

  it("shows the API's message beside the field for an address that is not one, and saves nothing", async () => {
    await alerts().getByLabel(LABEL).fill("ops at brand");
    await alerts().getByRole("button", { name: "Save alert email" }).click();
    const field = alerts().getByLabel(LABEL);
    await eventually(() => field.getAttribute("aria-invalid")).toBe("true");
    expect(await descriptionOf(field)).toContain("must be an email address");
    expect(await brandContact()).toBeNull();
  });

  it("saves an address, which a reload shows again, and clears it when emptied", async () => {
    await alerts().getByLabel(LABEL).fill("ops@brand.example");
    await alerts().getByRole("button", { name: "Save alert email" }).click();
    await alerts()
      .getByRole("status")
      .filter({ hasText: "ops@brand.example is mailed when an endpoint is disabled." })
      .waitFor();
    expect(await alerts().getByLabel(LABEL).getAttribute("aria-invalid")).toBeNull();
    expect(await brandContact()).toBe("ops@brand.example");

    await page.reload();
    await eventually(() => alerts().getByLabel(LABEL).inputValue()).toBe("ops@brand.example");

    await alerts().getByLabel(LABEL).fill("");
    await alerts().getByRole("button", { name: "Save alert email" }).click();
    await alerts()
      .getByRole("status")
      .filter({ hasText: "No one is mailed when an endpoint is disabled." })
      .waitFor();
    expect(await brandContact()).toBeNull();
  });
});
