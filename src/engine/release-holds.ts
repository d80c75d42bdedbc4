import type { Queryable } from "../store/db.ts";
import { lockOrders } from "../store/locks.ts";
import { bookJournals } from "../store/facts.ts";
import { dueHolds, insertHoldReleases, type DueHold } from "../store/holds.ts";
import { advanceJobWatermark, COMMIT_MARGIN_MS, jobWatermark } from "../store/job-watermarks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

/**
 * Moves commissions whose hold is over from pending to available, each paid
 * level of each order exactly once (hold_releases' key), in batches. What a
 * refund already cancelled during the hold stays cancelled: the amount moved
 * is what is left pending for that order and level, and nothing when nothing
 * is left. Safe to run at any time and as often as wanted; after downtime it
 * simply finds more that is due.
 */
export async function releaseHolds(
  services: Services,
  program: ProgramRecord,
  limit = 1000,
): Promise<number> {
  const startedAt = services.now();
  const since = await jobWatermark(services.db, program.id, RELEASE_HOLDS);
  let released = 0;
  for (;;) {
    const now = services.now();
    const count = await services.db.transaction(async (tx) =>
      releaseBatch(tx, services, program, { since, now }, limit),
    );
    released += count;
    if (count < limit) break;
  }
  // Everything due by the start of this run is released now, so the next run
  // can start looking there instead of at the program's whole history. The
  // margin covers a commission booked by a transaction that began before this
  // run and committed after it looked (a hold of 0 days can fall behind it).
  await advanceJobWatermark(
    services.db,
    program.id,
    RELEASE_HOLDS,
    new Date(startedAt.getTime() - COMMIT_MARGIN_MS),
  );
  return released;
}

const RELEASE_HOLDS = "release-holds";

async function releaseBatch(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  window: { since: Date | null; now: Date },
  limit: number,
): Promise<number> {
  const { now } = window;
  const candidates = await dueHolds(tx, program.id, window, limit, null);
  if (candidates.length === 0) return 0;
  // The same lock a refund of the order takes, then a fresh read: a refund
  // that committed meanwhile is counted, one that comes later sees the release.
  const orderIds = [...new Set(candidates.map((c) => c.orderId))].sort();
  await lockOrders(tx, program.id, orderIds);
  const due = await dueHolds(tx, program.id, window, limit, orderIds);
  await bookRelease(tx, services, program.id, due, now);
  return candidates.length;
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
