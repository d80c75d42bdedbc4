import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../../src/api/app.ts";
import { ServerMetrics } from "../../src/api/metrics.ts";
import type { RateLimits } from "../../src/api/rate-limits.ts";
import { READY_TIMEOUT_MS } from "../../src/api/operations.ts";
import { createAdminKey } from "../../src/cli/bootstrap.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { startScheduler } from "../../src/jobs/scheduler.ts";
import type { Database } from "../../src/store/db.ts";
import { expectError, type Reply } from "../support/api.ts";
import { backends, describeEachBackend, openMigrated, type Backend } from "../support/backends.ts";

const METRICS_TOKEN = "metrics-token-for-the-tests";

/** Requests per minute low enough that a probe would hit them within a test. */
const TIGHT_LIMITS: RateLimits = { perCredential: 2, perAddress: 2 };

interface Served {
  db: Database;
  services: Services;
  app: FastifyInstance;
  key: string;
  call(
    method: "GET" | "POST" | "PUT",
    url: string,
    body?: unknown,
    bearer?: string | null,
  ): Promise<Reply>;
}

/** An app as `laurel serve` builds it, with metrics on or off, and the default rate limits unless given. */
async function serve(
  backend: Backend,
  options: { metrics: boolean; rateLimits?: RateLimits },
): Promise<Served> {
  const db = await openMigrated(backend);
  const services = createServices(db, {
    metrics: options.metrics ? new ServerMetrics(METRICS_TOKEN) : undefined,
  });
  const app = await newApp(services, { rateLimits: options.rateLimits });
  const { secret: key } = await createAdminKey(services, "brand-a");
  const call = async (
    method: "GET" | "POST" | "PUT",
    url: string,
    body?: unknown,
    bearer?: string | null,
  ) => {
    const auth = bearer === undefined ? key : bearer;
    const response = await app.inject({
      method,
      url,
      headers: {
        ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const isJson = String(response.headers["content-type"] ?? "").includes("json");
    return {
      status: response.statusCode,
      body: isJson ? (JSON.parse(response.body) as unknown) : undefined,
      text: response.body,
      headers: response.headers,
    };
  };
  return { db, services, app, key, call };
}

/** The value of the sample `name{labels}` in Prometheus text, or undefined when there is none. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (
      Object.keys(found).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => found[k] === v)
    )
      return Number(match[3]);
  }
  return undefined;
}

/**
 * Holds every connection the database has (PGlite has one, the PostgreSQL
 * pool ten) in open transactions until the returned function is called: to
 * anyone else, the database has stopped answering.
 */
function holdEveryConnection(db: Database): () => Promise<void> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held = Array.from({ length: 10 }, () => db.transaction(() => released));
  return async () => {
    release();
    await Promise.all(held);
  };
}

describeEachBackend("health and readiness", (backend) => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(backend, { metrics: true, rateLimits: TIGHT_LIMITS });
  });
  afterAll(async () => {
    await served.app.close();
  });

  it("GET /health and GET /ready answer 200 {status: ok} without a key while the database answers", async () => {
    for (const url of ["/health", "/ready"]) {
      const reply = await served.call("GET", url, undefined, null);
      expect({ url, status: reply.status, body: reply.body }).toEqual({
        url,
        status: 200,
        body: { status: "ok" },
      });
    }
  });

  it("GET /ready answers 503 not_ready within its timeout when the database hangs, while /health stays 200", async () => {
    const release = holdEveryConnection(served.db);
    try {
      const started = performance.now();
      const ready = await served.call("GET", "/ready", undefined, null);
      const elapsedMs = performance.now() - started;
      expectError(ready, 503, "not_ready");
      expect(elapsedMs).toBeGreaterThanOrEqual(READY_TIMEOUT_MS - 50);
      expect(elapsedMs).toBeLessThan(READY_TIMEOUT_MS + 2_000);
      expect((await served.call("GET", "/health", undefined, null)).status).toBe(200);
    } finally {
      await release();
    }
    expect((await served.call("GET", "/ready", undefined, null)).status).toBe(200);
  });

  it("probes are never rate-limited: more calls than the limits allow all answer", async () => {
    for (let i = 0; i < TIGHT_LIMITS.perAddress + 3; i++) {
      expect((await served.call("GET", "/health", undefined, null)).status).toBe(200);
      expect((await served.call("GET", "/ready", undefined, null)).status).toBe(200);
      expect((await served.call("GET", "/metrics", undefined, METRICS_TOKEN)).status).toBe(200);
    }
  });

  // Last: it closes the database.
  it("GET /ready answers 503 not_ready, without the driver's message, once the database is gone", async () => {
    await served.db.close();
    const ready = await served.call("GET", "/ready", undefined, null);
    expectError(ready, 503, "not_ready");
    expect(ready.text).not.toMatch(/pool|postgres|pglite/i);
    expect((await served.call("GET", "/health", undefined, null)).status).toBe(200);
  });
});

// Metrics live in the process, not the database: one backend says it all.
const pglite = backends.find((b) => b.name === "pglite");
if (!pglite) throw new Error("no PGlite backend");

describe("GET /metrics", () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(pglite, { metrics: true });
  });
  afterAll(async () => {
    await served.app.close();
    await served.db.close();
  });

  const scrape = async () => {
    const reply = await served.call("GET", "/metrics", undefined, METRICS_TOKEN);
    expect(reply.status).toBe(200);
    expect(String(reply.headers["content-type"])).toMatch(/^text\/plain; version=0\.0\.4/);
    return reply.text;
  };

  it("answers 401 in the error shape without the token or with another, even an admin key", async () => {
    for (const bearer of [null, "not-the-token", served.key]) {
      const reply = await served.call("GET", "/metrics", undefined, bearer);
      expectError(reply, 401, "unauthorized");
      expect(reply.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
  });

  it("counts requests by route template and status, never by raw URL, with latency histograms", async () => {
    const created = await served.call("POST", "/v1/programs", {
      name: "Ambassadors",
      currency: "USD",
      commission: { rate: { percent: 10 } },
    });
    expect(created.status).toBe(201);
    const programId = (created.body as { id: string }).id;
    expect((await served.call("GET", `/v1/programs/${programId}`)).status).toBe(200);
    expect((await served.call("GET", "/v1/programs/prg_nobody")).status).toBe(404);
    expect((await served.call("GET", "/no/such/route/42")).status).toBe(404);
    expect((await served.call("GET", "/another/unknown/path")).status).toBe(404);

    const text = await scrape();
    const route = "/v1/programs/:programId";
    expect(
      sample(text, "laurel_http_requests_total", {
        method: "POST",
        route: "/v1/programs",
        status: "201",
      }),
    ).toBe(1);
    expect(
      sample(text, "laurel_http_requests_total", { method: "GET", route, status: "200" }),
    ).toBe(1);
    expect(
      sample(text, "laurel_http_requests_total", { method: "GET", route, status: "404" }),
    ).toBe(1);
    // Every unmatched URL shares one label.
    expect(
      sample(text, "laurel_http_requests_total", {
        method: "GET",
        route: "unmatched",
        status: "404",
      }),
    ).toBe(2);
    expect(
      sample(text, "laurel_http_request_duration_seconds_count", { method: "GET", route }),
    ).toBe(2);
    expect(
      sample(text, "laurel_http_request_duration_seconds_bucket", {
        method: "GET",
        route,
        le: "+Inf",
      }),
    ).toBe(2);
    for (const raw of [programId, "prg_nobody", "/no/such/route", "/another/unknown"])
      expect(text).not.toContain(raw);
  });

  it("counts the events that batches committed, not the rejected ones", async () => {
    const before = sample(await scrape(), "laurel_events_processed_total") ?? 0;
    const program = await served.call("POST", "/v1/programs", {
      name: "Counted",
      currency: "USD",
      commission: { rate: { percent: 10 } },
    });
    const programId = (program.body as { id: string }).id;
    const order = (id: string) => ({
      type: "order",
      id,
      items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2500 }],
      currency: "USD",
    });
    const sent = await served.call("POST", `/v1/programs/${programId}/events`, {
      events: [order("o-1"), order("o-2"), { type: "order", id: "o-bad" }],
    });
    expect(sent.status).toBe(200);
    // The same ids again are duplicates: nothing new is processed.
    await served.call("POST", `/v1/programs/${programId}/events`, { events: [order("o-1")] });
    expect(sample(await scrape(), "laurel_events_processed_total")).toBe(before + 2);
  });

  it("counts scheduled job runs by job and outcome", async () => {
    const jobs = ["drain-inbox", "release-holds", "close-goal-windows", "grant-inactivity"];
    const runsOf = (text: string) =>
      jobs.map((job) => sample(text, "laurel_job_runs_total", { job, outcome: "ok" }) ?? 0);
    const before = runsOf(await scrape());
    const quiet = { info: () => {}, error: () => {} };
    const scheduler = startScheduler(served.services, quiet, { intervalMs: 3_600_000 });
    try {
      // The first run starts at once; each job is counted as it ends.
      let after = before;
      for (let i = 0; i < 100 && after.some((n, j) => n === before[j]); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = runsOf(await scrape());
      }
      expect(after).toEqual(before.map((n) => n + 1));
    } finally {
      await scheduler.stop();
    }
  });

  it("counts store webhooks by provider and what each came to, refusals included", async () => {
    const count = (text: string, status: string) =>
      sample(text, "laurel_store_webhooks_total", { provider: "shopify", status }) ?? 0;
    const before = await scrape();
    const program = await served.call("POST", "/v1/programs", { name: "Shop", currency: "USD" });
    const programId = (program.body as { id: string }).id;
    const secret = "shpss_metrics_secret";
    await served.call("PUT", `/v1/programs/${programId}/integrations/shopify`, { secret });
    const deliver = (signedWith: string) =>
      served.app.inject({
        method: "POST",
        url: `/v1/hooks/shopify/${programId}`,
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "products/update",
          "x-shopify-hmac-sha256": createHmac("sha256", signedWith).update("{}").digest("base64"),
        },
        payload: "{}",
      });
    expect((await deliver(secret)).statusCode).toBe(200);
    expect((await deliver("not-the-secret")).statusCode).toBe(401);
    const after = await scrape();
    expect(count(after, "ignored")).toBe(count(before, "ignored") + 1);
    expect(count(after, "unverified")).toBe(count(before, "unverified") + 1);
  });

  it("shows webhook and mail deliveries at zero for each outcome before any is sent", async () => {
    const text = await scrape();
    for (const name of ["laurel_webhook_deliveries_total", "laurel_mail_deliveries_total"])
      for (const outcome of ["delivered", "failed"])
        expect(sample(text, name, { outcome })).toBe(0);
  });
});

describe("GET /metrics without LAUREL_METRICS_TOKEN", () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(pglite, { metrics: false });
  });
  afterAll(async () => {
    await served.app.close();
    await served.db.close();
  });

  it("answers 404 in the error shape: metrics are off", async () => {
    for (const bearer of [null, METRICS_TOKEN])
      expectError(await served.call("GET", "/metrics", undefined, bearer), 404, "not_found");
  });
});
