import type { ParticipantStatus } from "../domain/commissions.ts";
import type { Queryable } from "./db.ts";
import type { ParticipantRecord } from "./participants.ts";

export interface ParticipantSearch {
  /** Part of an external id, name, email or referral code, any case. */
  q?: string | undefined;
  level?: string | undefined;
  status?: ParticipantStatus | undefined;
  after: string | null;
  limit: number;
}

/** Escapes LIKE's wildcards so a search for "a_b" finds that text, not "axb". */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function searchParticipants(
  db: Queryable,
  programId: string,
  search: ParticipantSearch,
): Promise<ParticipantRecord[]> {
  return db.query<ParticipantRecord>(
    `select id, program_id as "programId", external_id as "externalId", email, name, level,
       status, sponsor_id as "sponsorId", ancestors, referral_code as "referralCode",
       ip_hashes as "ipHashes", last_order_at as "lastOrderAt", created_at as "createdAt"
     from participants
     where program_id = $1
       and ($2::text is null or external_id ilike $2 or name ilike $2 or email ilike $2
            or referral_code ilike $2)
       and ($3::text is null or level = $3)
       and ($4::text is null or status = $4)
       and ($5::text is null or id > $5)
     order by id limit $6`,
    [
      programId,
      search.q ? likePattern(search.q) : null,
      search.level ?? null,
      search.status ?? null,
      search.after,
      search.limit,
    ],
  );
}
