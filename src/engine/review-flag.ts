import { bookJournals } from "../store/facts.ts";
import { decideFlag, type FlagRecord } from "../store/flags.ts";
import { pendingOfOrder } from "../store/holds.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { lockOrders } from "../store/locks.ts";
import { bookRelease } from "./release-holds.ts";
import type { Services } from "./services.ts";

/**
 * An admin's decision on a fraud flag, exactly once. For an order whose
 * commissions were held for review, approving releases what is left pending
 * (it becomes available at once) and rejecting reverses it.
 */
export async function reviewFlag(
  services: Services,
  program: ProgramRecord,
  flagId: string,
  decision: "approved" | "rejected",
): Promise<FlagRecord | null> {
  return services.db.transaction(async (tx) => {
    const now = services.now();
    const flag = await decideFlag(tx, program.id, flagId, decision, now);
    if (!flag || flag.orderId === null) return flag;
    await lockOrders(tx, program.id, [flag.orderId]);
    const pending = await pendingOfOrder(tx, program.id, flag.orderId);
    if (decision === "approved") {
      await bookRelease(tx, services, program.id, pending, now);
      return flag;
    }
    await bookJournals(
      tx,
      program.id,
      pending.length === 0
        ? []
        : [
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
    return flag;
  });
}
