// The webhook endpoints a brand's backend hears Laurel through: their
// secrets shown once, the URLs they may have, their deliveries log, retries
// and the console's test event.
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPublicAddress } from "../../src/integrations/public-address.ts";
import { deliverDueWebhooks } from "../../src/jobs/deliver-webhooks.ts";
import { findOutboxEvent, tell } from "../../src/store/outbox.ts";
import {
  countRows,
  createProgram,
  expectError,
  expectStatus,
  only,
  snapshot,
  useApi,
  type Collection,
  type ErrorBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface EndpointBody {
  id: string;
  url: string;
  events: string[];
  programId: string | null;
  disabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

interface DeliveryBody {
  id: string;
  eventId: string;
  type: string;
  attempts: number;
  status: "pending" | "delivered" | "failed";
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

interface Hit {
  headers: Record<string, string>;
  body: string;
}

interface Receiver {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback that answers 200 and keeps what it was sent. */
async function startReceiver(): Promise<Receiver> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string") headers[name] = value;
      hits.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Nothing resolves a public name offline, so the receivers here are public
// address literals, which need no lookup.
const RECEIVER = "https://93.184.215.14/laurel/webhooks";
const OTHER_RECEIVER = "https://1.1.1.1/hooks";

/**
 * A host name (not "localhost", which is refused by name) that this machine
 * resolves to a loopback or private address without any network: the
 * machine's own name, or another name /etc/hosts maps to 127.0.0.1.
 */
async function nameResolvingToThisMachine(): Promise<string> {
  const hosts = readFileSync("/etc/hosts", "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim().split(/\s+/))
    .flatMap(([address, ...names]) =>
      address !== undefined && !isPublicAddress(address) ? names : [],
    );
  for (const name of [hostname(), ...hosts]) {
    if (name === "" || name === "localhost" || name.endsWith(".localhost")) continue;
    const resolved = await lookup(name, { all: true }).catch(() => []);
    if (resolved.length > 0 && resolved.every((a) => !isPublicAddress(a.address))) return name;
  }
  throw new Error("no host name resolves to this machine here; add one to /etc/hosts");
}

describeEachBackend("webhook endpoints", (backend) => {
  let clock = new Date("2026-11-20T10:00:00.000Z");
  const api = useApi(backend, { now: () => clock });
  const tick = (ms = 1000) => {
    clock = new Date(clock.getTime() + ms);
  };

  async function createEndpoint(
    fields: Record<string, unknown> = {},
    key?: string,
  ): Promise<EndpointBody & { secret: string }> {
    const reply = await api.call<EndpointBody & { secret: string }>(
      "POST",
      "/v1/webhook-endpoints",
      { url: RECEIVER, events: ["commission.created", "reward.granted"], ...fields },
      key,
    );
    expectStatus(reply, 201);
    return reply.body;
  }

  async function deliveriesOf(endpointId: string): Promise<DeliveryBody[]> {
    const reply = await api.call<Collection<DeliveryBody>>(
      "GET",
      `/v1/webhook-endpoints/${endpointId}/deliveries`,
    );
    expectStatus(reply, 200);
    return reply.body.items;
  }

  describe("creating one", () => {
    it("answers a brand-wide endpoint with its Standard Webhooks secret, which signs and verifies", async () => {
      const created = await createEndpoint();
      expect(created).toEqual({
        id: expect.stringMatching(/^wep_/),
        url: RECEIVER,
        events: ["commission.created", "reward.granted"],
        programId: null,
        disabled: false,
        disabledReason: null,
        failingSince: null,
        createdAt: clock.toISOString(),
        updatedAt: clock.toISOString(),
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
      });
      const key = Buffer.from(created.secret.slice("whsec_".length), "base64");
      expect(key.length).toBeGreaterThanOrEqual(24);
      // A receiver verifies with the official library and the secret as answered.
      const body = JSON.stringify({ id: "whe_1", type: "reward.granted" });
      const signature = new Webhook(created.secret).sign("whe_1", new Date(), body);
      const headers = {
        "webhook-id": "whe_1",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": signature,
      };
      expect(new Webhook(created.secret).verify(body, headers)).toEqual(JSON.parse(body));
    });

    it("shows the secret only when it is made: never in GET or the list", async () => {
      const created = await createEndpoint();
      const got = await api.call<EndpointBody>("GET", `/v1/webhook-endpoints/${created.id}`);
      expectStatus(got, 200);
      const { secret, ...withoutSecret } = created;
      expect(got.body).toEqual(withoutSecret);
      const list = await api.call<Collection<EndpointBody>>(
        "GET",
        "/v1/webhook-endpoints?limit=500",
      );
      expect(list.body.items).toContainEqual(withoutSecret);
      for (const reply of [got, list]) expect(reply.text).not.toContain(secret);
    });

    it("gives each endpoint a secret of its own", async () => {
      const first = await createEndpoint();
      const second = await createEndpoint();
      expect(first.secret).not.toBe(second.secret);
    });

    it("takes a program of the brand, and lists each event type once in the order given", async () => {
      const program = await createProgram(api);
      const created = await createEndpoint({
        programId: program.id,
        events: ["payout.created", "commission.created", "payout.created"],
      });
      expect(created.programId).toBe(program.id);
      expect(created.events).toEqual(["payout.created", "commission.created"]);
    });

    it("answers 404 for another brand's program and writes nothing", async () => {
      const theirs = await createProgram(api, { name: "Brand B's" }, api.otherKey);
      const before = await snapshot(api.db);
      const reply = await api.call("POST", "/v1/webhook-endpoints", {
        url: RECEIVER,
        events: ["commission.created"],
        programId: theirs.id,
      });
      expectError(reply, 404, "not_found");
      expect(await snapshot(api.db)).toEqual(before);
    });
  });

  describe("refusing URLs that could reach into Laurel's own network", () => {
    const refused: [string, string | (() => Promise<string>), RegExp][] = [
      ["http:// (not allowed)", "http://93.184.215.14/hooks", /must be an https:\/\/ URL/],
      ["a private address, 10.0.0.1", "https://10.0.0.1/hooks", /10\.0\.0\.1.*not a public/],
      [
        "the cloud metadata address, 169.254.169.254",
        "https://169.254.169.254/latest/meta-data/",
        /169\.254\.169\.254.*not a public/,
      ],
      ["localhost", "https://localhost/hooks", /localhost.*this machine/],
      ["IPv6 loopback", "https://[::1]/hooks", /::1.*not a public/],
      [
        "a host name resolving to loopback",
        async () => `https://${await nameResolvingToThisMachine()}/hooks`,
        /resolves to .*not a public address/,
      ],
      ["a host name that does not resolve", "https://no-such-host.invalid/hooks", /not resolve/],
      ["a URL with a password", "https://user:pw@93.184.215.14/hooks", /user or password/],
      ["text that is not a URL", "hooks.example.com/laurel", /url/i],
    ];
    for (const [what, urlOrName, reason] of refused) {
      it(`answers 422 naming url for ${what}, and writes nothing`, async () => {
        const url = typeof urlOrName === "string" ? urlOrName : await urlOrName();
        const before = await countRows(api.db, "webhook_endpoints");
        const reply = await api.call<ErrorBody>("POST", "/v1/webhook-endpoints", {
          url,
          events: ["commission.created"],
        });
        expectError(reply, 422, "validation_failed");
        const detail = only(reply.body.error.details);
        expect(detail.path).toBe("url");
        expect(detail.message).toMatch(reason);
        expect(await countRows(api.db, "webhook_endpoints")).toBe(before);
      });
    }

    it("checks a new URL given by PATCH the same way, keeping the old one", async () => {
      const created = await createEndpoint();
      const reply = await api.call<ErrorBody>("PATCH", `/v1/webhook-endpoints/${created.id}`, {
        url: "https://169.254.169.254/latest/meta-data/",
      });
      expectError(reply, 422, "validation_failed");
      expect(reply.body.error.details).toEqual([{ path: "url", message: expect.any(String) }]);
      const got = await api.call<EndpointBody>("GET", `/v1/webhook-endpoints/${created.id}`);
      expect(got.body.url).toBe(RECEIVER);
    });
  });

  describe("refusing event types", () => {
    it("answers 422 naming the unknown event type", async () => {
      const reply = await api.call<ErrorBody>("POST", "/v1/webhook-endpoints", {
        url: RECEIVER,
        events: ["commission.created", "order.created"],
      });
      expectError(reply, 422, "validation_failed");
      const detail = only(reply.body.error.details);
      expect(detail.path).toBe("events.1");
      expect(detail.message).toContain('"order.created" is not an event type');
      expect(reply.body.error.message).toContain("order.created");
    });

    it("answers 422 for an empty list of event types", async () => {
      const reply = await api.call<ErrorBody>("POST", "/v1/webhook-endpoints", {
        url: RECEIVER,
        events: [],
      });
      expectError(reply, 422, "validation_failed");
      expect(only(reply.body.error.details).path).toBe("events");
    });
  });

  describe("changing and deleting one", () => {
    it("changes the URL and event types sent and keeps the rest", async () => {
      const created = await createEndpoint();
      tick();
      const reply = await api.call<EndpointBody>("PATCH", `/v1/webhook-endpoints/${created.id}`, {
        url: OTHER_RECEIVER,
        events: ["fraud_flag.raised"],
      });
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        url: OTHER_RECEIVER,
        events: ["fraud_flag.raised"],
        disabled: false,
        createdAt: created.createdAt,
        updatedAt: clock.toISOString(),
      });
    });

    it("disables on request, and re-enabling clears why and since when Laurel found it failing", async () => {
      const created = await createEndpoint();
      const url = `/v1/webhook-endpoints/${created.id}`;
      const off = await api.call<EndpointBody>("PATCH", url, { disabled: true });
      expect(off.body).toMatchObject({ disabled: true, disabledReason: null });
      // What the delivery worker leaves on an endpoint that failed for 3 days.
      await api.db.query(
        `update webhook_endpoints set disabled_reason = $2, failing_since = $3 where id = $1`,
        [created.id, "every delivery failed for 3 days", "2026-11-17T10:00:00.000Z"],
      );
      const seen = await api.call<EndpointBody>("GET", url);
      expect(seen.body).toMatchObject({
        disabled: true,
        disabledReason: "every delivery failed for 3 days",
        failingSince: "2026-11-17T10:00:00.000Z",
      });
      const on = await api.call<EndpointBody>("PATCH", url, { disabled: false });
      expectStatus(on, 200);
      expect(on.body).toMatchObject({ disabled: false, disabledReason: null, failingSince: null });
    });

    it("refuses an unknown field in a PATCH", async () => {
      const created = await createEndpoint();
      const reply = await api.call("PATCH", `/v1/webhook-endpoints/${created.id}`, {
        secret: "whsec_mine",
      });
      expectError(reply, 400, "invalid_request");
    });

    it("deletes with 204, after which it and its deliveries are gone", async () => {
      const created = await createEndpoint();
      expectStatus(await api.call("POST", `/v1/webhook-endpoints/${created.id}/test`), 202);
      const deleted = await api.call("DELETE", `/v1/webhook-endpoints/${created.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      expectError(await api.call("GET", `/v1/webhook-endpoints/${created.id}`), 404, "not_found");
      const rows = await api.db.query(`select 1 from webhook_deliveries where endpoint_id = $1`, [
        created.id,
      ]);
      expect(rows).toEqual([]);
      expectError(
        await api.call("DELETE", `/v1/webhook-endpoints/${created.id}`),
        404,
        "not_found",
      );
    });
  });

  describe("rotating the secret", () => {
    it("answers a new secret once, and the old one no longer signs anything", async () => {
      const created = await createEndpoint();
      const reply = await api.call<{ secret: string }>(
        "POST",
        `/v1/webhook-endpoints/${created.id}/rotate-secret`,
      );
      expectStatus(reply, 200);
      expect(reply.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
      expect(reply.body.secret).not.toBe(created.secret);
      const [stored] = await api.db.query<{ secret: string }>(
        `select secret from webhook_endpoints where id = $1`,
        [created.id],
      );
      expect(stored?.secret).toBe(reply.body.secret);
      const got = await api.call("GET", `/v1/webhook-endpoints/${created.id}`);
      expect(got.text).not.toContain(reply.body.secret);
    });
  });

  describe("the test event", () => {
    it("writes an event of the first subscribed type and a delivery to this endpoint only, due now", async () => {
      const program = await createProgram(api);
      const endpoint = await createEndpoint({
        programId: program.id,
        events: ["reward.granted", "commission.created"],
      });
      const bystander = await createEndpoint({ events: ["reward.granted"] });
      const reply = await api.call<DeliveryBody>(
        "POST",
        `/v1/webhook-endpoints/${endpoint.id}/test`,
      );
      expectStatus(reply, 202);
      expect(reply.body).toEqual({
        id: expect.stringMatching(/^whd_/),
        eventId: expect.stringMatching(/^whe_/),
        type: "reward.granted",
        attempts: 0,
        status: "pending",
        lastStatusCode: null,
        lastError: null,
        nextAttemptAt: clock.toISOString(),
        createdAt: clock.toISOString(),
        deliveredAt: null,
      });
      expect(await findOutboxEvent(api.db, reply.body.eventId)).toEqual({
        id: reply.body.eventId,
        type: "reward.granted",
        createdAt: clock.toISOString(),
        programId: program.id,
        data: { test: true, message: "A test event from Laurel" },
      });
      expect(await deliveriesOf(endpoint.id)).toEqual([reply.body]);
      expect(await deliveriesOf(bystander.id)).toEqual([]);
    });
  });

  describe("the deliveries log and retries", () => {
    let program = { id: "" };
    let endpoint = { id: "" };
    let deliveries: DeliveryBody[] = [];

    beforeAll(async () => {
      program = await createProgram(api);
      endpoint = await createEndpoint({ programId: program.id });
      for (const type of ["commission.created", "reward.granted"] as const) {
        tick();
        await api.db.transaction((tx) =>
          tell(tx, program.id, [{ type, data: { n: 1 } }], api.services.ids, clock),
        );
      }
      deliveries = await deliveriesOf(endpoint.id);
    });

    it("lists the endpoint's deliveries newest first", () => {
      expect(deliveries.map((d) => d.type)).toEqual(["reward.granted", "commission.created"]);
      expect(deliveries[0]?.createdAt).toBe(clock.toISOString());
      expect(deliveries.every((d) => d.status === "pending" && d.attempts === 0)).toBe(true);
    });

    it("pages the log with limit and cursor", async () => {
      const first = await api.call<Collection<DeliveryBody>>(
        "GET",
        `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=1`,
      );
      expect(first.body.items.map((d) => d.id)).toEqual([deliveries[0]?.id]);
      expect(first.body.next).not.toBeNull();
      const second = await api.call<Collection<DeliveryBody>>(
        "GET",
        `/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=1&cursor=${first.body.next}`,
      );
      expect(second.body.items.map((d) => d.id)).toEqual([deliveries[1]?.id]);
    });

    it("retries a failed delivery: pending, due now, with its attempts kept", async () => {
      const failed = deliveries[1];
      if (!failed) throw new Error("no delivery");
      await api.db.query(
        `update webhook_deliveries set status = 'failed', attempts = 12, last_status_code = 500,
           last_error = 'the endpoint answered 500', next_attempt_at = null where id = $1`,
        [failed.id],
      );
      tick(60_000);
      const reply = await api.call<DeliveryBody>(
        "POST",
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${failed.id}/retry`,
      );
      expectStatus(reply, 200);
      expect(reply.body).toEqual({
        ...failed,
        status: "pending",
        attempts: 12,
        lastStatusCode: 500,
        lastError: "the endpoint answered 500",
        nextAttemptAt: clock.toISOString(),
      });
    });

    it("sends a delivered delivery again when asked", async () => {
      const delivered = deliveries[0];
      if (!delivered) throw new Error("no delivery");
      await api.db.query(
        `update webhook_deliveries set status = 'delivered', attempts = 1, last_status_code = 200,
           next_attempt_at = null, delivered_at = $2 where id = $1`,
        [delivered.id, clock],
      );
      tick();
      const reply = await api.call<DeliveryBody>(
        "POST",
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivered.id}/retry`,
      );
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({
        status: "pending",
        attempts: 1,
        nextAttemptAt: clock.toISOString(),
      });
    });

    it("answers 404 for a delivery of another endpoint, or none", async () => {
      const other = await createEndpoint();
      const ofThisOne = deliveries[0]?.id ?? "";
      for (const url of [
        `/v1/webhook-endpoints/${other.id}/deliveries/${ofThisOne}/retry`,
        `/v1/webhook-endpoints/${endpoint.id}/deliveries/whd_none/retry`,
      ])
        expectError(await api.call("POST", url), 404, "not_found");
    });
  });

  describe("another brand's endpoint", () => {
    let theirs: EndpointBody & { secret: string } = {} as EndpointBody & { secret: string };
    let deliveryId = "";

    beforeAll(async () => {
      theirs = await createEndpoint({}, api.otherKey);
      const test = await api.call<DeliveryBody>(
        "POST",
        `/v1/webhook-endpoints/${theirs.id}/test`,
        undefined,
        api.otherKey,
      );
      expectStatus(test, 202);
      deliveryId = test.body.id;
    });

    const routes: [string, string, unknown?][] = [
      ["GET", "/v1/webhook-endpoints/{id}"],
      ["PATCH", "/v1/webhook-endpoints/{id}", { disabled: true }],
      ["DELETE", "/v1/webhook-endpoints/{id}"],
      ["POST", "/v1/webhook-endpoints/{id}/rotate-secret"],
      ["GET", "/v1/webhook-endpoints/{id}/deliveries"],
      ["POST", "/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/retry"],
      ["POST", "/v1/webhook-endpoints/{id}/test"],
    ];
    for (const [method, path, body] of routes) {
      it(`is a 404 to ${method} ${path}, which writes nothing`, async () => {
        const url = path.replace("{id}", theirs.id).replace("{deliveryId}", deliveryId);
        const before = await snapshot(api.db);
        const endpointBefore = await api.db.query(`select * from webhook_endpoints where id = $1`, [
          theirs.id,
        ]);
        const deliveryBefore = await api.db.query(
          `select * from webhook_deliveries where id = $1`,
          [deliveryId],
        );
        const reply = await api.call(method as "GET", url, body);
        expectError(reply, 404, "not_found");
        expect(await snapshot(api.db)).toEqual(before);
        expect(
          await api.db.query(`select * from webhook_endpoints where id = $1`, [theirs.id]),
        ).toEqual(endpointBefore);
        expect(
          await api.db.query(`select * from webhook_deliveries where id = $1`, [deliveryId]),
        ).toEqual(deliveryBefore);
      });
    }

    it("is not in this brand's list", async () => {
      const list = await api.call<Collection<EndpointBody>>(
        "GET",
        "/v1/webhook-endpoints?limit=500",
      );
      expect(list.body.items.map((e) => e.id)).not.toContain(theirs.id);
      expect(list.body.items.length).toBeGreaterThan(0);
    });
  });
});

describeEachBackend("webhook endpoints, delivered to a receiver on loopback", (backend) => {
  // LAUREL_WEBHOOKS_ALLOW_PRIVATE, as in development: http:// and loopback are taken.
  const api = useApi(backend, { allowPrivateWebhooks: true });
  let receiver: Receiver;
  let endpoint: EndpointBody & { secret: string };

  beforeAll(async () => {
    receiver = await startReceiver();
    const reply = await api.call<EndpointBody & { secret: string }>(
      "POST",
      "/v1/webhook-endpoints",
      { url: receiver.url, events: ["participant.created"] },
    );
    expectStatus(reply, 201);
    endpoint = reply.body;
  });
  afterAll(() => receiver.close());

  /** Sends the test event and runs the delivery worker once; the hit the receiver got. */
  async function sendTestEvent(): Promise<{ delivery: DeliveryBody; hit: Hit }> {
    const reply = await api.call<DeliveryBody>("POST", `/v1/webhook-endpoints/${endpoint.id}/test`);
    expectStatus(reply, 202);
    const before = receiver.hits.length;
    await deliverDueWebhooks(api.services);
    const hit = only(receiver.hits.slice(before));
    return { delivery: reply.body, hit };
  }

  it("takes an http:// URL on loopback", () => {
    expect(endpoint.url).toBe(receiver.url);
  });

  it("delivers the test event signed with the endpoint's secret, and logs it delivered", async () => {
    const { delivery, hit } = await sendTestEvent();
    expect(hit.headers["webhook-id"]).toBe(delivery.eventId);
    expect(new Webhook(endpoint.secret).verify(hit.body, hit.headers)).toEqual({
      id: delivery.eventId,
      type: "participant.created",
      createdAt: delivery.createdAt,
      programId: null,
      data: { test: true, message: "A test event from Laurel" },
    });
    const [logged] = (
      await api.call<Collection<DeliveryBody>>(
        "GET",
        `/v1/webhook-endpoints/${endpoint.id}/deliveries`,
      )
    ).body.items;
    expect(logged).toMatchObject({
      id: delivery.id,
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
      nextAttemptAt: null,
      deliveredAt: expect.any(String),
    });
  });

  it("sends a delivered delivery again on retry, with the same webhook-id", async () => {
    const { delivery } = await sendTestEvent();
    const retried = await api.call<DeliveryBody>(
      "POST",
      `/v1/webhook-endpoints/${endpoint.id}/deliveries/${delivery.id}/retry`,
    );
    expect(retried.body).toMatchObject({ status: "pending", attempts: 1 });
    const before = receiver.hits.length;
    await deliverDueWebhooks(api.services);
    expect(only(receiver.hits.slice(before)).headers["webhook-id"]).toBe(delivery.eventId);
  });

  it("signs with the new secret only, from the moment it is rotated", async () => {
    const old = endpoint.secret;
    const rotated = await api.call<{ secret: string }>(
      "POST",
      `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
    );
    expectStatus(rotated, 200);
    const { hit } = await sendTestEvent();
    expect(new Webhook(rotated.body.secret).verify(hit.body, hit.headers)).toMatchObject({
      data: { test: true },
    });
    expect(() => new Webhook(old).verify(hit.body, hit.headers)).toThrow();
    endpoint = { ...endpoint, secret: rotated.body.secret };
  });
});
