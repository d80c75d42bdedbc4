import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeGoalWindows, grantInactivity } from "../../src/engine/goal-jobs.ts";
import { releaseHolds } from "../../src/engine/release-holds.ts";
import { contentHash } from "../../src/engine/content-hash.ts";
import { ingestEvents } from "../../src/engine/ingest.ts";
import { createGoal } from "../../src/engine/goals.ts";
import { createServices, type Services } from "../../src/engine/services.ts";
import { eventSchema } from "../../src/domain/events.ts";
import { drainInbox } from "../../src/jobs/drain-inbox.ts";
import { closeDueGoalWindows, grantDueInactivity } from "../../src/jobs/goal-jobs.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import type { Database } from "../../src/store/db.ts";
import { insertInbox } from "../../src/store/events.ts";
import { backends, openMigrated, postgresAvailable } from "../support/backends.ts";
import {
  GROWING_TABLES,
  JOB_TABLES,
  populateEstablishedPrograms,
  startNewProgram,
  type Established,
  type NewProgram,
} from "./populated-database.ts";
import { explaining, tableReads, unboundedReads } from "./query-plans.ts";

// What the planner does with each statement of the scheduled jobs, next to
// programs with a long history, for a program the statistics do not know:
// the hold release of a new program's 3,000 orders once took minutes here,
// through a plan that expected one row. No ANALYZE runs after the load: the
// first program is planned with no statistics at all (as PGlite always is),
// the second with statistics taken before it existed. Autovacuum is off for
// these tables, so it cannot analyze them behind the test's back. The same
// goes for processing a new program's events, which drain-inbox does for
// pending ones and every POST of events does for its batch.
//
// The history: TEST_JOBS_ORDERS orders of 4 established programs, 7 ledger
// entries each (2,030,000 by default, built in about 25 s here; a smaller
// number makes a quicker run). The benchmark (BENCH_ONLY=jobs) runs the same
// check, and times the jobs.

const ORDERS = Number(process.env.TEST_JOBS_ORDERS ?? 290_000);
const NEW_ORDERS = 3000;
/** Orders a new program has before its events are planned, and events per step. */
const EVENT_ORDERS = 1000;
const NEW_EVENTS = 500;
const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 10, 20, 12);
/** The new programs' orders are sold in October and released in November. */
const BOOKED_MS = Date.UTC(2026, 9, 20, 12);

const postgres = backends.find((b) => b.name === "postgres");

describe.skipIf(!postgres)("the scheduled jobs' queries next to a long history (postgres)", () => {
  let db: Database;
  let established: Established;

  beforeAll(async () => {
    if (!postgres) return;
    db = await openMigrated(postgres);
    for (const table of GROWING_TABLES)
      await db.query(`alter table ${table} set (autovacuum_enabled = false)`);
    established = await populateEstablishedPrograms(db, { orders: ORDERS, nowMs: NOW_MS });
  }, 300_000);
  afterAll(() => db?.close());

  /** A new program's jobs run through `db` planned statement by statement. */
  async function runJobs(fresh: NewProgram) {
    const planned = explaining(db);
    const clock = { ms: BOOKED_MS + 31 * DAY_MS };
    const services: Services = createServices(planned.db, { now: () => new Date(clock.ms) });
    const released = await releaseHolds(services, fresh.program);
    const closed = await closeGoalWindows(services, fresh.program);
    const inactive = await grantInactivity(services, fresh.program);
    // And each job as the scheduler runs it, over every program.
    await drainInbox(services);
    await releaseDueHolds(services);
    await closeDueGoalWindows(services);
    await grantDueInactivity(services);
    return { released, closed, inactive, statements: planned.statements };
  }

  async function expectBounded(fresh: NewProgram) {
    const run = await runJobs(fresh);
    // Every order pays its seller and the seller's sponsor, but the first
    // participant has none; everyone sold in October and has been quiet since.
    const sellersWithoutSponsor = Math.ceil(NEW_ORDERS / fresh.participants);
    expect(run.released).toBe(2 * NEW_ORDERS - sellersWithoutSponsor);
    expect(run.closed).toBe(fresh.participants);
    expect(run.inactive).toBe(fresh.participants);
    const read = new Set(run.statements.flatMap((s) => tableReads(s.plan).map((r) => r.table)));
    expect([...read].sort()).toEqual(expect.arrayContaining([...JOB_TABLES].sort()));
    expect(await unboundedReads(db, run.statements, GROWING_TABLES)).toEqual([]);
  }

  it("reads only the batch's rows, through indexes that lead with the program, before any ANALYZE", async () => {
    const clock = { ms: 0 };
    await expectBounded(
      await startNewProgram(db, clock, { orders: NEW_ORDERS, bookedAtMs: BOOKED_MS }),
    );
  }, 300_000);

  /**
   * A new program of the established programs' brand, with every setting
   * that makes processing events read more: customers bound to their
   * referrer, upline paid only to sponsors with orders of their own, monthly
   * caps, refund abuse screening, and a goal that credits an established
   * program (the same people's memberships there).
   */
  async function startEventProgram(clock: { ms: number }): Promise<NewProgram> {
    const fresh = await startNewProgram(db, clock, {
      orders: EVENT_ORDERS,
      bookedAtMs: BOOKED_MS,
      brandId: established.brandId,
      config: {
        attribution: { bindCustomer: true },
        commission: {
          rate: { percent: 10 },
          upline: [{ percent: 5 }],
          holdDays: 30,
          uplineQualification: { minPersonalOrders: 1, days: 30 },
          caps: { perParticipantMonthly: 1_000_000, programMonthly: 100_000_000 },
        },
        fraud: { refundAbuse: { orders: 20, maxRefundPercent: 50 } },
      },
    });
    const goal = await createGoal(fresh.services, fresh.program, {
      name: "Sales points elsewhere",
      metric: "sales_amount",
      window: { type: "monthly" },
      steps: [
        {
          threshold: 5000,
          reward: { type: "points", points: 1, program: established.programIds[0] },
        },
      ],
    });
    if ("kind" in goal) throw new Error(goal.message);
    return fresh;
  }

  /**
   * A new program's events through the paths that process them, planned
   * statement by statement: pending events as an import leaves them, drained
   * by drain-inbox, then a request's batch through ingestEvents, with new
   * orders, clicks (by visitor and IP), refunds of orders of both kinds and
   * of orders not sent yet, a click with a code nobody has (rejected, so
   * removed), redeliveries, and events stored pending that the request names
   * again.
   */
  async function processEvents(fresh: NewProgram) {
    const planned = explaining(db);
    const clock = { ms: fresh.bookedAtMs + 3_600_000 };
    const services: Services = createServices(planned.db, { now: () => new Date(clock.ms) });
    const at = (n: number) => new Date(fresh.bookedAtMs + n * 1000).toISOString();
    // An order names its seller by code, or every third one by external id.
    const order = (id: string, n: number) => ({
      type: "order",
      id,
      occurredAt: at(n % 600),
      ...(n % 3 === 2
        ? { participant: `new-${n % fresh.participants}` }
        : { code: fresh.codes[n % fresh.codes.length] }),
      visitorId: `v-${n}`,
      customer: { id: `c-${n}` },
      items: [{ sku: "A", quantity: 1, unitAmount: 1000 + (n % 50) * 100 }],
    });
    const refund = (id: string, orderId: string, n: number) => ({
      type: "refund",
      id,
      occurredAt: at(600 + (n % 600)),
      orderId,
    });
    const store = (events: Record<string, unknown>[]) =>
      insertInbox(
        db,
        fresh.program.id,
        events.map((raw) => {
          const event = eventSchema.parse(raw);
          return {
            eventId: event.id,
            type: event.type,
            payload: event,
            contentHash: contentHash(event),
            occurredAt: new Date(event.occurredAt ?? clock.ms),
          };
        }),
        new Date(clock.ms),
      );
    const range = (count: number) => Array.from({ length: count }, (_, n) => n);
    // What an import leaves: orders, refunds of orders already booked and
    // of orders still to come, and a click nobody's code sent.
    const imported = [
      ...range(NEW_EVENTS - 110).map((n) => order(`p-${n}`, n)),
      ...range(100).map((n) => refund(`pr-${n}`, `o-${n}`, n)),
      ...range(9).map((n) => refund(`pm-${n}`, `later-${n}`, n)),
      { type: "click", id: "pk-unknown", occurredAt: at(1), code: "NOBODY", visitorId: "kv-x" },
    ];
    await store(imported);
    const drained = await drainInbox(services);
    // Events stored pending that a request then sends again.
    const waiting = range(50).map((n) => order(`w-${n}`, n));
    await store(waiting);
    const results = await ingestEvents(services, fresh.program, [
      ...range(NEW_EVENTS - 200).map((n) => order(`q-${n}`, n)),
      ...range(50).map((n) => ({
        type: "click",
        id: `k-${n}`,
        occurredAt: at(n),
        code: fresh.codes[n % fresh.codes.length] ?? "",
        visitorId: `kv-${n}`,
        ip: `10.0.0.${n % 10}`,
      })),
      ...range(100).map((n) => refund(`qr-${n}`, `p-${n}`, n)),
      ...imported.slice(0, 50),
      ...waiting,
    ]);
    const statuses: Record<string, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return { drained, statuses, statements: planned.statements };
  }

  async function expectEventsBounded(fresh: NewProgram) {
    const run = await processEvents(fresh);
    expect(run.drained).toBe(NEW_EVENTS);
    // New orders, clicks and refunds are processed; redeliveries and the
    // waiting events (processed by the request) answer with what was stored.
    expect(run.statuses).toEqual({ processed: NEW_EVENTS - 50, duplicate: 100 });
    const read = new Set(run.statements.flatMap((s) => tableReads(s.plan).map((r) => r.table)));
    expect([...read].sort()).toEqual(
      expect.arrayContaining(
        [
          "events",
          "orders",
          "hold_releases",
          "participants",
          "goal_progress",
          "goal_grants",
          "clicks",
          "customer_bindings",
          "refunds",
        ].sort(),
      ),
    );
    expect(await unboundedReads(db, run.statements, GROWING_TABLES)).toEqual([]);
    // Clicks and a seller's orders are looked up by the batch's visitors, IPs
    // and sellers: searched by the program and a time alone (the cookie
    // window, the hour), they read everyone's. Only a monthly cap reads the
    // month's orders, whose commissions it sums.
    const byTimeAlone = run.statements.flatMap(({ sql, plan }) =>
      tableReads(plan)
        .filter(
          (r) =>
            (r.table === "clicks" || r.table === "orders") &&
            /occurred_at/.test(r.condition ?? "") &&
            !/visitor_id|ip_hash|participant_id/.test(r.condition ?? "") &&
            !tableReads(plan).some((other) => other.table === "ledger_entries"),
        )
        .map((r) => `${r.table} (${r.index} ${r.condition}) in: ${sql.replace(/\s+/g, " ")}`),
    );
    expect(byTimeAlone).toEqual([]);
  }

  it("processes a new program's events reading only their rows, before any ANALYZE", async () => {
    const clock = { ms: 0 };
    await expectEventsBounded(await startEventProgram(clock));
  }, 300_000);

  it("reads only the batch's rows for a program newer than the statistics", async () => {
    await db.query("analyze");
    const clock = { ms: 0 };
    await expectBounded(
      await startNewProgram(db, clock, { orders: NEW_ORDERS, bookedAtMs: BOOKED_MS }),
    );
  }, 300_000);

  it("processes a new program's events reading only their rows, with statistics from before it", async () => {
    await db.query("analyze");
    const clock = { ms: 0 };
    await expectEventsBounded(await startEventProgram(clock));
  }, 300_000);
});

describe.runIf(!postgresAvailable)("the scheduled jobs' queries next to a long history", () => {
  it("did not run: PostgreSQL is not installed", () => {
    console.warn(
      "the query plans of the scheduled jobs were not checked: PostgreSQL is not installed " +
        "(install Debian's postgresql, or set TEST_DATABASE_URL)",
    );
  });
});
