import { currencyExponent } from "../domain/currency.ts";
import {
  differenceFrom,
  duePayout,
  formatMajor,
  linesOf,
  type DuePayout,
  type ExpectedPayout,
  type PayoutLine,
} from "../domain/payouts.ts";
import { payoutCreated } from "../domain/outbox-of-facts.ts";
import type { Queryable } from "../store/db.ts";
import { bookJournals } from "../store/facts.ts";
import { tell } from "../store/outbox.ts";
import { lockProgram } from "../store/locks.ts";
import {
  availableBalances,
  insertPayout,
  markExported,
  markPaid,
  type PayoutRecord,
} from "../store/payouts.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { mailPayoutSent } from "./notification-mails.ts";
import type { Services } from "./services.ts";

/** What a payout made now would pay; the payout itself selects the same way. */
export async function previewPayout(db: Queryable, program: ProgramRecord): Promise<DuePayout> {
  return duePayout(await availableBalances(db, program.id), program.config.payouts?.minimum ?? 0);
}

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
  const made = await createExpectedPayout(services, program, null);
  if (made.kind !== "paid") throw new Error("a payout without an expectation always pays");
  return made;
}

export type PayoutOutcome =
  | { kind: "paid"; payout: PayoutRecord; lines: PayoutLine[] }
  /** What is due now differs from what the admin saw: nothing was written. */
  | { kind: "changed"; due: DuePayout; why: string };

/**
 * A payout that pays exactly what `expected` says, or nothing: what is due is
 * read under the program's payout lock, so it cannot change between the
 * comparison and the payment.
 */
export async function createExpectedPayout(
  services: Services,
  program: ProgramRecord,
  expected: ExpectedPayout | null,
): Promise<PayoutOutcome> {
  return services.db.transaction(async (tx) => {
    await lockProgram(tx, program.id, "payouts");
    const due = await previewPayout(tx, program);
    if (expected) {
      const digits = currencyExponent(program.currency) ?? 2;
      const why = differenceFrom(
        due,
        expected,
        (minor) => `${formatMajor(minor, digits)} ${program.currency}`,
      );
      if (why !== null) return { kind: "changed", due, why };
    }
    const now = services.now();
    const id = services.ids.next("pay");
    const lines = linesOf(id, due);
    const payout: PayoutRecord = {
      id,
      programId: program.id,
      currency: program.currency,
      totalMinor: due.totalMinor,
      createdAt: now,
      status: "created",
      exportedAt: null,
      paidAt: null,
      paidReference: null,
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
      [
        payoutCreated({
          id,
          currency: program.currency,
          totalMinor: due.totalMinor,
          lines: lines.length,
        }),
      ],
      services.ids,
      now,
    );
    await mailPayoutSent(tx, services, program, lines);
    return { kind: "paid", payout, lines };
  });
}

/** The payout's CSV was downloaded: the first download moves it to exported. */
export async function recordExport(
  services: Services,
  program: ProgramRecord,
  payoutId: string,
): Promise<PayoutRecord | null> {
  return markExported(services.db, program.id, payoutId, services.now());
}

export type MarkPaidOutcome =
  | { kind: "paid"; payout: PayoutRecord }
  | { kind: "missing" }
  /** Marked paid before with another reference: the first one stands. */
  | { kind: "conflict"; payout: PayoutRecord };

/**
 * Marks a payout paid by its provider. Marking it again, with no reference or
 * the same one, answers it as it is; it never goes back to created or exported.
 */
export async function markPayoutPaid(
  services: Services,
  program: ProgramRecord,
  payoutId: string,
  reference: string | null,
): Promise<MarkPaidOutcome> {
  return services.db.transaction(async (tx) => {
    const payout = await markPaid(tx, program.id, payoutId, reference, services.now());
    if (!payout) return { kind: "missing" };
    if (reference !== null && payout.paidReference !== reference)
      return { kind: "conflict", payout };
    return { kind: "paid", payout };
  });
}
