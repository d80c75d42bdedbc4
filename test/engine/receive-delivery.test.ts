import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, type Services } from "../../src/engine/services.ts";
import { outcomeOfResults, receiveDelivery } from "../../src/engine/receive-delivery.ts";
import type { EventResult } from "../../src/engine/ingest.ts";
import type { ProviderAdapter, SignedRequest } from "../../src/integrations/delivery.ts";
import { putIntegration } from "../../src/store/integrations.ts";
import type { Database } from "../../src/store/db.ts";
import { openMigrated, backends } from "../support/backends.ts";

const processed = (id: string): EventResult => ({
  id,
  type: "order",
  status: "processed",
  attributedTo: null,
  attribution: null,
  commissions: [],
  grants: [],
});
const duplicate = (id: string): EventResult => ({
  ...(processed(id) as Extract<EventResult, { status: "processed" }>),
  status: "duplicate",
});
const rejectedWith = (id: string, code: string): EventResult => ({
  id,
  status: "rejected",
  error: { code, message: `${code} happened` },
});

describe("what a delivery's event results make of it", () => {
  it.each([
    {
      name: "processed when any event was, with the first rejection as its error",
      results: [processed("o-1"), rejectedWith("r-1", "refund_exceeds_order")],
      status: "processed",
      error: "event r-1: refund_exceeds_order happened",
    },
    {
      name: "a duplicate when every event was already in",
      results: [duplicate("o-1"), duplicate("r-1")],
      status: "duplicate",
      error: null,
    },
    {
      name: "a duplicate when an id came back with other content: the same order through another topic",
      results: [rejectedWith("o-1", "conflict")],
      status: "duplicate",
      error: null,
    },
    {
      name: "rejected when none could apply",
      results: [rejectedWith("o-1", "currency_mismatch")],
      status: "rejected",
      error: "event o-1: currency_mismatch happened",
    },
  ])("$name", ({ results, status, error }) => {
    const outcome = outcomeOfResults(results);
    expect(outcome.status).toBe(status);
    expect(outcome.error?.message ?? null).toBe(error);
    expect(outcome.eventIds).toEqual(results.map((r) => r.id));
  });
});

describe.each(backends)("receiving a delivery ($name)", (backend) => {
  let db: Database;
  let services: Services;
  const programId = "prg_receive";

  beforeAll(async () => {
    db = await openMigrated(backend);
    services = createServices(db);
    await db.query(`insert into brands (id, name, created_at) values ('brd_r', 'r', now())`);
    await db.query(
      `insert into programs (id, brand_id, name, currency, timezone, config, created_at, updated_at)
       values ($1, 'brd_r', 'P', 'USD', 'UTC', '{}', now(), now())`,
      [programId],
    );
    await putIntegration(
      db,
      { programId, provider: "shopify", secret: "s3cret-s3cret", shopDomain: null },
      new Date(),
    );
  });
  afterAll(() => db.close());

  /** A Shopify-named adapter whose signature is a header equal to the secret, and whose map throws. */
  const tripping: ProviderAdapter = {
    provider: "shopify",
    verify: (request, secret) =>
      request.headers["x-test-secret"] === secret ? { ok: true } : { ok: false, reason: "wrong" },
    topicOf: () => "orders/paid",
    deliveryIdOf: () => null,
    map: () => {
      throw new TypeError("Cannot read properties of undefined (reading 'amount')");
    },
  };
  const request = (secret: string): SignedRequest => ({
    body: Buffer.from('{"id": 1}'),
    headers: { "x-test-secret": secret },
  });

  it("a body the mapper trips over is recorded as rejected with the reason, not a server error", async () => {
    const answer = await receiveDelivery(services, tripping, programId, request("s3cret-s3cret"));
    expect(answer).toMatchObject({
      kind: "recorded",
      delivery: {
        status: "rejected",
        error: { message: expect.stringContaining("reading 'amount'") },
      },
    });
  });

  it("a signature that does not verify is unverified, with the adapter's reason", async () => {
    const answer = await receiveDelivery(services, tripping, programId, request("guess"));
    expect(answer).toEqual({ kind: "unverified", reason: "wrong" });
  });
});
