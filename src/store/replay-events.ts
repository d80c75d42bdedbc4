import { goalSchema, type Goal } from "../domain/goals.ts";
import type { Queryable } from "./db.ts";

/**
 * What a replay reads: the program's processed events in the order they were
 * processed, a page at a time (events_replay), and the little it needs to
 * know up front.
 */
export interface ReplayRow {
  readonly eventId: string;
  readonly type: string;
  readonly payload: unknown;
  readonly occurredAtMs: number;
  readonly processedAtMs: number;
}

/**
 * Until when a replay of the events dated before `toMs` must read: the
 * processing of the last of them, or `toMs` and the goal grace after it,
 * whichever is later. Events dated later but processed before then changed
 * the state those events met (a refund after the period lowering progress
 * before its window closed, an order dated at `to` crossing a step first).
 */
export async function replayLimit(
  db: Queryable,
  programId: string,
  toMs: number,
  graceMs: number,
): Promise<number> {
  const [row] = await db.query<{ last: Date | null }>(
    `select max(processed_at) as last from events
     where program_id = $1 and status = 'processed' and occurred_at < $2`,
    [programId, new Date(toMs).toISOString()],
  );
  return Math.max(row?.last?.getTime() ?? Number.NEGATIVE_INFINITY, toMs + graceMs);
}

/** Processed events processed by `untilMs`. */
export async function countReplayEvents(
  db: Queryable,
  programId: string,
  untilMs: number,
): Promise<number> {
  const [row] = await db.query<{ n: string | number }>(
    `select count(*) as n from events
     where program_id = $1 and status = 'processed' and processed_at <= $2`,
    [programId, new Date(untilMs).toISOString()],
  );
  return Number(row?.n ?? 0);
}

/**
 * Pages of the events processed by `untilMs`, in (processed_at, seq)
 * order: each page is one short query from where the last one ended, so a
 * long replay never holds a connection (PGlite has only one), and the next
 * is asked for before this one is handed over.
 */
export async function* replayPages(
  db: Queryable,
  programId: string,
  untilMs: number,
  pageSize: number,
): AsyncGenerator<ReplayRow[]> {
  const page = (after: { at: string; seq: string } | null) =>
    db.query<{
      event_id: string;
      type: string;
      payload: unknown;
      occurred_at: Date;
      processed_at: Date;
      after_at: string;
      after_seq: string;
    }>(
      `select event_id, type, payload, occurred_at, processed_at,
         to_char(processed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as after_at,
         seq::text as after_seq
       from events
       where program_id = $1 and status = 'processed' and processed_at <= $2
         and ($3::timestamptz is null or (processed_at, seq) > ($3::timestamptz, $4::bigint))
       order by events.processed_at, events.seq limit $5`,
      [programId, new Date(untilMs).toISOString(), after?.at ?? null, after?.seq ?? "0", pageSize],
    );
  let next = page(null);
  next.catch(() => undefined);
  for (;;) {
    const rows = await next;
    const last = rows[rows.length - 1];
    if (!last) return;
    const more = rows.length === pageSize;
    // The next page is read while the caller replays this one.
    if (more) {
      next = page({ at: last.after_at, seq: last.after_seq });
      // Read or not, a caller that stops early must not leave it unhandled.
      next.catch(() => undefined);
    }
    yield rows.map((r) => ({
      eventId: r.event_id,
      type: r.type,
      payload: r.payload,
      occurredAtMs: r.occurred_at.getTime(),
      processedAtMs: r.processed_at.getTime(),
    }));
    if (!more) return;
  }
}

/** The ids refunds name as their orders: the only orders a replay must keep in memory. */
export async function refundedOrderIds(
  db: Queryable,
  programId: string,
  untilMs: number,
): Promise<Set<string>> {
  const rows = await db.query<{ order_id: string }>(
    `select distinct payload ->> 'orderId' as order_id from events
     where program_id = $1 and status = 'processed' and type = 'refund' and processed_at <= $2`,
    [programId, new Date(untilMs).toISOString()],
  );
  return new Set(rows.map((r) => r.order_id));
}

/** By `programId|externalId`: memberships in the programs goal rewards credit. */
export async function replayMemberships(
  db: Queryable,
  programIds: readonly string[],
): Promise<Map<string, string>> {
  if (programIds.length === 0) return new Map();
  const rows = await db.query<{ program_id: string; external_id: string; id: string }>(
    `select program_id, external_id, id from participants where program_id = any($1::text[])`,
    [programIds],
  );
  return new Map(rows.map((r) => [`${r.program_id}|${r.external_id}`, r.id]));
}

/** Every per-participant target of the program. */
export async function replayTargets(
  db: Queryable,
  programId: string,
): Promise<{ goalId: string; participantId: string; period: string; target: number }[]> {
  const rows = await db.query<{
    goal_id: string;
    participant_id: string;
    period: string;
    target: string | number;
  }>(
    `select goal_id, participant_id, period, target from participant_targets where program_id = $1`,
    [programId],
  );
  return rows.map((r) => ({
    goalId: r.goal_id,
    participantId: r.participant_id,
    period: r.period,
    target: Number(r.target),
  }));
}

export interface GoalHistory {
  readonly id: string;
  readonly createdAtMs: number;
  readonly endedAtMs: number | null;
  /** Oldest first. */
  readonly versions: readonly { version: number; fromMs: number; goal: Goal }[];
}

/** Every goal the program has had, ended ones too, with each version and when it began. */
export async function goalHistory(db: Queryable, programId: string): Promise<GoalHistory[]> {
  const goals = await db.query<{ id: string; created_at: Date; ended_at: Date | null }>(
    `select id, created_at, ended_at from goals where program_id = $1 order by id`,
    [programId],
  );
  const versions = await db.query<{
    goal_id: string;
    version: number;
    definition: unknown;
    created_at: Date;
  }>(
    `select goal_id, version, definition, created_at from goal_versions
     where program_id = $1 order by goal_id, version`,
    [programId],
  );
  return goals.map((g) => ({
    id: g.id,
    createdAtMs: g.created_at.getTime(),
    endedAtMs: g.ended_at?.getTime() ?? null,
    versions: versions
      .filter((v) => v.goal_id === g.id)
      // Stored definitions passed this schema on the way in.
      .map((v) => ({
        version: v.version,
        fromMs: v.created_at.getTime(),
        goal: goalSchema.parse(v.definition),
      })),
  }));
}
