import type { Queryable } from "../store/db.ts";
import { lockOrders } from "../store/locks.ts";
import { bookJournals } from "../store/facts.ts";
import {
  dueConversions,
  dueOrders,
  insertHoldReleases,
  unreleasedLegs,
  type DueHold,
  type DueOrder,
} from "../store/holds.ts";
import {
  advanceJobPosition,
  COMMIT_MARGIN_MS,
  instantOf,
  isBefore,
  jobPosition,
  type JobPosition,
} from "../store/job-watermarks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

/** How a scheduled job is run: in batches of `batchSize`, until done or `signal` says stop. */
export interface JobOptions {
  /** Checked between batches: once it is aborted, the run ends after the batch at work. */
  signal?: AbortSignal;
  batchSize?: number;
}

/**
 * Orders per transaction: a batch of 500 orders takes tens of milliseconds,
 * so a run that is asked to stop ends that soon, and a refund of one of the
 * orders waits no longer than that for its lock.
 */
const RELEASE_BATCH = 500;

const RELEASE_HOLDS = "release-holds";
const RELEASE_CONVERSION_HOLDS = "release-conversion-holds";

/** The next due holds after a position: orders', or conversions' (by their event id). */
type DueSource = (
  tx: Queryable,
  programId: string,
  after: JobPosition | null,
  now: Date,
  limit: number,
) => Promise<DueOrder[]>;

/**
 * Moves commissions whose hold is over from pending to available, each paid
 * level of each order exactly once (hold_releases' key), in batches of
 * orders taken in (available_at, order_id) order from the program's
 * position, one transaction each. What a refund already cancelled during the
 * hold stays cancelled: the amount moved is what is left pending for that
 * order and level, and nothing when nothing is left. Safe to run at any time
 * and as often as wanted; after downtime it simply finds more that is due.
 * Conversions (signups, leads) that paid are released the same way, from
 * a position of their own: their ledger entries and hold releases name the
 * conversion's event id as their order. Returns the levels released.
 */
export async function releaseHolds(
  services: Services,
  program: ProgramRecord,
  options: JobOptions = {},
): Promise<number> {
  const orders = await releaseDue(services, program, options, RELEASE_HOLDS, dueOrders);
  const conversions = await releaseDue(
    services,
    program,
    options,
    RELEASE_CONVERSION_HOLDS,
    dueConversions,
  );
  return orders + conversions;
}

async function releaseDue(
  services: Services,
  program: ProgramRecord,
  options: JobOptions,
  job: string,
  due: DueSource,
): Promise<number> {
  const batchSize = options.batchSize ?? RELEASE_BATCH;
  // The position never passes the commit margin: a commission booked by a
  // transaction that began before this run and committed after it looked
  // (a hold of 0 days can fall behind it) is found again by the next run.
  const settled: JobPosition = {
    at: instantOf(new Date(services.now().getTime() - COMMIT_MARGIN_MS)),
    key: "",
  };
  let position: JobPosition | null = null;
  let released = 0;
  for (;;) {
    if (options.signal?.aborted) return released;
    // Read at every batch: another server releasing the same program may
    // have got further, and this run goes on from there.
    const stored = await jobPosition(services.db, program.id, job);
    if (stored && (position === null || isBefore(position, stored))) position = stored;
    const now = services.now();
    const batch = await services.db.transaction((tx) =>
      releaseBatch(tx, services, program, due, position, now, batchSize),
    );
    released += batch.released;
    if (batch.last === null) break;
    position = batch.last;
    // Everything up to the batch's last order is released: a run that stops
    // here, or the next one, goes on after it.
    await advanceJobPosition(
      services.db,
      program.id,
      job,
      isBefore(batch.last, settled) ? batch.last : settled,
    );
    if (batch.orders < batchSize) break;
  }
  await advanceJobPosition(services.db, program.id, job, settled);
  return released;
}

/** One batch: the next due orders after `after`, locked, then their unreleased levels released. */
async function releaseBatch(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  dueSource: DueSource,
  after: JobPosition | null,
  now: Date,
  limit: number,
): Promise<{ orders: number; released: number; last: JobPosition | null }> {
  const orders = await dueSource(tx, program.id, after, now, limit);
  const last = orders.at(-1);
  if (last === undefined) return { orders: 0, released: 0, last: null };
  const orderIds = orders.map((o) => o.orderId);
  // The same lock a refund of the order takes, then the read: a refund that
  // committed before is counted, one that comes later sees the release.
  await lockOrders(tx, program.id, orderIds);
  const due = await unreleasedLegs(tx, program.id, orderIds);
  await bookRelease(tx, services, program.id, due, now);
  return { orders: orders.length, released: due.length, last: last.position };
}

/** Marks each order level released and moves what is left pending of it to available. */
export async function bookRelease(
  tx: Queryable,
  services: Services,
  programId: string,
  due: readonly DueHold[],
  now: Date,
): Promise<void> {
  await insertHoldReleases(tx, programId, [...due], now);
  await bookJournals(
    tx,
    programId,
    due
      .filter((d) => d.pendingMinor > 0)
      .map((d) => ({
        asset: "cash" as const,
        bucket: "pending" as const,
        causeType: "release" as const,
        causeKey: `release:${d.orderId}`,
        eventId: null,
        orderId: d.orderId,
        legs: [
          {
            participantId: d.participantId,
            level: d.level,
            amountMinor: -d.pendingMinor,
            bucket: "pending" as const,
          },
          {
            participantId: d.participantId,
            level: d.level,
            amountMinor: d.pendingMinor,
            bucket: "available" as const,
          },
        ],
      })),
    services.ids,
    now,
  );
}
