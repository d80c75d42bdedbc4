// A program's terms from both sides: the admin writes and publishes them in
// the console's editor, with a preview and a confirmation; a participant who
// signs in to the portal is asked to accept the version in force, and once
// they accept, the portal stops asking until a newer version is published.
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { createParticipant, createProgram, expectStatus } from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer, type WebServer } from "../support/web-server.ts";

async function portalLink(server: WebServer, programId: string, participantId: string) {
  const token = await server.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(token, 201);
  return `${server.url}/portal#token=${encodeURIComponent(token.body.token)}`;
}

async function signedInToConsole(page: Page, server: WebServer, programName: string) {
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/admin/terms`);
  await page.getByLabel("Admin key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Program", { exact: true }).selectOption({ label: programName });
  await page.getByRole("heading", { name: "Terms", level: 2 }).waitFor();
}

describeInBrowser("a program's terms in the console and the portal", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("publishes a version from the console editor, after a preview and a confirmation", async () => {
    const program = await createProgram(server, { name: "Terms club" });
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await signedInToConsole(page, server, "Terms club");
    await page.getByText("No terms yet").waitFor();

    await page
      .getByLabel("Terms (Markdown)")
      .fill("# House rules\n\nShare **only** your own link.");
    const preview = page.getByRole("region", { name: "The terms as participants will read them" });
    await eventually(() => preview.locator("h1").textContent()).toBe("House rules");
    expect(await preview.locator("strong").textContent()).toBe("only");
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Publish new version" }).click();
    const dialog = page.getByRole("dialog", { name: "Publish version 1?" });
    await dialog.getByText("Every participant will be asked to accept these terms").waitFor();
    await dialog.getByRole("button", { name: "Publish version 1" }).click();
    await page.getByRole("status").filter({ hasText: "Version 1 published." }).waitFor();
    await eventually(() => page.getByTestId("terms-in-force").textContent()).toMatch(
      /Version 1, published .*Accepted by 0 participants\./,
    );
    const current = await server.call<{ version: number; body: string }>(
      "GET",
      `/v1/programs/${program.id}/terms`,
    );
    expect(current.body).toMatchObject({
      version: 1,
      body: "# House rules\n\nShare **only** your own link.",
    });

    // Unchanged, there is nothing to publish; changed, the dialog says everyone is asked again.
    expect(await page.getByText("No changes: this is version 1.").count()).toBe(1);
    await page.getByLabel("Terms (Markdown)").fill("# House rules\n\nNo paid ads on our name.");
    await page.getByRole("button", { name: "Publish new version" }).click();
    const second = page.getByRole("dialog", { name: "Publish version 2?" });
    await second.getByText(/asked to accept the new terms again/).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await second.getByRole("button", { name: "Publish version 2" }).click();
    await page.getByRole("status").filter({ hasText: "Version 2 published." }).waitFor();
    const rows = page.getByRole("region", { name: "Versions" }).locator("tbody tr");
    await eventually(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain("2 (in force)");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("asks a signed-in participant to accept a new version, and stops asking once they do", async () => {
    const program = await createProgram(server, { name: "Portal terms" });
    const ana = await createParticipant(server, program.id, { externalId: "ana", name: "Ana" });
    const publish = (body: string) =>
      server.call("PUT", `/v1/programs/${program.id}/terms`, { body });
    expectStatus(await publish("Version one: be kind."), 201);
    // Ana accepted the first version; the second is new to her.
    const token = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/tokens`,
    );
    expectStatus(await server.call("POST", "/v1/me/terms", { version: 1 }, token.body.token), 200);
    expectStatus(await publish("## Version two\n\n- Be kind.\n- Be honest."), 201);

    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(await portalLink(server, program.id, ana.id));
    const banner = page.getByRole("region", { name: "The program terms have changed" });
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain(
      "You accepted version 1; version 2 is now in force.",
    );
    const text = banner.getByRole("region", { name: "Program terms" });
    expect(await text.locator("h2").textContent()).toBe("Version two");
    expect(await text.locator("li").allTextContents()).toEqual(["Be kind.", "Be honest."]);
    expect(await accessibilityViolations(page)).toEqual([]);

    await banner.getByRole("button", { name: "I accept" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "you accepted the program terms (version 2)" })
      .waitFor();
    expect(await banner.count()).toBe(0);
    const participant = await server.call<{ termsVersion: number | null }>(
      "GET",
      `/v1/programs/${program.id}/participants/${ana.id}`,
    );
    expect(participant.body.termsVersion).toBe(2);

    // Signed in again later, she is not asked again.
    await page.goto(await portalLink(server, program.id, ana.id));
    await page.getByRole("heading", { name: "Portal terms", level: 1 }).waitFor();
    await page.getByText("Hello Ana").waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.getByRole("button", { name: "I accept" }).count()).toBe(0);
    // The terms she accepted stay a click away.
    const accepted = page.getByText(/^Program terms: version 2, accepted /);
    await accepted.click();
    await page.getByRole("region", { name: "Program terms" }).getByText("Be honest.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
