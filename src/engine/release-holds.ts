import type { Queryable } from "../store/db.ts";
import { bookJournals } from "../store/facts.ts";
import { dueHolds, insertHoldReleases } from "../store/holds.ts";
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
  let released = 0;
  for (;;) {
    const now = services.now();
    const count = await services.db.transaction(async (tx) =>
      releaseBatch(tx, services, program, now, limit),
    );
    released += count;
    if (count < limit) return released;
  }
}

async function releaseBatch(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  now: Date,
  limit: number,
): Promise<number> {
  const candidates = await dueHolds(tx, program.id, now, limit, null);
  if (candidates.length === 0) return 0;
  // The same lock a refund of the order takes, then a fresh read: a refund
  // that committed meanwhile is counted, one that comes later sees the release.
  const orderIds = [...new Set(candidates.map((c) => c.orderId))].sort();
  await tx.query(
    `select pg_advisory_xact_lock(hashtextextended($1 || '/' || id, 2))
     from unnest($2::text[]) as id order by id`,
    [program.id, orderIds],
  );
  const due = await dueHolds(tx, program.id, now, limit, orderIds);
  await insertHoldReleases(tx, program.id, due, now);
  await bookJournals(
    tx,
    program.id,
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
  return candidates.length;
}
