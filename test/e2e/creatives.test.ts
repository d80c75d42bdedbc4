// A program's creatives from both sides: the admin uploads a banner and writes
// a text snippet in the console, sees a file that is not an image refused
// beside the field, and deletes after a confirmation; a participant finds them
// in the portal with their own link filled in and copies the text.
import type { BrowserContext, Page } from "playwright-core";
import { rm } from "node:fs/promises";
import { afterAll, expect, it } from "vitest";
import { createParticipant, createProgram, expectStatus, PUBLIC_URL } from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { ELF_BYTES, PNG_BYTES } from "../support/creatives.ts";
import { useWebServer, type WebServer } from "../support/web-server.ts";

/**
 * The server says it is reached at PUBLIC_URL, so the files it hands out are
 * there; the browser is sent to the server itself for them.
 */
async function reachFilesThroughServer(context: BrowserContext, server: WebServer) {
  await context.route(`${PUBLIC_URL}/creatives/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${server.url}${url.pathname}${url.search}` });
    await route.fulfill({ response });
  });
}

async function signedInToConsole(page: Page, server: WebServer, programName: string) {
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/admin/creatives`);
  await page.getByLabel("Admin key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Program", { exact: true }).selectOption({ label: programName });
  await page.getByRole("heading", { name: "Creatives", level: 2 }).waitFor();
}

describeInBrowser("a program's creatives in the console and the portal", () => {
  const server = useWebServer();
  const browser = useBrowser();
  afterAll(async () => {
    const files = server.services.creativeFiles;
    if ("directory" in files && typeof files.directory === "string")
      await rm(files.directory, { recursive: true, force: true });
  });

  it("uploads a banner and adds a snippet in the console; a participant copies the snippet with their own link", async () => {
    const program = await createProgram(server, { name: "Banner club" });
    const ana = await createParticipant(server, program.id, { externalId: "ana", name: "Ana" });
    const context = await browser().newContext({
      viewport: { width: 1280, height: 900 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    await reachFilesThroughServer(context, server);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await signedInToConsole(page, server, "Banner club");
    await page.getByText("No creatives yet").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // A program named banner.png is refused, and the reason shows beside the file field.
    const upload = page.getByRole("form", { name: "Upload a file" });
    await upload.getByLabel("Name").fill("Spring banner");
    await upload
      .getByLabel("File")
      .setInputFiles({ name: "banner.png", mimeType: "image/png", buffer: Buffer.from(ELF_BYTES) });
    await upload.getByRole("button", { name: "Upload" }).click();
    const refusal = upload.locator("#creative-file-error");
    await eventually(() => refusal.textContent()).toContain("application/x-elf");
    expect(await upload.getByLabel("File").getAttribute("aria-invalid")).toBe("true");
    expect(await accessibilityViolations(page)).toEqual([]);

    await upload
      .getByLabel("File")
      .setInputFiles({ name: "banner.png", mimeType: "image/png", buffer: Buffer.from(PNG_BYTES) });
    await upload.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("status").filter({ hasText: "Spring banner added." }).waitFor();
    const preview = page.getByRole("img", { name: "Preview of Spring banner" });
    await preview.waitFor();
    await eventually(() => preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);

    const snippet = page.getByRole("form", { name: "Add a text snippet" });
    await snippet.getByLabel("Name").fill("Caption");
    await snippet.getByLabel("Text").fill("Use {coupon} at {link}");
    await snippet.getByRole("button", { name: "Add snippet" }).click();
    await eventually(() => snippet.locator("#creative-text-error").textContent()).toContain(
      "{coupon}",
    );
    await snippet.getByLabel("Text").fill("My favourite shop: {link} (code {code})");
    await snippet.getByRole("button", { name: "Add snippet" }).click();
    await page.getByRole("status").filter({ hasText: "Caption added." }).waitFor();
    await eventually(() => page.getByTestId("creative").count()).toBe(2);
    expect(await accessibilityViolations(page)).toEqual([]);

    // The participant's portal: both creatives, the snippet with Ana's own link and code.
    const token = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/tokens`,
    );
    expectStatus(token, 201);
    const portal = await context.newPage();
    portal.setDefaultTimeout(10_000);
    portal.on("pageerror", (error) => errors.push(error.message));
    await portal.goto(`${server.url}/portal#token=${encodeURIComponent(token.body.token)}`);
    const section = portal.getByRole("region", { name: "Promote with" });
    await eventually(() => section.getByTestId("my-creative").count()).toBe(2);
    const banner = section.getByRole("listitem", { name: "Spring banner" });
    const image = banner.getByRole("img", { name: "Spring banner" });
    await eventually(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    const embed = await banner.getByLabel("Embed HTML").inputValue();
    expect(embed).toMatch(
      new RegExp(
        `^<a href="${ana.referralLink}"><img src="${PUBLIC_URL}/creatives/cre_\\w+/banner\\.png" alt="Spring banner"></a>$`,
      ),
    );
    expect(
      await banner.getByRole("link", { name: "Download Spring banner" }).getAttribute("href"),
    ).toMatch(/\/banner\.png\?download=1$/);
    const caption = section.getByRole("listitem", { name: "Caption" });
    const expected = `My favourite shop: ${ana.referralLink} (code ${ana.referralCode})`;
    expect(await caption.getByLabel("Text").inputValue()).toBe(expected);
    await caption.getByRole("button", { name: "Copy text of Caption" }).click();
    await caption.getByRole("status").filter({ hasText: "Text copied." }).waitFor();
    expect(await portal.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    await caption.getByRole("button", { name: "Copy your link of Caption" }).click();
    expect(await portal.evaluate(() => navigator.clipboard.readText())).toBe(ana.referralLink);
    expect(await accessibilityViolations(portal)).toEqual([]);

    // Deleting in the console asks first; the participant then no longer sees it.
    await page.getByRole("button", { name: "Delete Spring banner" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete Spring banner?" });
    await dialog.getByText(/pages that embed it will show a broken image/).waitFor();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Spring banner deleted." }).waitFor();
    await eventually(() => page.getByTestId("creative").count()).toBe(1);
    await portal.reload();
    await eventually(() => portal.getByTestId("my-creative").count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
