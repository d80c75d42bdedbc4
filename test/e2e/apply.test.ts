// Joining a program from both sides: someone opens the program's public apply
// page from a member's ?via= link, reads and accepts the terms and applies;
// the brand finds them in the console's approval queue, with what they sent
// and who recruited them, and approves or rejects them there.
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { createParticipant, createProgram, expectStatus } from "../support/api.ts";
import { accessibilityViolations } from "../support/axe.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer, type WebServer } from "../support/web-server.ts";

interface Listed {
  id: string;
  name: string | null;
  status: string;
  sponsorId: string | null;
  termsVersion: number | null;
  application: { website: string | null; socials: string[]; message: string | null } | null;
}

async function participantsOf(server: WebServer, programId: string) {
  const reply = await server.call<{ items: Listed[] }>(
    "GET",
    `/v1/programs/${programId}/participants`,
  );
  expectStatus(reply, 200);
  return reply.body.items;
}

async function signedInToConsole(page: Page, server: WebServer, programName: string) {
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/admin/applications`);
  await page.getByLabel("Admin key").fill(server.key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Program", { exact: true }).selectOption({ label: programName });
  await page.getByRole("heading", { name: "Applications", level: 2 }).waitFor();
}

describeInBrowser("applying on the public apply page and being approved in the console", () => {
  const server = useWebServer();
  const browser = useBrowser();

  it("an applicant fills the apply page, accepts the terms and is told what comes next; the console approves them", async () => {
    const program = await createProgram(server, {
      name: "Trail Runners",
      enrolment: "approval",
      branding: { color: "#0f766e" },
    });
    expectStatus(
      await server.call("PUT", `/v1/programs/${program.id}/terms`, {
        body: "# Our rules\n\nShare **only** your own link.",
      }),
      201,
    );
    const recruiter = await createParticipant(server, program.id, {
      externalId: "rita",
      name: "Rita",
    });

    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/apply/${program.id}?via=${recruiter.referralCode}`);
    await page.getByRole("heading", { name: "Apply to Trail Runners", level: 1 }).waitFor();
    const terms = page.getByRole("region", { name: "Trail Runners's terms" });
    expect(await terms.locator("h1").textContent()).toBe("Our rules");
    expect(await terms.locator("strong").textContent()).toBe("only");
    expect(await page.getByLabel("Referral code (optional)").inputValue()).toBe(
      recruiter.referralCode,
    );
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel("Name").fill("Ana Souza");
    await page.getByLabel("Email").fill("ana@example.com");
    await page.getByLabel("Website (optional)").fill("ana.example");
    await page.getByLabel("Social profiles (optional)").fill("@ana.runs\nhttps://x.example/ana");
    await page.getByLabel("Message (optional)").fill("I run 80 km a week and write about it.");
    // Without the terms accepted, the checkbox says why.
    await page.getByRole("button", { name: "Apply" }).click();
    const accept = page.getByLabel("I have read and accept Trail Runners’s terms");
    await eventually(() => descriptionOf(accept)).toContain("Accept the terms to apply");
    expect(await accept.getAttribute("aria-invalid")).toBe("true");
    expect(await accessibilityViolations(page)).toEqual([]);

    await accept.check();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Thank you, your application is in" }).waitFor();
    // Without mail set up, the page does not promise a mail.
    await page
      .getByText("Trail Runners will look at it and let you know once it is decided.")
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    const applied = (await participantsOf(server, program.id)).find((p) => p.name === "Ana Souza");
    expect(applied).toMatchObject({
      status: "applied",
      sponsorId: recruiter.id,
      termsVersion: 1,
      application: {
        website: "ana.example",
        socials: ["@ana.runs", "https://x.example/ana"],
        message: "I run 80 km a week and write about it.",
      },
    });

    const admin = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    admin.on("pageerror", (error) => errors.push(error.message));
    await signedInToConsole(admin, server, "Trail Runners");
    await admin
      .getByRole("navigation", { name: "Sections" })
      .getByRole("link", { name: /^Applications\W+1 waiting$/ })
      .waitFor();
    const card = admin.getByRole("article", { name: /Ana Souza/ });
    await card.getByText("ana.example").waitFor();
    expect(await card.getByRole("link", { name: "Rita" }).count()).toBe(1);
    expect(await card.textContent()).toContain("I run 80 km a week");
    expect(await admin.getByLabel("Apply page link").inputValue()).toBe(
      `${server.url}/apply/${program.id}`,
    );
    // Mail is off here, so the console says decisions are not mailed and shows the link to send.
    await admin.getByText("Applicants are not mailed decisions").waitFor();
    expect(await accessibilityViolations(admin)).toEqual([]);

    await card.getByRole("button", { name: "Approve Ana Souza" }).click();
    await admin.getByText("Ana Souza is approved and active.").waitFor();
    const link = await admin
      .getByLabel("Their portal sign-in link (for them alone: it opens their portal every time)")
      .inputValue();
    expect(link).toMatch(new RegExp(`^http.*/portal#token=`));
    await admin.getByText("No applications wait for a decision.").waitFor();
    expect(await accessibilityViolations(admin)).toEqual([]);
    const approved = (await participantsOf(server, program.id)).find((p) => p.id === applied?.id);
    expect(approved?.status).toBe("active");
    expect(errors).toEqual([]);
    await page.close();
    await admin.close();
  });

  it("the console rejects an applicant with a reason, and shows who they resemble", async () => {
    const program = await createProgram(server, { name: "Picky Club", enrolment: "approval" });
    for (const [email, website] of [
      ["ben@example.com", "https://ben.example"],
      ["other@example.com", "www.ben.example"],
    ] as const) {
      expectStatus(
        await server.call(
          "POST",
          `/v1/programs/${program.id}/applications`,
          { email, name: email.startsWith("ben") ? "Ben" : "Bea", website },
          null,
        ),
        201,
      );
    }
    const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signedInToConsole(page, server, "Picky Club");
    const ben = page.getByRole("article", { name: /^Ben/ });
    await ben.getByText("Already belongs").waitFor();
    expect(await ben.textContent()).toContain("Bea in Picky Club, same website");

    await ben.getByRole("button", { name: "Reject Ben" }).click();
    const dialog = page.getByRole("dialog", { name: "Reject Ben?" });
    await dialog.getByLabel("Reason").fill("Shares a website with another applicant");
    expect(await accessibilityViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Reject application" }).click();
    await page.getByText("Ben is rejected.").waitFor();
    await eventually(() => page.getByRole("article").count()).toBe(1);
    const rejected = (await participantsOf(server, program.id)).find((p) => p.name === "Ben");
    expect(rejected?.status).toBe("rejected");
    await page.close();
  });

  it("a closed program's apply page says it takes no applications; an unknown one is a 404 that says so", async () => {
    const program = await createProgram(server, { name: "Invite Only" });
    const page = await browser().newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/apply/${program.id}`);
    await page.getByRole("heading", { name: "Invite Only does not take applications" }).waitFor();
    expect(await page.getByRole("button", { name: "Apply" }).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);

    const missing = await page.goto(`${server.url}/apply/prg_nothing`);
    expect(missing?.status()).toBe(404);
    await page.getByRole("heading", { name: "There is no such program" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.close();
  });

  it("with open enrolment, the applicant is in at once and is pointed to the portal", async () => {
    const program = await createProgram(server, { name: "Open Track", enrolment: "open" });
    const page = await browser().newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/apply/${program.id}`);
    await page.getByLabel("Name").fill("Cy");
    await page.getByLabel("Email").fill("cy@example.com");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("heading", { name: "Welcome to Open Track!" }).waitFor();
    expect(
      await page
        .getByRole("link", { name: "Sign in to the Open Track portal" })
        .getAttribute("href"),
    ).toContain(`/portal?program=${program.id}`);
    await page.close();
  });
});
