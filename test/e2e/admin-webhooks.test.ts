// The console's Webhooks section against a real receiver on loopback: the
// endpoint is added through the form, its secret copied from the page
// verifies what the receiver is sent, and the deliveries log follows a
// delivery through a failure and a retry.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { deliverDueWebhooks } from "../../src/jobs/deliver-webhooks.ts";
import { createProgram } from "../support/api.ts";
import { describeInBrowser, descriptionOf, eventually, useBrowser } from "../support/browser.ts";
import { useWebServer } from "../support/web-server.ts";

interface Hit {
  headers: Record<string, string>;
  body: string;
}

interface Receiver {
  url: string;
  hits: Hit[];
  /** The status the receiver answers with from now on. */
  answer: number;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that answers `answer` and keeps what it was sent. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    hits: [],
    answer: 200,
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string") headers[name] = value;
      receiver.hits.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = receiver.answer;
      res.end(receiver.answer < 300 ? "ok" : "down for a moment");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/laurel/webhooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

interface EndpointBody {
  id: string;
  url: string;
  events: string[];
  programId: string | null;
  disabled: boolean;
  secret?: string;
}

interface DeliveryBody {
  id: string;
  eventId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  nextAttemptAt: string | null;
}

describeInBrowser("the admin console's webhooks screen", () => {
  // Loopback receivers are allowed, as with LAUREL_WEBHOOKS_ALLOW_PRIVATE=true.
  const server = useWebServer({ allowPrivateWebhooks: true });
  const browser = useBrowser();
  let receiver: Receiver;
  let context: BrowserContext;
  let page: Page;
  let programId = "";
  let endpointId = "";
  let secret = "";

  beforeAll(async () => {
    receiver = await startReceiver();
    const program = await createProgram(server, { name: "Webhook hookups", currency: "USD" });
    programId = program.id;
    context = await browser().newContext({
      viewport: { width: 375, height: 800 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    // A locator that never appears fails naming itself, before the test times out.
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await context?.close();
    await receiver?.close();
  });

  const addForm = (): Locator => page.getByRole("region", { name: "Add an endpoint" });
  const endpointCard = (url = receiver.url): Locator =>
    page.getByRole("region", { name: url, exact: true });
  const deliveryRows = (): Locator =>
    endpointCard().getByRole("list", { name: "Recent deliveries" }).getByRole("listitem");
  const focusedId = () => page.evaluate(() => document.activeElement?.id);

  /** What the server's webhook worker does each second, run now: every due delivery is sent. */
  const deliverDue = () => deliverDueWebhooks(server.services);

  async function refreshDeliveries(): Promise<void> {
    await endpointCard()
      .getByRole("button", { name: /^Refresh deliveries/ })
      .click();
  }

  it("opens at /admin/webhooks with every event type as a checkbox and no endpoints yet", async () => {
    await page.goto(`${server.url}/admin/webhooks`);
    await page.getByLabel("Admin key").fill(server.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Program", { exact: true }).selectOption({ label: "Webhook hookups" });
    await page.getByRole("heading", { name: "Webhooks", level: 2 }).waitFor();
    expect(
      await page
        .getByRole("navigation")
        .getByRole("link", { name: "Webhooks" })
        .getAttribute("aria-current"),
    ).toBe("page");
    const events = addForm().getByRole("group", { name: "Events" });
    for (const type of [
      "commission.created",
      "commission.reversed",
      "reward.granted",
      "participant.created",
      "participant.updated",
      "application.submitted",
      "payout.created",
      "fraud_flag.raised",
    ])
      expect(await events.getByRole("checkbox", { name: type, exact: true }).isChecked()).toBe(
        false,
      );
    await expect(events.getByRole("checkbox").count()).resolves.toBe(8);
    await page.getByText(/^No endpoints yet/).waitFor();
    // The form and its eight event types still fit a phone.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });

  it("shows the API's messages beside the field they are about: no event type, a malformed URL, a scheme that is not http", async () => {
    await addForm().getByLabel("URL").fill("not a url");
    await addForm().getByRole("button", { name: "Add endpoint" }).click();
    await addForm().getByRole("alert").waitFor();
    await eventually(() => descriptionOf(addForm().getByLabel("URL"))).toBe(
      "must be a URL such as https://example.com/path",
    );
    await eventually(() => descriptionOf(addForm().getByRole("group", { name: "Events" }))).toBe(
      "name at least one event type to send",
    );

    await addForm().getByLabel("URL").fill("ftp://127.0.0.1/laurel/webhooks");
    await addForm().getByRole("checkbox", { name: "commission.created" }).check();
    await addForm().getByRole("button", { name: "Add endpoint" }).click();
    await eventually(() => descriptionOf(addForm().getByLabel("URL"))).toBe(
      "must be an http:// or https:// URL",
    );
    await eventually(() => descriptionOf(addForm().getByRole("group", { name: "Events" }))).toBe(
      "",
    );
    const stored = await server.call<{ items: unknown[] }>("GET", "/v1/webhook-endpoints");
    expect(stored.body.items).toEqual([]);
  });

  it("adds an endpoint for the program chosen in the header, and shows its secret once with a Copy button that says Copied", async () => {
    await addForm().getByLabel("URL").fill(receiver.url);
    await addForm().getByRole("checkbox", { name: "reward.granted" }).check();
    expect(await addForm().getByRole("radio", { name: "Webhook hookups only" }).isChecked()).toBe(
      true,
    );
    await addForm().getByRole("button", { name: "Add endpoint" }).click();

    const field = endpointCard().getByLabel("Signing secret");
    await eventually(() => field.inputValue()).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(await field.getAttribute("readonly")).not.toBeNull();
    // Copying it is the one thing left to do, so it has focus.
    await eventually(focusedId).toMatch(/^secret-wep_/);
    await endpointCard()
      .getByText(/Copy it now: you won't see it again/)
      .waitFor();
    await endpointCard().getByRole("button", { name: "Copy signing secret" }).click();
    const said = endpointCard().getByRole("status").filter({ hasText: "Copied" });
    await said.waitFor();
    expect(await said.getAttribute("aria-live")).toBe("polite");
    secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(await field.inputValue());

    // The form is empty again for the next one.
    expect(await addForm().getByLabel("URL").inputValue()).toBe("");
    await endpointCard().getByText("Enabled", { exact: true }).waitFor();
    await endpointCard().getByText("Webhook hookups", { exact: true }).waitFor();
    expect(await endpointCard().textContent()).toMatch(/commission\.created, reward\.granted/);

    const stored = await server.call<{ items: EndpointBody[] }>("GET", "/v1/webhook-endpoints");
    const [endpoint] = stored.body.items;
    expect(endpoint).toMatchObject({
      url: receiver.url,
      events: ["commission.created", "reward.granted"],
      programId,
      disabled: false,
    });
    expect(endpoint?.secret).toBeUndefined();
    endpointId = endpoint?.id ?? "";
  });

  it("forgets the secret on leaving the screen: back on it, the endpoint shows without it", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Integrations" }).click();
    await page.getByRole("heading", { name: "Integrations", level: 2 }).waitFor();
    await page.getByRole("navigation").getByRole("link", { name: "Webhooks" }).click();
    await endpointCard().getByText("Enabled", { exact: true }).waitFor();
    await expect(endpointCard().getByLabel("Signing secret").count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await page.evaluate(() => document.body.innerText)).not.toContain(secret);
  });

  it("sends a test event that reaches the receiver signed with the copied secret, and shows it delivered after Refresh", async () => {
    await endpointCard()
      .getByRole("button", { name: /^Send test event/ })
      .click();
    const queued = endpointCard().getByRole("status").filter({ hasText: "Test event queued" });
    await queued.waitFor();
    const log = await server.call<{ items: DeliveryBody[] }>(
      "GET",
      `/v1/webhook-endpoints/${endpointId}/deliveries`,
    );
    const [delivery] = log.body.items;
    expect(delivery).toMatchObject({ status: "pending", attempts: 0 });
    // The confirmation names the delivery it queued and its event.
    expect(await queued.textContent()).toContain(delivery?.id);
    expect(await queued.textContent()).toContain(delivery?.eventId);

    await deliverDue();
    expect(receiver.hits).toHaveLength(1);
    const [hit] = receiver.hits;
    if (!hit) throw new Error("the receiver heard nothing");
    expect(new Webhook(secret).verify(hit.body, hit.headers)).toMatchObject({
      id: delivery?.eventId,
      type: "commission.created",
      programId,
      data: { test: true, message: "A test event from Laurel" },
    });

    await refreshDeliveries();
    const row = deliveryRows().first();
    await row.getByText("Delivered", { exact: true }).waitFor();
    await row.getByText(delivery?.eventId ?? "", { exact: true }).waitFor();
    await row.getByText("commission.created", { exact: true }).waitFor();
    expect(await row.textContent()).toMatch(/Attempts\s*1/);
    expect(await row.textContent()).toMatch(/Last status\s*200/);
  });

  it("shows a delivery answered 500 pending with its status code and next attempt, and Retry after the receiver recovers delivers it", async () => {
    receiver.answer = 500;
    await endpointCard()
      .getByRole("button", { name: /^Send test event/ })
      .click();
    await endpointCard().getByRole("status").filter({ hasText: "Test event queued" }).waitFor();
    await deliverDue();
    expect(receiver.hits).toHaveLength(2);

    await refreshDeliveries();
    await eventually(() => deliveryRows().count()).toBe(2);
    const failing = deliveryRows().first();
    await failing.getByText("Pending", { exact: true }).waitFor();
    expect(await failing.textContent()).toMatch(/Last status\s*500/);
    expect(await failing.textContent()).toMatch(/Next attempt/);
    expect(await failing.textContent()).toMatch(/Attempts\s*1/);

    receiver.answer = 200;
    await failing.getByRole("button", { name: /^Retry/ }).click();
    await endpointCard().getByRole("status").filter({ hasText: "queued again, due now" }).waitFor();
    // Retry made it due at once, rather than at the schedule's next attempt.
    const log = await server.call<{ items: DeliveryBody[] }>(
      "GET",
      `/v1/webhook-endpoints/${endpointId}/deliveries`,
    );
    const retried = log.body.items[0];
    expect(Date.parse(retried?.nextAttemptAt ?? "")).toBeLessThanOrEqual(Date.now());
    await deliverDue();
    expect(receiver.hits).toHaveLength(3);
    // The same event again, so a receiver that keeps ids knows it.
    expect(receiver.hits[2]?.headers["webhook-id"]).toBe(receiver.hits[1]?.headers["webhook-id"]);
    expect(() =>
      new Webhook(secret).verify(receiver.hits[2]?.body ?? "", receiver.hits[2]?.headers ?? {}),
    ).not.toThrow();

    await refreshDeliveries();
    const delivered = deliveryRows().first();
    await delivered.getByText("Delivered", { exact: true }).waitFor();
    expect(await delivered.textContent()).toMatch(/Attempts\s*2/);
    expect(await delivered.textContent()).toMatch(/Last status\s*200/);
  });

  it("edits the URL and events, with the API's message beside a URL it refuses", async () => {
    await endpointCard().getByRole("button", { name: /^Edit/ }).click();
    const form = endpointCard().getByRole("form", { name: "Edit the URL and events" });
    await eventually(focusedId).toBe(`edit-${endpointId}-url`);
    await form.getByLabel("URL").fill("mailto:ops@laurel.test");
    await form.getByRole("button", { name: "Save" }).click();
    await form.getByRole("alert").waitFor();
    await eventually(() => descriptionOf(form.getByLabel("URL"))).toBe(
      "must be an http:// or https:// URL",
    );
    await form.getByLabel("URL").fill(receiver.url);
    await form.getByRole("checkbox", { name: "reward.granted" }).uncheck();
    await form.getByRole("checkbox", { name: "participant.created" }).check();
    await form.getByRole("button", { name: "Save" }).click();
    await endpointCard().getByRole("status").filter({ hasText: "are saved" }).waitFor();
    expect(await endpointCard().textContent()).toMatch(/commission\.created, participant\.created/);
    const stored = await server.call<EndpointBody>("GET", `/v1/webhook-endpoints/${endpointId}`);
    expect(stored.body.events).toEqual(["commission.created", "participant.created"]);
  });

  it("rotates the secret after a confirmation and shows the new one once: deliveries verify with it, not the old one", async () => {
    await endpointCard()
      .getByRole("button", { name: /^Rotate secret/ })
      .click();
    const dialog = page.getByRole("dialog", { name: "Rotate the signing secret?" });
    await dialog.getByText(/The old secret stops at once/).waitFor();
    await dialog.getByRole("button", { name: "Rotate secret" }).click();
    await dialog.waitFor({ state: "detached" });
    const field = endpointCard().getByLabel("Signing secret");
    await eventually(() => field.inputValue()).toMatch(/^whsec_/);
    await endpointCard()
      .getByText(/The new signing secret\. Copy it now: you won't see it again/)
      .waitFor();
    await eventually(focusedId).toBe(`secret-${endpointId}`);
    await endpointCard().getByRole("button", { name: "Copy signing secret" }).click();
    await endpointCard().getByRole("status").filter({ hasText: "Copied" }).waitFor();
    const rotated = await page.evaluate(() => navigator.clipboard.readText());
    expect(rotated).not.toBe(secret);
    expect(rotated).toBe(await field.inputValue());

    await endpointCard().getByRole("button", { name: "I have copied it: hide the secret" }).click();
    await expect(field.count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(rotated);

    await endpointCard()
      .getByRole("button", { name: /^Send test event/ })
      .click();
    await endpointCard().getByRole("status").filter({ hasText: "Test event queued" }).waitFor();
    await deliverDue();
    const hit = receiver.hits.at(-1);
    expect(receiver.hits).toHaveLength(4);
    expect(new Webhook(rotated).verify(hit?.body ?? "", hit?.headers ?? {})).toMatchObject({
      data: { test: true },
    });
    expect(() => new Webhook(secret).verify(hit?.body ?? "", hit?.headers ?? {})).toThrow();
  });

  it("shows the 20 newest deliveries, and the older ones on Show more", async () => {
    // Three test events so far: 19 more make 22.
    for (let n = 0; n < 19; n++) {
      const sent = await server.call("POST", `/v1/webhook-endpoints/${endpointId}/test`);
      expect(sent.status).toBe(202);
    }
    await refreshDeliveries();
    await endpointCard().getByText("20 shown, newest first").waitFor();
    await endpointCard()
      .getByRole("button", { name: /^Show more/ })
      .click();
    await eventually(() => deliveryRows().count()).toBe(22);
    // The oldest is the first test event, delivered at the first attempt.
    expect(await deliveryRows().nth(21).textContent()).toMatch(/Delivered.*Attempts\s*1/);
    await expect(
      endpointCard()
        .getByRole("button", { name: /^Show more/ })
        .count(),
    ).resolves.toBe(0);
  });

  it("disables the endpoint, so nothing is sent to it, and enables it again", async () => {
    await endpointCard()
      .getByRole("button", { name: /^Disable/ })
      .click();
    await endpointCard().getByText("Disabled", { exact: true }).waitFor();
    await endpointCard()
      .getByText(/disabled by the brand: nothing is sent/)
      .waitFor();
    const hits = receiver.hits.length;
    await deliverDue();
    expect(receiver.hits).toHaveLength(hits);
    let stored = await server.call<EndpointBody>("GET", `/v1/webhook-endpoints/${endpointId}`);
    expect(stored.body.disabled).toBe(true);

    await endpointCard()
      .getByRole("button", { name: /^Enable/ })
      .click();
    await endpointCard().getByText("Enabled", { exact: true }).waitFor();
    stored = await server.call<EndpointBody>("GET", `/v1/webhook-endpoints/${endpointId}`);
    expect(stored.body.disabled).toBe(false);
  });

  it("deletes the endpoint after a confirmation", async () => {
    await endpointCard()
      .getByRole("button", { name: /^Delete/ })
      .click();
    const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" });
    await dialog.getByText(/its deliveries log goes too/).waitFor();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("status").filter({ hasText: "is deleted" }).waitFor();
    await page.getByText(/^No endpoints yet/).waitFor();
    // The card whose Delete button had focus is gone; the list's heading has it.
    await eventually(() => page.evaluate(() => document.activeElement?.textContent)).toBe(
      "Endpoints",
    );
    const stored = await server.call("GET", `/v1/webhook-endpoints/${endpointId}`);
    expect(stored.status).toBe(404);
  });
});
