import type { Queryable } from "./db.ts";

export interface Balances {
  points: { pending: number; available: number };
  cash: { currency: string; pending: number; available: number; paid: number };
}

/** A balance is always a sum of entries, never a stored number. */
export async function balancesOf(
  db: Queryable,
  programId: string,
  participantId: string,
  currency: string,
): Promise<Balances> {
  const rows = await db.query<{ asset: "cash" | "points"; bucket: string; total: number }>(
    `select asset, bucket, sum(amount_minor)::bigint as total from ledger_entries
     where program_id = $1 and participant_id = $2 and account = 'participant'
     group by asset, bucket`,
    [programId, participantId],
  );
  const total = (asset: string, bucket: string) =>
    rows.find((r) => r.asset === asset && r.bucket === bucket)?.total ?? 0;
  return {
    points: { pending: total("points", "pending"), available: total("points", "available") },
    cash: {
      currency,
      pending: total("cash", "pending"),
      available: total("cash", "available"),
      paid: total("cash", "paid"),
    },
  };
}

export interface LedgerEntryRow {
  id: string;
  asset: "cash" | "points" | "product";
  amount: number;
  status: "pending" | "available" | "paid" | "reversed";
  createdAt: Date;
  transferId: string;
  causeType: string;
  eventId: string | null;
  orderId: string | null;
  causeKey: string;
  goalId: string | null;
  goalVersion: number | null;
  step: number | null;
  sku: string | null;
  voucherCode: string | null;
  level: number | null;
}

export async function listLedger(
  db: Queryable,
  programId: string,
  participantId: string,
  page: { after: string | null; limit: number },
): Promise<LedgerEntryRow[]> {
  return db.query<LedgerEntryRow>(
    `select id, asset, amount_minor as amount, bucket as status, created_at as "createdAt",
       transfer_id as "transferId", cause_type as "causeType", event_id as "eventId", order_id as "orderId", cause_key as "causeKey", goal_id as "goalId", level,
       goal_version as "goalVersion", step, sku, voucher_code as "voucherCode"
     from ledger_entries
     where program_id = $1 and participant_id = $2 and account = 'participant' and ($3::text is null or id > $3)
     order by id limit $4`,
    [programId, participantId, page.after, page.limit],
  );
}
