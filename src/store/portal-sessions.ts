import type { Queryable } from "./db.ts";

export interface PortalSession {
  brandId: string;
  programId: string;
  participantId: string;
  expiresAt: Date;
}

export async function insertPortalSession(
  db: Queryable,
  session: { id: string; hash: string } & PortalSession,
): Promise<void> {
  await db.query(
    `insert into portal_sessions (brand_id, id, session_hash, program_id, participant_id, expires_at)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      session.brandId,
      session.id,
      session.hash,
      session.programId,
      session.participantId,
      session.expiresAt.toISOString(),
    ],
  );
}

/** The session with this secret digest, if it has not expired at `now`. */
export async function findLivePortalSession(
  db: Queryable,
  hash: string,
  now: Date,
): Promise<PortalSession | null> {
  const rows = await db.query<PortalSession>(
    `select brand_id as "brandId", program_id as "programId", participant_id as "participantId",
       expires_at as "expiresAt"
     from portal_sessions where session_hash = $1 and expires_at > $2::timestamptz`,
    [hash, now.toISOString()],
  );
  return rows[0] ?? null;
}
