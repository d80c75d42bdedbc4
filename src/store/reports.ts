import type { Database } from "./db.ts";

/** How many participants each ranking of a summary lists. */
export const TOP_PERFORMERS = 10;

export interface PerformerRow {
  participantId: string;
  externalId: string;
  name: string | null;
  sales: number;
  commissions: number;
  orders: number;
}

export interface SummaryRows {
  clicks: number;
  orders: number;
  sales: number;
  refunds: number;
  activeParticipants: number;
  commissionsByLevel: { level: number | null; amount: number }[];
  topBySales: PerformerRow[];
  topByCommission: PerformerRow[];
}

// Net commissions: what commission transfers booked onto participants' cash
// accounts, less what refund transfers took back. Releases and payouts only
// move money between a participant's buckets, so they are left out. Each leg
// counts at the time of the event that caused it (the order, or the refund),
// like sales do, not when it was booked: a backfill of last quarter's orders
// belongs to last quarter. A derived table of the program ($1) named `legs`.
export const COMMISSION_LEGS = `(select l.participant_id, l.level, l.amount_minor,
    coalesce(r.occurred_at, o.occurred_at, l.created_at) as at
  from ledger_entries l
  left join orders o on l.cause_type = 'commission'
    and o.program_id = l.program_id and o.order_id = l.order_id
  left join refunds r on l.cause_type = 'refund'
    and r.program_id = l.program_id and r.refund_id = l.event_id
  where l.program_id = $1 and l.account = 'participant' and l.asset = 'cash'
    and l.cause_type in ('commission', 'refund')) legs`;

/**
 * The figures of a program's summary over [from, to): three set-based
 * statements, whatever the number of participants, read from one snapshot so
 * the totals and the rankings agree even while events keep arriving.
 */
export async function summaryRows(
  db: Database,
  programId: string,
  from: Date,
  to: Date,
): Promise<SummaryRows> {
  const params = [programId, from.toISOString(), to.toISOString()];
  return db.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const totalsRows = await tx.query<
      Omit<SummaryRows, "commissionsByLevel" | "topBySales" | "topByCommission">
    >(
      `select
         (select count(*) from clicks
           where program_id = $1 and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
         )::bigint as clicks,
         o.orders, o.sales, o."activeParticipants",
         (select coalesce(sum(r.value_minor), 0) from refunds r
           join orders ro on ro.program_id = r.program_id and ro.order_id = r.order_id
           where r.program_id = $1 and r.state = 'applied' and ro.participant_id is not null
             and r.occurred_at >= $2::timestamptz and r.occurred_at < $3::timestamptz
         )::bigint as refunds
       from (
         select count(*)::bigint as orders,
           coalesce(sum(commissionable_minor), 0)::bigint as sales,
           count(distinct participant_id)::bigint as "activeParticipants"
         from orders
         where program_id = $1 and participant_id is not null
           and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       ) o`,
      params,
    );
    const levelRows = await tx.query<{ level: number | null; amount: number }>(
      `select level, sum(amount_minor)::bigint as amount from ${COMMISSION_LEGS}
       where at >= $2::timestamptz and at < $3::timestamptz
       group by level order by level`,
      params,
    );
    const performerRows = await tx.query<PerformerRow & { ranking: "sales" | "commissions" }>(
      `with sold as (
         select participant_id, count(*)::bigint as orders, sum(commissionable_minor)::bigint as sales
         from orders
         where program_id = $1 and participant_id is not null
           and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
         group by participant_id
       ), earned as (
         select participant_id, sum(amount_minor)::bigint as commissions
         from ${COMMISSION_LEGS}
         where at >= $2::timestamptz and at < $3::timestamptz
         group by participant_id
       ), stats as (
         select p.id as "participantId", p.external_id as "externalId", p.name,
           coalesce(s.sales, 0)::bigint as sales, coalesce(e.commissions, 0)::bigint as commissions,
           coalesce(s.orders, 0)::bigint as orders,
           s.participant_id is not null as sold, e.participant_id is not null as earned
         from sold s
         full join earned e on e.participant_id = s.participant_id
         join participants p on p.program_id = $1 and p.id = coalesce(s.participant_id, e.participant_id)
       ), ranked as (
         -- Ties fall to the external id in byte order ("C"), so PGlite and
         -- PostgreSQL servers with other collations rank alike.
         select 'sales' as ranking, stats.*, row_number() over (
             order by sales desc, commissions desc, "externalId" collate "C") as position
           from stats where sold
         union all
         select 'commissions' as ranking, stats.*, row_number() over (
             order by commissions desc, sales desc, "externalId" collate "C") as position
           from stats where earned
       )
       select ranking, "participantId", "externalId", name, sales, commissions, orders
       from ranked where position <= $4
       order by ranking, position`,
      [...params, TOP_PERFORMERS],
    );
    const totals = totalsRows[0];
    if (!totals) throw new Error("the summary query returned no row");
    const performers = (ranking: "sales" | "commissions") =>
      performerRows
        .filter((row) => row.ranking === ranking)
        .map(({ ranking: _ranking, ...row }) => row);
    return {
      ...totals,
      commissionsByLevel: levelRows,
      topBySales: performers("sales"),
      topByCommission: performers("commissions"),
    };
  });
}
