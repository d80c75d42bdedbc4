import type { Queryable } from "../store/db.ts";
import { bookJournals } from "../store/facts.ts";
import { decideFlag, flagsById, type FlagRecord } from "../store/flags.ts";
import { pendingOfOrder } from "../store/holds.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { lockOrders } from "../store/locks.ts";
import { bookRelease } from "./release-holds.ts";
import type { Services } from "./services.ts";

export type FlagDecision = "approved" | "rejected";

export type ReviewOutcome =
  | { kind: "decided"; flags: FlagRecord[] }
  | { kind: "missing"; flagId: string }
  /** Decided before: a flag is decided once, whoever comes first. */
  | { kind: "decidedBefore"; flag: FlagRecord }
  /** Releasing or reversing was asked of a flag on no order, which holds nothing. */
  | { kind: "holdsNothing"; flag: FlagRecord };

/**
 * An admin's decision on a fraud flag, exactly once. For an order whose
 * commissions were held for review, approving releases what is left pending
 * (it becomes available at once) and rejecting reverses it.
 */
export async function reviewFlag(
  services: Services,
  program: ProgramRecord,
  flagId: string,
  decision: FlagDecision,
): Promise<ReviewOutcome> {
  return reviewFlags(services, program, [flagId], decision, { onlyHolding: false });
}

/**
 * Decides several flags in one transaction, all or none: a flag that is not
 * found, already decided, or (with `onlyHolding`) on no order answers why and
 * nothing is decided. The orders are locked first, as a refund of them locks
 * them, then the flags' rows, both in sorted order, so reviews that overlap
 * wait for each other instead of deadlocking.
 */
export async function reviewFlags(
  services: Services,
  program: ProgramRecord,
  flagIds: readonly string[],
  decision: FlagDecision,
  options: { onlyHolding: boolean },
): Promise<ReviewOutcome> {
  const ids = [...new Set(flagIds)];
  return services.db.transaction(async (tx) => {
    const seen = await flagsById(tx, program.id, ids);
    const orderIds = seen.flatMap((f) => (f.orderId === null ? [] : [f.orderId]));
    await lockOrders(tx, program.id, [...new Set(orderIds)].sort());
    // Locked in id order, so reviews of overlapping flags wait for each other.
    const locked = new Map(
      (await flagsById(tx, program.id, ids, "for update")).map((f) => [f.id, f]),
    );
    for (const id of ids) {
      const flag = locked.get(id);
      if (!flag) return { kind: "missing", flagId: id };
      if (flag.status !== "open") return { kind: "decidedBefore", flag };
      if (options.onlyHolding && flag.orderId === null) return { kind: "holdsNothing", flag };
    }
    const now = services.now();
    const decided: FlagRecord[] = [];
    for (const id of ids) {
      const flag = await decideFlag(tx, program.id, id, decision, now);
      if (!flag) throw new Error(`flag ${id} was locked open and could not be decided`);
      await settleHeld(tx, services, program, flag, decision, now);
      decided.push(flag);
    }
    return { kind: "decided", flags: decided };
  });
}

/** Releases or reverses what the flag's order still has pending; a flag on no order holds nothing. */
async function settleHeld(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  flag: FlagRecord,
  decision: FlagDecision,
  now: Date,
): Promise<void> {
  if (flag.orderId === null) return;
  const pending = await pendingOfOrder(tx, program.id, flag.orderId);
  if (decision === "approved") {
    await bookRelease(tx, services, program.id, pending, now);
    return;
  }
  if (pending.length === 0) return;
  await bookJournals(
    tx,
    program.id,
    [
      {
        asset: "cash",
        bucket: "pending",
        causeType: "review",
        causeKey: `review:${flag.id}`,
        eventId: flag.eventId,
        orderId: flag.orderId,
        legs: pending.map((p) => ({
          participantId: p.participantId,
          level: p.level,
          amountMinor: -p.pendingMinor,
        })),
      },
    ],
    services.ids,
    now,
  );
}
