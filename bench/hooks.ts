import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { newApp } from "../src/api/app.ts";
import { NO_RATE_LIMITS } from "../src/api/rate-limits.ts";
import { createAdminKey } from "../src/cli/bootstrap.ts";
import { createServices } from "../src/engine/services.ts";
import { shopify } from "../src/integrations/shopify.ts";
import type { Database } from "../src/store/db.ts";

/**
 * What taking an order as a Shopify webhook costs next to taking the same
 * order as a Laurel event, both through the whole HTTP app in one run: the
 * webhook path adds the HMAC over the raw bytes, parsing Shopify's much
 * larger body, the mapping and the deliveries log. Deliveries come one order
 * each, `concurrency` at a time, as a store sends them.
 */
export interface HooksResult {
  readonly deliveries: number;
  readonly webhooksPerSec: number;
  readonly eventsPerSec: number;
  /** Bytes of one Shopify delivery next to one Laurel event. */
  readonly webhookBytes: number;
  readonly eventBytes: number;
}

const SECRET = "bench-shopify-secret";
const FIXTURE = JSON.parse(
  readFileSync(new URL("../test/fixtures/shopify/orders-paid.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

export async function measureHooks(
  db: Database,
  options: { deliveries: number; concurrency: number; participants: number },
): Promise<HooksResult> {
  const services = createServices(db);
  const app = await newApp(services, { rateLimits: NO_RATE_LIMITS });
  try {
    const { secret: key } = await createAdminKey(services, `bench-hooks-${Date.now()}`);
    const admin = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const call = async (method: string, url: string, body: unknown) => {
      const reply = await app.inject({
        method: method as "POST",
        url,
        headers: admin,
        payload: JSON.stringify(body),
      });
      if (reply.statusCode >= 300) throw new Error(`${method} ${url}: ${reply.body}`);
      return reply.json<{ id: string; referralCode: string }>();
    };
    const setUp = async () => {
      const program = await call("POST", "/v1/programs", {
        name: "Bench shop",
        currency: "USD",
        commission: { rate: { percent: 10 }, upline: [{ percent: 3 }] },
      });
      const codes: string[] = [];
      let sponsor: string | undefined;
      for (let i = 0; i < options.participants; i++) {
        const p = await call("POST", `/v1/programs/${program.id}/participants`, {
          externalId: `p-${i}`,
          ...(sponsor === undefined ? {} : { sponsor }),
        });
        codes.push(p.referralCode);
        if (i % 10 === 0) sponsor = `p-${i}`;
      }
      return { programId: program.id, codes };
    };

    const viaWebhook = await setUp();
    await call("PUT", `/v1/programs/${viaWebhook.programId}/integrations/shopify`, {
      secret: SECRET,
    });
    const direct = await setUp();

    /** Shopify's own body for order n, with a participant's code. */
    const delivery = (n: number) => {
      const body = JSON.stringify({
        ...FIXTURE,
        id: 7_000_000_000_000 + n,
        discount_codes: [
          {
            code: viaWebhook.codes[n % viaWebhook.codes.length],
            amount: "8.40",
            type: "percentage",
          },
        ],
      });
      return {
        body,
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "orders/paid",
          "x-shopify-event-id": `bench-${n}`,
          "x-shopify-hmac-sha256": createHmac("sha256", SECRET).update(body).digest("base64"),
        },
      };
    };
    // The same order as the adapter maps it, sent as a Laurel event to the other program.
    const event = (n: number) => {
      const mapping = shopify.map("orders/paid", JSON.parse(delivery(n).body));
      if (mapping.kind !== "events") throw new Error(`fixture maps to ${mapping.kind}`);
      const [order] = mapping.events;
      return JSON.stringify({ ...order, code: direct.codes[n % direct.codes.length] });
    };

    const run = async (send: (n: number) => Promise<void>, offset: number, count: number) => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < count) await send(offset + next++);
        }),
      );
      return count / ((performance.now() - started) / 1000);
    };
    const sendWebhook = async (n: number) => {
      const d = delivery(n);
      const reply = await app.inject({
        method: "POST",
        url: `/v1/hooks/shopify/${viaWebhook.programId}`,
        headers: d.headers,
        payload: d.body,
      });
      if (reply.json<{ status: string }>().status !== "processed")
        throw new Error(`delivery ${n}: ${reply.body}`);
    };
    const sendEvent = async (n: number) => {
      const reply = await app.inject({
        method: "POST",
        url: `/v1/programs/${direct.programId}/events`,
        headers: admin,
        payload: event(n),
      });
      if (reply.statusCode !== 200) throw new Error(`event ${n}: ${reply.body}`);
    };
    // Warm both paths before the clock runs.
    const warm = Math.min(200, options.deliveries);
    await run(sendWebhook, 1_000_000, warm);
    await run(sendEvent, 1_000_000, warm);
    const webhooksPerSec = await run(sendWebhook, 0, options.deliveries);
    const eventsPerSec = await run(sendEvent, 0, options.deliveries);
    return {
      deliveries: options.deliveries,
      webhooksPerSec,
      eventsPerSec,
      webhookBytes: Buffer.byteLength(delivery(0).body),
      eventBytes: Buffer.byteLength(event(0)),
    };
  } finally {
    await app.close();
  }
}

export function printHooks(results: { database: string; result: HooksResult }[]): void {
  console.log(
    "\nShopify orders/paid webhooks/s against the same orders sent as Laurel events, one order a request (same run):\n",
  );
  console.table(
    results.map(({ database, result: r }) => ({
      database,
      deliveries: r.deliveries,
      "webhooks/s": Math.round(r.webhooksPerSec),
      "events/s": Math.round(r.eventsPerSec),
      ratio: Number((r.webhooksPerSec / r.eventsPerSec).toFixed(3)),
      "webhook bytes": r.webhookBytes,
      "event bytes": r.eventBytes,
    })),
  );
}
