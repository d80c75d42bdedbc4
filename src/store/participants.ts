import type { ParticipantStatus } from "../domain/commissions.ts";
import type { Queryable } from "./db.ts";
import { batchKeys, JOB_PROGRAM, PROBE_EACH } from "./job-watermarks.ts";

export interface ParticipantRecord {
  id: string;
  programId: string;
  externalId: string;
  email: string | null;
  name: string | null;
  level: string | null;
  status: ParticipantStatus;
  sponsorId: string | null;
  ancestors: string[];
  referralCode: string;
  /** Hashes of IP addresses the participant is known by. */
  ipHashes: string[];
  /** Their latest attributed order; null before their first sale. */
  lastOrderAt: Date | null;
  /** The latest version of the program's terms they accepted, and when; null until they accept. */
  termsVersion: number | null;
  termsAcceptedAt: Date | null;
  createdAt: Date;
}

const columns = `id, program_id as "programId", external_id as "externalId", email, name, level,
  status, sponsor_id as "sponsorId", ancestors, referral_code as "referralCode", ip_hashes as "ipHashes", last_order_at as "lastOrderAt",
  terms_version as "termsVersion", terms_accepted_at as "termsAcceptedAt", created_at as "createdAt"`;

export async function insertParticipant(
  db: Queryable,
  p: Omit<
    ParticipantRecord,
    "createdAt" | "ipHashes" | "lastOrderAt" | "termsVersion" | "termsAcceptedAt"
  > & { ipHashes?: string[] },
): Promise<ParticipantRecord> {
  const rows = await db.query<ParticipantRecord>(
    `insert into participants (program_id, id, external_id, email, name, level, status, sponsor_id, ancestors, referral_code, ip_hashes)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning ${columns}`,
    [
      p.programId,
      p.id,
      p.externalId,
      p.email,
      p.name,
      p.level,
      p.status,
      p.sponsorId,
      p.ancestors,
      p.referralCode,
      p.ipHashes ?? [],
    ],
  );
  const row = rows[0];
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function findParticipant(
  db: Queryable,
  programId: string,
  id: string,
): Promise<ParticipantRecord | null> {
  const rows = await db.query<ParticipantRecord>(
    `select ${columns} from participants where program_id = $1 and id = $2`,
    [programId, id],
  );
  return rows[0] ?? null;
}

/** A sponsor may be named by external id or by referral code. */
export async function findParticipantByRef(
  db: Queryable,
  programId: string,
  ref: string,
  normalizedCode: string,
): Promise<ParticipantRecord | null> {
  const rows = await db.query<ParticipantRecord>(
    `select ${columns} from participants
     where program_id = $1 and (external_id = $2 or id = $2 or referral_code = $3)
     order by (external_id = $2) desc limit 1`,
    [programId, ref, normalizedCode],
  );
  return rows[0] ?? null;
}

export async function codeTaken(db: Queryable, code: string): Promise<boolean> {
  const rows = await db.query("select 1 from participants where referral_code = $1", [code]);
  return rows.length > 0;
}

export async function findParticipantByCode(
  db: Queryable,
  code: string,
): Promise<ParticipantRecord | null> {
  const rows = await db.query<ParticipantRecord>(
    `select ${columns} from participants where referral_code = $1`,
    [code],
  );
  return rows[0] ?? null;
}

export async function listParticipants(
  db: Queryable,
  programId: string,
  filter: { externalId?: string | undefined; after: string | null; limit: number },
): Promise<ParticipantRecord[]> {
  return db.query<ParticipantRecord>(
    `select ${columns} from participants
     where program_id = $1 and ($2::text is null or external_id = $2) and ($3::text is null or id > $3)
     order by id limit $4`,
    [programId, filter.externalId ?? null, filter.after, filter.limit],
  );
}

/** Every participant of the program, as they are now (a replay of its history starts from them). */
export async function allParticipants(
  db: Queryable,
  programId: string,
): Promise<ParticipantRecord[]> {
  return db.query<ParticipantRecord>(`select ${columns} from participants where program_id = $1`, [
    programId,
  ]);
}

/** Everyone up to `depth` levels below `id`, with how far below they are. */
export async function listDownline(
  db: Queryable,
  programId: string,
  id: string,
  page: { depth: number; after: string | null; limit: number },
): Promise<(ParticipantRecord & { depth: number })[]> {
  // One level down is exactly the sponsor's recruits, which the sponsor index
  // pages through directly; the ancestors index would first find the whole
  // network below, thousands of rows for a big sponsor, on every page.
  if (page.depth === 1)
    return db.query<ParticipantRecord & { depth: number }>(
      `select ${columns}, 1 as depth from participants
       where program_id = $1 and sponsor_id = $2 and ($3::text is null or id > $3)
       order by id limit $4`,
      [programId, id, page.after, page.limit],
    );
  return db.query<ParticipantRecord & { depth: number }>(
    `select ${columns}, array_position(ancestors, $2) as depth from participants
     where program_id = $1 and ancestors @> array[$2]::text[] and array_position(ancestors, $2) <= $3
       and ($4::text is null or id > $4)
     order by id limit $5`,
    [programId, id, page.depth, page.after, page.limit],
  );
}

/** How many participants `id` sponsors directly. */
export async function countRecruits(db: Queryable, programId: string, id: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    "select count(*)::int as n from participants where program_id = $1 and sponsor_id = $2",
    [programId, id],
  );
  return rows[0]?.n ?? 0;
}

export async function updateParticipant(
  db: Queryable,
  p: Pick<
    ParticipantRecord,
    "programId" | "id" | "level" | "status" | "email" | "name" | "ipHashes"
  >,
): Promise<ParticipantRecord | null> {
  const rows = await db.query<ParticipantRecord>(
    `update participants set level = $3, status = $4, email = $5, name = $6, ip_hashes = $7
     where program_id = $1 and id = $2 returning ${columns}`,
    [p.programId, p.id, p.level, p.status, p.email, p.name, p.ipHashes],
  );
  return rows[0] ?? null;
}

/**
 * Loads the participants a batch of events names, by external id, id or code,
 * in one query: a search of each key's own index (one arm of the union per
 * kind of key the batch has), with the program and the keys hidden from the
 * planner (job-watermarks.ts says why). Searched together, by one OR, they
 * were matched against every participant of the program, read through an
 * index by program alone, for a program newer than the statistics.
 */
export async function loadParticipants(
  db: Queryable,
  programId: string,
  keys: { refs: string[]; codes: string[] },
): Promise<ParticipantRecord[]> {
  const arms: string[] = [];
  const params: unknown[] = [programId];
  const by = (condition: string) =>
    arms.push(
      `select ${columns} from participants where program_id = ${JOB_PROGRAM} and ${condition}`,
    );
  if (keys.refs.length > 0) {
    params.push(keys.refs);
    by(`external_id = any(${batchKeys(params.length)})`);
    by(`id = any(${batchKeys(params.length)})`);
  }
  if (keys.codes.length > 0) {
    params.push(keys.codes);
    // Codes are unique across programs: their own index finds one row per
    // code, and the program is checked on that row. The OFFSET keeps the
    // check out of the search, which the planner would otherwise AND with a
    // search of the program's participants by an index that leads with it.
    arms.push(
      `select * from (select ${columns} from participants
                      where referral_code = any(${batchKeys(params.length)}) ${PROBE_EACH}) p
       where p."programId" = $1`,
    );
  }
  if (arms.length === 0) return [];
  return db.query<ParticipantRecord>(arms.join(" union "), params);
}

/** Moves a participant under a new sponsor; everyone below keeps their place under them. */
export async function moveParticipant(
  db: Queryable,
  programId: string,
  id: string,
  sponsorId: string | null,
  ancestors: string[],
): Promise<void> {
  await db.query(
    `update participants set ancestors = ancestors[1:array_position(ancestors, $2)] || $3::text[]
     where program_id = $1 and ancestors @> array[$2]::text[]`,
    [programId, id, ancestors],
  );
  await db.query(
    "update participants set sponsor_id = $3, ancestors = $4 where program_id = $1 and id = $2",
    [programId, id, sponsorId, ancestors],
  );
}

/** Participants by id: the sponsors and referrers a batch reaches by id. */
export async function loadParticipantsByIds(
  db: Queryable,
  programId: string,
  ids: string[],
): Promise<ParticipantRecord[]> {
  if (ids.length === 0) return [];
  // One lookup by key per id, with the program as a value the planner does
  // not see (JOB_PROGRAM and PROBE_EACH in job-watermarks.ts say why): else,
  // for a program newer than the table's statistics, it may read all of the
  // program's participants to find these.
  return db.query<ParticipantRecord>(
    `select p.* from (select distinct unnest($2::text[]) as id) k
     cross join lateral (select ${columns} from participants
                         where program_id = (select $1::text) and id = k.id offset 0) p`,
    [programId, ids],
  );
}

/**
 * The first active participant with this email (any case), its row locked
 * for the caller's transaction, so two requests for the same member take
 * turns: the portal sign-in counts its recent mails under this lock.
 */
export async function lockActiveParticipantByEmail(
  db: Queryable,
  programId: string,
  email: string,
): Promise<ParticipantRecord | null> {
  const rows = await db.query<ParticipantRecord>(
    `select ${columns} from participants
     where program_id = $1 and lower(email) = lower($2) and status = 'active'
     order by id limit 1
     for update`,
    [programId, email],
  );
  return rows[0] ?? null;
}
