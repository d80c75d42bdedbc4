// An affiliate's whole way in, each step where it really happens: the brand
// sets its program up through the API, someone follows a member's recruitment
// link and applies, the brand approves them in the console, the approval mail
// reaches a real SMTP server and its link signs them in to the portal, where
// they accept the terms revised meanwhile, find the creatives filled in with
// their own link and code, and see the signup their code brought and what it
// earned. Terms revised while the apply page is open are shown there too.
import type { BrowserContext } from "playwright-core";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startMailWorker } from "../../src/jobs/send-mail.ts";
import { createParticipant, createProgram, expectStatus, PUBLIC_URL } from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { PNG_BYTES } from "../support/creatives.ts";
import { useWebServer, type WebServer } from "../support/web-server.ts";
import { linkIn, useSmtpInbox } from "../mail/smtp-inbox.ts";
import type { MailSetting } from "../../src/engine/services.ts";

const quiet = { info: () => undefined, error: () => undefined };

/** The server names its public URL in the links it hands out; the browser reaches it on its port. */
const onServer = (server: WebServer, link: string) => {
  const url = new URL(link);
  return `${server.url}${url.pathname}${url.search}${url.hash}`;
};

/** Files the server says are at PUBLIC_URL are fetched from the server itself. */
async function reachFilesThroughServer(context: BrowserContext, server: WebServer) {
  await context.route(`${PUBLIC_URL}/creatives/**`, async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${server.url}${url.pathname}${url.search}` });
    await route.fulfill({ response });
  });
}

describeInBrowser("an affiliate's way in: recruited, approved by mail, promoting and paid", () => {
  const mail: { mail?: MailSetting } = {};
  const smtp = useSmtpInbox(mail);
  // Registered after the SMTP server's hook, so the server mails it.
  const server = useWebServer({
    mail: () => {
      if (!mail.mail) throw new Error("the SMTP server did not start before the app");
      return mail.mail;
    },
  });
  const browser = useBrowser();
  let worker: { stop(): Promise<void> } | undefined;
  beforeAll(() => {
    worker = startMailWorker(server.services, quiet, { pollMs: 200 });
  });
  afterAll(async () => {
    await worker?.stop();
    const files = server.services.creativeFiles;
    if ("directory" in files && typeof files.directory === "string")
      await rm(files.directory, { recursive: true, force: true });
  });

  it("applies through a recruitment link, is approved, signs in from the mail, accepts the revised terms, promotes with their own link and sees a signup pay $2.00", async () => {
    // 1. The brand's integration sets the program up.
    const program = await createProgram(server, {
      name: "Peak Gear",
      enrolment: "approval",
      commission: { perSignup: { flat: 200 } },
    });
    const rita = await createParticipant(server, program.id, { externalId: "rita", name: "Rita" });
    expectStatus(
      await server.call("PUT", `/v1/programs/${program.id}/terms`, {
        body: "# Partner terms\n\nPromote **only** with your own link.",
      }),
      201,
    );
    const form = new FormData();
    form.set("name", "Summer banner");
    form.set("file", new Blob([PNG_BYTES], { type: "image/png" }), "summer.png");
    const banner = await fetch(`${server.url}/v1/programs/${program.id}/creatives`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.key}` },
      body: form,
    });
    expect(banner.status).toBe(201);
    expectStatus(
      await server.call("POST", `/v1/programs/${program.id}/creatives`, {
        name: "Caption",
        text: "Use {code} or {link}",
      }),
      201,
    );
    const ritaToken = await server.call<{ token: string }>(
      "POST",
      `/v1/programs/${program.id}/participants/${rita.id}/tokens`,
    );
    expectStatus(ritaToken, 201);
    const ritaMe = await server.call<{ recruitmentLink: string | null }>(
      "GET",
      "/v1/me",
      undefined,
      ritaToken.body.token,
    );
    expectStatus(ritaMe, 200);
    const recruitment = ritaMe.body.recruitmentLink;
    expect(recruitment).toBe(`${PUBLIC_URL}/apply/${program.id}?via=${rita.referralCode}`);

    // 2. Someone follows Rita's recruitment link and applies.
    const context = await browser().newContext({ viewport: { width: 1280, height: 900 } });
    await reachFilesThroughServer(context, server);
    const errors: string[] = [];
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(onServer(server, recruitment ?? ""));
    await page.getByRole("heading", { name: "Apply to Peak Gear", level: 1 }).waitFor();
    expect(
      await page.getByRole("region", { name: "Peak Gear's terms" }).locator("h1").textContent(),
    ).toBe("Partner terms");
    expect(await page.getByLabel("Referral code (optional)").inputValue()).toBe(rita.referralCode);
    await page.getByLabel("Name").fill("Ana Souza");
    await page.getByLabel("Email").fill("ana@example.com");
    await page.getByLabel("Website (optional)").fill("ana-climbs.example");
    await page.getByLabel("Message (optional)").fill("I review climbing gear every week.");
    await page.getByLabel("I have read and accept Peak Gear’s terms").check();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Thank you, your application is in" }).waitFor();
    // Mail is set up, so the page promises the decision by mail, to the address she gave.
    await page
      .getByText(
        "Peak Gear will look at it and we’ll email you at ana@example.com once it is decided.",
      )
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // While she waits, the brand publishes a second version of its terms.
    expectStatus(
      await server.call("PUT", `/v1/programs/${program.id}/terms`, {
        body: "# Partner terms, revised\n\nNo paid ads on the **Peak Gear** name.",
      }),
      201,
    );

    // 3. The brand approves Ana in the console's Applications queue.
    const admin = await context.newPage();
    admin.setDefaultTimeout(10_000);
    admin.on("pageerror", (error) => errors.push(error.message));
    await admin.goto(`${server.url}/admin/applications`);
    await admin.getByLabel("Admin key").fill(server.key);
    await admin.getByRole("button", { name: "Sign in" }).click();
    await admin.getByLabel("Program", { exact: true }).selectOption({ label: "Peak Gear" });
    await admin.getByRole("heading", { name: "Applications", level: 2 }).waitFor();
    await admin.getByText("Applicants are mailed the decision").waitFor();
    const card = admin.getByRole("article", { name: /Ana Souza/ });
    await card.getByText("ana-climbs.example").waitFor();
    expect(await card.textContent()).toContain("I review climbing gear every week.");
    expect(await card.getByRole("link", { name: "Rita" }).count()).toBe(1);
    await card.getByRole("button", { name: "Approve Ana Souza" }).click();
    await admin.getByText("Ana Souza is approved and active.").waitFor();
    await admin.getByText("No applications wait for a decision.").waitFor();
    const members = await server.call<{
      items: { name: string | null; status: string; sponsorId: string | null }[];
    }>("GET", `/v1/programs/${program.id}/participants`);
    expect(members.body.items.find((p) => p.name === "Ana Souza")).toMatchObject({
      status: "active",
      sponsorId: rita.id,
    });

    // 4. The approval mail's link signs Ana in; the portal asks her to accept the terms in force.
    const { inbox } = smtp();
    await expect
      .poll(() => inbox.received.filter((m) => m.to.includes("ana@example.com")).length, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(1);
    const approval = inbox.received.find((m) => m.to.includes("ana@example.com"));
    if (!approval) throw new Error("no approval mail");
    expect(approval.headers.subject).toBe("Welcome to Peak Gear: your application is approved");
    // The link keeps working (see the other device below), and the mail says so.
    expect(approval.parts["text/plain"]).toContain("it opens your portal each time you follow it");
    expect(approval.parts["text/html"]).toContain(`href="${linkIn(approval)}"`);
    const portal = await context.newPage();
    portal.setDefaultTimeout(10_000);
    portal.on("pageerror", (error) => errors.push(error.message));
    await portal.goto(onServer(server, linkIn(approval)));
    await portal.getByText("Hello Ana Souza").waitFor();
    expect(portal.url()).not.toContain("token");
    // She accepted version 1 when she applied; version 2 is the one in force now.
    const asked = portal.getByRole("region", { name: "The program terms have changed" });
    await asked.waitFor();
    expect(await asked.textContent()).toContain(
      "You accepted version 1; version 2 is now in force.",
    );
    expect(await asked.locator("h1").textContent()).toBe("Partner terms, revised");
    expect(await accessibilityViolations(portal)).toEqual([]);
    await asked.getByRole("button", { name: "I accept" }).click();
    await portal
      .getByRole("status")
      .filter({ hasText: "you accepted the program terms (version 2)" })
      .waitFor();
    expect(await portal.getByRole("button", { name: "I accept" }).count()).toBe(0);

    // 5. The creatives carry Ana's own link and code, not Rita's, and she has a recruitment link.
    const referralLink = await portal.getByLabel("Referral link").inputValue();
    const referralCode = await portal.getByLabel("Referral code").inputValue();
    expect(referralCode).not.toBe(rita.referralCode);
    expect(referralLink).toContain(referralCode);
    expect(referralLink).not.toBe(rita.referralLink);
    const section = portal.getByRole("region", { name: "Promote with" });
    await eventually(() => section.getByTestId("my-creative").count()).toBe(2);
    const caption = section.getByRole("listitem", { name: "Caption" });
    expect(await caption.getByLabel("Text").inputValue()).toBe(
      `Use ${referralCode} or ${referralLink}`,
    );
    const summer = section.getByRole("listitem", { name: "Summer banner" });
    const image = summer.getByRole("img", { name: "Summer banner" });
    await eventually(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    expect(await summer.getByLabel("Embed HTML").inputValue()).toMatch(
      new RegExp(`^<a href="${referralLink}"><img src="${PUBLIC_URL}/creatives/cre_\\w+/`),
    );
    expect(await portal.getByLabel("Recruitment link").inputValue()).toBe(
      `${PUBLIC_URL}/apply/${program.id}?via=${referralCode}`,
    );

    // 6. A signup with Ana's code pays her $2.00, held as pending for the program's hold.
    expectStatus(
      await server.call("POST", `/v1/programs/${program.id}/events`, {
        events: [
          {
            type: "signup",
            id: "signup-1",
            occurredAt: new Date().toISOString(),
            code: referralCode,
            customer: { id: "cust-1" },
          },
        ],
      }),
      200,
    );
    await portal.reload();
    const stat = (key: string) => portal.locator(`[data-stat="${key}"]`).textContent();
    await eventually(() => stat("signups")).toBe("1");
    expect(await stat("earnings")).toBe("$2.00");
    await eventually(() => portal.locator('[data-balance="Pending"]').textContent()).toBe("$2.00");
    expect(await portal.locator('[data-balance="Available"]').textContent()).toBe("$0.00");

    // 7. The portal as Ana now sees it is accessible.
    expect(await accessibilityViolations(portal)).toEqual([]);
    // The mailed link is hers to keep: on another device it opens her portal again.
    const phone = await browser().newPage({ viewport: { width: 375, height: 800 } });
    phone.setDefaultTimeout(10_000);
    phone.on("pageerror", (error) => errors.push(error.message));
    await phone.goto(onServer(server, linkIn(approval)));
    await phone.getByText("Hello Ana Souza").waitFor();
    await eventually(() => phone.locator('[data-stat="signups"]').textContent()).toBe("1");
    await phone.close();
    expect(errors).toEqual([]);
    await context.close();
  });
  it("terms published while an applicant reads the apply page are shown to them, and the application goes in once they accept the new version", async () => {
    const program = await createProgram(server, { name: "Fresh Terms", enrolment: "approval" });
    const publish = (body: string) =>
      server.call("PUT", `/v1/programs/${program.id}/terms`, { body });
    expectStatus(await publish("# First rules\n\nBe kind."), 201);
    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/apply/${program.id}`);
    await page.getByRole("heading", { name: "Terms (version 1)" }).waitFor();
    await page.getByLabel("Name").fill("Bo Lind");
    await page.getByLabel("Email").fill("bo@example.com");
    await page.getByLabel("Message (optional)").fill("Hello from Bo.");
    const accept = page.getByLabel("I have read and accept Fresh Terms’s terms");
    await accept.check();

    // The brand publishes version 2 before Bo presses Apply.
    expectStatus(await publish("# Second rules\n\nBe kind and honest."), 201);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Terms (version 2)" }).waitFor();
    const terms = page.getByRole("region", { name: "Fresh Terms's terms" });
    expect(await terms.locator("h1").textContent()).toBe("Second rules");
    expect(await accept.isChecked()).toBe(false);
    await eventually(() => descriptionOf(accept)).toBe(
      "Fresh Terms published new terms while you were reading: read version 2 above and accept it to apply.",
    );
    expect(await accept.getAttribute("aria-invalid")).toBe("true");
    // What Bo typed is still there.
    expect(await page.getByLabel("Message (optional)").inputValue()).toBe("Hello from Bo.");
    expect(await accessibilityViolations(page)).toEqual([]);

    await accept.check();
    expect(await accept.getAttribute("aria-invalid")).toBeNull();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Thank you, your application is in" }).waitFor();
    const listed = await server.call<{
      items: { name: string | null; termsVersion: number | null }[];
    }>("GET", `/v1/programs/${program.id}/participants`);
    expect(listed.body.items).toMatchObject([{ name: "Bo Lind", termsVersion: 2 }]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
