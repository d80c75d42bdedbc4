import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { isPublicAddress } from "../../src/integrations/public-address.ts";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { LAUREL_VERSION } from "../../src/cli/version.ts";
import { createServices, NO_METRICS, type Services } from "../../src/engine/services.ts";
import { deliverDueWebhooks, startWebhookWorker } from "../../src/jobs/deliver-webhooks.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { findOutboxEvent, tell } from "../../src/store/outbox.ts";
import { insertProgram } from "../../src/store/programs.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

interface Hit {
  headers: Record<string, string>;
  body: string;
}

interface Receiver {
  url: string;
  port: number;
  hits: Hit[];
  connections: number;
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records what it is sent and answers as `answer` says. */
async function startReceiver(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end("ok"),
  host = "127.0.0.1",
): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    port: 0,
    hits: [],
    connections: 0,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string") headers[name] = value;
      receiver.hits.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      answer(req, res);
    });
  });
  server.on("connection", () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
}

/**
 * A name other than "localhost" that resolves to this machine's own or a
 * private address: its hostname (Debian and containers map it in
 * /etc/hosts), else Debian's ip6-localhost. None is a failure that says so,
 * never a test that checks nothing.
 */
async function privateNameOfThisMachine(): Promise<string> {
  for (const name of [hostname(), "ip6-localhost", "ip6-loopback"]) {
    const found = await lookup(name, { all: true }).catch(() => []);
    if (found.length > 0 && found.every((a) => !isPublicAddress(a.address))) return name;
  }
  throw new Error(
    "no name on this machine resolves to a private address: map the hostname in /etc/hosts",
  );
}

describeEachBackend("delivering webhooks", (backend) => {
  let db: Database;
  let brandId: string;
  const clock = { ms: 0 };
  const receivers: Receiver[] = [];
  const counted = { delivered: 0, failed: 0 };

  const servicesWith = (allowPrivateWebhooks = true): Services =>
    createServices(db, {
      now: () => new Date(clock.ms),
      allowPrivateWebhooks,
      metrics: { ...NO_METRICS, webhookDelivery: (outcome) => counted[outcome]++ },
    });

  beforeAll(async () => {
    db = await openMigrated(backend);
    brandId = createServices(db).ids.next("brd");
    await insertBrand(db, { id: brandId, name: `webhooks-${brandId}` });
  });
  afterEach(async () => {
    // Each test's deliveries end with it, so no later run sends them.
    await db.query("update webhook_deliveries set status = 'failed' where status = 'pending'");
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  afterAll(() => db.close());

  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };

  /** A program with an endpoint of its own at `url` that wants commission.created. */
  const programWithEndpoint = async (services: Services, url: string) => {
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name: "Webhooks",
      currency: "USD",
      timezone: "UTC",
      config: {
        name: "Webhooks",
        currency: "USD",
        timezone: "UTC",
        commission: { rate: { percent: 10 } },
      },
    });
    const endpoint = {
      id: services.ids.next("wep"),
      secret: `whsec_${randomBytes(24).toString("base64")}`,
    };
    await db.query(
      `insert into webhook_endpoints (id, brand_id, program_id, url, events, secret, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [
        endpoint.id,
        brandId,
        program.id,
        url,
        JSON.stringify(["commission.created"]),
        endpoint.secret,
        services.now(),
      ],
    );
    return { programId: program.id, endpoint };
  };

  const tellCommission = (services: Services, programId: string, amountMinor = 1250) =>
    db.transaction((tx) =>
      tell(
        tx,
        programId,
        [{ type: "commission.created", data: { amountMinor, currency: "USD" } }],
        services.ids,
        services.now(),
      ),
    );

  const deliveriesOf = (endpointId: string) =>
    db.query<DeliveryRow>(
      `select id, event_id, status, attempts, last_status_code, last_error, next_attempt_at, delivered_at
       from webhook_deliveries where endpoint_id = $1 order by id`,
      [endpointId],
    );
  const onlyDelivery = async (endpointId: string) => {
    const rows = await deliveriesOf(endpointId);
    expect(rows).toHaveLength(1);
    const row = rows[0];
    if (!row) throw new Error("no delivery");
    return row;
  };

  it("sends a receiver answering 200 the event's body, signed so that the standardwebhooks package verifies it", async () => {
    clock.ms = Date.now();
    const services = servicesWith();
    const hooks = await receiver();
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId);
    const before = { ...counted };

    expect(await deliverDueWebhooks(services)).toBe(1);

    expect(hooks.hits).toHaveLength(1);
    const hit = hooks.hits[0];
    if (!hit) throw new Error("no hit");
    const delivery = await onlyDelivery(endpoint.id);
    expect(JSON.parse(hit.body)).toEqual(await findOutboxEvent(db, delivery.event_id));
    expect(JSON.parse(hit.body)).toMatchObject({
      id: delivery.event_id,
      type: "commission.created",
      programId,
      data: { amountMinor: 1250, currency: "USD" },
    });
    expect(hit.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": `Laurel-Webhooks/${LAUREL_VERSION}`,
      "webhook-id": delivery.event_id,
      "webhook-timestamp": String(Math.floor(clock.ms / 1000)),
    });
    expect(hit.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(endpoint.secret).verify(hit.body, hit.headers)).toEqual(
      JSON.parse(hit.body),
    );
    expect(() =>
      new Webhook(`whsec_${randomBytes(24).toString("base64")}`).verify(hit.body, hit.headers),
    ).toThrow();

    expect(delivery).toMatchObject({
      status: "delivered",
      attempts: 1,
      last_status_code: 200,
      last_error: null,
      delivered_at: new Date(clock.ms),
    });
    expect(counted.delivered - before.delivered).toBe(1);
    // Nothing is due any more.
    expect(await deliverDueWebhooks(services)).toBe(0);
    expect(hooks.hits).toHaveLength(1);
  });

  it("retries a 500 on schedule: not before its time, then with the same body and id", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const services = servicesWith();
    const hooks = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end("down");
    });
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId);
    const before = { ...counted };
    const start = clock.ms;

    await deliverDueWebhooks(services);
    expect(await onlyDelivery(endpoint.id)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status_code: 500,
      next_attempt_at: new Date(start + 5 * SECOND),
    });

    clock.ms = start + 5 * SECOND - 1;
    expect(await deliverDueWebhooks(services)).toBe(0);
    expect(hooks.hits).toHaveLength(1);

    clock.ms = start + 5 * SECOND;
    expect(await deliverDueWebhooks(services)).toBe(1);
    expect(hooks.hits).toHaveLength(2);
    expect(await onlyDelivery(endpoint.id)).toMatchObject({
      status: "pending",
      attempts: 2,
      last_status_code: 500,
      next_attempt_at: new Date(start + 35 * SECOND),
    });
    const [first, second] = hooks.hits;
    expect(second?.body).toBe(first?.body);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    expect(second?.headers["webhook-timestamp"]).toBe(String(Math.floor(clock.ms / 1000)));
    expect(counted.failed - before.failed).toBe(2);

    const failing = await db.query<{ failing_since: Date }>(
      "select failing_since from webhook_endpoints where id = $1",
      [endpoint.id],
    );
    expect(failing[0]?.failing_since).toEqual(new Date(start));
  });

  it("fails the attempt of a receiver that does not answer within the timeout", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const services = servicesWith();
    const hooks = await receiver(() => undefined);
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId);

    const started = performance.now();
    await deliverDueWebhooks(services, undefined, { timeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(3000);

    expect(hooks.hits).toHaveLength(1);
    expect(await onlyDelivery(endpoint.id)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status_code: null,
      last_error: "no answer within 300 ms",
      next_attempt_at: new Date(clock.ms + 5 * SECOND),
    });
  });

  it("fails the attempt of a receiver that drops the connection", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const services = servicesWith();
    const hooks = await receiver((req) => req.socket.destroy());
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId);

    await deliverDueWebhooks(services);

    expect(await onlyDelivery(endpoint.id)).toMatchObject({
      status: "pending",
      attempts: 1,
      last_status_code: null,
      last_error: "connection reset before an answer",
    });
  });

  it("fails a delivery after 3 days, and disables an endpoint that failed for 3 days with its pending deliveries", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const start = clock.ms;
    const services = servicesWith();
    const hooks = await receiver((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId, 100);

    // Runs the worker at each due time until nothing is pending, telling a
    // new commission once a day so the endpoint always has work.
    let told = 1;
    for (let runs = 0; runs < 200; runs++) {
      await deliverDueWebhooks(services);
      const pending = (await deliveriesOf(endpoint.id)).filter((d) => d.status === "pending");
      const due = pending.map((d) => d.next_attempt_at?.getTime() ?? Infinity);
      if (due.length === 0) break;
      const nextDue = Math.min(...due);
      const nextTell = start + told * DAY;
      if (nextTell < nextDue) {
        clock.ms = nextTell;
        await tellCommission(services, programId, 100 + told++);
      } else clock.ms = nextDue;
    }

    const deliveries = await deliveriesOf(endpoint.id);
    expect(deliveries.every((d) => d.status === "failed")).toBe(true);
    const [first, ...later] = deliveries;
    // The first was tried 17 times, the last within its 3 days, then failed for good.
    expect(first).toMatchObject({ status: "failed", attempts: 17, last_status_code: 503 });
    const endpointRow = await db.query<{
      disabled: boolean;
      disabled_reason: string;
      updated_at: Date;
    }>("select disabled, disabled_reason, updated_at from webhook_endpoints where id = $1", [
      endpoint.id,
    ]);
    expect(endpointRow[0]?.disabled).toBe(true);
    expect(endpointRow[0]?.disabled_reason).toBe(
      `every delivery failed for 3 days, since ${new Date(start).toISOString()} (last: HTTP 503)`,
    );
    const disabledAt = endpointRow[0]?.updated_at.getTime() ?? 0;
    expect(disabledAt - start).toBeGreaterThanOrEqual(3 * DAY);
    expect(disabledAt - start).toBeLessThan(3 * DAY + 8 * HOUR);
    // Deliveries still pending then were failed unsent; the one whose attempt disabled it keeps its status code.
    expect(later.some((d) => d.last_error?.startsWith("not sent: the endpoint was disabled"))).toBe(
      true,
    );
    expect(later.some((d) => d.last_error === null && d.last_status_code === 503)).toBe(true);

    // A disabled endpoint is sent nothing, even what is told later.
    const hits = hooks.hits.length;
    await tellCommission(services, programId, 999);
    clock.ms += DAY;
    expect(await deliverDueWebhooks(services)).toBe(0);
    expect(hooks.hits).toHaveLength(hits);
  });

  it("refuses at send time a name that resolves to loopback when private addresses are not allowed, without connecting", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    // Listening on every interface, so a connection to whatever the name
    // resolves to would be seen.
    const hooks = await receiver(undefined, "0.0.0.0");
    const setup = servicesWith(true);
    const name = await privateNameOfThisMachine();
    const byName = await programWithEndpoint(setup, `https://${name}:${hooks.port}/hooks`);
    const byHttp = await programWithEndpoint(setup, hooks.url);
    await tellCommission(setup, byName.programId);
    await tellCommission(setup, byHttp.programId);

    expect(await deliverDueWebhooks(servicesWith(false))).toBe(2);

    expect(hooks.connections).toBe(0);
    expect(hooks.hits).toHaveLength(0);
    const refused = await onlyDelivery(byName.endpoint.id);
    expect(refused).toMatchObject({ status: "pending", attempts: 1, last_status_code: null });
    expect(refused.last_error).toMatch(/ resolves to .+, which is not a public address$/);
    expect((await onlyDelivery(byHttp.endpoint.id)).last_error).toMatch(
      /^the URL must be an https:\/\/ URL/,
    );
  });

  it("sends again a delivery whose worker died mid-send, once its lease runs out", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const services = servicesWith();
    const hooks = await receiver();
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    await tellCommission(services, programId);
    // What a worker killed after claiming leaves behind.
    await db.query(
      "update webhook_deliveries set attempts = 1, lease_until = $2 where endpoint_id = $1",
      [endpoint.id, new Date(clock.ms + 30 * SECOND)],
    );

    clock.ms += 29 * SECOND;
    expect(await deliverDueWebhooks(services)).toBe(0);
    clock.ms += 2 * SECOND;
    expect(await deliverDueWebhooks(services)).toBe(1);

    expect(hooks.hits).toHaveLength(1);
    expect(await onlyDelivery(endpoint.id)).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("delivers each row exactly once when two workers claim at once", async () => {
    clock.ms = Date.UTC(2026, 2, 1, 12);
    const setup = servicesWith();
    const hooks = await receiver((_req, res) => {
      setTimeout(() => res.end("ok"), 20);
    });
    const endpoints = [];
    for (let k = 0; k < 2; k++) endpoints.push(await programWithEndpoint(setup, hooks.url));
    for (const { programId } of endpoints)
      for (let n = 0; n < 20; n++) await tellCommission(setup, programId, n);

    // Two servers' workers on one database, each with a services object of its own.
    const attempts = await Promise.all([
      deliverDueWebhooks(servicesWith()),
      deliverDueWebhooks(servicesWith()),
    ]);

    expect(attempts[0] + attempts[1]).toBe(40);
    const perId = new Map<string, number>();
    for (const hit of hooks.hits) {
      const id = hit.headers["webhook-id"] ?? "";
      perId.set(id, (perId.get(id) ?? 0) + 1);
    }
    expect(perId.size).toBe(40);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    for (const { endpoint } of endpoints)
      for (const d of await deliveriesOf(endpoint.id))
        expect(d).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("sends within a second of the event while the worker runs, and on stop cancels a send in flight so it is due again at once", async () => {
    clock.ms = Date.now();
    const services = servicesWith();
    let answer = true;
    const hooks = await receiver((_req, res) => {
      if (answer) res.end("ok");
    });
    const { programId, endpoint } = await programWithEndpoint(services, hooks.url);
    const quiet = { info: () => undefined, error: () => undefined };
    const worker = startWebhookWorker(services, quiet, { idleMs: 50 });
    try {
      await tellCommission(services, programId);
      await expect.poll(() => hooks.hits.length, { timeout: 1000, interval: 20 }).toBe(1);
      await expect.poll(async () => (await onlyDelivery(endpoint.id)).status).toBe("delivered");

      answer = false;
      await tellCommission(services, programId);
      await expect.poll(() => hooks.hits.length, { timeout: 1000, interval: 20 }).toBe(2);
    } finally {
      const asked = performance.now();
      await worker.stop();
      expect(performance.now() - asked).toBeLessThan(1000);
    }
    const hanging = (await deliveriesOf(endpoint.id)).find((d) => d.status === "pending");
    expect(hanging).toMatchObject({ attempts: 1, last_error: null });
    const lease = await db.query<{ lease_until: Date | null }>(
      "select lease_until from webhook_deliveries where id = $1",
      [hanging?.id],
    );
    expect(lease[0]?.lease_until).toBeNull();
  });
});
