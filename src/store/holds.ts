import type { Queryable } from "./db.ts";
import { bulkInsert } from "./bulk-insert.ts";

export interface DueHold {
  orderId: string;
  level: number;
  participantId: string;
  /** What is left pending for this order and level, after refunds. */
  pendingMinor: number;
}

/**
 * Commission legs whose hold is over and that were not released yet, oldest
 * first; `orderIds` narrows the search to those orders.
 */
export async function dueHolds(
  db: Queryable,
  programId: string,
  window: { since: Date | null; now: Date },
  limit: number,
  orderIds: string[] | null,
): Promise<DueHold[]> {
  return db.query<DueHold>(
    `select o.order_id as "orderId", c.level, c.participant_id as "participantId",
       (select coalesce(sum(p.amount_minor), 0) from ledger_entries p
        where p.program_id = o.program_id and p.order_id = o.order_id and p.level = c.level
          and p.account = 'participant' and p.bucket = 'pending')::bigint as "pendingMinor"
     from orders o
     join ledger_entries c on c.program_id = o.program_id and c.order_id = o.order_id
       and c.cause_type = 'commission' and c.account = 'participant'
     where o.program_id = $1 and o.available_at <= $2
       and ($5::timestamptz is null or o.available_at > $5)
       and ($4::text[] is null or o.order_id = any($4::text[]))
       and not exists (select 1 from hold_releases h
                       where h.program_id = o.program_id and h.order_id = o.order_id and h.level = c.level)
     order by o.available_at, o.order_id, c.level
     limit $3`,
    [programId, window.now.toISOString(), limit, orderIds, window.since?.toISOString() ?? null],
  );
}

export async function insertHoldReleases(
  db: Queryable,
  programId: string,
  releases: DueHold[],
  at: Date,
): Promise<void> {
  await bulkInsert(
    db,
    "hold_releases",
    programId,
    {
      order_id: "text",
      level: "int",
      participant_id: "text",
      amount_minor: "bigint",
      released_at: "timestamptz",
    },
    releases.map((r) => ({
      order_id: r.orderId,
      level: r.level,
      participant_id: r.participantId,
      amount_minor: Math.max(0, r.pendingMinor),
      released_at: at.toISOString(),
    })),
  );
}

/** What is still pending of an order's commission, per paid level. */
export async function pendingOfOrder(
  db: Queryable,
  programId: string,
  orderId: string,
): Promise<DueHold[]> {
  return db.query<DueHold>(
    `select order_id as "orderId", level, participant_id as "participantId",
       sum(amount_minor)::bigint as "pendingMinor"
     from ledger_entries
     where program_id = $1 and order_id = $2 and account = 'participant' and bucket = 'pending'
       and level is not null
     group by order_id, level, participant_id
     having sum(amount_minor) > 0
     order by level`,
    [programId, orderId],
  );
}
