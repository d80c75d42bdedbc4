import { bulkInsert } from "./bulk-insert.ts";
import type { Queryable } from "./db.ts";

/** One mail to send: the template names what it is, the data fills it in. */
export interface MailToSend {
  id: string;
  brandId: string;
  programId: string | null;
  to: string;
  template: string;
  data: Record<string, string>;
}

/** A claimed mail: its lease is taken and this attempt counted. */
export interface ClaimedMail extends MailToSend {
  attempts: number;
  createdAt: Date;
}

/** Writes a mail in the caller's transaction, due at once. */
export async function enqueueMail(db: Queryable, mail: MailToSend, at: Date): Promise<void> {
  await db.query(
    `insert into mail_outbox
       (id, brand_id, program_id, to_address, template, data, status, attempts, next_attempt_at, created_at)
     values ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)`,
    [mail.id, mail.brandId, mail.programId, mail.to, mail.template, JSON.stringify(mail.data), at],
  );
}

/**
 * Writes many mails of one program in one statement, due at once: a payout
 * of many lines, or a batch of many grants, costs one round trip however
 * many mails it makes.
 */
export async function enqueueMails(
  db: Queryable,
  programId: string,
  mails: readonly Omit<MailToSend, "programId">[],
  at: Date,
): Promise<void> {
  await bulkInsert(
    db,
    "mail_outbox",
    programId,
    {
      id: "text",
      brand_id: "text",
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
      brand_id: m.brandId,
      to_address: m.to,
      template: m.template,
      data: m.data,
      status: "pending",
      attempts: 0,
      next_attempt_at: at.toISOString(),
      created_at: at.toISOString(),
    })),
  );
}

/**
 * Claims up to `limit` due mails for `leaseMs`, counting the attempt. Rows
 * another worker is claiming are skipped rather than waited for, and a
 * claimed row is not due again until its lease runs out, so two servers
 * never send the same mail at once.
 */
export async function claimDueMails(
  db: Queryable,
  at: Date,
  leaseMs: number,
  limit: number,
): Promise<ClaimedMail[]> {
  const rows = await db.query<{
    id: string;
    brand_id: string;
    program_id: string | null;
    to_address: string;
    template: string;
    data: Record<string, string>;
    attempts: number;
    created_at: Date;
  }>(
    `update mail_outbox set lease_until = $2, attempts = attempts + 1
     where id in (
       select id from mail_outbox
       where status = 'pending' and next_attempt_at <= $1
         and (lease_until is null or lease_until <= $1)
       order by next_attempt_at, id
       limit $3
       for update skip locked)
     returning id, brand_id, program_id, to_address, template, data, attempts, created_at`,
    [at, new Date(at.getTime() + leaseMs), limit],
  );
  return rows.map((r) => ({
    id: r.id,
    brandId: r.brand_id,
    programId: r.program_id,
    to: r.to_address,
    template: r.template,
    data: r.data,
    attempts: r.attempts,
    createdAt: r.created_at,
  }));
}

export async function markMailSent(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query(
    `update mail_outbox set status = 'sent', sent_at = $2, lease_until = null, last_error = null
     where id = $1`,
    [id, at],
  );
}

/** A failed attempt: due again at `retryAt`, or failed for good when that is null. */
export async function markMailAttemptFailed(
  db: Queryable,
  id: string,
  error: string,
  retryAt: Date | null,
): Promise<void> {
  await db.query(
    `update mail_outbox
     set status = case when $3::timestamptz is null then 'failed' else 'pending' end,
         next_attempt_at = $3, lease_until = null, last_error = $2
     where id = $1`,
    [id, error, retryAt],
  );
}

/** Mails of one template to one address of a program (any case) since `since`. */
export async function countRecentMails(
  db: Queryable,
  q: { programId: string; to: string; template: string; since: Date },
): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `select count(*)::int as n from mail_outbox
     where program_id = $1 and lower(to_address) = lower($2) and template = $3 and created_at > $4`,
    [q.programId, q.to, q.template, q.since],
  );
  return rows[0]?.n ?? 0;
}

/** Whether any mail is waiting, so the worker knows to keep polling. */
export async function hasPendingMail(db: Queryable): Promise<boolean> {
  const rows = await db.query(`select 1 from mail_outbox where status = 'pending' limit 1`);
  return rows.length > 0;
}
