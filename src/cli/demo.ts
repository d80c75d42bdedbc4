import type { EventInput, OrderEvent } from "../domain/events.ts";
import { seededRandom } from "./seeded-random.ts";
import { programInputSchema, type ProgramInput } from "../domain/program.ts";
import { goalInputSchema, normalizeGoal, type GoalInput } from "../domain/goals.ts";
import { insertGoal } from "../store/goals.ts";
import { suggestReferralCode } from "../domain/sponsorship.ts";
import { ingestEvents } from "../engine/ingest.ts";
import type { Services } from "../engine/services.ts";
import { findBrandByName } from "../store/brands.ts";
import type { Queryable } from "../store/db.ts";
import { codeTaken, insertParticipant, type ParticipantRecord } from "../store/participants.ts";
import { insertProgram, listPrograms, type ProgramRecord } from "../store/programs.ts";
import { createAdminKey } from "./bootstrap.ts";
import { makePortalLink } from "./portal-link.ts";

export const DEMO_BRAND = "demo";
export const DEMO_PROGRAM = "Demo Ambassadors";

export type DemoResult =
  | { status: "exists"; programId: string }
  | {
      status: "created";
      programId: string;
      participants: number;
      events: { processed: number; duplicate: number; rejected: number };
      orders: { total: number; attributed: number };
      commissionsMinor: number;
    };

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 90;
const BATCH_SIZE = 500;
// Fixed so that two demos built at the same `now` are the same demo.
const SEED = 0x1a0e1;

const PROGRAM_INPUT = {
  name: DEMO_PROGRAM,
  currency: "USD",
  timezone: "America/New_York",
  landingUrl: "https://shop.example.com/",
  attribution: { cookieDays: 30 },
  levels: [
    { key: "bronze", name: "Bronze" },
    { key: "silver", name: "Silver" },
    { key: "gold", name: "Gold" },
  ],
  commission: {
    rate: { percent: 10 },
    byLevel: { gold: { percent: 12 } },
    bySku: { "STARTER-KIT": { percent: 20 } },
    upline: [{ percent: 3 }, { percent: 1 }],
  },
  // The demo backfills 90 days of history: a month's goal counts its events
  // however late they arrive.
  goalGraceHours: 24 * 100,
} satisfies ProgramInput;

/** A challenge, a milestone ladder and a monthly goal, so progress shows at once. */
const GOAL_INPUTS: GoalInput[] = [
  {
    name: "Reach $500 in sales",
    metric: "sales_amount",
    steps: [{ threshold: 50000, reward: { type: "percent_of_value", percent: 5 } }],
  },
  {
    name: "Order milestones",
    metric: "order_count",
    steps: [
      { threshold: 10, reward: { type: "points", points: 100 } },
      { threshold: 50, reward: { type: "points", points: 500 } },
      { threshold: 100, reward: { type: "free_product", sku: "HOODIE-ZIP" } },
    ],
  },
  {
    name: "Monthly hoodie sprint",
    metric: "sku_quantity",
    filter: { skus: ["HOODIE-ZIP"] },
    window: { type: "monthly" },
    steps: [
      { threshold: 3, reward: { type: "points", points: 30 } },
      { threshold: 6, reward: { type: "points", points: 80 } },
    ],
  },
  {
    name: "We miss you",
    metric: "inactivity_days",
    steps: [{ threshold: 30, reward: { type: "points", points: 20 } }],
  },
];

const CATALOGUE = [
  { sku: "STARTER-KIT", unitAmount: 4900 },
  { sku: "TEE-CLASSIC", unitAmount: 2800 },
  { sku: "HOODIE-ZIP", unitAmount: 6400 },
  { sku: "CAP-LOGO", unitAmount: 2200 },
  { sku: "MUG-12OZ", unitAmount: 1600 },
  { sku: "BOTTLE-STEEL", unitAmount: 3500 },
  { sku: "SNEAKER-RUN", unitAmount: 11900 },
] as const;

// Space-separated so the lists stay compact under the formatter.
const FIRST_NAMES = (
  "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella Lucas Mia Mateo Amelia Ethan Harper " +
  "Aiden Evelyn Daniel Abigail Henry Camila Jackson Priya Samuel Aaliyah Wei Chloe Omar Zoe Diego"
).split(" ");
const LAST_NAMES = (
  "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez " +
  "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris " +
  "Clark Nguyen Patel Kim Okafor"
).split(" ");

/**
 * Fills the database with a demo brand, program, three-level network and 90
 * days of clicks and orders, all sent through the real event processor so the
 * ledger holds what production would have booked. Idempotent: a second run
 * finds the program and leaves everything alone.
 */
export async function runDemo(
  services: Services,
  log: (line: string) => void,
): Promise<DemoResult> {
  const existing = await findDemoProgram(services.db);
  if (existing) {
    log(
      `Brand "${DEMO_BRAND}" already has the program "${DEMO_PROGRAM}" (${existing.id}); nothing to do.`,
    );
    log(`For a new admin key, run: laurel keys create --brand ${DEMO_BRAND}`);
    return { status: "exists", programId: existing.id };
  }

  const started = performance.now();
  const rand = seededRandom(SEED);
  const { secret: key } = await createAdminKey(services, DEMO_BRAND);
  const brand = await findBrandByName(services.db, DEMO_BRAND);
  if (!brand) throw new Error(`brand ${DEMO_BRAND} was not created`);

  // Program and network commit together, so a failure never leaves a program
  // that the idempotency check would then mistake for a finished demo.
  const { program, members } = await services.db.transaction(async (tx) => {
    const program = await createProgram(services, tx, brand.id);
    for (const input of GOAL_INPUTS) {
      const parsed = goalInputSchema.safeParse(input);
      if (!parsed.success)
        throw new Error(`a demo goal is not valid: ${parsed.error.issues[0]?.message ?? ""}`);
      await insertGoal(
        tx,
        program.id,
        services.ids.next("gol"),
        normalizeGoal(parsed.data, program.timezone),
        services.now(),
      );
    }
    const members = await createNetwork(services, tx, program, rand);
    return { program, members };
  });
  log(`Created program "${program.name}" (${program.id}) with ${members.length} participants.`);

  const events = generateEvents(members, services.now().getTime(), rand);
  const tally = { processed: 0, duplicate: 0, rejected: 0 };
  const rejections = new Map<string, number>();
  for (let i = 0; i < events.length; i += BATCH_SIZE) {
    for (const r of await ingestEvents(services, program, events.slice(i, i + BATCH_SIZE))) {
      tally[r.status] += 1;
      if (r.status === "rejected")
        rejections.set(r.error.code, (rejections.get(r.error.code) ?? 0) + 1);
    }
  }

  const summary = await summarize(services.db, program.id);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const money = (minor: number) =>
    new Intl.NumberFormat("en-US", { style: "currency", currency: program.currency }).format(
      minor / 100,
    );
  log(
    `Sent ${events.length} events from the last ${HISTORY_DAYS} days in ${seconds}s: ${tally.processed} processed, ${tally.rejected} rejected${
      rejections.size > 0
        ? ` (${[...rejections].map(([code, n]) => `${code}: ${n}`).join(", ")})`
        : ""
    }.`,
  );
  const breakdown = (attributed: boolean) =>
    summary.orders.bySource
      .filter((o) => o.attributed === attributed)
      .map((o) => `${o.count} ${o.source.replace("_", " ")}`)
      .join(", ") || "none";
  log(
    `Orders: ${summary.orders.total}; attributed ${summary.orders.attributed} (${breakdown(true)}); not attributed ${summary.orders.total - summary.orders.attributed} (${breakdown(false)}).`,
  );
  log(`Commissions booked: ${money(summary.commissionsMinor)}.`);
  log(`Program id: ${program.id}`);
  const top = members.find((m) => m.id === summary.topEarnerId) ?? members[0];
  if (top) {
    log(`Read ${top.name ?? top.externalId}'s balances (set LAUREL_KEY to the admin key below):`);
    log(
      `  curl -H "Authorization: Bearer $LAUREL_KEY" ${services.publicUrl}/v1/programs/${program.id}/participants/${top.id}/balances`,
    );
  }
  if (top) {
    const portal = await makePortalLink(services, program.id, top.id);
    if (portal.ok) {
      log(`${top.name ?? top.externalId}'s portal (a magic link that signs them in):`);
      log(`  ${portal.link}`);
    }
  }
  log(`Open ${services.publicUrl}/admin and sign in with the admin key below.`);
  log(`Admin key for brand "${DEMO_BRAND}" (shown once, keep it safe):`);
  log(key);

  return {
    status: "created",
    programId: program.id,
    participants: members.length,
    events: tally,
    orders: { total: summary.orders.total, attributed: summary.orders.attributed },
    commissionsMinor: summary.commissionsMinor,
  };
}

async function findDemoProgram(db: Queryable): Promise<ProgramRecord | null> {
  const brand = await findBrandByName(db, DEMO_BRAND);
  if (!brand) return null;
  let after: string | null = null;
  for (;;) {
    const page: ProgramRecord[] = await listPrograms(db, brand.id, { after, limit: 100 });
    const found = page.find((p) => p.name === DEMO_PROGRAM);
    if (found) return found;
    const last = page[page.length - 1];
    if (last === undefined || page.length < 100) return null;
    after = last.id;
  }
}

/** As POST /v1/programs stores it: the validated input, name and all, as config. */
async function createProgram(
  services: Services,
  tx: Queryable,
  brandId: string,
): Promise<ProgramRecord> {
  const parsed = programInputSchema.safeParse(PROGRAM_INPUT);
  if (!parsed.success)
    throw new Error(`the demo program is not valid: ${parsed.error.issues[0]?.message ?? ""}`);
  const { name, currency, timezone, ...config } = parsed.data;
  return insertProgram(tx, {
    id: services.ids.next("prg"),
    brandId,
    name,
    currency,
    timezone,
    config: { name, currency, timezone, ...config },
  });
}

/**
 * 5 leaders, each sponsoring 3, each of whom sponsors 2: 5 + 15 + 30 = 50
 * people three levels deep, so both upline rates get paid.
 */
async function createNetwork(
  services: Services,
  tx: Queryable,
  program: ProgramRecord,
  rand: () => number,
): Promise<ParticipantRecord[]> {
  const names = uniqueNames(rand, 50);
  const members: ParticipantRecord[] = [];
  const add = async (sponsor: ParticipantRecord | null, level: string | null) => {
    const name = names[members.length];
    if (name === undefined) throw new Error("ran out of demo names");
    const created = await insertParticipant(tx, {
      id: services.ids.next("par"),
      programId: program.id,
      externalId: `member-${1001 + members.length}`,
      email: `${name.first}.${name.last}@example.com`.toLowerCase(),
      name: `${name.first} ${name.last}`,
      level,
      status: "active",
      sponsorId: sponsor?.id ?? null,
      ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors] : [],
      referralCode: await pickCode(tx, `${name.first}${name.last}`, rand),
    });
    members.push(created);
    return created;
  };
  for (let l = 0; l < 5; l++) {
    const leader = await add(null, "gold");
    for (let m = 0; m < 3; m++) {
      const manager = await add(leader, rand() < 0.3 ? "gold" : "silver");
      for (let r = 0; r < 2; r++) {
        const x = rand();
        await add(manager, x < 0.6 ? "bronze" : x < 0.9 ? "silver" : null);
      }
    }
  }
  return members;
}

/** Codes are unique across every brand, so a taken one is skipped as the API would. */
async function pickCode(tx: Queryable, seed: string, rand: () => number): Promise<string> {
  for (;;) {
    const suffix = Math.floor(rand() * 0x1000000)
      .toString(16)
      .toUpperCase()
      .padStart(6, "0");
    const code = suggestReferralCode(seed, suffix);
    if (!(await codeTaken(tx, code))) return code;
  }
}

function uniqueNames(rand: () => number, count: number): { first: string; last: string }[] {
  const seen = new Set<string>();
  const names: { first: string; last: string }[] = [];
  while (names.length < count) {
    const first = pick(rand, FIRST_NAMES);
    const last = pick(rand, LAST_NAMES);
    if (seen.has(`${first} ${last}`)) continue;
    seen.add(`${first} ${last}`);
    names.push({ first, last });
  }
  return names;
}

interface Customer {
  id: string;
  email: string;
}

/**
 * About 3000 events: referral clicks, orders that follow some of them (a few
 * after the cookie window has closed), orders with a typed code, orders nobody
 * referred, and a handful of participants buying through their own code,
 * which the engine must refuse to pay for.
 */
function generateEvents(
  members: readonly ParticipantRecord[],
  nowMs: number,
  rand: () => number,
): EventInput[] {
  const startMs = nowMs - HISTORY_DAYS * DAY_MS;
  // Stay a minute clear of `now` so no event is from the future.
  const endMs = nowMs - 60_000;
  const between = (from: number, to: number) => Math.floor(from + rand() * (to - from));
  // Some participants are far more active than others, as in any real program.
  const weights = members.map((m) => (m.sponsorId === null ? 4 : 1) * (0.2 + rand() ** 2 * 3));
  const pickMember = () => weightedPick(rand, members, weights);

  const customers: Customer[] = uniqueNames(rand, 600).map((n, i) => ({
    id: `cus_${10001 + i}`,
    email: `${n.first}.${n.last}${i}@example.net`.toLowerCase(),
  }));
  const customerOfVisitor = new Map<string, Customer>();
  const customerFor = (visitorId: string) => {
    const known = customerOfVisitor.get(visitorId);
    if (known) return known;
    const c = pick(rand, customers);
    customerOfVisitor.set(visitorId, c);
    return c;
  };

  const planned: { atMs: number; event: EventInput }[] = [];
  const order = (atMs: number, via: OrderVia) =>
    planned.push({ atMs, event: makeOrder(rand, iso(atMs), via) });

  const visitors: string[] = [];
  for (let i = 0; i < 1900; i++) {
    const member = pickMember();
    let visitorId = `vis_${visitors.length + 1}`;
    if (visitors.length > 0 && rand() < 0.15) visitorId = pick(rand, visitors);
    else visitors.push(visitorId);
    const atMs = between(startMs, endMs);
    planned.push({
      atMs,
      event: { type: "click", id: "", occurredAt: iso(atMs), code: member.referralCode, visitorId },
    });
    if (rand() >= 0.28) continue;
    const x = rand();
    const delayMs =
      x < 0.6
        ? between(5 * 60_000, DAY_MS)
        : x < 0.95
          ? between(DAY_MS, 14 * DAY_MS)
          : between(31 * DAY_MS, 45 * DAY_MS);
    if (atMs + delayMs <= endMs)
      order(atMs + delayMs, { visitorId, customer: customerFor(visitorId) });
  }
  for (let i = 0; i < 350; i++) {
    const member = pickMember();
    // Shoppers type codes in any case; the engine matches them regardless.
    const code = rand() < 0.2 ? member.referralCode.toLowerCase() : member.referralCode;
    order(between(startMs, endMs), { code, customer: pick(rand, customers) });
  }
  for (let i = 0; i < 300; i++) {
    // A visitor who never clicked a referral link: the order is nobody's.
    const visitorId = rand() < 0.5 ? `vis_direct_${i + 1}` : undefined;
    order(between(startMs, endMs), { visitorId, customer: pick(rand, customers) });
  }
  for (let i = 0; i < 3; i++) {
    const member = pickMember();
    order(between(startMs, endMs), {
      code: member.referralCode,
      customer: {
        id: `cus_self_${i + 1}`,
        email: member.email ?? `${member.externalId}@example.com`,
      },
    });
  }

  // Chronological, with a click before an order in the same millisecond, and
  // ids numbered in that order so the inbox reads like a real history.
  const rank = (e: EventInput) => (e.type === "click" ? 0 : 1);
  planned.sort((a, b) => a.atMs - b.atMs || rank(a.event) - rank(b.event));
  const counters = new Map<string, number>();
  return planned.map(({ event }) => {
    const n = (counters.get(event.type) ?? 0) + 1;
    counters.set(event.type, n);
    return { ...event, id: `demo-${event.type}-${String(n).padStart(5, "0")}` };
  });
}

interface OrderVia {
  code?: string;
  visitorId?: string | undefined;
  customer: Customer;
}

/** An order of 1–3 catalogue items, with the discount, shipping and tax a shop would add. */
function makeOrder(rand: () => number, occurredAt: string, via: OrderVia): OrderEvent {
  const count = 1 + Math.floor(rand() * 3);
  const items = shuffle(rand, CATALOGUE)
    .slice(0, count)
    .map((s) => ({
      sku: s.sku,
      quantity: rand() < 0.8 ? 1 : 2 + Math.floor(rand() * 2),
      unitAmount: s.unitAmount,
    }));
  const subtotal = items.reduce((sum, i) => sum + i.quantity * i.unitAmount, 0);
  const discount =
    rand() < 0.2 ? (subtotal > 5000 && rand() < 0.5 ? 1000 : Math.round(subtotal * 0.1)) : 0;
  const goods = subtotal - discount;
  return {
    type: "order",
    id: "",
    occurredAt,
    customer: { id: via.customer.id, email: via.customer.email },
    ...(via.code !== undefined ? { code: via.code } : {}),
    ...(via.visitorId !== undefined ? { visitorId: via.visitorId } : {}),
    items,
    ...(discount > 0 ? { discount } : {}),
    shipping: goods >= 7500 ? 0 : 695,
    tax: Math.round(goods * 0.08875),
    currency: "USD",
  };
}

async function summarize(db: Queryable, programId: string) {
  const bySource = await db.query<{ source: string; attributed: boolean; count: number }>(
    `select attribution as source, participant_id is not null as attributed, count(*)::bigint as count
     from orders where program_id = $1 group by 1, 2 order by 2 desc, 3 desc`,
    [programId],
  );
  const sum = (rows: readonly { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
  const earners = await db.query<{ participantId: string; total: number }>(
    `select participant_id as "participantId", sum(amount_minor)::bigint as total
     from ledger_entries where program_id = $1 and account = 'participant' and asset = 'cash'
     group by participant_id order by total desc, participant_id`,
    [programId],
  );
  return {
    orders: {
      total: sum(bySource),
      attributed: sum(bySource.filter((o) => o.attributed)),
      bySource,
    },
    commissionsMinor: earners.reduce((sum, e) => sum + e.total, 0),
    topEarnerId: earners[0]?.participantId ?? null,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function shuffle<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const a = out[i];
    const b = out[j];
    if (a === undefined || b === undefined) continue;
    out[i] = b;
    out[j] = a;
  }
  return out;
}

function weightedPick<T>(rand: () => number, items: readonly T[], weights: readonly number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let x = rand() * total;
  for (const [i, item] of items.entries()) {
    x -= weights[i] ?? 0;
    if (x < 0) return item;
  }
  return pick(rand, items);
}
