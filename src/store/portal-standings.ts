import type { Queryable } from "./db.ts";

/** A member of a participant's downline with the sales attributed to them. */
export interface DownlineMemberSales {
  id: string;
  externalId: string;
  name: string | null;
  status: string;
  sponsorId: string | null;
  depth: number;
  orders: number;
  /** Commissionable value of the member's attributed orders, minor units, all time. */
  sales: number;
}

export async function listDownlineSales(
  db: Queryable,
  programId: string,
  participantId: string,
  page: { depth: number; after: string | null; limit: number },
): Promise<DownlineMemberSales[]> {
  // One aggregate per member over the orders_participant index, never an event scan.
  return db.query<DownlineMemberSales>(
    `select p.id, p.external_id as "externalId", p.name, p.status, p.sponsor_id as "sponsorId",
       array_position(p.ancestors, $2) as depth,
       coalesce(s.orders, 0)::bigint as orders, coalesce(s.sales, 0)::bigint as sales
     from participants p
     left join lateral (
       select count(*) as orders, sum(o.commissionable_minor) as sales from orders o
       where o.program_id = p.program_id and o.participant_id = p.id
     ) s on true
     where p.program_id = $1 and p.ancestors @> array[$2]::text[]
       and array_position(p.ancestors, $2) <= $3
       and ($4::text is null or p.id > $4)
     order by p.id limit $5`,
    [programId, participantId, page.depth, page.after, page.limit],
  );
}

export interface StandingRow {
  participantId: string;
  externalId: string;
  name: string | null;
  sales: number;
  orders: number;
  rank: number;
}

/**
 * Participants ranked by attributed sales in [from, to): the first `top`, and
 * `participantId` wherever it stands; with how many are ranked at all.
 */
export async function salesStandings(
  db: Queryable,
  programId: string,
  span: { from: Date; to: Date },
  top: number,
  participantId: string,
): Promise<{ rows: StandingRow[]; ranked: number }> {
  const rows = await db.query<StandingRow & { ranked: number }>(
    `with sold as (
       select participant_id, sum(commissionable_minor)::bigint as sales, count(*)::bigint as orders
       from orders
       where program_id = $1 and participant_id is not null
         and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       group by participant_id
     ), ranked as (
       -- Ties fall to the external id in byte order, so every server ranks alike.
       select p.id as "participantId", p.external_id as "externalId", p.name, s.sales, s.orders,
         row_number() over (order by s.sales desc, p.external_id collate "C") as rank,
         count(*) over () as ranked
       from sold s join participants p on p.program_id = $1 and p.id = s.participant_id
       where s.sales > 0
     )
     select * from ranked where rank <= $4 or "participantId" = $5 order by rank`,
    [programId, span.from.toISOString(), span.to.toISOString(), top, participantId],
  );
  return {
    rows: rows.map(({ ranked: _, ...row }) => row),
    ranked: rows[0]?.ranked ?? 0,
  };
}
