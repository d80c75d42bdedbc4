import { afterAll, beforeAll, expect, it } from "vitest";
import { startMailWorker } from "../../src/jobs/send-mail.ts";
import { createParticipant, createProgram } from "../support/api.ts";
import { describeInBrowser, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";
import { linkIn, startSmtpInbox, type SmtpInbox } from "../mail/smtp-inbox.ts";

const quiet = { info: () => undefined, error: () => undefined };

describeInBrowser("signing in to the portal by email", () => {
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
  beforeAll(() => {
    worker = startMailWorker(server.services, quiet, { pollMs: 200 });
  });
  afterAll(async () => {
    await worker?.stop();
    await smtp().close();
  });

  it("mails a member a link from the portal's email field, and the link signs them in", async () => {
    const program = await createProgram(server, { name: "Ambassadors" });
    await createParticipant(server, program.id, {
      externalId: "ana",
      name: "Ana Lima",
      email: "ana@example.com",
    });
    const page = await browser().newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${server.url}/portal?program=${program.id}`);
    const email = page.getByLabel("Email", { exact: true });
    await email.waitFor({ timeout: 10_000 });
    await email.fill("ana@example.com");
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await eventually(() => page.getByRole("status").first().textContent()).toBe(
      "If that email belongs to a member, a link is on its way.",
    );

    await expect.poll(() => smtp().received.length, { timeout: 10_000, interval: 100 }).toBe(1);
    const [mail] = smtp().received;
    if (!mail) throw new Error("no mail");
    expect(mail.to).toEqual(["ana@example.com"]);
    const link = new URL(linkIn(mail));
    // The link names the server's public URL; the browser reaches this one on its port.
    await page.goto(`${server.url}${link.pathname}${link.hash}`);
    await page.getByText("Hello Ana Lima, welcome to").waitFor({ timeout: 10_000 });
    expect(page.url()).not.toContain("token");
    await page.close();
  });

  it("shows no email field without a program in the address", async () => {
    const page = await browser().newPage();
    await page.goto(`${server.url}/portal`);
    await page.getByRole("heading", { name: "Open your portal link" }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole("button", { name: "Email me a sign-in link" }).count()).toBe(0);
    await page.close();
  });
});
