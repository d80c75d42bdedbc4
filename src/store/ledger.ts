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
  /** When what caused the entry happened: the order, refund or event; the booking itself otherwise. */
  occurredAt: Date;
  transferId: string;
  causeType: string;
  eventId: string | null;
  orderId: string | null;
  causeKey: string;
  goalId: string | null;
  goalName: string | null;
  goalVersion: number | null;
  step: number | null;
  sku: string | null;
  voucherCode: string | null;
  level: number | null;
  /** The open fraud flag holding the order's commission for review. */
  heldByFlag: string | null;
  adjustmentReason: string | null;
  adjustedBy: string | null;
}

/**
 * A participant's entries, newest first (or oldest first), keyset-paged by id.
 * Each is read with what explains it, one lookup by key apiece: the event's
 * time, the goal's name, the adjustment's reason and any open flag on its order.
 */
export async function listLedger(
  db: Queryable,
  programId: string,
  participantId: string,
  page: { after: string | null; limit: number; oldestFirst?: boolean },
): Promise<LedgerEntryRow[]> {
  const oldestFirst = page.oldestFirst === true;
  return db.query<LedgerEntryRow>(
    `select l.id, l.asset, l.amount_minor as amount, l.bucket as status, l.created_at as "createdAt",
       coalesce(ev.occurred_at, l.created_at) as "occurredAt",
       l.transfer_id as "transferId", l.cause_type as "causeType", l.event_id as "eventId",
       l.order_id as "orderId", l.cause_key as "causeKey", l.goal_id as "goalId",
       g.name as "goalName", l.level, l.goal_version as "goalVersion", l.step, l.sku,
       l.voucher_code as "voucherCode", f.id as "heldByFlag",
       a.reason as "adjustmentReason", a.made_by as "adjustedBy"
     from (select * from ledger_entries
           where program_id = $1 and participant_id = $2 and account = 'participant'
             and ($3::text is null or ${oldestFirst ? "id > $3" : "id < $3"})
           order by id ${oldestFirst ? "asc" : "desc"} limit $4) l
     left join lateral (select e.occurred_at from events e
                        where l.cause_type in ('commission', 'refund', 'reward')
                          and e.program_id = l.program_id and e.event_id = l.event_id) ev on true
     left join lateral (
       -- A reward credited from another program names that program's goal.
       (select gl.definition->>'name' as name from goals gl
        where gl.program_id = l.program_id and gl.id = l.goal_id)
       union all
       (select gl.definition->>'name' from goals gl where l.goal_id is not null and gl.id = l.goal_id)
       limit 1) g on true
     left join lateral (select fl.id from fraud_flags fl
                        where l.cause_type = 'commission' and l.order_id is not null
                          and fl.program_id = l.program_id and fl.order_id = l.order_id
                          and fl.status = 'open'
                        order by fl.id limit 1) f on true
     left join lateral (select ad.reason, ad.made_by from ledger_adjustments ad
                        where l.cause_type = 'adjustment'
                          and ad.program_id = l.program_id and ad.transfer_id = l.transfer_id
                        offset 0) a on true
     order by l.id ${oldestFirst ? "asc" : "desc"}`,
    [programId, participantId, page.after, page.limit],
  );
}

export interface Adjustment {
  programId: string;
  participantId: string;
  asset: "cash" | "points";
  amountMinor: number;
  reason: string;
  madeBy: string;
}

/** A participant's available balance of one asset, summed from the ledger. */
export async function availableOf(
  db: Queryable,
  programId: string,
  participantId: string,
  asset: "cash" | "points",
): Promise<number> {
  const rows = await db.query<{ total: number }>(
    `select coalesce(sum(amount_minor), 0)::bigint as total from ledger_entries
     where program_id = $1 and participant_id = $2 and account = 'participant'
       and asset = $3 and bucket = 'available'`,
    [programId, participantId, asset],
  );
  return Number(rows[0]?.total ?? 0);
}

/**
 * Books a manual adjustment as one transfer: the participant's available
 * balance moves by the amount and the program's account by its opposite, so
 * the transfer sums to zero like every other. The reason and who made it are
 * kept beside it; the transfer's id is its key, so it is booked once.
 */
export async function bookAdjustment(
  db: Queryable,
  adjustment: Adjustment,
  ids: { transferId: string; participantEntryId: string; programEntryId: string },
  at: Date,
): Promise<void> {
  const a = adjustment;
  await db.query(
    `insert into ledger_adjustments
       (program_id, transfer_id, participant_id, asset, amount_minor, reason, made_by, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [a.programId, ids.transferId, a.participantId, a.asset, a.amountMinor, a.reason, a.madeBy, at],
  );
  await db.query(
    `insert into ledger_entries (program_id, id, transfer_id, account, participant_id, asset, bucket,
       amount_minor, cause_type, cause_key, created_at)
     values ($1, $2, $3, 'participant', $4, $5, 'available', $6, 'adjustment', $7, $8),
            ($1, $9, $3, 'program', null, $5, 'available', $10, 'adjustment', $7, $8)`,
    [
      a.programId,
      ids.participantEntryId,
      ids.transferId,
      a.participantId,
      a.asset,
      a.amountMinor,
      `adjustment:${ids.transferId}`,
      at,
      ids.programEntryId,
      -a.amountMinor,
    ],
  );
}
