import type { AvailableBalance, PayoutLine } from "../domain/payouts.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

export type PayoutStatus = "created" | "exported" | "paid";

export interface PayoutRecord {
  id: string;
  programId: string;
  currency: string;
  totalMinor: number;
  createdAt: Date;
  status: PayoutStatus;
  exportedAt: Date | null;
  paidAt: Date | null;
  /** The payout provider's reference, given when it was marked paid. */
  paidReference: string | null;
}

export async function availableBalances(
  db: Queryable,
  programId: string,
): Promise<AvailableBalance[]> {
  return db.query<AvailableBalance>(
    `select p.id as "participantId", p.external_id as "externalId", p.name, p.email, p.status,
       b.available as "availableMinor"
     from (select participant_id, sum(amount_minor)::bigint as available from ledger_entries
           where program_id = $1 and account = 'participant' and asset = 'cash' and bucket = 'available'
           group by participant_id) b
     join participants p on p.program_id = $1 and p.id = b.participant_id`,
    [programId],
  );
}

export async function insertPayout(
  db: Queryable,
  payout: PayoutRecord,
  lines: readonly PayoutLine[],
): Promise<void> {
  await db.query(
    `insert into payouts (program_id, id, currency, total_minor, created_at, status)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      payout.programId,
      payout.id,
      payout.currency,
      payout.totalMinor,
      payout.createdAt.toISOString(),
      payout.status,
    ],
  );
  await bulkInsert(
    db,
    "payout_lines",
    payout.programId,
    {
      payout_id: "text",
      line_no: "int",
      participant_id: "text",
      external_id: "text",
      name: "text",
      email: "text",
      amount_minor: "bigint",
      reference: "text",
    },
    lines.map((l) => ({
      payout_id: payout.id,
      line_no: l.lineNo,
      participant_id: l.participantId,
      external_id: l.externalId,
      name: l.name,
      email: l.email,
      amount_minor: l.amountMinor,
      reference: l.reference,
    })),
  );
}

const payoutColumns = `id, program_id as "programId", currency, total_minor as "totalMinor",
  created_at as "createdAt", status, exported_at as "exportedAt", paid_at as "paidAt",
  paid_reference as "paidReference"`;

export async function findPayout(
  db: Queryable,
  programId: string,
  id: string,
): Promise<PayoutRecord | null> {
  const rows = await db.query<PayoutRecord>(
    `select ${payoutColumns} from payouts where program_id = $1 and id = $2`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** Newest first: ids are time-sortable, and a page goes on below the cursor. */
export async function listPayouts(
  db: Queryable,
  programId: string,
  page: { after: string | null; limit: number },
): Promise<PayoutRecord[]> {
  return db.query<PayoutRecord>(
    `select ${payoutColumns} from payouts where program_id = $1 and ($2::text is null or id < $2)
     order by id desc limit $3`,
    [programId, page.after, page.limit],
  );
}

export async function payoutLines(
  db: Queryable,
  programId: string,
  payoutId: string,
): Promise<PayoutLine[]> {
  return db.query<PayoutLine>(
    `select line_no as "lineNo", participant_id as "participantId", external_id as "externalId",
       name, email, amount_minor as "amountMinor", reference
     from payout_lines where program_id = $1 and payout_id = $2 order by line_no`,
    [programId, payoutId],
  );
}

/**
 * Records the first download of the payout's CSV: exported_at once, and the
 * status moves on from created only, so a paid payout stays paid.
 */
export async function markExported(
  db: Queryable,
  programId: string,
  id: string,
  at: Date,
): Promise<PayoutRecord | null> {
  const rows = await db.query<PayoutRecord>(
    `update payouts set exported_at = coalesce(exported_at, $3),
       status = case when status = 'created' then 'exported' else status end
     where program_id = $1 and id = $2 returning ${payoutColumns}`,
    [programId, id, at.toISOString()],
  );
  return rows[0] ?? null;
}

/**
 * Marks the payout paid, once: a payout already paid is left as it was (its
 * first paid_at and reference stand), so marking it again changes nothing.
 */
export async function markPaid(
  db: Queryable,
  programId: string,
  id: string,
  reference: string | null,
  at: Date,
): Promise<PayoutRecord | null> {
  await db.query(
    `update payouts set status = 'paid', paid_at = $3, paid_reference = $4
     where program_id = $1 and id = $2 and status <> 'paid'`,
    [programId, id, at.toISOString(), reference],
  );
  return findPayout(db, programId, id);
}
