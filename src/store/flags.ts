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
}

const columns = `id, rule, participant_id as "participantId", event_id as "eventId", order_id as "orderId",
  reason, status, created_at as "createdAt", decided_at as "decidedAt"`;

export async function listFlags(
  db: Queryable,
  programId: string,
  filter: { status?: string | undefined; after: string | null; limit: number },
): Promise<FlagRecord[]> {
  return db.query<FlagRecord>(
    `select ${columns} from fraud_flags
     where program_id = $1 and ($2::text is null or status = $2) and ($3::text is null or id > $3)
     order by id limit $4`,
    [programId, filter.status ?? null, filter.after, filter.limit],
  );
}

export async function findFlag(
  db: Queryable,
  programId: string,
  id: string,
): Promise<FlagRecord | null> {
  const rows = await db.query<FlagRecord>(
    `select ${columns} from fraud_flags where program_id = $1 and id = $2`,
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
    `update fraud_flags set status = $3, decided_at = $4
     where program_id = $1 and id = $2 and status = 'open' returning ${columns}`,
    [programId, id, status, at.toISOString()],
  );
  return rows[0] ?? null;
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
