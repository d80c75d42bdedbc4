import type { ParticipantStatus } from "../domain/commissions.ts";
import type { Queryable } from "./db.ts";
import { PROBE_EACH } from "./job-watermarks.ts";
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
       ip_hashes as "ipHashes", last_order_at as "lastOrderAt",
       terms_version as "termsVersion", terms_accepted_at as "termsAcceptedAt", created_at as "createdAt"
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

/** What the participants list sorts by; a `-` before it in the API means descending. */
export const PARTICIPANT_SORTS = ["sales", "earnings", "balance", "joinedAt", "name"] as const;
export type ParticipantSortKey = (typeof PARTICIPANT_SORTS)[number];

// Each sort's column and type: the counters are participant_stats' (migration
// 0020), whose indexes lead with the program, so a page is an index scan in
// (value, id) order that stops once the page is full, whatever the size of
// the program.
// A row's value goes into the next page's cursor as text, exactly: a
// timestamp to the microsecond, which a JavaScript date would round.
const SORT_COLUMNS: Record<
  ParticipantSortKey,
  { expression: string; type: string; asText: string }
> = {
  sales: { expression: "s.sales_minor", type: "bigint", asText: "s.sales_minor::text" },
  earnings: { expression: "s.earnings_minor", type: "bigint", asText: "s.earnings_minor::text" },
  balance: { expression: "s.balance_minor", type: "bigint", asText: "s.balance_minor::text" },
  joinedAt: {
    expression: "p.created_at",
    type: "timestamptz",
    asText: `to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  },
  name: {
    expression: "coalesce(p.name, p.external_id)",
    type: "text",
    asText: "coalesce(p.name, p.external_id)",
  },
};

/** Whether a cursor's value is one the sort's column takes, so a forged cursor is a 400, not an error of the database. */
export function isSortValue(key: ParticipantSortKey, value: string): boolean {
  const type = SORT_COLUMNS[key].type;
  if (type === "bigint") return /^-?\d{1,18}$/.test(value);
  if (type === "timestamptz") {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(value)) return false;
    const time = new Date(value);
    return !Number.isNaN(time.getTime()) && time.toISOString().slice(0, 23) === value.slice(0, 23);
  }
  return value.length <= 400;
}

export interface ParticipantListing {
  q?: string | undefined;
  level?: string | undefined;
  status?: ParticipantStatus | undefined;
  externalId?: string | undefined;
  /** Id order when absent. */
  sort?: { key: ParticipantSortKey; descending: boolean } | undefined;
  /** Where the previous page ended: its last row's sort value (as text) and id. */
  after: { value: string | null; id: string } | null;
  limit: number;
}

export interface ParticipantWithStats extends ParticipantRecord {
  sales: number;
  orders: number;
  earnings: number;
  balance: number;
  points: number;
  sponsorExternalId: string | null;
  sponsorName: string | null;
  /** The row's sort value as text, exact (a timestamp to the microsecond), for the next cursor. */
  sortValue: string | null;
}

/**
 * A page of participants with their figures and sponsor, filtered and sorted,
 * keyset-paged on (sort value, id): one statement, whose cost is the page,
 * not the program.
 */
export async function listParticipantsWithStats(
  db: Queryable,
  programId: string,
  listing: ParticipantListing,
): Promise<ParticipantWithStats[]> {
  const sort = listing.sort ? SORT_COLUMNS[listing.sort.key] : null;
  const direction = listing.sort?.descending ? "desc" : "asc";
  const beyond = listing.sort?.descending ? "<" : ">";
  const params: unknown[] = [
    programId,
    listing.q ? likePattern(listing.q) : null,
    listing.level ?? null,
    listing.status ?? null,
    listing.externalId ?? null,
    listing.limit,
  ];
  const byCounter = sort !== null && sort.expression.startsWith("s.");
  // The id the scan's index holds, so the planner reads it in that order.
  const idColumn = byCounter ? "s.participant_id" : "p.id";
  let position = "";
  if (listing.after) {
    params.push(listing.after.id);
    const id = `$${params.length}`;
    if (sort) {
      params.push(listing.after.value);
      position = `and (${sort.expression}, ${idColumn}) ${beyond} ($${params.length}::${sort.type}, ${id})`;
    } else position = `and p.id > ${id}`;
  }
  const order = sort ? `${sort.expression} ${direction}, ${idColumn} ${direction}` : "p.id";
  // Sorted by a counter, the scan runs over participant_stats' index and
  // looks each participant up by key; otherwise over the participants' own
  // index, looking each one's counters up. The lookups are lateral with an
  // OFFSET (PROBE_EACH) so they stay lookups: PGlite keeps no statistics,
  // and the planner, taking a program of 100,000 for a few hundred rows,
  // otherwise read all of its participants once per row of the page.
  const probe = (table: string, alias: string, on: string) =>
    `cross join lateral (select * from ${table} ${alias} where ${on} ${PROBE_EACH}) ${alias}`;
  const from = byCounter
    ? `participant_stats s
       ${probe("participants", "p", "p.program_id = s.program_id and p.id = s.participant_id")}`
    : `participants p
       left join lateral (select * from participant_stats s
                          where s.program_id = p.program_id and s.participant_id = p.id
                          ${PROBE_EACH}) s on true`;
  return db.query<ParticipantWithStats>(
    `select p.id, p.program_id as "programId", p.external_id as "externalId", p.email, p.name,
       p.level, p.status, p.sponsor_id as "sponsorId", p.ancestors,
       p.referral_code as "referralCode", p.ip_hashes as "ipHashes",
       p.last_order_at as "lastOrderAt", p.terms_version as "termsVersion",
       p.terms_accepted_at as "termsAcceptedAt", p.created_at as "createdAt",
       coalesce(s.sales_minor, 0)::bigint as sales, coalesce(s.orders, 0)::bigint as orders,
       coalesce(s.earnings_minor, 0)::bigint as earnings,
       coalesce(s.balance_minor, 0)::bigint as balance, coalesce(s.points, 0)::bigint as points,
       sp.external_id as "sponsorExternalId", sp.name as "sponsorName",
       ${sort ? sort.asText : "null::text"} as "sortValue"
     from ${from}
       left join lateral (select sp.external_id, sp.name from participants sp
                          where sp.program_id = p.program_id and sp.id = p.sponsor_id
                          ${PROBE_EACH}) sp on true
     where ${byCounter ? "s" : "p"}.program_id = $1
       and ($2::text is null or p.external_id ilike $2 or p.name ilike $2 or p.email ilike $2
            or p.referral_code ilike $2)
       and ($3::text is null or p.level = $3)
       and ($4::text is null or p.status = $4)
       and ($5::text is null or p.external_id = $5)
       ${position}
     order by ${order} limit $6`,
    params,
  );
}
