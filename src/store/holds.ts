import type { Queryable } from "./db.ts";
import { bulkInsert } from "./bulk-insert.ts";
import {
  exactInstant,
  JOB_PROGRAM,
  PROBE_EACH,
  readInIndexOrder,
  type JobPosition,
} from "./job-watermarks.ts";

export interface DueHold {
  orderId: string;
  level: number;
  participantId: string;
  /** What is left pending for this order and level, after refunds. */
  pendingMinor: number;
}

export interface DueOrder {
  orderId: string;
  /** The order's place in the release order: its available_at and its id. */
  position: JobPosition;
}

/** Where held commissions wait for their release: orders, and signups' and leads' conversions. */
const HELD = {
  orders: { table: "orders o", id: "o.order_id", at: "o.available_at" },
  conversions: { table: "conversions c", id: "c.event_id", at: "c.available_at" },
} as const;

/**
 * The next `limit` held orders (or conversions) whose hold is over by `now`,
 * after `after`, in (available_at, id) order: the order of the table's _due
 * index, so the batch is read from the index and nothing before `after` is
 * looked at. A conversion's event id stands where an order's id is.
 * Inside a transaction (see readInIndexOrder).
 */
export async function dueHeld(
  held: keyof typeof HELD,
  tx: Queryable,
  programId: string,
  after: JobPosition | null,
  now: Date,
  limit: number,
): Promise<DueOrder[]> {
  const { table, id, at } = HELD[held];
  await readInIndexOrder(tx);
  const rows = await tx.query<{ orderId: string; at: string }>(
    `select ${id} as "orderId", ${exactInstant(at)} as at
     from ${table}
     where program_id = ${JOB_PROGRAM} and ${at} <= $2
       and (${at}, ${id}) > ($3::timestamptz, $4::text)
     order by ${at}, ${id}
     limit $5`,
    [programId, now.toISOString(), after?.at ?? "-infinity", after?.key ?? "", limit],
  );
  return rows.map((r) => ({ orderId: r.orderId, position: { at: r.at, key: r.orderId } }));
}

export const dueOrders = dueHeld.bind(null, "orders");
export const dueConversions = dueHeld.bind(null, "conversions");

/**
 * The commission legs of `orderIds` not released yet, each with what is left
 * pending of it: for each order, a lookup in ledger_order, and per level one
 * in hold_releases and one more in ledger_order.
 */
export async function unreleasedLegs(
  db: Queryable,
  programId: string,
  orderIds: readonly string[],
): Promise<DueHold[]> {
  if (orderIds.length === 0) return [];
  return db.query<DueHold>(
    `select c.order_id as "orderId", c.level, c.participant_id as "participantId",
       c.pending as "pendingMinor"
     from (select distinct unnest($2::text[]) as order_id) b
     cross join lateral (
       select c.order_id, c.level, c.participant_id,
         (select coalesce(sum(p.amount_minor), 0) from ledger_entries p
          where p.program_id = c.program_id and p.order_id = c.order_id and p.level = c.level
            and p.account = 'participant' and p.bucket = 'pending')::bigint as pending
       from ledger_entries c
       where c.program_id = ${JOB_PROGRAM} and c.order_id = b.order_id
         and c.cause_type = 'commission' and c.account = 'participant'
         and not exists (select 1 from hold_releases h
                         where h.program_id = c.program_id and h.order_id = c.order_id
                           and h.level = c.level ${PROBE_EACH})
       ${PROBE_EACH}) c
     order by c.order_id, c.level`,
    [programId, orderIds],
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
