// The whole story in one browser session: an admin sets a goal up in the
// console, opens the participant's portal from it, and the participant sees
// the goal fill up as the shop's orders arrive, without reloading.
import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
} from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

describeInBrowser("from the admin console to the participant's portal", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("creates a goal in the console and watches it turn green in the portal as orders arrive", async () => {
    const program = await createProgram(server, { name: "Journey ambassadors" });
    await createParticipant(server, program.id, { externalId: "jo-1", name: "Jo Park" });

    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page
      .getByLabel("Program", { exact: true })
      .selectOption({ label: "Journey ambassadors" });
    await page.getByRole("heading", { name: "Overview" }).waitFor();

    await page.getByRole("navigation").getByRole("link", { name: "Goals" }).click();
    await page.getByRole("button", { name: "New goal" }).click();
    await page.getByLabel("Name").fill("Two orders");
    await page.getByLabel("Metric").selectOption("order_count");
    await page.getByLabel("Step 1 threshold").fill("2");
    await page.getByLabel("Step 1 points").fill("50");
    await page.getByRole("button", { name: "Create goal" }).click();
    await page.getByRole("list", { name: "Goals" }).getByText("Two orders").waitFor();

    await page.getByRole("navigation").getByRole("link", { name: "Participants" }).click();
    await page.getByLabel("Search").fill("park");
    await page.getByRole("link", { name: "Jo Park" }).click();
    await page.getByRole("heading", { name: "Jo Park" }).waitFor();
    const [portal] = await Promise.all([
      page.context().waitForEvent("page"),
      page.getByRole("button", { name: "View as participant" }).click(),
    ]);
    portal.setDefaultTimeout(10_000);

    const bar = portal.getByRole("progressbar", { name: "Two orders" });
    await bar.waitFor();
    await eventually(() => bar.getAttribute("data-band")).toBe("red");
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("0");
    await portal
      .getByText(/2 orders to go/)
      .first()
      .waitFor();

    const first = await sendEvents(
      server,
      program.id,
      order("journey-o-1", { participant: "jo-1", occurredAt: new Date().toISOString() }),
    );
    expectStatus(first, 200);
    await expect
      .poll(() => bar.getAttribute("aria-valuenow"), { timeout: 8_000, interval: 250 })
      .toBe("50");
    await portal
      .getByText(/1 order to go/)
      .first()
      .waitFor();
    await eventually(() => bar.getAttribute("data-band")).not.toBe("green");

    const second = await sendEvents(
      server,
      program.id,
      order("journey-o-2", { participant: "jo-1", occurredAt: new Date().toISOString() }),
    );
    expectStatus(second, 200);
    await expect
      .poll(() => bar.getAttribute("data-band"), { timeout: 8_000, interval: 250 })
      .toBe("green");
    await eventually(() => bar.getAttribute("aria-valuenow")).toBe("100");
    await page.close();
    await portal.close();
  });
});
