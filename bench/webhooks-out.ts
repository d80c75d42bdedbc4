import { randomBytes } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { OutboxEvent } from "../src/domain/outbox-events.ts";
import { createServices, type Services } from "../src/engine/services.ts";
import { deliverDueWebhooks } from "../src/jobs/deliver-webhooks.ts";
import { insertBrand } from "../src/store/brands.ts";
import type { Database } from "../src/store/db.ts";
import { findOutboxEvent, tell } from "../src/store/outbox.ts";
import { insertProgram } from "../src/store/programs.ts";
import { insertWebhookEndpoint } from "../src/store/webhook-endpoints.ts";

/**
 * How fast the outbox empties into a receiver that answers at once: events
 * written through `tell` as the engine writes them, then `deliverDueWebhooks`
 * (what the server's worker runs) until every delivery is delivered; next to
 * it, the same bodies POSTed from Node to the same receiver with nothing
 * else, as many at a time as the worker sends (the floor). Both open a
 * connection per request, as the sender does, so the difference is what
 * Laurel adds: claiming, reading the event, signing, writing the outcome.
 */
export interface WebhooksOutResult {
  readonly events: number;
  /** Writing the events and their deliveries through `tell`, in batches. */
  readonly tellMs: number;
  readonly deliveredPerSec: number;
  readonly floorPerSec: number;
  /** Bytes of one body. */
  readonly bodyBytes: number;
}

/** Events per `tell` transaction, as a batch of orders tells its commissions. */
const TELL_BATCH = 500;

interface Receiver {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/** A receiver on loopback that reads each request and answers 204 at once. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", requests: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      receiver.requests++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/laurel`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** One plain POST on a connection of its own; rejects on anything but a 2xx. */
function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
        },
        agent: false,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`the receiver answered ${status}`));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** `bodies` POSTed `concurrency` at a time; answers the wall time. */
async function postAll(url: string, bodies: readonly string[], concurrency: number) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) await post(url, bodies[next++] ?? "");
    }),
  );
  return performance.now() - started;
}

/** `count` commission.created events of the shape the engine tells, written `TELL_BATCH` a transaction. */
async function tellCommissions(
  services: Services,
  programId: string,
  offset: number,
  count: number,
): Promise<void> {
  for (let first = 0; first < count; first += TELL_BATCH) {
    const events: OutboxEvent[] = Array.from(
      { length: Math.min(TELL_BATCH, count - first) },
      (_, k) => ({
        type: "commission.created",
        data: {
          eventId: `order-${offset + first + k}`,
          participantId: `par_bench${(offset + first + k) % 100}`,
          externalId: `p-${(offset + first + k) % 100}`,
          level: 1,
          amount: 250 + ((offset + first + k) % 1000),
          currency: "USD",
          status: "pending",
          availableAt: "2026-12-31T00:00:00.000Z",
        },
      }),
    );
    await services.db.transaction((tx) =>
      tell(tx, programId, events, services.ids, services.now()),
    );
  }
}

async function deliveredCount(db: Database, endpointId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `select count(*)::int as n from webhook_deliveries
     where endpoint_id = $1 and status = 'delivered'`,
    [endpointId],
  );
  return rows[0]?.n ?? 0;
}

export async function measureWebhooksOut(
  db: Database,
  options: { events: number; concurrency: number },
): Promise<WebhooksOutResult> {
  const services = createServices(db, { allowPrivateWebhooks: true });
  const receiver = await startReceiver();
  try {
    const brandId = services.ids.next("brd");
    await insertBrand(db, { id: brandId, name: `bench-webhooks-out-${brandId}` });
    const config = {
      name: "Bench webhooks",
      currency: "USD",
      timezone: "UTC",
      commission: { rate: { percent: 10 } },
    };
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name: config.name,
      currency: config.currency,
      timezone: config.timezone,
      config,
    });
    const endpoint = await insertWebhookEndpoint(
      db,
      {
        id: services.ids.next("wep"),
        brandId,
        programId: program.id,
        url: receiver.url,
        events: ["commission.created"],
        secret: `whsec_${randomBytes(32).toString("base64")}`,
      },
      services.now(),
    );

    // Warm both paths (JIT, plans, the loopback stack) before the clock runs.
    const warm = Math.min(200, options.events);
    await tellCommissions(services, program.id, 1_000_000, warm);
    await deliverDueWebhooks(services);
    await postAll(receiver.url, Array(warm).fill("{}") as string[], options.concurrency);

    let started = performance.now();
    await tellCommissions(services, program.id, 0, options.events);
    const tellMs = performance.now() - started;

    const told = await db.query<{ event_id: string }>(
      `select event_id from webhook_deliveries
       where endpoint_id = $1 and status = 'pending' order by id`,
      [endpoint.id],
    );

    const before = receiver.requests;
    started = performance.now();
    await deliverDueWebhooks(services);
    const deliverMs = performance.now() - started;
    const delivered = (await deliveredCount(db, endpoint.id)) - warm;
    if (delivered !== options.events || receiver.requests - before !== options.events)
      throw new Error(
        `${delivered} of ${options.events} deliveries delivered, ${receiver.requests - before} received`,
      );

    // The floor sends exactly the bodies Laurel sent.
    const bodies: string[] = [];
    for (const { event_id } of told) {
      const event = await findOutboxEvent(db, event_id);
      if (event) bodies.push(JSON.stringify(event));
    }
    const floorMs = await postAll(receiver.url, bodies, options.concurrency);

    return {
      events: options.events,
      tellMs,
      deliveredPerSec: (options.events / deliverMs) * 1000,
      floorPerSec: (bodies.length / floorMs) * 1000,
      bodyBytes: Buffer.byteLength(bodies[0] ?? ""),
    };
  } finally {
    await receiver.close();
  }
}

export function printWebhooksOut(results: { database: string; result: WebhooksOutResult }[]): void {
  console.log(
    "\nWebhooks out: deliverDueWebhooks to a receiver on loopback answering 204 at once, against " +
      "plain POSTs of the same bodies from Node, 8 at a time, a connection each (same run):\n",
  );
  console.table(
    results.map(({ database, result: r }) => ({
      database,
      events: r.events,
      "tell (ms)": Math.round(r.tellMs),
      "delivered/s": Math.round(r.deliveredPerSec),
      "plain POSTs/s": Math.round(r.floorPerSec),
      ratio: Number((r.deliveredPerSec / r.floorPerSec).toFixed(3)),
      "body bytes": r.bodyBytes,
    })),
  );
}
