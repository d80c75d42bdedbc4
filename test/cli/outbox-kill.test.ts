import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it } from "vitest";
import { startServe, type Serving } from "./processes.ts";

// `laurel serve` killed with SIGKILL while it is sending webhooks, then
// started again on the same database: every committed event still reaches the
// receiver, and the only ones it hears twice are those whose attempt the kill
// cut off (sent, but the outcome never written), once their lease runs out.

const ORDERS = 1000;
const ORDERS_PER_BATCH = 100;
/** How long the receiver takes to answer, so that the deliveries take seconds. */
const ANSWER_MS = 30;
/** The server is killed from inside the request that brings this many receipts. */
const KILL_AT_RECEIPT = 300;
/**
 * Deliveries a server can have claimed at once: a batch of 8 by the worker
 * that runs every second, and another by the scheduler's minute.
 */
const MAX_IN_FLIGHT = 16;
const ADMIN_KEY = `outbox-kill-${randomBytes(12).toString("hex")}`;

const adminUrl = inject("postgresUrl");

interface Receipt {
  id: string;
  /** Which server's life it arrived in: 1 before the kill, 2 after the restart. */
  life: 1 | 2;
  verified: boolean;
}

interface Receiver {
  url: string;
  receipts: Receipt[];
  /** Called with each receipt before it is answered; true keeps the answer back. */
  onReceipt: (receipt: Receipt) => boolean;
  life: 1 | 2;
  secret: string;
  distinct(): number;
  close(): Promise<void>;
}

/** A receiver on loopback that verifies each delivery and answers 200 after ANSWER_MS. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: "",
    receipts: [],
    onReceipt: () => false,
    life: 1,
    secret: "",
    distinct: () => new Set(receiver.receipts.map((r) => r.id)).size,
    close: async () => undefined,
  };
  const answer = (res: ServerResponse) =>
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200).end("ok");
    }, ANSWER_MS);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    req.on("end", () => {
      const receipt: Receipt = {
        id: String(req.headers["webhook-id"]),
        life: receiver.life,
        verified: verifies(receiver.secret, Buffer.concat(chunks).toString("utf8"), req.headers),
      };
      receiver.receipts.push(receipt);
      if (!receiver.onReceipt(receipt)) answer(res);
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

function verifies(secret: string, body: string, headers: IncomingHttpHeaders): boolean {
  try {
    new Webhook(secret).verify(body, {
      "webhook-id": String(headers["webhook-id"]),
      "webhook-timestamp": String(headers["webhook-timestamp"]),
      "webhook-signature": String(headers["webhook-signature"]),
    });
    return true;
  } catch {
    return false;
  }
}

interface Delivery {
  id: string;
  eventId: string;
  attempts: number;
  status: string;
}

/** The admin API of a running server. */
function apiOf(server: () => Serving) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const reply = await fetch(`${server().url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await reply.text();
    if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    call,
    deliveries: async (endpointId: string): Promise<Delivery[]> => {
      const all: Delivery[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: Delivery[]; next: string | null } = await call(
          "GET",
          `/v1/webhook-endpoints/${endpointId}/deliveries?limit=500${cursor ? `&cursor=${cursor}` : ""}`,
        );
        all.push(...page.items);
        cursor = page.next;
      } while (cursor !== null);
      return all;
    },
  };
}

/** A new, empty database on the test server; `drop` removes it. */
async function newPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (adminUrl === null) throw new Error("no PostgreSQL server");
  const name = `laurel_kill_${randomBytes(6).toString("hex")}`;
  await asAdmin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => asAdmin(`drop database if exists ${name} with (force)`),
  };
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl ?? "" });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Where a server keeps its data: a temporary PGlite directory, or a new PostgreSQL database. */
async function databaseFor(
  backend: "pglite" | "postgres",
): Promise<{ env: NodeJS.ProcessEnv; remove(): Promise<void> }> {
  if (backend === "postgres") {
    const database = await newPostgresDatabase();
    return { env: { DATABASE_URL: database.url }, remove: database.drop };
  }
  const dir = await mkdtemp(join(tmpdir(), "laurel-kill-"));
  return {
    env: { LAUREL_DATA: dir },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function killedWhileDelivering(backend: "pglite" | "postgres"): Promise<void> {
  const receiver = await startReceiver();
  const database = await databaseFor(backend);
  const env = {
    ...database.env,
    LAUREL_ADMIN_KEY: ADMIN_KEY,
    LAUREL_WEBHOOKS_ALLOW_PRIVATE: "true",
  };
  let server = await startServe(env);
  const servers = [server];
  try {
    const api = apiOf(() => server);
    const program = await api.call<{ id: string }>("POST", "/v1/programs", {
      name: "Kill",
      currency: "USD",
      commission: { rate: { percent: 10 } },
    });
    await api.call("POST", `/v1/programs/${program.id}/participants`, {
      externalId: "ana",
      name: "Ana",
      referralCode: "ANA-KILL",
    });
    const endpoint = await api.call<{ id: string; secret: string }>(
      "POST",
      "/v1/webhook-endpoints",
      { url: receiver.url, events: ["commission.created"], programId: program.id },
    );
    receiver.secret = endpoint.secret;

    for (let first = 0; first < ORDERS; first += ORDERS_PER_BATCH) {
      const events = Array.from({ length: ORDERS_PER_BATCH }, (_, k) => ({
        type: "order",
        id: `order-${first + k}`,
        code: "ANA-KILL",
        items: [{ sku: "SHIRT", quantity: 1, unitAmount: 2500 }],
      }));
      const { results } = await api.call<{
        results: { status: string; commissions: unknown[] }[];
      }>("POST", `/v1/programs/${program.id}/events`, { events });
      expect(results.map((r) => [r.status, r.commissions.length])).toEqual(
        events.map(() => ["processed", 1]),
      );
    }

    // Killed with a delivery in the receiver's hands, before it answers: that
    // attempt is certainly cut off, and it has had some but not all events.
    const first = server;
    const killed = new Promise<number>((resolve) => {
      receiver.onReceipt = () => {
        if (receiver.receipts.length < KILL_AT_RECEIPT) return false;
        receiver.onReceipt = () => false;
        const distinct = receiver.distinct();
        void first.kill().then(() => resolve(distinct));
        return true;
      };
    });
    const receivedAtKill = await killed;
    const killedAt = performance.now();
    expect(receivedAtKill).toBeGreaterThan(0);
    expect(receivedAtKill).toBeLessThan(ORDERS);

    receiver.life = 2;
    server = await startServe(env);
    servers.push(server);
    // The deliveries the kill cut off are sent again once their lease (30 s) runs out.
    let deliveries: Delivery[] = [];
    await expect
      .poll(
        async () => {
          deliveries = await api.deliveries(endpoint.id);
          return deliveries.filter((d) => d.status !== "delivered").length;
        },
        { timeout: 50_000, interval: 500 },
      )
      .toBe(0);
    const allDeliveredAt = performance.now();

    expect(deliveries).toHaveLength(ORDERS);
    const eventIds = new Set(deliveries.map((d) => d.eventId));
    expect(eventIds.size).toBe(ORDERS);
    const received = new Map<string, Receipt[]>();
    for (const r of receiver.receipts) received.set(r.id, [...(received.get(r.id) ?? []), r]);
    // None lost, and nothing the server did not write.
    expect([...received.keys()].sort()).toEqual([...eventIds].sort());
    expect(receiver.receipts.filter((r) => !r.verified)).toEqual([]);

    // An attempt is sent once at most; a second one is made only for a
    // delivery whose lease the killed server held.
    const cut = deliveries.filter((d) => d.attempts > 1);
    for (const d of deliveries) {
      expect(d.attempts).toBeGreaterThanOrEqual(1);
      expect(d.attempts).toBeLessThanOrEqual(2);
      expect(received.get(d.eventId)?.length ?? 0).toBeLessThanOrEqual(d.attempts);
    }
    expect(cut.length).toBeGreaterThanOrEqual(1);
    expect(cut.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    const twice = [...received.entries()].filter(([, rs]) => rs.length > 1);
    for (const [id, rs] of twice) {
      expect(cut.map((d) => d.eventId)).toContain(id);
      expect(rs.map((r) => r.life)).toEqual([1, 2]);
    }
    expect(twice.length).toBeGreaterThanOrEqual(1);

    console.log(
      `${backend}: killed after ${receivedAtKill} of ${ORDERS} events were received; ` +
        `all ${ORDERS} delivered ${((allDeliveredAt - killedAt) / 1000).toFixed(1)} s after the kill, ` +
        `in ${receiver.receipts.length} requests: ${twice.length} received twice ` +
        `(${cut.length} deliveries had an attempt cut by the kill)`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await receiver.close();
    await database.remove();
  }
}

describe("laurel serve killed with SIGKILL while sending webhooks, then started again", () => {
  it("on PGlite: every one of 1,000 commission.created events is received at least once, twice only where the kill cut an attempt, and every delivery ends delivered", async () => {
    await killedWhileDelivering("pglite");
  }, 90_000);

  it.runIf(adminUrl !== null)(
    "on PostgreSQL: every one of 1,000 commission.created events is received at least once, twice only where the kill cut an attempt, and every delivery ends delivered",
    async () => {
      await killedWhileDelivering("postgres");
    },
    90_000,
  );

  it.skipIf(adminUrl !== null)("on PostgreSQL: did not run: PostgreSQL is not installed", () => {
    console.warn(
      "the webhook kill test did not run on PostgreSQL (install Debian's postgresql, or set TEST_DATABASE_URL)",
    );
  });
});
