import type { IdSource } from "../domain/ids.ts";
import type { FlagFact } from "../domain/process-events.ts";
import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

export interface FlagRecord {
  id: string;
  rule: string;
  participantId: string;
  eventId: string;
  orderId: string | null;
  reason: string;
  status: "open" | "approved" | "rejected";
  createdAt: Date;
  decidedAt: Date | null;
  participantExternalId: string;
  participantName: string | null;
}

/** One of the commissions a flag holds (or held, once decided). */
export interface HeldCommission {
  flagId: string;
  participantId: string;
  externalId: string;
  name: string | null;
  level: number;
  amountMinor: number;
}

const flagColumns = (f: string) => `${f}.id, ${f}.rule, ${f}.participant_id as "participantId",
  ${f}.event_id as "eventId", ${f}.order_id as "orderId", ${f}.reason, ${f}.status,
  ${f}.created_at as "createdAt", ${f}.decided_at as "decidedAt"`;

const columns = `${flagColumns("f")}, p.external_id as "participantExternalId", p.name as "participantName"`;

const withParticipant =
  "join participants p on p.program_id = f.program_id and p.id = f.participant_id";

export async function listFlags(
  db: Queryable,
  programId: string,
  filter: { status?: string | undefined; after: string | null; limit: number },
): Promise<FlagRecord[]> {
  return db.query<FlagRecord>(
    `select ${columns} from fraud_flags f ${withParticipant}
     where f.program_id = $1 and ($2::text is null or f.status = $2) and ($3::text is null or f.id > $3)
     order by f.id limit $4`,
    [programId, filter.status ?? null, filter.after, filter.limit],
  );
}

export async function findFlag(
  db: Queryable,
  programId: string,
  id: string,
): Promise<FlagRecord | null> {
  const rows = await db.query<FlagRecord>(
    `select ${columns} from fraud_flags f ${withParticipant} where f.program_id = $1 and f.id = $2`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** Decides an open flag; null when it was already decided (one decision per flag, whoever comes first). */
export async function decideFlag(
  db: Queryable,
  programId: string,
  id: string,
  status: "approved" | "rejected",
  at: Date,
): Promise<FlagRecord | null> {
  const rows = await db.query<FlagRecord>(
    `with f as (
       update fraud_flags set status = $3, decided_at = $4
       where program_id = $1 and id = $2 and status = 'open' returning *)
     select ${columns} from f ${withParticipant}`,
    [programId, id, status, at.toISOString()],
  );
  return rows[0] ?? null;
}

/** The flags of `ids` that exist, in id order; with `lock`, locked for a decision. */
export async function flagsById(
  db: Queryable,
  programId: string,
  ids: readonly string[],
  lock: "for update" | "" = "",
): Promise<FlagRecord[]> {
  return db.query<FlagRecord>(
    `select ${columns} from fraud_flags f ${withParticipant}
     where f.program_id = $1 and f.id = any($2::text[]) order by f.id ${lock ? "for update of f" : ""}`,
    [programId, ids],
  );
}

/**
 * The commissions each flag holds: while it is open, what is still pending of
 * its order per level; once approved, what the approval released; once
 * rejected, what the rejection reversed. A flag on no order holds nothing.
 */
export async function heldCommissions(
  db: Queryable,
  programId: string,
  flagIds: readonly string[],
): Promise<HeldCommission[]> {
  if (flagIds.length === 0) return [];
  return db.query<HeldCommission>(
    `select f.id as "flagId", h.participant_id as "participantId", p.external_id as "externalId",
       p.name, h.level, h.amount as "amountMinor"
     from fraud_flags f
     cross join lateral (
       select e.participant_id, e.level, sum(e.amount_minor)::bigint as amount
       from ledger_entries e
       where f.status = 'open' and e.program_id = f.program_id and e.order_id = f.order_id
         and e.account = 'participant' and e.bucket = 'pending' and e.level is not null
       group by e.participant_id, e.level having sum(e.amount_minor) > 0
       union all
       select r.participant_id, r.level, r.amount_minor
       from hold_releases r
       where f.status = 'approved' and r.program_id = f.program_id and r.order_id = f.order_id
         and r.amount_minor > 0
       union all
       select e.participant_id, e.level, -sum(e.amount_minor)::bigint
       from ledger_entries e
       where f.status = 'rejected' and e.program_id = f.program_id and e.order_id = f.order_id
         and e.cause_type = 'review' and starts_with(e.cause_key, 'review:' || f.id || ':')
         and e.account = 'participant'
       group by e.participant_id, e.level having sum(e.amount_minor) < 0) h
     join participants p on p.program_id = f.program_id and p.id = h.participant_id
     where f.program_id = $1 and f.id = any($2::text[]) and f.order_id is not null
     order by f.id, h.level`,
    [programId, flagIds],
  );
}

/**
 * Raises flags, open; a flag whose key was raised before is not raised again.
 * Returns the flags written, by key.
 */
export async function insertFlags(
  db: Queryable,
  programId: string,
  flags: readonly FlagFact[],
  ids: IdSource,
  at: Date,
): Promise<Map<string, string>> {
  const written = await bulkInsert<Record<string, unknown>, { id: string; key: string }>(
    db,
    "fraud_flags",
    programId,
    {
      id: "text",
      key: "text",
      rule: "text",
      participant_id: "text",
      event_id: "text",
      order_id: "text",
      reason: "text",
      status: "text",
      created_at: "timestamptz",
    },
    flags.map((f) => ({
      id: ids.next("flg"),
      key: f.key,
      rule: f.rule,
      participant_id: f.participantId,
      event_id: f.eventId,
      order_id: f.orderId,
      reason: f.reason,
      status: "open",
      created_at: at.toISOString(),
    })),
    "on conflict (program_id, key) do nothing returning id, key",
  );
  return new Map(written.map((f) => [f.key, f.id]));
}
