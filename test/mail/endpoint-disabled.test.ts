// When Laurel disables a webhook endpoint that failed for 3 days, the
// brand's contact hears of it by mail: written with the disabling, once per
// disabling, and only when mail is set up and the brand gave an address.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createServices, type MailSetting, type Services } from "../../src/engine/services.ts";
import { deliverDueWebhooks } from "../../src/jobs/deliver-webhooks.ts";
import { sendDueMails } from "../../src/jobs/send-mail.ts";
import { createMailer, type Mailer } from "../../src/mail/send.ts";
import { insertBrand, updateBrandContactEmail } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { tell } from "../../src/store/outbox.ts";
import { insertProgram } from "../../src/store/programs.ts";
import { updateWebhookEndpoint } from "../../src/store/webhook-endpoints.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";
import { startSmtpInbox, type SmtpInbox } from "./smtp-inbox.ts";

const DAY_MS = 86_400_000;
const PUBLIC_URL = "https://laurel.test";

interface MailRow {
  to_address: string;
  template: string;
  data: Record<string, string>;
  status: string;
}

describeEachBackend("the mail telling a brand its endpoint was disabled", (backend) => {
  let db: Database;
  let inbox: SmtpInbox;
  let mailer: Mailer;
  let receiver: { url: string; close(): Promise<void> };
  const clock = { ms: Date.UTC(2026, 2, 1, 12) };

  beforeAll(async () => {
    db = await openMigrated(backend);
    inbox = await startSmtpInbox();
    mailer = createMailer(inbox.setting);
    // A receiver that is down: every delivery answers 503.
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.statusCode = 503;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    receiver = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  });
  afterAll(async () => {
    mailer?.close();
    await Promise.all([inbox?.close(), receiver?.close()]);
    await db?.close();
  });

  const servicesWith = (mail: MailSetting | undefined): Services =>
    createServices(db, {
      now: () => new Date(clock.ms),
      allowPrivateWebhooks: true,
      publicUrl: PUBLIC_URL,
      ...(mail ? { mail } : {}),
    });

  /** A brand of its own (with `contactEmail`), a program, and an endpoint at the failing receiver. */
  async function brandWithEndpoint(services: Services, contactEmail: string | null) {
    const brandId = services.ids.next("brd");
    await insertBrand(db, { id: brandId, name: `Brand ${brandId}` });
    await updateBrandContactEmail(db, brandId, contactEmail);
    const config = {
      name: "Hooks",
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 } },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name: "Hooks",
      currency: "USD",
      timezone: "UTC",
      config,
    });
    const endpointId = services.ids.next("wep");
    await db.query(
      `insert into webhook_endpoints (id, brand_id, program_id, url, events, secret, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [
        endpointId,
        brandId,
        program.id,
        receiver.url,
        JSON.stringify(["commission.created"]),
        `whsec_${randomBytes(24).toString("base64")}`,
        services.now(),
      ],
    );
    return { brandId, brandName: `Brand ${brandId}`, programId: program.id, endpointId };
  }

  const tellCommission = (services: Services, programId: string) =>
    db.transaction((tx) =>
      tell(
        tx,
        programId,
        [{ type: "commission.created", data: { amountMinor: 100, currency: "USD" } }],
        services.ids,
        services.now(),
      ),
    );

  /**
   * Fails a delivery now, then, 3 days later, its retry and a new one, sent
   * in one batch and failing at once: the endpoint has failed for 3 days, and
   * both outcomes would disable it, but only the one whose update does writes
   * the mail.
   */
  async function failForThreeDays(services: Services, programId: string) {
    await tellCommission(services, programId);
    await deliverDueWebhooks(services);
    clock.ms += 3 * DAY_MS;
    await tellCommission(services, programId);
    await deliverDueWebhooks(services);
  }

  const isDisabled = async (endpointId: string) =>
    (
      await db.query<{ disabled: boolean }>(
        "select disabled from webhook_endpoints where id = $1",
        [endpointId],
      )
    )[0]?.disabled;

  const mailsOf = (brandId: string) =>
    db.query<MailRow>(
      `select to_address, template, data, status from mail_outbox
       where brand_id = $1 and template = 'endpoint-disabled' order by id`,
      [brandId],
    );

  it("mails the contact email once, naming the endpoint, the reason and how to re-enable it in the console", async () => {
    const services = servicesWith(inbox.setting);
    const { brandId, brandName, programId, endpointId } = await brandWithEndpoint(
      services,
      "ops@brand.test",
    );
    const since = new Date(clock.ms).toISOString();
    await failForThreeDays(services, programId);
    expect(await isDisabled(endpointId)).toBe(true);

    const reason = `every delivery failed for 3 days, since ${since} (last: HTTP 503)`;
    expect(await mailsOf(brandId)).toEqual([
      {
        to_address: "ops@brand.test",
        template: "endpoint-disabled",
        status: "pending",
        data: { brandName, url: receiver.url, reason, link: `${PUBLIC_URL}/admin/webhooks` },
      },
    ]);
    // Later failures of the disabled endpoint tell no one again: nothing more is sent to it.
    clock.ms += DAY_MS;
    await tellCommission(services, programId);
    expect(await deliverDueWebhooks(services)).toBe(0);
    expect(await mailsOf(brandId)).toHaveLength(1);

    const before = inbox.received.length;
    expect(await sendDueMails(services, mailer)).toMatchObject({ sent: 1, failed: 0 });
    const [mail, ...more] = inbox.received.slice(before);
    expect(more).toEqual([]);
    if (!mail) throw new Error("no mail arrived");
    expect(mail.to).toEqual(["ops@brand.test"]);
    expect(mail.headers.subject).toBe(
      `${brandName}: Laurel disabled the webhook endpoint ${receiver.url}`,
    );
    const text = mail.parts["text/plain"] ?? "";
    expect(text).toContain(reason);
    expect(text).toContain("re-enable the endpoint in the console");
    expect(text).toContain(`${PUBLIC_URL}/admin/webhooks`);
    expect(mail.parts["text/html"]).toContain(`href="${PUBLIC_URL}/admin/webhooks"`);
    expect(mail.parts["text/html"]).toContain(receiver.url);
  });

  it("mails again when an endpoint enabled again fails for another 3 days: one mail per disabling", async () => {
    const services = servicesWith(inbox.setting);
    const { brandId, programId, endpointId } = await brandWithEndpoint(services, "ops@brand.test");
    await failForThreeDays(services, programId);
    await updateWebhookEndpoint(db, brandId, endpointId, { disabled: false }, services.now());
    clock.ms += DAY_MS;
    await failForThreeDays(services, programId);
    expect(await isDisabled(endpointId)).toBe(true);
    expect(await mailsOf(brandId)).toHaveLength(2);
  });

  it("mails no one when the brand has no contact email", async () => {
    const services = servicesWith(inbox.setting);
    const { brandId, programId, endpointId } = await brandWithEndpoint(services, null);
    await failForThreeDays(services, programId);
    expect(await isDisabled(endpointId)).toBe(true);
    expect(await mailsOf(brandId)).toEqual([]);
  });

  it("writes no mail when the server has no SMTP server, since nothing would ever send it", async () => {
    const services = servicesWith(undefined);
    const { brandId, programId, endpointId } = await brandWithEndpoint(services, "ops@brand.test");
    await failForThreeDays(services, programId);
    expect(await isDisabled(endpointId)).toBe(true);
    expect(await mailsOf(brandId)).toEqual([]);
  });
});
