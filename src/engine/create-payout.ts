import { planPayout, type PayoutLine } from "../domain/payouts.ts";
import { payoutCreated } from "../domain/outbox-of-facts.ts";
import { bookJournals } from "../store/facts.ts";
import { tell } from "../store/outbox.ts";
import { lockProgram } from "../store/locks.ts";
import { availableBalances, insertPayout, type PayoutRecord } from "../store/payouts.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { mailPayoutSent } from "./notification-mails.ts";
import type { Services } from "./services.ts";

/**
 * Pays every available balance at or over the minimum, in one transaction:
 * the payout, its lines, and for each line a ledger transfer from available to
 * paid. Payouts of a program are serialized, so two requests at once never
 * pay the same money twice: the second finds it already paid.
 */
export async function createPayout(
  services: Services,
  program: ProgramRecord,
): Promise<{ payout: PayoutRecord; lines: PayoutLine[] }> {
  return services.db.transaction(async (tx) => {
    await lockProgram(tx, program.id, "payouts");
    const now = services.now();
    const id = services.ids.next("pay");
    const lines = planPayout(
      id,
      await availableBalances(tx, program.id),
      program.config.payouts?.minimum ?? 0,
    );
    const payout: PayoutRecord = {
      id,
      programId: program.id,
      currency: program.currency,
      totalMinor: lines.reduce((sum, l) => sum + l.amountMinor, 0),
      createdAt: now,
    };
    await insertPayout(tx, payout, lines);
    await bookJournals(
      tx,
      program.id,
      lines.map((l) => ({
        asset: "cash" as const,
        bucket: "available" as const,
        causeType: "payout" as const,
        causeKey: `payout:${id}:${l.participantId}`,
        eventId: null,
        orderId: null,
        legs: [
          {
            participantId: l.participantId,
            amountMinor: -l.amountMinor,
            level: null,
            bucket: "available" as const,
          },
          {
            participantId: l.participantId,
            amountMinor: l.amountMinor,
            level: null,
            bucket: "paid" as const,
          },
        ],
      })),
      services.ids,
      now,
    );
    await tell(
      tx,
      program.id,
      [payoutCreated({ ...payout, lines: lines.length })],
      services.ids,
      now,
    );
    await mailPayoutSent(tx, services, program, lines);
    return { payout, lines };
  });
}
