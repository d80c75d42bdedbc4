import type { Decision, MatchCandidate } from "../domain/applications.ts";
import type { Queryable } from "./db.ts";

/** What an applicant sent, and what the brand decided. */
export interface ApplicationRecord {
  programId: string;
  participantId: string;
  email: string;
  website: string | null;
  websiteHost: string | null;
  socials: string[];
  message: string | null;
  sponsorId: string | null;
  ipCountry: string | null;
  appliedAt: Date;
  decision: Decision | null;
  decidedAt: Date | null;
  reason: string | null;
}

const columns = `program_id as "programId", participant_id as "participantId", email, website,
  website_host as "websiteHost", socials, message, sponsor_id as "sponsorId", ip_country as "ipCountry",
  applied_at as "appliedAt", decision, decided_at as "decidedAt", reason`;

/** Written with the participant it belongs to, in the same transaction. */
export async function insertApplication(
  db: Queryable,
  a: ApplicationRecord,
): Promise<ApplicationRecord> {
  const rows = await db.query<ApplicationRecord>(
    `insert into applications (program_id, participant_id, email, website, website_host, socials,
       message, sponsor_id, ip_country, applied_at, decision, decided_at, reason)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning ${columns}`,
    [
      a.programId,
      a.participantId,
      a.email,
      a.website,
      a.websiteHost,
      a.socials,
      a.message,
      a.sponsorId,
      a.ipCountry,
      a.appliedAt,
      a.decision,
      a.decidedAt,
      a.reason,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function findApplication(
  db: Queryable,
  programId: string,
  participantId: string,
): Promise<ApplicationRecord | null> {
  const rows = await db.query<ApplicationRecord>(
    `select ${columns} from applications where program_id = $1 and participant_id = $2`,
    [programId, participantId],
  );
  return rows[0] ?? null;
}

/** The applications of these participants, one query for a page of the list. */
export async function loadApplications(
  db: Queryable,
  programId: string,
  participantIds: readonly string[],
): Promise<ApplicationRecord[]> {
  if (participantIds.length === 0) return [];
  return db.query<ApplicationRecord>(
    `select ${columns} from applications where program_id = $1 and participant_id = any($2::text[])`,
    [programId, participantIds],
  );
}

/**
 * Records the decision only if none was made: of two decisions at once, the
 * second finds the row decided and changes nothing (null).
 */
export async function decideApplication(
  db: Queryable,
  d: {
    programId: string;
    participantId: string;
    decision: Decision;
    reason: string | null;
    at: Date;
  },
): Promise<ApplicationRecord | null> {
  const rows = await db.query<ApplicationRecord>(
    `update applications set decision = $3, decided_at = $4, reason = $5
     where program_id = $1 and participant_id = $2 and decision is null returning ${columns}`,
    [d.programId, d.participantId, d.decision, d.at, d.reason],
  );
  return rows[0] ?? null;
}

/**
 * Whether anyone in the program already uses this address (any case), an
 * applicant or a participant the brand added: one address is one membership.
 */
export async function emailInProgram(
  db: Queryable,
  programId: string,
  email: string,
  /** The applicant themself, written a moment before the check. */
  exceptParticipantId: string,
): Promise<boolean> {
  const rows = await db.query(
    `select 1 from participants where program_id = $1 and lower(email) = lower($2) and id <> $3
     union all
     select 1 from applications where program_id = $1 and lower(email) = lower($2)
       and participant_id <> $3
     limit 1`,
    [programId, email, exceptParticipantId],
  );
  return rows.length > 0;
}

/**
 * Everyone in any program of the brand who shares an email address or a
 * website host with one of these applicants. Each applicant's email is
 * found through the participants' (program, lower(email)) index, program by
 * program, and a host through the applications' host index.
 */
export async function findMatchCandidates(
  db: Queryable,
  brandId: string,
  applicants: readonly { email: string | null; websiteHost: string | null }[],
): Promise<MatchCandidate[]> {
  const emails = [
    ...new Set(applicants.flatMap((a) => (a.email === null ? [] : [a.email.toLowerCase()]))),
  ];
  const hosts = [...new Set(applicants.flatMap((a) => a.websiteHost ?? []))];
  if (emails.length === 0 && hosts.length === 0) return [];
  return db.query<MatchCandidate>(
    `with brand_programs as (select id, name from programs where brand_id = $1),
     hits as (
       select p.program_id, p.id from brand_programs g
       join participants p on p.program_id = g.id and lower(p.email) = any($2::text[])
       union
       select a.program_id, a.participant_id from applications a
       join brand_programs g on g.id = a.program_id
       where a.website_host = any($3::text[])
     )
     select p.id as "participantId", p.program_id as "programId", g.name as "programName",
            p.external_id as "externalId", p.name, p.email, p.status, a.website_host as "websiteHost"
     from hits h
     join participants p on p.program_id = h.program_id and p.id = h.id
     join brand_programs g on g.id = p.program_id
     left join applications a on a.program_id = p.program_id and a.participant_id = p.id
     order by p.program_id, p.id
     limit 1000`,
    [brandId, emails, hosts],
  );
}

/** How many applications wait for a decision: the console's count beside its queue. */
export async function countWaitingApplications(db: Queryable, programId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `select count(*)::int as n from participants where program_id = $1 and status = 'applied'`,
    [programId],
  );
  return rows[0]?.n ?? 0;
}
