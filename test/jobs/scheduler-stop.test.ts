import { afterAll, beforeAll, expect, it } from "vitest";
import { createServices } from "../../src/engine/services.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import { startScheduler, type Logger } from "../../src/jobs/scheduler.ts";
import type { Database } from "../../src/store/db.ts";
import { jobPosition } from "../../src/store/job-watermarks.ts";
import { describeEachBackend, openMigrated } from "../support/backends.ts";
import { onCommit, wrote } from "./committed.ts";
import { startNewProgram, type NewProgram } from "./populated-database.ts";

const DAY_MS = 86_400_000;
const ORDERS = 3000;
/** What the release job takes per transaction (RELEASE_BATCH). */
const BATCH = 500;
const quiet: Logger = { info: () => undefined, error: () => undefined };

describeEachBackend("stopping the scheduler", (backend) => {
  let db: Database;
  let fresh: NewProgram;
  const clock = { ms: 0 };

  beforeAll(async () => {
    db = await openMigrated(backend);
    // 3,000 orders booked in the same instant, so they share their
    // available_at: the release pages through them by order id.
    fresh = await startNewProgram(db, clock, {
      orders: ORDERS,
      participants: 100,
      bookedAtMs: Date.UTC(2026, 9, 20, 12),
    });
    clock.ms = fresh.bookedAtMs + 31 * DAY_MS;
  }, 120_000);
  afterAll(() => db.close());

  const count = async (sql: string) =>
    (await db.query<{ n: number }>(sql, [fresh.program.id]))[0]?.n ?? -1;
  const ordersReleased = () =>
    count("select count(distinct order_id)::int as n from hold_releases where program_id = $1");

  it("lets the batch at work finish, starts no other, and the next run goes on from the next order", async () => {
    let batches = 0;
    let stopped: Promise<number> | null = null;
    const scheduler = startScheduler(
      createServices(
        onCommit(db, (statements) => {
          if (!wrote(statements, "hold_releases") || ++batches !== 2) return;
          // Stopped as the second batch commits, as SIGTERM could be.
          const asked = performance.now();
          stopped = scheduler.stop().then(() => performance.now() - asked);
        }),
        { now: () => new Date(clock.ms) },
      ),
      quiet,
      { intervalMs: 3_600_000 },
    );
    await expect.poll(() => stopped !== null, { timeout: 60_000 }).toBe(true);
    expect(await stopped).toBeLessThan(2000);
    expect(batches).toBe(2);

    // The first 1,000 orders in order, each released, and the position at the last of them.
    const released = await db.query<{ order_id: string }>(
      "select distinct order_id from hold_releases where program_id = $1 order by order_id",
      [fresh.program.id],
    );
    const byId = await db.query<{ order_id: string }>(
      "select order_id from orders where program_id = $1 order by available_at, order_id limit $2",
      [fresh.program.id, 2 * BATCH],
    );
    expect(released).toEqual(byId);
    const position = await jobPosition(db, fresh.program.id, "release-holds");
    expect(position?.key).toBe(byId.at(-1)?.order_id);

    // The next run reads its first batch after that order, and releases the rest.
    const firstReads: unknown[][] = [];
    const next = createServices(
      onCommit(db, (statements) => {
        const read = statements.find((s) => s.sql.includes("from orders o"));
        if (read && firstReads.length === 0) firstReads.push([...read.params]);
      }),
      { now: () => new Date(clock.ms) },
    );
    const legs = 2 * ORDERS - ORDERS / fresh.participants;
    const before = await count(
      "select count(*)::int as n from hold_releases where program_id = $1",
    );
    expect(await releaseDueHolds(next)).toBe(legs - before);
    expect(firstReads[0]?.slice(2, 4)).toEqual([position?.at, position?.key]);
    expect(await ordersReleased()).toBe(ORDERS);

    // The ledger: every commission leg moved once from pending to available.
    const [sums] = await db.query<{
      commissions: number;
      pending: number;
      available: number;
      releases: number;
      released: number;
    }>(
      `select
         sum(amount_minor) filter (where cause_type = 'commission')::bigint as commissions,
         sum(amount_minor) filter (where bucket = 'pending')::bigint as pending,
         sum(amount_minor) filter (where bucket = 'available')::bigint as available,
         count(*) filter (where cause_type = 'release')::int as releases,
         (select count(*) from hold_releases h where h.program_id = $1)::int as released
       from ledger_entries where program_id = $1 and account = 'participant'`,
      [fresh.program.id],
    );
    expect(sums?.commissions).toBeGreaterThan(0);
    expect(sums?.available).toBe(sums?.commissions);
    expect(sums?.pending).toBe(0);
    // One pending leg out and one available leg in per order level, and one release row.
    expect(sums?.releases).toBe(2 * legs);
    expect(sums?.released).toBe(legs);
  }, 120_000);

  it("resolves stop() at once when no job is at work, and sends nothing after it", async () => {
    let statements = 0;
    const counted: Database = {
      ...db,
      query: <Row>(sql: string, params?: readonly unknown[]) => {
        statements++;
        return db.query<Row>(sql, params);
      },
      transaction: (work) =>
        db.transaction((tx) =>
          work({
            query: <Row>(sql: string, params?: readonly unknown[]) => {
              statements++;
              return tx.query<Row>(sql, params);
            },
          }),
        ),
    };
    const scheduler = startScheduler(
      createServices(counted, { now: () => new Date(clock.ms) }),
      quiet,
      {
        intervalMs: 10,
      },
    );
    // Runs (with nothing due) every 10 ms for a while.
    await expect.poll(() => statements, { timeout: 30_000 }).toBeGreaterThan(50);
    const asked = performance.now();
    await scheduler.stop();
    expect(performance.now() - asked).toBeLessThan(1000);
    const sent = statements;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statements).toBe(sent);
  }, 60_000);
});
