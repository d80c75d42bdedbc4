// A database as the scheduled jobs meet it in production: millions of ledger
// rows of programs that have been running for a long time, and a new program
// beside them whose data the planner has no statistics for. Shared by the
// query-plan test (test/jobs/job-plans.test.ts) and the benchmark (bench/jobs.ts).
import { createGoal } from "../../src/engine/goals.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { insertBrand } from "../../src/store/brands.ts";
import type { Database } from "../../src/store/db.ts";
import { insertParticipant } from "../../src/store/participants.ts";
import { insertProgram, type ProgramRecord } from "../../src/store/programs.ts";
import type { ProgramInput } from "../../src/domain/program.ts";

const DAY_MS = 86_400_000;

/** Ledger entries each order of an established program leaves: see populateEstablishedPrograms. */
export const LEDGER_ROWS_PER_ORDER = 7;

/** The growing tables the scheduled jobs read (processing events reads them too). */
export const JOB_TABLES = [
  "ledger_entries",
  "orders",
  "hold_releases",
  "events",
  "participants",
  "goal_progress",
  "goal_grants",
] as const;

/** The tables that grow with the programs' history: no job, nor processing events, may scan them whole. */
export const GROWING_TABLES = [...JOB_TABLES, "clicks", "customer_bindings", "refunds"] as const;

const config = (name: string) => ({
  name,
  currency: "USD",
  timezone: "UTC",
  commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 30 },
});

export interface Established {
  brandId: string;
  programIds: string[];
  orders: number;
  ledgerRows: number;
  participants: number;
  progressRows: number;
  ms: number;
}

/**
 * `programs` programs with `orders` orders in all, all of them long released,
 * written set-based (`insert … select … generate_series`) in chunks on
 * `workers` connections. Per order, as the engine writes them: the order
 * (held 30 days, released), its event (processed), the commission transfer
 * (seller, sponsor and the program's entry) and the release transfer (each
 * level out of pending and into available), 7 ledger entries, two
 * hold_releases rows, the click it came from (an hour before, by its own
 * visitor and IP) and its customer's binding to the seller; one order in 25
 * has an applied refund, and one in 100 a refund still waiting for an order
 * that never came. Per participant: 13 goal_progress rows (lifetime and
 * twelve months), a target for each of the months and 3 grants. The release
 * job's position in each program is where a job that has kept up would have
 * left it.
 */
export async function populateEstablishedPrograms(
  db: Database,
  options: {
    orders: number;
    programs?: number;
    participantsPerProgram?: number;
    nowMs: number;
    workers?: number;
  },
): Promise<Established> {
  const started = performance.now();
  const programs = options.programs ?? 4;
  const people = options.participantsPerProgram ?? 5000;
  const workers = options.workers ?? 2;
  const perProgram = Math.ceil(options.orders / programs);
  const services = createServices(db);
  const brandId = services.ids.next("brd");
  await insertBrand(db, { id: brandId, name: `established-${brandId}` });
  const programIds: string[] = [];
  for (let k = 0; k < programs; k++) {
    const program = await insertProgram(db, {
      id: services.ids.next("prg"),
      brandId,
      name: `Established ${k}`,
      currency: "USD",
      timezone: "UTC",
      config: config(`Established ${k}`),
    });
    programIds.push(program.id);
  }
  // Orders run over the year before the last 40 days, so all are released.
  const firstOrderMs = options.nowMs - 400 * DAY_MS;
  const spanMs = 360 * DAY_MS;
  const jobs: (() => Promise<unknown>)[] = [];
  for (const programId of programIds) {
    const chunk = 25_000;
    for (let from = 1; from <= perProgram; from += chunk) {
      const to = Math.min(perProgram, from + chunk - 1);
      jobs.push(() =>
        insertOrders(db, programId, from, to, perProgram, people, firstOrderMs, spanMs),
      );
    }
    jobs.push(() => insertPeople(db, programId, people, firstOrderMs, spanMs, options.nowMs));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let job = jobs[next++]; job; job = jobs[next++]) await job();
    }),
  );
  for (const programId of programIds)
    await db.query(
      `insert into job_watermarks (program_id, job, watermark)
       select $1, 'release-holds', max(available_at) from orders where program_id = $1`,
      [programId],
    );
  return {
    brandId,
    programIds,
    orders: perProgram * programs,
    ledgerRows: perProgram * programs * LEDGER_ROWS_PER_ORDER,
    participants: people * programs,
    progressRows: people * programs * 13,
    ms: performance.now() - started,
  };
}

/**
 * Orders from..to of one program (n is the order's number): order, event, 7
 * ledger entries, 2 releases, a click, a customer binding, and now and then a refund.
 */
async function insertOrders(
  db: Database,
  programId: string,
  from: number,
  to: number,
  total: number,
  people: number,
  firstOrderMs: number,
  spanMs: number,
): Promise<void> {
  // Order n is sold by participant n mod people, whose sponsor is the one before.
  const lateral = `from generate_series($2::bigint, $3::bigint) n
    cross join lateral (select 'o-' || n as order_id, 'evt-' || n as event_id,
      'par_e' || (n % $5) as seller, 'par_e' || ((n + $5 - 1) % $5) as sponsor,
      to_timestamp(($6::bigint + (n * $7::bigint) / $4) / 1000.0) as at,
      1000 + (n * 7919) % 20000 as amount) o`;
  const params = [programId, from, to, total, people, firstOrderMs, spanMs];
  await db.query(
    `insert into events (program_id, event_id, type, payload, content_hash, occurred_at, received_at,
       status, outcome, processed_at)
     select $1, o.event_id, 'order', '{}', md5(o.event_id), o.at, o.at, 'processed', '{}', o.at
     ${lateral}`,
    params,
  );
  await db.query(
    `insert into orders (program_id, order_id, participant_id, attribution, currency, items,
       gross_minor, discount_minor, commissionable_minor, occurred_at, commission_lines,
       commission_earners, cuts, available_at)
     select $1, o.order_id, o.seller, 'code', 'USD', '[]', o.amount * 10, 0, o.amount * 10, o.at,
       jsonb_build_array(jsonb_build_array(1, -1, o.amount), jsonb_build_array(2, -1, o.amount / 2)),
       array[o.seller, o.sponsor], '[]', o.at + interval '30 days'
     ${lateral}`,
    params,
  );
  await db.query(
    `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset, bucket,
       amount_minor, cause_type, cause_key, event_id, order_id, level, created_at)
     select $1, 'led_' || e.k || n, 'trf_' || e.t || n, e.account, e.participant_id, 'cash', e.bucket,
       e.amount, e.cause_type, e.cause_key, e.event_id, o.order_id, e.level, e.created_at
     ${lateral}
     cross join lateral (values
       ('a', 'c', 'participant', o.seller, 'pending', o.amount, 'commission',
        'commission:' || o.event_id || ':1', o.event_id, 1, o.at),
       ('b', 'c', 'participant', o.sponsor, 'pending', o.amount / 2, 'commission',
        'commission:' || o.event_id || ':2', o.event_id, 2, o.at),
       ('c', 'c', 'program', null, 'pending', -(o.amount + o.amount / 2), 'commission',
        'commission:' || o.event_id, o.event_id, null, o.at),
       ('d', 'r', 'participant', o.seller, 'pending', -o.amount, 'release',
        'release:' || o.order_id || ':1', null, 1, o.at + interval '30 days'),
       ('e', 'r', 'participant', o.seller, 'available', o.amount, 'release',
        'release:' || o.order_id || ':1', null, 1, o.at + interval '30 days'),
       ('f', 'r', 'participant', o.sponsor, 'pending', -(o.amount / 2), 'release',
        'release:' || o.order_id || ':2', null, 2, o.at + interval '30 days'),
       ('g', 'r', 'participant', o.sponsor, 'available', o.amount / 2, 'release',
        'release:' || o.order_id || ':2', null, 2, o.at + interval '30 days')
     ) as e(k, t, account, participant_id, bucket, amount, cause_type, cause_key, event_id, level,
            created_at)`,
    params,
  );
  await db.query(
    `insert into hold_releases (program_id, order_id, level, participant_id, amount_minor, released_at)
     select $1, o.order_id, l.level, case l.level when 1 then o.seller else o.sponsor end,
       case l.level when 1 then o.amount else o.amount / 2 end, o.at + interval '30 days'
     ${lateral}
     cross join (values (1), (2)) as l(level)`,
    params,
  );
  await db.query(
    `insert into clicks (program_id, id, participant_id, code, visitor_id, ip_hash, event_id, occurred_at)
     select $1, 'clk-' || n, o.seller, $1 || '-' || (n % $5), 'v-' || n, 'ip-' || n, 'evt-clk-' || n,
       o.at - interval '1 hour'
     ${lateral}`,
    params,
  );
  await db.query(
    `insert into customer_bindings (program_id, customer_key, participant_id, event_id, bound_at)
     select $1, 'id:c-' || n, o.seller, o.event_id, o.at
     ${lateral}`,
    params,
  );
  await db.query(
    `insert into refunds (program_id, refund_id, order_id, occurred_at, state, quantities, value_minor)
     select $1, 'ref-' || n, case when n % 25 = 0 then o.order_id else 'late-' || n end,
       o.at + interval '5 days', case when n % 25 = 0 then 'applied' else 'waiting' end,
       case when n % 25 = 0 then '[1]'::jsonb end, case when n % 25 = 0 then o.amount * 10 else 0 end
     ${lateral}
     where n % 25 = 0 or n % 100 = 10`,
    params,
  );
}

/** A program's participants, their goal progress (lifetime and twelve months), targets and grants. */
async function insertPeople(
  db: Database,
  programId: string,
  people: number,
  firstOrderMs: number,
  spanMs: number,
  nowMs: number,
): Promise<void> {
  await db.query(
    `insert into participants (program_id, id, external_id, status, referral_code, created_at,
       last_order_at, activity_changed_at)
     select $1, 'par_e' || n, 'e-' || n, 'active', $1 || '-' || n, to_timestamp($3::bigint / 1000.0),
       to_timestamp(($3::bigint + (n * $4::bigint) / $2) / 1000.0),
       to_timestamp(($3::bigint + (n * $4::bigint) / $2) / 1000.0)
     from generate_series(0, $2::bigint - 1) n`,
    [programId, people, firstOrderMs, spanMs],
  );
  // Twelve calendar months ending with the one before now's, and lifetime.
  await db.query(
    `insert into goal_progress (program_id, participant_id, bucket, window_start, window_end,
       goal_values, updated_at)
     select $1, 'par_e' || n, b.bucket, b.window_start, b.window_end,
       jsonb_build_object('gol_established', n % 50), coalesce(b.window_end, now())
     from generate_series(0, $2::bigint - 1) n
     cross join (
       select to_char(m, 'YYYY-MM') as bucket, m as window_start, m + interval '1 month' as window_end
       from generate_series(date_trunc('month', to_timestamp($3::bigint / 1000.0) at time zone 'UTC')
                              - interval '12 months',
                            date_trunc('month', to_timestamp($3::bigint / 1000.0) at time zone 'UTC')
                              - interval '1 month', interval '1 month') as m
       union all select 'lifetime', null, null) b`,
    [programId, people, nowMs],
  );
  await db.query(
    `insert into participant_targets (program_id, goal_id, participant_id, period, target, import_id)
     select $1, 'gol_established', p.participant_id, p.bucket, 100, 'imp_established'
     from goal_progress p where p.program_id = $1 and p.window_end is not null`,
    [programId],
  );
  await db.query(
    `insert into goal_grants (program_id, goal_id, participant_id, window_key, step, goal_version,
       reward, value, granted_at)
     select $1, 'gol_established', 'par_e' || n, 'since:' || n, s, 1, '{"type":"points","points":10}',
       s, now()
     from generate_series(0, $2::bigint - 1) n cross join generate_series(1, 3) s`,
    [programId, people],
  );
}

export interface NewProgram {
  services: Services;
  program: ProgramRecord;
  orders: number;
  participants: number;
  /** The participants' referral codes, in the order they joined: order n is sold by code n mod participants. */
  codes: string[];
  /** When the orders were sold and booked; their 30-day holds are over at bookedAtMs + 30 days. */
  bookedAtMs: number;
}

/**
 * A program that has just started: `participants` people (every one after the
 * first sponsored by the one before), `orders` orders through ingestEvents,
 * the real path, all sold at `bookedAtMs` in one month and held 30 days; a
 * monthly at_window_end goal on sales, and an inactivity goal of 30 days. The
 * services' clock is `clock.ms`, for the caller to move. It has a brand of its
 * own unless `brandId` names one; `config` replaces parts of its settings.
 */
export async function startNewProgram(
  db: Database,
  clock: { ms: number },
  options: {
    orders: number;
    participants?: number;
    bookedAtMs: number;
    batch?: number;
    brandId?: string;
    config?: Partial<ProgramInput>;
  },
): Promise<NewProgram> {
  const services = createServices(db, { now: () => new Date(clock.ms) });
  clock.ms = options.bookedAtMs;
  const count = options.participants ?? 300;
  let brandId = options.brandId;
  if (brandId === undefined) {
    brandId = services.ids.next("brd");
    await insertBrand(db, { id: brandId, name: `new-${brandId}` });
  }
  const program = await insertProgram(db, {
    id: services.ids.next("prg"),
    brandId,
    name: "New",
    currency: "USD",
    timezone: "UTC",
    config: { ...config("New"), ...options.config },
  });
  let sponsor: { id: string; ancestors: string[] } | null = null;
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const person: { id: string; ancestors: string[]; referralCode: string } =
      await insertParticipant(db, {
        id: services.ids.next("par"),
        programId: program.id,
        externalId: `new-${i}`,
        email: null,
        name: null,
        level: null,
        status: "active",
        sponsorId: sponsor?.id ?? null,
        ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors].slice(0, 5) : [],
        // Codes are matched upper-cased, and unique across programs.
        referralCode: `N${program.id.slice(4)}X${i}`,
      });
    codes.push(person.referralCode);
    sponsor = person;
  }
  for (const goal of [
    {
      name: "Monthly sales bonus",
      metric: "sales_amount" as const,
      window: { type: "monthly" as const },
      evaluate: "at_window_end" as const,
      steps: [
        { threshold: 1000, reward: { type: "points" as const, points: 10 } },
        { threshold: 50_000, reward: { type: "points" as const, points: 100 } },
      ],
    },
    {
      name: "We miss you",
      metric: "inactivity_days" as const,
      window: { type: "lifetime" as const },
      steps: [{ threshold: 30, reward: { type: "points" as const, points: 5 } }],
    },
  ]) {
    const created = await createGoal(services, program, goal);
    if ("kind" in created) throw new Error(created.message);
  }
  const batch = options.batch ?? 1000;
  for (let from = 0; from < options.orders; from += batch) {
    const events = Array.from({ length: Math.min(batch, options.orders - from) }, (_, j) => {
      const n = from + j;
      return {
        type: "order",
        id: `o-${n}`,
        occurredAt: new Date(options.bookedAtMs - (n % 600) * 1000).toISOString(),
        code: codes[n % codes.length],
        items: [{ sku: "A", quantity: 1, unitAmount: 1000 + (n % 50) * 100 }],
      };
    });
    for (const result of await ingestEvents(services, program, events))
      if (result.status !== "processed")
        throw new Error(`order not processed: ${JSON.stringify(result)}`);
  }
  return {
    services,
    program,
    orders: options.orders,
    participants: count,
    codes,
    bookedAtMs: options.bookedAtMs,
  };
}
