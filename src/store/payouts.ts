import type { AvailableBalance, PayoutLine } from "../domain/payouts.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

export interface PayoutRecord {
  id: string;
  programId: string;
  currency: string;
  totalMinor: number;
  createdAt: Date;
}

export async function availableBalances(
  db: Queryable,
  programId: string,
): Promise<AvailableBalance[]> {
  return db.query<AvailableBalance>(
    `select p.id as "participantId", p.external_id as "externalId", p.email, p.status,
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
    `insert into payouts (program_id, id, currency, total_minor, created_at) values ($1, $2, $3, $4, $5)`,
    [
      payout.programId,
      payout.id,
      payout.currency,
      payout.totalMinor,
      payout.createdAt.toISOString(),
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
      email: "text",
      amount_minor: "bigint",
      reference: "text",
    },
    lines.map((l) => ({
      payout_id: payout.id,
      line_no: l.lineNo,
      participant_id: l.participantId,
      external_id: l.externalId,
      email: l.email,
      amount_minor: l.amountMinor,
      reference: l.reference,
    })),
  );
}

const payoutColumns = `id, program_id as "programId", currency, total_minor as "totalMinor", created_at as "createdAt"`;

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

export async function listPayouts(
  db: Queryable,
  programId: string,
  page: { after: string | null; limit: number },
): Promise<PayoutRecord[]> {
  return db.query<PayoutRecord>(
    `select ${payoutColumns} from payouts where program_id = $1 and ($2::text is null or id > $2)
     order by id limit $3`,
    [programId, page.after, page.limit],
  );
}

export async function payoutLines(
  db: Queryable,
  programId: string,
  payoutId: string,
): Promise<PayoutLine[]> {
  return db.query<PayoutLine>(
    `select line_no as "lineNo", participant_id as "participantId", external_id as "externalId", email,
       amount_minor as "amountMinor", reference
     from payout_lines where program_id = $1 and payout_id = $2 order by line_no`,
    [programId, payoutId],
  );
}
