import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import type { ProgramInput } from "../src/domain/program.ts";
import type { SimulationDraft, SimulationResult } from "../src/domain/simulation.ts";
import type { GoalInput } from "../src/domain/goals.ts";
import { createGoal } from "../src/engine/goals.ts";
import { createServices } from "../src/engine/services.ts";
import { simulate } from "../src/engine/simulate.ts";
import { insertBrand } from "../src/store/brands.ts";
import { openPostgres, type Database, type Queryable } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { findProgramById, insertProgram } from "../src/store/programs.ts";
import { heapPeakFromTrace, measureMemory, mib, parseGcTrace } from "./memory.ts";
import { forChunks } from "./network.ts";
import type { Peak } from "./payout.ts";
import type { ProfileRow } from "./profile.ts";

/**
 * The simulator over a long history: one program whose stored events (orders
 * and some refunds over three months) and booked facts are written set-based
 * in SQL, then `simulate` replays every one of them through a draft that
 * raises the seller's rate, with its time and memory measured in a fresh
 * process. See bench/README.md ("Simulator").
 */

/** The history: August, September and October 2026 (UTC). */
const START_MS = Date.UTC(2026, 7, 1);
const END_MS = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;
/** Each block of events is this many orders and then one refund of an earlier order (about 2%). */
const ORDERS_PER_BLOCK = 50;
const EVENTS_PER_BLOCK = ORDERS_PER_BLOCK + 1;
/** A refund comes about five days after the order it refunds. */
const REFUND_LAG_DAYS = 5;
/** Sponsors in the network have this many recruits: 100,000 participants make 6 levels. */
const FANOUT = 10;
/** The seller's rate, then the upline's (percent, of the order's value); the draft raises the first. */
const RATES = [10, 5, 3, 2] as const;
const DRAFT_RATE = 12;
/** The program's default hold: commissions become available this long after booking. */
const HOLD_DAYS = 30;
/** Every event is processed this long after it happened (received a second before). */
const PROCESSING_LAG = "2 seconds";

const SCHEMA_NOTE =
  "participants in a 10-wide network 4+ levels deep; orders with 1-3 items, 80% by code, " +
  "20% by participant; every 51st event a full refund of an order about 5 days older";

export interface SimulateOptions {
  orders: number;
  participants: number;
  /** Statements writing the history at once (connections on PostgreSQL). */
  setupWorkers: number;
  /** Also replay the program unchanged and report what differs from the booked figures. */
  check: boolean;
  phase?: (name: string) => void;
}

/** Figures of one side, as the run prints them. */
export interface SideFigures {
  commissions: number;
  levelOne: number;
  cash: number;
  points: number;
  products: number;
  participantsPaid: number;
}

export interface SimulateResult {
  orders: number;
  refunds: number;
  participants: number;
  networkDepth: number;
  goals: number;
  setupMs: number;
  setupSteps: { step: string; ms: number }[];
  /** Rows of the program's history, as written by the setup. */
  eventRows: number;
  ledgerRows: number;
  grantRows: number;
  /** What the ledger holds for the period, summed in SQL: what the actual side should read. */
  bookedCommissions: number;
  /** Events the replay reported replayed, of the total it reported. */
  replayed: number;
  total: number;
  replay: Peak;
  actual: SideFigures;
  simulated: SideFigures;
  /** The unchanged program replayed: what differs from the booked figures (null unless checked). */
  unchanged: { ms: number; commissions: number; rewardsCash: number; points: number } | null;
  notes: string[];
}

const programConfig = (rate: number): ProgramInput => ({
  name: "Bench simulator",
  currency: "USD",
  timezone: "UTC",
  commission: {
    rate: { percent: rate },
    upline: RATES.slice(1).map((percent) => ({ percent })),
  },
});

/** The program's five goals, created through createGoal before the history starts. */
const GOALS: readonly GoalInput[] = [
  {
    name: "Monthly sales ladder",
    metric: "sales_amount",
    window: { type: "monthly" },
    steps: [
      { threshold: 50_000, reward: { type: "cash", amount: 500 } },
      { threshold: 100_000, reward: { type: "cash", amount: 1500 } },
      { threshold: 200_000, reward: { type: "cash", amount: 4000 } },
    ],
  },
  {
    name: "Orders, all time",
    metric: "order_count",
    window: { type: "lifetime" },
    steps: [
      { threshold: 5, reward: { type: "points", points: 50 } },
      { threshold: 15, reward: { type: "points", points: 200 } },
    ],
  },
  {
    name: "Mugs this quarter",
    metric: "sku_quantity",
    filter: { skus: ["MUG"] },
    window: { type: "quarterly" },
    steps: [{ threshold: 6, reward: { type: "free_product", sku: "MUG", name: "Mug" } }],
  },
  {
    name: "Month-end sales bonus",
    metric: "sales_amount",
    window: { type: "monthly" },
    evaluate: "at_window_end",
    steps: [{ threshold: 150_000, reward: { type: "points", points: 50 } }],
  },
  {
    name: "Monthly orders",
    metric: "order_count",
    window: { type: "monthly" },
    steps: [
      { threshold: 3, reward: { type: "points", points: 25 } },
      { threshold: 6, reward: { type: "points", points: 100 } },
    ],
  },
];

export async function measureSimulate(db: Database, o: SimulateOptions): Promise<SimulateResult> {
  if (o.orders < ORDERS_PER_BLOCK || o.orders % ORDERS_PER_BLOCK !== 0)
    throw new Error(`BENCH_SIMULATE_ORDERS must be a multiple of ${ORDERS_PER_BLOCK}`);
  if (o.participants < 1111)
    throw new Error(
      "the simulator's network needs at least 1,111 participants to be 4 levels deep",
    );
  const tag = `S${randomBytes(4).toString("hex").toUpperCase()}`;
  // The program and its goals exist before the history starts.
  const setupClock = { ms: START_MS - 15 * DAY_MS };
  const services = createServices(db, { now: () => new Date(setupClock.ms) });
  const brandId = services.ids.next("brd");
  await insertBrand(db, { id: brandId, name: `bench-simulate-${tag}` });
  const created = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId,
    name: "Bench simulator",
    currency: "USD",
    timezone: "UTC",
    config: programConfig(RATES[0]),
  });
  await db.query(`update programs set created_at = $2, updated_at = $2 where id = $1`, [
    created.id,
    new Date(START_MS - 30 * DAY_MS).toISOString(),
  ]);
  const goalIds: string[] = [];
  for (const goal of GOALS) {
    const made = await createGoal(services, created, goal);
    if ("kind" in made) throw new Error(made.message);
    goalIds.push(made.id);
  }

  o.phase?.("simulate setup");
  const started = performance.now();
  const history = new History(db, created.id, tag, o);
  await history.write(goalIds);
  const setupMs = performance.now() - started;
  const counts = await history.counts();

  const program = await findProgramById(db, created.id);
  if (!program) throw new Error("the bench program went missing");
  const replayServices = createServices(db);
  const draft = (rate: number): SimulationDraft => ({
    fromMs: START_MS,
    toMs: END_MS,
    program: programConfig(rate),
    goals: [],
    replaceGoals: false,
  });
  let progress = { replayed: 0, total: 0 };
  o.phase?.("simulate");
  const run = await measureMemory(() =>
    simulate(replayServices, program, draft(DRAFT_RATE), {
      onProgress: (p) => {
        progress = { replayed: p.replayed, total: p.total };
      },
    }),
  );
  const { result: simulated, ...replay } = run;
  const expectedEvents = o.orders + o.orders / ORDERS_PER_BLOCK;
  if (progress.replayed !== expectedEvents)
    throw new Error(
      `the replay reported ${progress.replayed} events replayed of ${progress.total}; the history has ${expectedEvents}`,
    );

  let unchanged: SimulateResult["unchanged"] = null;
  if (o.check) {
    o.phase?.("simulate unchanged");
    const begun = performance.now();
    const same = await simulate(replayServices, program, draft(RATES[0]));
    unchanged = {
      ms: performance.now() - begun,
      commissions: same.delta.commissions,
      rewardsCash: same.delta.rewards.cash,
      points: same.delta.rewards.points,
    };
  }
  return {
    orders: o.orders,
    refunds: o.orders / ORDERS_PER_BLOCK,
    participants: o.participants,
    networkDepth: counts.depth,
    goals: goalIds.length,
    setupMs,
    setupSteps: history.steps,
    eventRows: counts.events,
    ledgerRows: counts.ledger,
    grantRows: counts.grants,
    bookedCommissions: counts.commissions,
    replayed: progress.replayed,
    total: progress.total,
    replay,
    actual: side(simulated, "actual"),
    simulated: side(simulated, "simulated"),
    unchanged,
    notes: [...simulated.notes],
  };
}

function side(result: SimulationResult, which: "actual" | "simulated"): SideFigures {
  const f = result[which];
  return {
    commissions: f.commissions,
    levelOne: f.commissionsByLevel.find((l) => l.level === 1)?.amount ?? 0,
    cash: f.rewards.cash,
    points: f.rewards.points,
    products: f.rewards.products,
    participantsPaid: f.participantsPaid,
  };
}

/**
 * The program's history, written as the engine would have written it, every
 * table by `insert … select` in chunks of orders (on several connections on
 * PostgreSQL). A staging table holds each order's seller, items and
 * commissions, computed once from the order's number with hashint8 (so the
 * run is the same every time), and every other table is written from it;
 * it is dropped at the end.
 */
class History {
  private readonly blocks: number;
  private readonly events: number;
  private readonly lagBlocks: number;
  private readonly spanMs = END_MS - START_MS;

  constructor(
    private readonly db: Database,
    private readonly programId: string,
    private readonly tag: string,
    private readonly o: SimulateOptions,
  ) {
    this.blocks = o.orders / ORDERS_PER_BLOCK;
    this.events = this.blocks * EVENTS_PER_BLOCK;
    // A lag that is a multiple of 50 blocks would make two refunds pick the same order.
    let lag = Math.max(1, Math.floor((this.blocks * REFUND_LAG_DAYS * DAY_MS) / this.spanMs));
    if (lag % ORDERS_PER_BLOCK === 0) lag += 1;
    this.lagBlocks = lag;
  }

  private get pid(): string {
    return `par_${this.tag}`;
  }

  /** When event number i (0-based, in the order it was processed) happened. */
  private at(i: string): string {
    return `to_timestamp((${START_MS}::bigint + (${i} * ${this.spanMs}::bigint) / ${this.events}) / 1000.0)`;
  }

  async write(goalIds: string[]): Promise<void> {
    const { db, o } = this;
    const seqBase =
      (await db.query<{ n: number }>("select coalesce(max(seq), 0)::bigint as n from events"))[0]
        ?.n ?? 0;
    await this.step("network", () => this.network());
    await db.query(
      `create function bench_simulated_items(o bigint)
       returns table (j int, sku text, quantity bigint, unit bigint)
       language sql immutable as $$
         select j, (array['SHIRT', 'HAT', 'MUG', 'SOCKS'])[1 + (abs(hashint8(o * 64 + 10 + j)::bigint) % 4)::int],
           1 + abs(hashint8(o * 64 + 20 + j)::bigint) % 3,
           500 + abs(hashint8(o * 64 + 30 + j)::bigint) % 10000
         from generate_series(0, (abs(hashint8(o * 64 + 2)::bigint) % 3)::int) j
       $$`,
    );
    await db.query(
      `create unlogged table bench_simulated_orders (
         o bigint primary key, i bigint not null, at timestamptz not null, seller text not null,
         by_code boolean not null, code text not null, external_id text not null,
         customer text not null, items jsonb not null, gross bigint not null,
         earners text[] not null, amounts bigint[] not null, lines jsonb not null)`,
    );
    try {
      await this.step("staged orders", async () => {
        await this.chunks(o.orders, (from, to) => this.stageOrders(from, to));
        await db.query("analyze bench_simulated_orders");
      });
      await this.step("order events", () =>
        this.chunks(o.orders, (from, to) => this.orderEvents(from, to, seqBase)),
      );
      await this.step("orders", () =>
        this.chunks(o.orders, (from, to) => this.orderRows(from, to)),
      );
      await this.step("commission entries", () =>
        this.chunks(o.orders, (from, to) => this.commissionEntries(from, to)),
      );
      await this.step("refunds", () =>
        this.chunks(this.blocks, (from, to) => this.refunds(from, to, seqBase), 10_000),
      );
      await this.step("grants", () => this.grants(goalIds));
      await this.step("reward entries", () => this.rewardEntries(goalIds));
      this.o.phase?.("simulate setup: the rest");
      await db.query(
        `update participants p set last_order_at = s.last, activity_changed_at = s.last + interval '${PROCESSING_LAG}'
         from (select seller, max(at) as last from bench_simulated_orders group by seller) s
         where p.program_id = $1 and p.id = s.seller`,
        [this.programId],
      );
      await db.query(
        `select setval(pg_get_serial_sequence('events', 'seq'), (select max(seq) from events))`,
      );
    } finally {
      await db.query("drop table if exists bench_simulated_orders");
      await db.query("drop function if exists bench_simulated_items(bigint)");
    }
    await db.query(
      "analyze participants, events, orders, refunds, ledger_entries, goal_grants, goal_window_closes",
    );
  }

  /** How long each step of the setup took, in order. */
  readonly steps: { step: string; ms: number }[] = [];

  private async step(name: string, work: () => Promise<unknown>): Promise<void> {
    this.o.phase?.(`simulate setup: ${name}`);
    const started = performance.now();
    await work();
    this.steps.push({ step: name, ms: performance.now() - started });
  }

  private chunks(
    total: number,
    work: (from: number, to: number) => Promise<unknown>,
    chunk = 50_000,
  ): Promise<void> {
    return forChunks(total, this.o.setupWorkers, work, chunk);
  }

  /** Participant n's sponsor is n's (n - 1) / 10; ancestors nearest first, computed in SQL. */
  private async network(): Promise<void> {
    await this.chunks(this.o.participants, (from, to) =>
      this.db.query(
        `insert into participants
           (program_id, id, external_id, email, name, level, status, sponsor_id, ancestors,
            referral_code, created_at)
         select $1, $2 || n, 'sim-' || n, 'sim-' || n || '@example.com', null, null, 'active',
           case when n = 0 then null else $2 || ((n - 1) / ${FANOUT}) end,
           array(with recursive up(x, d) as (
                   select (n - 1) / ${FANOUT}, 1 where n > 0
                   union all select (x - 1) / ${FANOUT}, d + 1 from up where x > 0)
                 select $2 || x from up order by d),
           $3 || 'X' || n, $6::timestamptz
         from generate_series($4::bigint, $5::bigint) n`,
        [
          this.programId,
          this.pid,
          this.tag,
          from,
          to - 1,
          new Date(START_MS - 20 * DAY_MS).toISOString(),
        ],
      ),
    );
  }

  /**
   * Orders from..to: event number, time, seller (any participant, evenly),
   * items, and per paid level the earner and the amount, each item's line
   * rounded half up as the engine rounds it.
   */
  private stageOrders(from: number, to: number): Promise<unknown> {
    return this.db.query(
      `insert into bench_simulated_orders
       select o, b.i, ${this.at("b.i")}, p.id, o % 5 <> 0, p.referral_code, p.external_id,
         'c-' || abs(hashint8(o * 64 + 3)::bigint) % 300000, it.items, it.gross, e.earners,
         a.amounts, c.lines
       from generate_series($2::bigint, $3::bigint) o
       cross join lateral (select (o / ${ORDERS_PER_BLOCK}) * ${EVENTS_PER_BLOCK} + o % ${ORDERS_PER_BLOCK} as i,
                             abs(hashint8(o * 64 + 1)::bigint) % $4 as seller) b
       join participants p on p.program_id = $1 and p.id = $5 || b.seller
       cross join lateral (select array[p.id] || p.ancestors[1:${RATES.length - 1}] as earners) e
       cross join lateral (
         select jsonb_agg(jsonb_build_object('sku', sku, 'quantity', quantity, 'unitAmount', unit)
                          order by j) as items,
           sum(quantity * unit)::bigint as gross
         from bench_simulated_items(o)) it
       cross join lateral (
         select array_agg(amount order by level) as amounts
         from (select l as level, sum(round(quantity * unit * r.rate / 100.0))::bigint as amount
               from generate_series(1, cardinality(e.earners)) l
               cross join lateral (select (array[${RATES.join(", ")}])[l] as rate) r
               cross join bench_simulated_items(o)
               group by l) per_level) a
       cross join lateral (
         select jsonb_agg(jsonb_build_array(l, j, round(quantity * unit * r.rate / 100.0)::bigint)
                          order by l, j) as lines
         from generate_series(1, cardinality(e.earners)) l
         cross join lateral (select (array[${RATES.join(", ")}])[l] as rate) r
         cross join bench_simulated_items(o)) c`,
      [this.programId, from, to - 1, this.o.participants, this.pid],
    );
  }

  /** The inbox rows, processed, with payloads as the event schema takes them. */
  private orderEvents(from: number, to: number, seqBase: number): Promise<unknown> {
    return this.db.query(
      `insert into events (program_id, event_id, seq, type, payload, content_hash, occurred_at,
         received_at, status, outcome, processed_at)
       select $1, x.id, $4::bigint + s.i + 1, 'order', x.payload,
         translate(rtrim(encode(sha256(convert_to(x.payload::text, 'UTF8')), 'base64'), '='), '+/', '-_'),
         s.at, s.at + interval '1 second', 'processed',
         jsonb_build_object('id', x.id, 'type', 'order', 'status', 'processed',
           'attributedTo', s.seller,
           'attribution', jsonb_build_object('source', case when s.by_code then 'code' else 'participant' end),
           'commissions', (select jsonb_agg(jsonb_build_object('participantId', s.earners[l], 'level', l,
                                             'amount', s.amounts[l]) order by l)
                           from generate_series(1, cardinality(s.earners)) l),
           'grants', '[]'::jsonb),
         s.at + interval '${PROCESSING_LAG}'
       from bench_simulated_orders s
       cross join lateral (select 'sim-o-' || s.o as id) n
       cross join lateral (select n.id, jsonb_strip_nulls(jsonb_build_object(
           'type', 'order', 'id', n.id,
           'occurredAt', to_char(s.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'code', case when s.by_code then s.code end,
           'participant', case when s.by_code then null else s.external_id end,
           'customer', jsonb_build_object('id', s.customer),
           'items', s.items, 'shipping', 500, 'tax', 300, 'currency', 'USD')) as payload) x
       where s.o between $2 and $3`,
      [this.programId, from, to - 1, seqBase],
    );
  }

  /** The orders as booked, held the default 30 days from when they were processed. */
  private orderRows(from: number, to: number): Promise<unknown> {
    return this.db.query(
      `insert into orders (program_id, order_id, participant_id, attribution, customer_id,
         customer_email, currency, items, gross_minor, discount_minor, commissionable_minor,
         occurred_at, commission_lines, commission_earners, cuts, available_at, shipping_minor,
         tax_minor)
       select $1, 'sim-o-' || s.o, s.seller, case when s.by_code then 'code' else 'participant' end,
         s.customer, null, 'USD', s.items, s.gross, 0, s.gross, s.at, s.lines, s.earners, '[]',
         s.at + interval '${PROCESSING_LAG}' + interval '${HOLD_DAYS} days',
         500, 300
       from bench_simulated_orders s where s.o between $2 and $3`,
      [this.programId, from, to - 1],
    );
  }

  /** One transfer per order: a pending leg per paid level and the program's balancing entry. */
  private commissionEntries(from: number, to: number): Promise<unknown> {
    return this.db.query(
      `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset,
         bucket, amount_minor, cause_type, cause_key, event_id, order_id, level, created_at)
       select $1, 'led_' || $4 || 'c' || s.o || '_' || e.k, 'trf_' || $4 || 'c' || s.o, e.account,
         e.participant_id, 'cash', 'pending', e.amount, 'commission', e.cause_key,
         'sim-o-' || s.o, 'sim-o-' || s.o, e.level, s.at + interval '${PROCESSING_LAG}'
       from bench_simulated_orders s
       cross join lateral (
         select l::text as k, 'participant' as account, s.earners[l] as participant_id,
           s.amounts[l] as amount, 'commission:sim-o-' || s.o || ':' || l as cause_key, l as level
         from generate_series(1, cardinality(s.earners)) l
         union all
         select 'p', 'program', null, -(select sum(a) from unnest(s.amounts) a)::bigint,
           'commission:sim-o-' || s.o, null) e
       where s.o between $2 and $3`,
      [this.programId, from, to - 1, this.tag],
    );
  }

  /**
   * Refund events of blocks from..to (event 51b + 50 of the history), each of
   * the whole of an order about five days older (in the block's own first
   * days, of an order earlier in the same block), with the refund row and
   * the transfer reversing every commission leg.
   */
  private async refunds(from: number, to: number, seqBase: number): Promise<void> {
    const refunded = `(select b, ${this.at(`(b * ${EVENTS_PER_BLOCK} + ${ORDERS_PER_BLOCK})`)} as at,
         b * ${EVENTS_PER_BLOCK} + ${ORDERS_PER_BLOCK} as i,
         (case when b >= ${this.lagBlocks} then b - ${this.lagBlocks} else b end) * ${ORDERS_PER_BLOCK}
           + (b * 7) % ${ORDERS_PER_BLOCK} as o
       from generate_series($2::bigint, $3::bigint) b) r
       join bench_simulated_orders s on s.o = r.o`;
    const params = [this.programId, from, to - 1];
    await this.db.query(
      `insert into events (program_id, event_id, seq, type, payload, content_hash, occurred_at,
         received_at, status, outcome, processed_at)
       select $1, x.id, $4::bigint + r.i + 1, 'refund', x.payload,
         translate(rtrim(encode(sha256(convert_to(x.payload::text, 'UTF8')), 'base64'), '='), '+/', '-_'),
         r.at, r.at + interval '1 second', 'processed',
         jsonb_build_object('id', x.id, 'type', 'refund', 'status', 'processed',
           'attributedTo', s.seller, 'attribution', null,
           'commissions', (select jsonb_agg(jsonb_build_object('participantId', s.earners[l], 'level', l,
                                             'amount', -s.amounts[l]) order by l)
                           from generate_series(1, cardinality(s.earners)) l),
           'grants', '[]'::jsonb,
           'refund', jsonb_build_object('orderId', 'sim-o-' || s.o, 'state', 'applied', 'valueMinor', s.gross)),
         r.at + interval '${PROCESSING_LAG}'
       from ${refunded}
       cross join lateral (select 'sim-r-' || r.b as id) n
       cross join lateral (select n.id, jsonb_build_object('type', 'refund', 'id', n.id,
           'occurredAt', to_char(r.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'orderId', 'sim-o-' || s.o) as payload) x`,
      [...params, seqBase],
    );
    await this.db.query(
      `insert into refunds (program_id, refund_id, order_id, items, occurred_at, state, quantities,
         value_minor, amount_minor, applied_amount_minor)
       select $1, 'sim-r-' || r.b, 'sim-o-' || s.o, null, r.at, 'applied',
         (select jsonb_agg(item -> 'quantity' order by k) from jsonb_array_elements(s.items)
            with ordinality as q(item, k)),
         s.gross, null, 0
       from ${refunded}`,
      params,
    );
    await this.db.query(
      `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset,
         bucket, amount_minor, cause_type, cause_key, event_id, order_id, level, created_at)
       select $1, 'led_' || $4 || 'r' || r.b || '_' || e.k, 'trf_' || $4 || 'r' || r.b, e.account,
         e.participant_id, 'cash', 'pending', e.amount, 'refund', e.cause_key, 'sim-r-' || r.b,
         'sim-o-' || s.o, e.level, r.at + interval '${PROCESSING_LAG}'
       from ${refunded}
       cross join lateral (
         select l::text as k, 'participant' as account, s.earners[l] as participant_id,
           -s.amounts[l] as amount, 'refund:sim-r-' || r.b || ':' || l as cause_key, l as level
         from generate_series(1, cardinality(s.earners)) l
         union all
         select 'p', 'program', null, (select sum(a) from unnest(s.amounts) a)::bigint,
           'refund:sim-r-' || r.b, null) e`,
      [...params, this.tag],
    );
  }

  /**
   * The goals' grants, found with window functions over the staged orders in
   * the order they were processed: an `immediately` step is granted by the
   * order that takes its running value across the threshold (refunds do not
   * count: returns are ignored); the month-end bonus by the window's close,
   * an hour after the month ends, to everyone whose month reached it.
   */
  private async grants(goalIds: string[]): Promise<void> {
    const [ladder, lifetime, mugs, monthEnd, monthly] = goalIds;
    if (!ladder || !lifetime || !mugs || !monthEnd || !monthly) throw new Error("five goals");
    const month = "to_char(at at time zone 'UTC', 'YYYY-MM')";
    const quarter = "to_char(at at time zone 'UTC', 'YYYY-\"Q\"Q')";
    const mugCount = `(select coalesce(sum(quantity), 0) from bench_simulated_items(o) where sku = 'MUG')`;
    const steps = (rows: [number, object][]) =>
      rows
        .map(
          ([threshold, reward], k) =>
            `(${k + 1}, ${threshold}, '${JSON.stringify(reward)}'::jsonb)`,
        )
        .join(", ");
    const immediately = (goalId: string, value: string, window: string, ladderSql: string) =>
      this.db.query(
        `insert into goal_grants (program_id, goal_id, participant_id, window_key, step,
           goal_version, reward, value, event_id, voucher_code, granted_at)
         select $1, $2, c.seller, c.window_key, st.step, 1,
           case when st.reward ->> 'type' = 'free_product'
             then st.reward || jsonb_build_object('voucherCode', $3 || '-' || c.o) else st.reward end,
           c.running, 'sim-o-' || c.o,
           case when st.reward ->> 'type' = 'free_product' then $3 || '-' || c.o end,
           c.at + interval '${PROCESSING_LAG}'
         from (select o, seller, at, ${window} as window_key, v.value,
                 sum(v.value) over (partition by seller, ${window} order by i) as running
               from bench_simulated_orders cross join lateral (select ${value} as value) v) c
         join (values ${ladderSql}) as st(step, threshold, reward)
           on c.running - c.value < st.threshold and c.running >= st.threshold`,
        [this.programId, goalId, `SIM${this.tag}`],
      );
    const work: (() => Promise<unknown>)[] = [
      () =>
        immediately(
          ladder,
          "gross",
          month,
          steps([
            [50_000, { type: "cash", amount: 500 }],
            [100_000, { type: "cash", amount: 1500 }],
            [200_000, { type: "cash", amount: 4000 }],
          ]),
        ),
      () =>
        immediately(
          lifetime,
          "1",
          "'lifetime'",
          steps([
            [5, { type: "points", points: 50 }],
            [15, { type: "points", points: 200 }],
          ]),
        ),
      () =>
        immediately(mugs, mugCount, quarter, steps([[6, { type: "free_product", sku: "MUG" }]])),
      () =>
        immediately(
          monthly,
          "1",
          month,
          steps([
            [3, { type: "points", points: 25 }],
            [6, { type: "points", points: 100 }],
          ]),
        ),
      async () => {
        const afterMonth = (key: string, after: string) =>
          `(to_date(${key} || '-01', 'YYYY-MM-DD') + interval '${after}') at time zone 'UTC'`;
        await this.db.query(
          `insert into goal_grants (program_id, goal_id, participant_id, window_key, step,
             goal_version, reward, value, event_id, voucher_code, granted_at)
           select $1, $2, seller, window_key, 1, 1, '{"type":"points","points":50}', total, null,
             null, ${afterMonth("window_key", "1 month 1 hour")}
           from (select seller, ${month} as window_key, sum(gross)::bigint as total
                 from bench_simulated_orders group by 1, 2) m
           where total >= 150000`,
          [this.programId, monthEnd],
        );
        await this.db.query(
          `insert into goal_window_closes (program_id, goal_id, window_key, window_end,
             goal_version, grants, closed_at, after_participant)
           select $1, $2, g.window_key, ${afterMonth("g.window_key", "1 month")}, 1, count(*), max(g.granted_at), max(g.participant_id)
           from goal_grants g where g.program_id = $1 and g.goal_id = $2
           group by g.window_key`,
          [this.programId, monthEnd],
        );
      },
    ];
    await this.inTurn(work);
  }

  /** A reward transfer per grant: the participant's leg (available) and the program's entry. */
  private async rewardEntries(goalIds: string[]): Promise<void> {
    await this.inTurn(goalIds.map((goalId) => () => this.rewardEntriesOf(goalId)));
  }

  private rewardEntriesOf(goalId: string): Promise<unknown> {
    return this.db.query(
      `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset,
         bucket, amount_minor, cause_type, cause_key, event_id, order_id, goal_id, level,
         created_at, goal_version, step, sku, voucher_code)
       select $1, 'led_' || $2 || 'g' || md5(c.key) || e.k, 'trf_' || $2 || 'g' || md5(c.key),
         e.account, e.participant_id, c.asset, 'available', e.sign * c.amount, 'reward', c.key,
         g.event_id, null, g.goal_id, null, g.granted_at, g.goal_version, g.step,
         g.reward ->> 'sku', g.voucher_code
       from goal_grants g
       cross join lateral (select
           'reward:' || g.goal_id || ':' || g.participant_id || ':' || g.window_key || ':' || g.step as key,
           case g.reward ->> 'type' when 'cash' then 'cash' when 'points' then 'points' else 'product' end
             as asset,
           case g.reward ->> 'type' when 'cash' then (g.reward ->> 'amount')::bigint
             when 'points' then (g.reward ->> 'points')::bigint else 1 end as amount) c
       cross join lateral (values ('a', 'participant', g.participant_id, 1),
                                  ('b', 'program', null, -1)) as e(k, account, participant_id, sign)
       where g.program_id = $1 and g.goal_id = $3`,
      [this.programId, this.tag, goalId],
    );
  }

  /** Runs the jobs on the setup's workers, each taking the next job when it is done. */
  private async inTurn(jobs: (() => Promise<unknown>)[]): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.max(1, this.o.setupWorkers) }, async () => {
        for (let job = jobs[next++]; job; job = jobs[next++]) await job();
      }),
    );
  }

  async counts(): Promise<{
    events: number;
    ledger: number;
    grants: number;
    commissions: number;
    depth: number;
  }> {
    const rows = await this.db.query<{
      events: number;
      ledger: number;
      grants: number;
      commissions: number;
      depth: number;
    }>(
      `select (select count(*) from events where program_id = $1)::bigint as events,
         (select count(*) from ledger_entries where program_id = $1)::bigint as ledger,
         (select count(*) from goal_grants where program_id = $1)::bigint as grants,
         (select coalesce(sum(amount_minor), 0) from ledger_entries
          where program_id = $1 and account = 'participant'
            and cause_type in ('commission', 'refund'))::bigint as commissions,
         (select max(cardinality(ancestors)) + 1 from participants where program_id = $1)::bigint
           as depth`,
      [this.programId],
    );
    const row = rows[0];
    if (!row) throw new Error("no counts");
    return row;
  }
}

export interface SimulateChildRequest {
  database: "pglite" | "postgres";
  url: string;
  orders: number;
  participants: number;
  setupWorkers: number;
  check: boolean;
  profile: boolean;
  /** The child's V8 old-space limit in MB (--max-old-space-size), or null for V8's own. */
  heapLimitMb: number | null;
}

export interface SimulateFigures extends SimulateResult {
  database: string;
  /** heapUsed peak with V8's trace of each collection taken into account. */
  heapPeak: number;
  profile: ProfileRow[];
}

/**
 * Runs the scenario in a process of its own (bench/simulate-child.ts), under
 * `--trace-gc`, so the memory baseline is a fresh process and heap peaks
 * between samples are seen (see measureMemory).
 */
export async function measureSimulateInChild(
  database: string,
  request: SimulateChildRequest,
): Promise<SimulateFigures> {
  const child = fork(resolve("bin/run-ts.js"), [resolve("bench/simulate-child.ts")], {
    execArgv: [
      "--trace-gc",
      ...(request.heapLimitMb === null ? [] : [`--max-old-space-size=${request.heapLimitMb}`]),
      // BENCH_SIMULATE_CPU_PROF=DIR writes the process's CPU profile there.
      ...(process.env.BENCH_SIMULATE_CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_SIMULATE_CPU_PROF}`]
        : []),
    ],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, BENCH_SIMULATE_REQUEST: JSON.stringify(request) },
  });
  let trace = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    trace += chunk;
  });
  const received: { answer: { result: SimulateResult; profile: ProfileRow[] } | null } = {
    answer: null,
  };
  child.on("message", (m) => {
    received.answer = m as { result: SimulateResult; profile: ProfileRow[] };
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on("error", fail);
    child.on("close", done);
  });
  const got = received.answer;
  if (code !== 0 || got === null)
    throw new Error(
      `the simulator benchmark process failed (exit code ${code})` +
        (request.heapLimitMb === null ? "" : `, its heap limited to ${request.heapLimitMb} MB`),
    );
  return {
    ...got.result,
    database:
      request.heapLimitMb === null ? database : `${database}, heap <= ${request.heapLimitMb} MB`,
    heapPeak: heapPeakFromTrace(parseGcTrace(trace), 0, got.result.replay),
    profile: got.profile,
  };
}

/** On a database of its own on the server at `url`, dropped afterwards (millions of rows). */
export async function measureSimulateOnPostgres(
  url: string,
  request: Omit<SimulateChildRequest, "database" | "url">,
): Promise<SimulateFigures> {
  const name = `laurel_bench_simulate_${process.pid}`;
  const admin = await openPostgres(url, 1);
  try {
    await admin.query(`create database ${name}`);
    const own = new URL(url);
    own.pathname = `/${name}`;
    const db = await openPostgres(own.toString(), 1);
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    return await measureSimulateInChild("PostgreSQL", {
      ...request,
      database: "postgres",
      url: own.toString(),
    });
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.close();
  }
}

const count = (n: number): string => Math.round(n).toLocaleString("en-US");
const money = (minor: number): string =>
  `${(minor / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function printSimulate(results: SimulateFigures[]): void {
  const perSec = (r: SimulateFigures) => (r.replayed / r.replay.ms) * 1000;
  const figures: [string, string, (r: SimulateFigures) => string][] = [
    [
      "history: orders, refunds, participants (levels), goals",
      "-",
      (r) =>
        `${count(r.orders)}, ${count(r.refunds)}, ${count(r.participants)} (${r.networkDepth}), ${r.goals}`,
    ],
    [
      "setup (set-based SQL): events, ledger entries, grants",
      "-",
      (r) =>
        `${(r.setupMs / 1000).toFixed(1)} s: ${count(r.eventRows)}, ${count(r.ledgerRows)}, ${count(r.grantRows)}`,
    ],
    [
      "simulate wall time (rate 10% -> 12%)",
      "< 20 s at 1,000,000 orders",
      (r) => `${(r.replay.ms / 1000).toFixed(1)} s`,
    ],
    [
      "events replayed / s",
      ">= 50,000",
      (r) =>
        `${count(perSec(r))} (${count(r.replayed)} of ${count(r.total)}; ${perSec(r) >= 50_000 ? "met" : "NOT met"})`,
    ],
    [
      "simulate peak memory above the start",
      "< 500 MB",
      (r) =>
        `rss +${mib(r.replay.rssPeakDelta)} MiB, heapUsed +${mib(r.heapPeak)} MiB ` +
        `(${Math.max(r.replay.rssPeakDelta, r.heapPeak) < 500 * 2 ** 20 ? "met" : "NOT met"})`,
    ],
    [
      "commissions: booked (SQL) / actual / simulated",
      "actual = booked",
      (r) =>
        `${money(r.bookedCommissions)} / ${money(r.actual.commissions)} / ${money(r.simulated.commissions)}`,
    ],
    [
      "level 1 commissions: actual / simulated",
      "about x1.2",
      (r) =>
        `${money(r.actual.levelOne)} / ${money(r.simulated.levelOne)} (x${(r.simulated.levelOne / Math.max(1, r.actual.levelOne)).toFixed(3)})`,
    ],
    [
      "rewards actual: cash, points, products",
      "-",
      (r) => `${money(r.actual.cash)}, ${count(r.actual.points)}, ${count(r.actual.products)}`,
    ],
    [
      "rewards simulated: cash, points, products",
      "= actual (goals unchanged)",
      (r) =>
        `${money(r.simulated.cash)}, ${count(r.simulated.points)}, ${count(r.simulated.products)}`,
    ],
    [
      "participants paid: actual / simulated",
      "-",
      (r) => `${count(r.actual.participantsPaid)} / ${count(r.simulated.participantsPaid)}`,
    ],
    [
      "unchanged program replayed: delta commissions, cash, points",
      "0, 0, 0",
      (r) =>
        r.unchanged
          ? `${r.unchanged.commissions}, ${r.unchanged.rewardsCash}, ${r.unchanged.points} ` +
            `(${(r.unchanged.ms / 1000).toFixed(1)} s)`
          : "not run",
    ],
  ];
  console.log(
    `\nSimulator: simulate(services, program, draft) over a program's whole stored history ` +
      `(${SCHEMA_NOTE}; seller ${RATES[0]}% and upline ${RATES.slice(1).join("/")}%, ` +
      `5 goals), the draft raising the seller's rate to ${DRAFT_RATE}%; each database in a fresh process:\n`,
  );
  console.table(
    figures.map(([figure, target, value]) => ({
      figure,
      ...Object.fromEntries(results.map((r) => [r.database, value(r)])),
      target,
    })),
  );
  for (const r of results) {
    const steps = r.setupSteps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)} s`).join(", ");
    console.log(`${r.database}: setup steps: ${steps}.`);
    for (const note of r.notes) console.log(`${r.database}: the replay notes: ${note}`);
  }
}
