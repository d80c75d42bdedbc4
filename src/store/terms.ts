import type { Queryable } from "./db.ts";

/** One published version of a program's terms. */
export interface TermsVersion {
  version: number;
  body: string;
  /** When this version was published. */
  updatedAt: Date;
}

/** A version with how many participants have accepted it. */
export interface TermsVersionSummary extends TermsVersion {
  acceptedBy: number;
}

/** A participant's latest acceptance; both null until they accept. */
export interface TermsAcceptance {
  termsVersion: number | null;
  termsAcceptedAt: Date | null;
}

const columns = `version, body, created_at as "updatedAt"`;

/** The program's newest terms; null while it has published none. */
export async function currentTerms(db: Queryable, programId: string): Promise<TermsVersion | null> {
  const rows = await db.query<TermsVersion>(
    `select ${columns} from program_terms where program_id = $1 order by version desc limit 1`,
    [programId],
  );
  return rows[0] ?? null;
}

export async function findTermsVersion(
  db: Queryable,
  programId: string,
  version: number,
): Promise<TermsVersion | null> {
  const rows = await db.query<TermsVersion>(
    `select ${columns} from program_terms where program_id = $1 and version = $2`,
    [programId, version],
  );
  return rows[0] ?? null;
}

/**
 * Publishes `body` as the program's next version, unless it is the current
 * version's body word for word, which is answered as it is (`created: false`).
 * The program's row is locked first, so two publications at once queue and
 * each gets its own number; the lock (no key update) leaves alone the rows
 * that only reference the program, such as a participant being added.
 * `db` must be an open transaction for the lock to hold until the insert.
 */
export async function publishTerms(
  tx: Queryable,
  programId: string,
  body: string,
): Promise<{ terms: TermsVersion; created: boolean }> {
  await tx.query("select 1 from programs where id = $1 for no key update", [programId]);
  const current = await currentTerms(tx, programId);
  if (current !== null && current.body === body) return { terms: current, created: false };
  const rows = await tx.query<TermsVersion>(
    `insert into program_terms (program_id, version, body) values ($1, $2, $3) returning ${columns}`,
    [programId, (current?.version ?? 0) + 1, body],
  );
  const terms = rows[0];
  if (terms === undefined) throw new Error("insert returned no row");
  return { terms, created: true };
}

/** Every version the program has published, newest first, with how many accepted each. */
export async function listTermsVersions(
  db: Queryable,
  programId: string,
  page: { before: number | null; limit: number },
): Promise<TermsVersionSummary[]> {
  return db.query<TermsVersionSummary>(
    `select t.version, t.body, t.created_at as "updatedAt",
            (select count(*)::int from terms_acceptances a
             where a.program_id = t.program_id and a.version = t.version) as "acceptedBy"
     from program_terms t
     where t.program_id = $1 and ($2::int is null or t.version < $2)
     order by t.version desc limit $3`,
    [programId, page.before, page.limit],
  );
}

/** How many participants have accepted `version`, whether or not they accepted a later one since. */
export async function countAcceptances(
  db: Queryable,
  programId: string,
  version: number,
): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "select count(*)::int as n from terms_acceptances where program_id = $1 and version = $2",
    [programId, version],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Records that the participant accepted `version` at `at`. Accepting a
 * version again keeps the first time; accepting a version older than the one
 * they last accepted leaves their latest acceptance as it was. The version
 * must exist (a foreign key says so). Null when there is no such participant.
 */
export async function recordAcceptance(
  db: Queryable,
  programId: string,
  participantId: string,
  version: number,
  at: Date,
): Promise<TermsAcceptance | null> {
  const rows = await db.query<TermsAcceptance>(
    `with accepted as (
       insert into terms_acceptances (program_id, participant_id, version, accepted_at)
       select program_id, id, $3, $4 from participants where program_id = $1 and id = $2
       on conflict do nothing
       returning accepted_at
     ),
     latest as (
       update participants set terms_version = $3, terms_accepted_at = (select accepted_at from accepted)
       where program_id = $1 and id = $2 and exists (select 1 from accepted)
         and (terms_version is null or terms_version < $3)
       returning terms_version, terms_accepted_at
     )
     select coalesce(l.terms_version, p.terms_version) as "termsVersion",
            coalesce(l.terms_accepted_at, p.terms_accepted_at) as "termsAcceptedAt"
     from participants p left join latest l on true
     where p.program_id = $1 and p.id = $2`,
    [programId, participantId, version, at],
  );
  return rows[0] ?? null;
}

/** When the participant accepted `version`; null if they never did. */
export async function acceptedAt(
  db: Queryable,
  programId: string,
  participantId: string,
  version: number,
): Promise<Date | null> {
  const rows = await db.query<{ at: Date }>(
    `select accepted_at as at from terms_acceptances
     where program_id = $1 and participant_id = $2 and version = $3`,
    [programId, participantId, version],
  );
  return rows[0]?.at ?? null;
}
