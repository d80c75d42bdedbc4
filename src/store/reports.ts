import type { Database, Queryable } from "./db.ts";

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

/** How an attributed order came: a referral link's click, a code, or named outright. */
export type OrderSource = "links" | "codes" | "direct";

export interface SourceRow {
  orders: number;
  sales: number;
}

export interface LevelRow {
  level: number;
  /** Net: what the period's orders paid at the level less what its refunds took back. */
  commissions: number;
  /** Commissionable value of the period's orders that paid the level. */
  sales: number;
  /** Participants the period's orders paid at the level. */
  participants: number;
}

export interface SummaryRows {
  clicks: number;
  orders: number;
  sales: number;
  bySource: Record<OrderSource, SourceRow>;
  refunds: number;
  refundCount: number;
  activeParticipants: number;
  /** Net commissions, levels without a number included. */
  commissions: number;
  byLevel: LevelRow[];
  topBySales: PerformerRow[];
  topByCommission: PerformerRow[];
}

export interface GoalRow {
  goalId: string;
  participantsProgressing: number;
  participantsReached: number;
  byStep: { step: number; reached: number }[];
  rewardsPaid: { cash: number; points: number; products: number };
}

export interface Span {
  from: Date;
  to: Date;
}

// The stored attribution of an order is the rule that chose its participant
// (domain/attribution.ts): a visitor's click is a referral link's, a code is a
// code's, and the participant named on the order or a customer (or
// subscription) bound to one are direct. Values written by any other version
// count as direct, so an order is never left out of the totals.
const SOURCE = `case attribution when 'click' then 'links' when 'code' then 'codes' else 'direct' end`;

/**
 * The participants' cash legs a period's commissions are made of, as a
 * common table `legs`: the commission legs of the orders placed in the period
 * ($2, $3) and the refund legs of the refunds made in it. Each leg counts at
 * the time of the event that caused it, not when it was booked, so a backfill
 * of last quarter's orders belongs to last quarter. Releases and payouts only
 * move money between a participant's buckets, so they are left out. Both
 * halves start from the period's orders or refunds and find their legs by
 * order (`ledger_order`), so a month of a large program reads that month's
 * legs, not every leg the program ever booked.
 */
export const PERIOD_LEGS = `legs as materialized (
    select l.participant_id, l.level, l.amount_minor, o.occurred_at as at, o.order_id,
      o.commissionable_minor as order_sales, true as paid
    from orders o
    join ledger_entries l on l.program_id = o.program_id and l.order_id = o.order_id
    where o.program_id = $1 and o.occurred_at >= $2::timestamptz and o.occurred_at < $3::timestamptz
      and l.cause_type = 'commission' and l.account = 'participant' and l.asset = 'cash'
    union all
    select l.participant_id, l.level, l.amount_minor, r.occurred_at, r.order_id, 0, false
    from refunds r
    join ledger_entries l on l.program_id = r.program_id and l.order_id = r.order_id
      and l.event_id = r.refund_id
    where r.program_id = $1 and r.state = 'applied'
      and r.occurred_at >= $2::timestamptz and r.occurred_at < $3::timestamptz
      and l.cause_type = 'refund' and l.account = 'participant' and l.asset = 'cash'
  )`;

/**
 * The figures of a program's summary over each span, read from one snapshot
 * so the totals, the rankings and the comparison agree even while events
 * keep arriving. Every figure is an aggregate over the span's rows found by
 * time, whatever the number of participants.
 */
export async function summaryRows(
  db: Database,
  programId: string,
  spans: readonly Span[],
  goalIds: readonly string[],
): Promise<{ summaries: SummaryRows[]; goals: GoalRow[][] }> {
  return db.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const summaries: SummaryRows[] = [];
    const goals: GoalRow[][] = [];
    for (const span of spans) {
      summaries.push(await spanRows(tx, programId, span));
      goals.push(goalIds.length === 0 ? [] : await goalRows(tx, programId, span, goalIds));
    }
    return { summaries, goals };
  });
}

async function spanRows(tx: Queryable, programId: string, span: Span): Promise<SummaryRows> {
  const params = [programId, span.from.toISOString(), span.to.toISOString()];
  const totalsRows = await tx.query<{
    clicks: number;
    refunds: number;
    refundCount: number;
  }>(
    `select
       (select count(*) from clicks
         where program_id = $1 and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       )::bigint as clicks,
       coalesce(sum(r.value_minor), 0)::bigint as refunds,
       count(*)::bigint as "refundCount"
     from refunds r
     join orders ro on ro.program_id = r.program_id and ro.order_id = r.order_id
     where r.program_id = $1 and r.state = 'applied' and ro.participant_id is not null
       and r.occurred_at >= $2::timestamptz and r.occurred_at < $3::timestamptz`,
    params,
  );
  // One pass over the period's orders: a row per source, and the grand total
  // (source null) for the distinct participants, which do not add up.
  const sourceRows = await tx.query<{
    source: OrderSource | null;
    orders: number;
    sales: number;
    participants: number;
  }>(
    `select source, count(*)::bigint as orders,
       coalesce(sum(commissionable_minor), 0)::bigint as sales,
       count(distinct participant_id)::bigint as participants
     from (
       select ${SOURCE} as source, participant_id, commissionable_minor
       from orders
       where program_id = $1 and participant_id is not null
         and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
     ) sold
     group by grouping sets ((source), ())`,
    params,
  );
  const levelRows = await tx.query<{
    level: number | null;
    commissions: number;
    sales: number;
    participants: number;
  }>(
    `with ${PERIOD_LEGS}, paid as (
       select level, sum(order_sales)::bigint as sales,
         count(distinct participant_id)::bigint as participants
       from (select distinct level, order_id, participant_id, order_sales from legs where paid) d
       group by level
     )
     select n.level, n.commissions, coalesce(paid.sales, 0)::bigint as sales,
       coalesce(paid.participants, 0)::bigint as participants
     from (select level, sum(amount_minor)::bigint as commissions from legs group by level) n
     left join paid on paid.level is not distinct from n.level
     order by n.level`,
    params,
  );
  const performerRows = await tx.query<PerformerRow & { ranking: "sales" | "commissions" }>(
    `with ${PERIOD_LEGS}, sold as (
       select participant_id, count(*)::bigint as orders, sum(commissionable_minor)::bigint as sales
       from orders
       where program_id = $1 and participant_id is not null
         and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       group by participant_id
     ), earned as (
       select participant_id, sum(amount_minor)::bigint as commissions
       from legs
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
  const all = sourceRows.find((row) => row.source === null);
  const source = (name: OrderSource): SourceRow => {
    const row = sourceRows.find((r) => r.source === name);
    return { orders: row?.orders ?? 0, sales: row?.sales ?? 0 };
  };
  const performers = (ranking: "sales" | "commissions") =>
    performerRows
      .filter((row) => row.ranking === ranking)
      .map(({ ranking: _ranking, ...row }) => row);
  return {
    clicks: totals.clicks,
    orders: all?.orders ?? 0,
    sales: all?.sales ?? 0,
    bySource: { links: source("links"), codes: source("codes"), direct: source("direct") },
    refunds: totals.refunds,
    refundCount: totals.refundCount,
    activeParticipants: all?.participants ?? 0,
    commissions: levelRows.reduce((sum, row) => sum + row.commissions, 0),
    byLevel: levelRows.flatMap(({ level, ...row }) => (level === null ? [] : [{ level, ...row }])),
    topBySales: performers("sales"),
    topByCommission: performers("commissions"),
  };
}

/**
 * Per goal of `goalIds`: who has progress in a window the span touches, and
 * the grants the span saw, by step, with what they paid into this program.
 * A grant counts at the time of the event that made it, like commissions
 * (window closes and goal changes have none: when they granted). A reward
 * credited to another program is that program's, in its money, and is left
 * out of what this one paid.
 */
async function goalRows(
  tx: Queryable,
  programId: string,
  span: Span,
  goalIds: readonly string[],
): Promise<GoalRow[]> {
  const params = [programId, span.from.toISOString(), span.to.toISOString(), goalIds];
  const progressing = await tx.query<{ goalId: string; participants: number }>(
    `select v.key as "goalId", count(distinct gp.participant_id)::bigint as participants
     from goal_progress gp
     cross join lateral jsonb_each(gp.goal_values) v
     where gp.program_id = $1
       and (gp.window_start is null or gp.window_start < $3::timestamptz)
       and (gp.window_end is null or gp.window_end > $2::timestamptz)
       and v.key = any($4::text[])
       and jsonb_typeof(v.value) = 'number' and (v.value)::numeric > 0
     group by v.key`,
    params,
  );
  const granted = await tx.query<{
    goalId: string;
    step: number | null;
    participants: number;
    cash: number;
    points: number;
    products: number;
  }>(
    `select g.goal_id as "goalId", g.step, count(distinct g.participant_id)::bigint as participants,
       coalesce(sum((g.reward ->> 'amount')::bigint) filter (where g.reward ->> 'type' = 'cash'
         and here), 0)::bigint as cash,
       coalesce(sum((g.reward ->> 'points')::bigint) filter (where g.reward ->> 'type' = 'points'
         and here), 0)::bigint as points,
       count(*) filter (where g.reward ->> 'type' = 'free_product' and here)::bigint as products
     from (
       select gg.*, coalesce(gg.reward ->> 'program', $1) = $1 as here
       from goal_grants gg
       left join events e on e.program_id = gg.program_id and e.event_id = gg.event_id
       where gg.program_id = $1 and gg.goal_id = any($4::text[])
         and coalesce(e.occurred_at, gg.granted_at) >= $2::timestamptz
         and coalesce(e.occurred_at, gg.granted_at) < $3::timestamptz
     ) g
     group by grouping sets ((g.goal_id, g.step), (g.goal_id))
     order by 1, 2`,
    params,
  );
  return goalIds.map((goalId) => {
    const total = granted.find((row) => row.goalId === goalId && row.step === null);
    return {
      goalId,
      participantsProgressing: progressing.find((row) => row.goalId === goalId)?.participants ?? 0,
      participantsReached: total?.participants ?? 0,
      byStep: granted.flatMap(({ goalId: id, step, participants }) =>
        id === goalId && step !== null ? [{ step, reached: participants }] : [],
      ),
      rewardsPaid: {
        cash: total?.cash ?? 0,
        points: total?.points ?? 0,
        products: total?.products ?? 0,
      },
    };
  });
}
