import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

/** Who a broadcast goes to; an absent list takes everyone. */
export interface Audience {
  levels?: string[] | undefined;
  status?: string[] | undefined;
}

export interface BroadcastRecord {
  id: string;
  programId: string;
  brandId: string;
  subject: string;
  body: string;
  audience: Audience;
  recipients: number;
  createdAt: Date;
}

/** A broadcast with what its mails have come to so far. */
export interface BroadcastState extends BroadcastRecord {
  sent: number;
  failed: number;
  pending: number;
}

/** A participant a broadcast would mail, with their unsubscribe token once they have one. */
export interface Recipient {
  participantId: string;
  email: string;
  token: string | null;
}

/**
 * The program's participants a broadcast reaches: in the audience, with an
 * email, and not unsubscribed from broadcasts, in id order.
 */
export async function findRecipients(
  db: Queryable,
  programId: string,
  audience: Audience,
): Promise<Recipient[]> {
  return db.query<Recipient>(
    `select p.id as "participantId", p.email, m.unsubscribe_token as token
     from participants p
     left join mail_preferences m on m.program_id = p.program_id and m.participant_id = p.id
     where p.program_id = $1 and p.email is not null and p.email <> ''
       and ($2::text[] is null or p.level = any($2))
       and ($3::text[] is null or p.status = any($3))
       and m.broadcasts_unsubscribed_at is null
     order by p.id`,
    [programId, audience.levels ?? null, audience.status ?? null],
  );
}

/**
 * Gives these participants an unsubscribe token where they have none yet,
 * and answers every one's token: a token another transaction stored first
 * wins, so a participant's link never changes once mailed.
 */
export async function ensureUnsubscribeTokens(
  db: Queryable,
  programId: string,
  tokens: readonly { participantId: string; token: string }[],
): Promise<Map<string, string>> {
  const rows = await bulkInsert<
    { participant_id: string; unsubscribe_token: string },
    { participantId: string; token: string }
  >(
    db,
    "mail_preferences",
    programId,
    { participant_id: "text", unsubscribe_token: "text" },
    tokens.map((t) => ({ participant_id: t.participantId, unsubscribe_token: t.token })),
    `on conflict (program_id, participant_id)
     do update set unsubscribe_token = mail_preferences.unsubscribe_token
     returning participant_id as "participantId", unsubscribe_token as token`,
  );
  return new Map(rows.map((r) => [r.participantId, r.token]));
}

export async function insertBroadcast(db: Queryable, b: BroadcastRecord): Promise<void> {
  await db.query(
    `insert into broadcasts (program_id, id, brand_id, subject, body, audience, recipients, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      b.programId,
      b.id,
      b.brandId,
      b.subject,
      b.body,
      JSON.stringify(b.audience),
      b.recipients,
      b.createdAt,
    ],
  );
}

/** One broadcast mail, due at its turn. */
export interface BroadcastMail {
  id: string;
  to: string;
  data: Record<string, string>;
  dueAt: Date;
}

/**
 * Writes a broadcast's mails in one statement. Each is written as of its
 * turn (created_at = next_attempt_at), so the day of retries a mail gets
 * starts when it is due, not when a long broadcast was written.
 */
export async function enqueueBroadcastMails(
  db: Queryable,
  b: { programId: string; brandId: string; broadcastId: string },
  mails: readonly BroadcastMail[],
): Promise<void> {
  await bulkInsert(
    db,
    "mail_outbox",
    b.programId,
    {
      id: "text",
      brand_id: "text",
      broadcast_id: "text",
      to_address: "text",
      template: "text",
      data: "jsonb",
      status: "text",
      attempts: "int",
      next_attempt_at: "timestamptz",
      created_at: "timestamptz",
    },
    mails.map((m) => ({
      id: m.id,
      brand_id: b.brandId,
      broadcast_id: b.broadcastId,
      to_address: m.to,
      template: "broadcast",
      data: m.data,
      status: "pending",
      attempts: 0,
      next_attempt_at: m.dueAt.toISOString(),
      created_at: m.dueAt.toISOString(),
    })),
  );
}

/**
 * When the last broadcast mail still waiting anywhere is due: a new
 * broadcast queues behind it, so two broadcasts together keep to the rate.
 */
export async function lastBroadcastMailDue(db: Queryable): Promise<Date | null> {
  const rows = await db.query<{ due: Date | null }>(
    `select max(next_attempt_at) as due from mail_outbox
     where broadcast_id is not null and status = 'pending'`,
  );
  return rows[0]?.due ?? null;
}

const stateColumns = `b.id, b.program_id as "programId", b.brand_id as "brandId", b.subject,
  b.body, b.audience, b.recipients, b.created_at as "createdAt",
  coalesce(m.sent, 0)::int as sent, coalesce(m.failed, 0)::int as failed,
  coalesce(m.pending, 0)::int as pending`;

const mailCounts = `left join lateral (
    select count(*) filter (where status = 'sent') as sent,
           count(*) filter (where status = 'failed') as failed,
           count(*) filter (where status = 'pending') as pending
    from mail_outbox where broadcast_id = b.id) m on true`;

export async function findBroadcast(
  db: Queryable,
  programId: string,
  id: string,
): Promise<BroadcastState | null> {
  const rows = await db.query<BroadcastState>(
    `select ${stateColumns} from broadcasts b ${mailCounts}
     where b.program_id = $1 and b.id = $2`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** A page of the program's broadcasts, newest first (`before`: the id the last page ended at). */
export async function listBroadcasts(
  db: Queryable,
  programId: string,
  page: { before: string | null; limit: number },
): Promise<BroadcastState[]> {
  return db.query<BroadcastState>(
    `select ${stateColumns} from broadcasts b ${mailCounts}
     where b.program_id = $1 and ($2::text is null or b.id < $2)
     order by b.id desc limit $3`,
    [programId, page.before, page.limit],
  );
}

/**
 * Stops broadcasts to the participant whose link this is, answering whether
 * the token names anyone. Unsubscribing twice keeps the first time.
 */
export async function unsubscribeByToken(db: Queryable, token: string, at: Date): Promise<boolean> {
  const rows = await db.query(
    `update mail_preferences
     set broadcasts_unsubscribed_at = coalesce(broadcasts_unsubscribed_at, $2)
     where unsubscribe_token = $1 returning 1`,
    [token, at],
  );
  return rows.length > 0;
}

/** The program an unsubscribe link belongs to, for the page that confirms it. */
export async function findUnsubscribeLink(
  db: Queryable,
  token: string,
): Promise<{ programName: string; unsubscribed: boolean } | null> {
  const rows = await db.query<{ programName: string; unsubscribed: boolean }>(
    `select p.name as "programName", m.broadcasts_unsubscribed_at is not null as unsubscribed
     from mail_preferences m join programs p on p.id = m.program_id
     where m.unsubscribe_token = $1`,
    [token],
  );
  return rows[0] ?? null;
}
