import { randomBytes } from "node:crypto";
import { seededRandom } from "../src/cli/seeded-random.ts";
import { ingestEvents } from "../src/engine/ingest.ts";
import { createServices, type Services } from "../src/engine/services.ts";
import { insertBrand } from "../src/store/brands.ts";
import type { Database } from "../src/store/db.ts";
import { insertInbox } from "../src/store/events.ts";
import { insertParticipant } from "../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../src/store/programs.ts";
import { contentHash } from "../src/engine/content-hash.ts";

export interface Fixture {
  services: Services;
  program: ProgramRecord;
  codes: string[];
}

/** A program with `participants` people in a network `depth` levels deep, every one with a code. */
export async function setUpProgram(
  db: Database,
  participants: number,
  depth: number,
  uplineLevels: number,
): Promise<Fixture> {
  const services = createServices(db);
  const tag = randomBytes(4).toString("hex").toUpperCase();
  const brandId = services.ids.next("brd");
  await insertBrand(db, { id: brandId, name: `bench-${tag}` });
  const config = {
    name: "Bench",
    currency: "USD",
    timezone: "UTC",
    commission: {
      rate: { percent: 10 },
      bySku: { SHIRT: { percent: 20 } },
      upline: Array.from({ length: uplineLevels }, () => ({ percent: 1 })),
    },
  };
  const program = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId,
    name: "Bench",
    currency: "USD",
    timezone: "UTC",
    config,
  });
  const codes: string[] = [];
  const people: { id: string; ancestors: string[] }[] = [];
  // Breadth-first: person i's sponsor is person floor((i - 1) / fanout), with
  // the fan-out chosen so the tree reaches the asked depth.
  const fanout = Math.max(2, Math.ceil(participants ** (1 / Math.max(1, depth - 1))));
  for (let i = 0; i < participants; i++) {
    const sponsor = i === 0 ? undefined : people[Math.floor((i - 1) / fanout)];
    const ancestors = sponsor ? [sponsor.id, ...sponsor.ancestors] : [];
    const code = `B${tag}${i}`;
    const p = await insertParticipant(db, {
      id: services.ids.next("par"),
      programId: program.id,
      externalId: `bench-${i}`,
      email: `bench-${i}@example.com`,
      name: null,
      level: null,
      status: "active",
      sponsorId: sponsor?.id ?? null,
      ancestors,
      referralCode: code,
    });
    people.push({ id: p.id, ancestors: p.ancestors });
    codes.push(code);
  }
  return { services, program, codes };
}

export function orderEvents(count: number, codes: string[], seed: number) {
  const random = seededRandom(seed);
  const skus = ["SHIRT", "HAT", "MUG", "SOCKS"];
  const start = Date.UTC(2026, 9, 1);
  return Array.from({ length: count }, (_, n) => ({
    type: "order" as const,
    id: `bench-order-${seed}-${n}`,
    occurredAt: new Date(start + n * 1000).toISOString(),
    customer: { id: `cust-${Math.floor(random() * 100_000)}` },
    code: codes[Math.floor(random() * codes.length)] ?? "",
    items: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      sku: skus[Math.floor(random() * skus.length)] ?? "HAT",
      quantity: 1 + Math.floor(random() * 3),
      unitAmount: 500 + Math.floor(random() * 10_000),
    })),
    discount: random() < 0.3 ? 200 : 0,
    shipping: 500,
    tax: 300,
    currency: "USD",
  }));
}

export type OrderEvents = ReturnType<typeof orderEvents>;

/** Laurel's full path: inbox, attribution, commissions, ledger; one call per batch. */
export async function ingestAll(
  fixture: Fixture,
  events: OrderEvents,
  batchSize: number,
): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < events.length; i += batchSize) {
    const results = await ingestEvents(
      fixture.services,
      fixture.program,
      events.slice(i, i + batchSize),
    );
    const bad = results.find((r) => r.status !== "processed" || r.attributedTo === null);
    if (bad)
      throw new Error(`benchmark event not processed and attributed: ${JSON.stringify(bad)}`);
  }
  return performance.now() - started;
}

/** The floor: the same event rows inserted into the same inbox table, nothing else. */
export async function rawInsertAll(
  db: Database,
  programId: string,
  events: OrderEvents,
  batchSize: number,
): Promise<number> {
  // Rows are built before the clock starts: the floor is the database's work alone.
  const rows = events.map((e) => ({
    eventId: e.id,
    type: e.type,
    payload: e,
    contentHash: contentHash(e),
    occurredAt: new Date(e.occurredAt),
  }));
  const started = performance.now();
  for (let i = 0; i < rows.length; i += batchSize) {
    const batch = rows.slice(i, i + batchSize);
    await db.transaction((tx) => insertInbox(tx, programId, batch, new Date()));
  }
  return performance.now() - started;
}
