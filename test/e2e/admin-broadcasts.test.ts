// The console's Broadcasts section against a real SMTP server on loopback: a
// broadcast composed in Markdown, previewed with its recipient count, sent to
// one level and mailed by the server's own mail worker, with a one-click
// unsubscribe that a second broadcast honours; the composer opened from its
// address, filled in from it and kept across a reload; and, on a server
// without mail, the notice that nothing is sent.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startMailWorker } from "../../src/jobs/send-mail.ts";
import { createParticipant, createProgram } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer, type WebServer } from "../support/web-server.ts";
import { startSmtpInbox, type ReceivedMail, type SmtpInbox } from "../mail/smtp-inbox.ts";

const quiet = { info: () => undefined, error: () => undefined };

const LEVELS = [
  { key: "gold", name: "Gold" },
  { key: "silver", name: "Silver" },
];

/** A page of its own, signed in to the console on `programName`, at `path` below /admin. */
async function signedIn(
  context: BrowserContext,
  server: WebServer,
  programName: string,
  path: string,
): Promise<Page> {
  const page = await context.newPage();
  // A locator that never appears fails naming itself, before the test times out.
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/admin${path}`);
  await page.getByLabel("Admin key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Program", { exact: true }).selectOption({ label: programName });
  await page.getByRole("heading", { name: "Broadcasts", level: 2 }).waitFor();
  return page;
}

const pathOf = (page: Page) => new URL(page.url()).pathname;

describeInBrowser("the admin console's broadcasts screen", () => {
  const browser = useBrowser();
  let inbox: SmtpInbox | undefined;
  const smtp = () => {
    if (!inbox) throw new Error("the SMTP server was used before beforeAll started it");
    return inbox;
  };
  // Before the server starts, so the server mails this SMTP server.
  beforeAll(async () => {
    inbox = await startSmtpInbox();
  });
  const server = useWebServer({ mail: () => smtp().setting });
  let worker: { stop(): Promise<void> } | undefined;
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    // The server's mail worker, polling often: broadcast mails come due a tenth of a second apart.
    worker = startMailWorker(server.services, quiet, { pollMs: 200 });
    const program = await createProgram(server, { name: "Newsletter club", levels: LEVELS });
    for (const [externalId, level, email] of [
      ["ana", "gold", "ana@example.com"],
      ["ben", "gold", "ben@example.com"],
      ["cy", "silver", "cy@example.com"],
      ["dee", "gold", null],
    ] as const)
      await createParticipant(server, program.id, {
        externalId,
        level,
        ...(email ? { email } : {}),
      });
    context = await browser().newContext({ viewport: { width: 375, height: 800 } });
    page = await signedIn(context, server, "Newsletter club", "/broadcasts");
  });
  afterAll(async () => {
    await context?.close();
    await worker?.stop();
    await inbox?.close();
  });

  const received = (subject: string): ReceivedMail[] =>
    smtp().received.filter((m) => m.headers.subject === subject);
  const composer = () => page.getByRole("form", { name: "New broadcast" });
  const sentRow = (subject: string) =>
    page.getByRole("region", { name: "Sent" }).getByRole("row").filter({ hasText: subject });

  /** Fills the composer in for the Gold level and previews it. */
  async function composeForGold(subject: string, body: string): Promise<void> {
    await page.getByRole("button", { name: "New broadcast" }).click();
    await eventually(async () => pathOf(page)).toBe("/admin/broadcasts/new");
    await composer().getByLabel("Subject").fill(subject);
    await composer().getByLabel("Message").fill(body);
    await composer().getByLabel("Gold").check();
    await composer().getByRole("button", { name: "Preview" }).click();
  }

  async function confirmSend(recipients: string): Promise<void> {
    await composer().getByRole("button", { name: "Send", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Send this broadcast?" });
    await dialog.getByText(`It goes to ${recipients} and cannot be taken back.`).waitFor();
    await dialog.getByRole("button", { name: "Send", exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Sending to ${recipients}.` })
      .waitFor();
  }

  it("says nothing about mail being off when the server sends mail", async () => {
    await page.getByRole("button", { name: "New broadcast" }).waitFor();
    expect(await page.getByText("Mail is not configured.").count()).toBe(0);
    expect(
      await page.getByRole("button", { name: "New broadcast" }).getAttribute("aria-disabled"),
    ).toBe("false");
  });

  it("previews a Markdown broadcast to the Gold level with its recipient count, then sends it, and the sent count reaches the total", async () => {
    const subject = "Gold news";
    await composeForGold(subject, "Hello **gold** members!\n\n- Free shipping\n- A new rate");
    const preview = page.getByRole("region", { name: "Preview" });
    // Dee is Gold but has no email, and Cy is Silver: two are mailed.
    await preview.getByText("Goes to 2 participants with an email").waitFor();
    await preview.getByText(`Subject: ${subject}`).waitFor();
    const html = await preview.getByTitle("The mail as rendered").getAttribute("srcdoc");
    expect(html).toContain("<strong>gold</strong>");
    expect(html).toContain("<li>Free shipping</li>");

    await confirmSend("2 participants");
    await eventually(async () => pathOf(page)).toBe("/admin/broadcasts");
    await sentRow(subject).waitFor();

    await expect.poll(() => received(subject).length, { timeout: 15_000, interval: 100 }).toBe(2);
    expect(
      received(subject)
        .flatMap((m) => m.to)
        .sort(),
    ).toEqual(["ana@example.com", "ben@example.com"]);
    // The list refreshes itself while a broadcast is sending, until it reads as sent.
    await expect
      .poll(() => sentRow(subject).getByRole("cell").allTextContents(), {
        timeout: 20_000,
        interval: 250,
      })
      .toEqual([subject, expect.any(String), "2", "2", "0", "Sent"]);
  });

  it("gives each mail a one-click unsubscribe that a second broadcast honours", async () => {
    const [mail] = received("Gold news").filter((m) => m.to.includes("ana@example.com"));
    if (!mail) throw new Error("Ana's mail did not arrive");
    expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    const link = /^<(.+)>$/.exec(mail.headers["list-unsubscribe"] ?? "")?.[1];
    if (!link) throw new Error(`no List-Unsubscribe link in ${JSON.stringify(mail.headers)}`);
    // What a mail client posts; the link names the public URL, this server listens on its port.
    const reply = await fetch(`${server.url}${new URL(link).pathname}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ status: "unsubscribed" });

    const subject = "Gold news, again";
    await composeForGold(subject, "Only for those still listening.");
    await page
      .getByRole("region", { name: "Preview" })
      .getByText("Goes to 1 participant with an email")
      .waitFor();
    await confirmSend("1 participant");
    await expect.poll(() => received(subject).length, { timeout: 15_000, interval: 100 }).toBe(1);
    expect(received(subject)[0]?.to).toEqual(["ben@example.com"]);
  });

  it("opens the composer filled in from its address, and keeps it open across a reload", async () => {
    const subject = "Changes to the plan";
    const body = "- Commission rate: 10% → 12%";
    await page.goto(
      `${server.url}/admin/broadcasts/new?${new URLSearchParams({ subject, body }).toString()}`,
    );
    await eventually(() => composer().getByLabel("Subject").inputValue()).toBe(subject);
    expect(await composer().getByLabel("Message").inputValue()).toBe(body);
    await page.reload();
    await eventually(() => composer().getByLabel("Subject").inputValue()).toBe(subject);
    expect(pathOf(page)).toBe("/admin/broadcasts/new");

    await composer().getByRole("button", { name: "Cancel" }).click();
    await eventually(async () => pathOf(page)).toBe("/admin/broadcasts");
    expect(await composer().count()).toBe(0);
  });
});

describeInBrowser("the admin console's broadcasts screen without mail", () => {
  const browser = useBrowser();
  const server = useWebServer();
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    await createProgram(server, { name: "Quiet club", levels: LEVELS });
    context = await browser().newContext({ viewport: { width: 375, height: 800 } });
    page = await signedIn(context, server, "Quiet club", "/broadcasts");
  });
  afterAll(async () => {
    await context?.close();
  });

  it("says no mail is sent until LAUREL_SMTP_URL and LAUREL_MAIL_FROM are set, and why New broadcast does nothing", async () => {
    const notice = page.getByRole("status").filter({ hasText: "Mail is not configured." });
    await notice.waitFor();
    expect(await notice.textContent()).toContain("LAUREL_SMTP_URL and LAUREL_MAIL_FROM");
    const compose = page.getByRole("button", { name: "New broadcast" });
    expect(await compose.getAttribute("aria-disabled")).toBe("true");
    expect(await descriptionOf(compose)).toContain("Broadcasts need mail");
    // Still focusable, so a keyboard reaches it and hears why; pressing it opens nothing.
    await compose.focus();
    await page.keyboard.press("Enter");
    expect(pathOf(page)).toBe("/admin/broadcasts");
    expect(await page.getByRole("form", { name: "New broadcast" }).count()).toBe(0);
  });

  it("shows the API's 409 when a broadcast is previewed anyway from the composer's address", async () => {
    await page.goto(`${server.url}/admin/broadcasts/new?subject=Hi&body=There`);
    const composer = page.getByRole("form", { name: "New broadcast" });
    await eventually(() => composer.getByLabel("Subject").inputValue()).toBe("Hi");
    await composer.getByRole("button", { name: "Preview" }).click();
    await composer
      .getByRole("alert")
      .filter({ hasText: "mail is not set up: set LAUREL_SMTP_URL and LAUREL_MAIL_FROM" })
      .waitFor();
  });
});
