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
  signups: number;
  leads: number;
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
  /** Attributed signups and leads. */
  signups: number;
  leads: number;
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

// A signup's or lead's outcome records its attribution the same way.
const CONVERSION_SOURCE = `case outcome -> 'attribution' ->> 'source'
  when 'click' then 'links' when 'code' then 'codes' else 'direct' end`;

// The period's attributed signups or leads by source; each type apart, so a
// type's own partial index of events can serve it.
const conversions = (type: "signup" | "lead") => `select type, ${CONVERSION_SOURCE} as source,
    count(*)::bigint as n
  from events
  where program_id = $1 and type = '${type}' and status = 'processed'
    and outcome ->> 'attributedTo' is not null
    and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
  group by 1, 2`;

/**
 * Common tables over one period ($2, $3) of a program ($1): `sold`, its
 * attributed orders, and `legs`, the participants' cash legs its commissions
 * are made of. Each leg counts at the time of the event that caused it, not
 * when it was booked, so a backfill of last quarter's orders belongs to last
 * quarter. Releases and payouts only move money between a participant's
 * buckets, so they are left out.
 *
 * An order's commission legs are its stored commission lines summed per
 * level, paid to the level's earner: the very sums its ledger journal booked
 * (process-events writes one from the other), read with the order instead of
 * from a join onto the ledger, which cost four times the period's orders on
 * 100,000 of them. A refund's legs are read from the ledger, one refund at a
 * time by its order (`ledger_order`); refunds are few.
 */
export const PERIOD_ORDERS = `sold as materialized (
    select participant_id, ${SOURCE} as source, commissionable_minor,
      commission_lines, commission_earners, occurred_at
    from orders
    where program_id = $1 and participant_id is not null
      and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
  ), legs as (
    select s.commission_earners[c.level] as participant_id, c.level, c.amount_minor,
      s.occurred_at as at, s.commissionable_minor as order_sales, true as paid
    from sold s
    cross join lateral (
      select (line ->> 0)::int as level, sum((line ->> 2)::bigint)::bigint as amount_minor
      from jsonb_array_elements(s.commission_lines) line
      group by 1
    ) c
    union all
    select l.participant_id, l.level, l.amount_minor, r.occurred_at, 0, false
    from refunds r
    cross join lateral (
      select l.participant_id, l.level, l.amount_minor from ledger_entries l
      where l.program_id = r.program_id and l.order_id = r.order_id and l.event_id = r.refund_id
        and l.cause_type = 'refund' and l.account = 'participant' and l.asset = 'cash'
      offset 0
    ) l
    where r.program_id = $1 and r.state = 'applied'
      and r.occurred_at >= $2::timestamptz and r.occurred_at < $3::timestamptz
  )`;

/**
 * The figures of a program's summary over each span, read from one snapshot
 * so the totals, the rankings and the comparison agree even while events
 * keep arriving.
 */
export async function summaryRows(
  db: Database,
  programId: string,
  spans: readonly Span[],
  goalIds: readonly string[],
): Promise<{ summaries: SummaryRows[]; goals: GoalRow[][] }> {
  return db.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    // A month of a large program's orders, held once for the figures that
    // share them, fits in memory; at the default 4 MB it went to disk.
    await tx.query("set local work_mem = '64MB'");
    const summaries: SummaryRows[] = [];
    const goals: GoalRow[][] = [];
    for (const span of spans) {
      summaries.push(await spanRows(tx, programId, span));
      goals.push(goalIds.length === 0 ? [] : await goalRows(tx, programId, span, goalIds));
    }
    return { summaries, goals };
  });
}

interface SpanRow {
  clicks: number;
  refunds: number;
  refundCount: number;
  sources: { source: OrderSource | null; orders: number; sales: number; participants: number }[];
  conversions: { type: "signup" | "lead"; source: OrderSource; n: number }[];
  levels: (Omit<LevelRow, "level"> & { level: number | null })[];
  performers: (PerformerRow & { ranking: "sales" | "commissions" })[];
}

/**
 * One statement: the period's orders are read once, into `sold`, and every
 * figure is an aggregate of them, of their legs or of the period's clicks and
 * refunds, whatever the number of participants; each list comes back as a
 * JSON array in one row.
 */
async function spanRows(tx: Queryable, programId: string, span: Span): Promise<SummaryRows> {
  const rows = await tx.query<SpanRow>(
    `with ${PERIOD_ORDERS}, by_source as (
       -- A row per source, and the grand total (source null) for the distinct
       -- participants, which do not add up.
       select source, count(*)::bigint as orders,
         coalesce(sum(commissionable_minor), 0)::bigint as sales,
         count(distinct participant_id)::bigint as participants
       from sold
       group by grouping sets ((source), ())
     ), leg_totals as (
       -- An order pays a level once, so its value adds up per level as is.
       select level, participant_id, sum(amount_minor)::bigint as commissions,
         coalesce(sum(order_sales) filter (where paid), 0)::bigint as sales, bool_or(paid) as paid
       from legs
       group by level, participant_id
     ), by_level as (
       select level, sum(commissions)::bigint as commissions, sum(sales)::bigint as sales,
         count(*) filter (where paid)::bigint as participants
       from leg_totals
       group by level
     ), seller as (
       select participant_id, count(*)::bigint as orders, sum(commissionable_minor)::bigint as sales
       from sold
       group by participant_id
     ), earned as (
       select participant_id, sum(commissions)::bigint as commissions
       from leg_totals
       group by participant_id
     ), stats as (
       select p.id as "participantId", p.external_id as "externalId", p.name,
         coalesce(s.sales, 0)::bigint as sales, coalesce(e.commissions, 0)::bigint as commissions,
         coalesce(s.orders, 0)::bigint as orders,
         s.participant_id is not null as sold, e.participant_id is not null as earned
       from seller s
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
     ), conversions as (
       ${conversions("signup")}
       union all
       ${conversions("lead")}
     ), refunded as (
       select coalesce(sum(r.value_minor), 0)::bigint as refunds, count(*)::bigint as "refundCount"
       from refunds r
       join orders ro on ro.program_id = r.program_id and ro.order_id = r.order_id
       where r.program_id = $1 and r.state = 'applied' and ro.participant_id is not null
         and r.occurred_at >= $2::timestamptz and r.occurred_at < $3::timestamptz
     )
     select
       (select count(*) from clicks
         where program_id = $1 and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       )::bigint as clicks,
       refunded.refunds, refunded."refundCount",
       (select coalesce(json_agg(by_source), '[]') from by_source) as sources,
       (select coalesce(json_agg(conversions), '[]') from conversions) as conversions,
       (select coalesce(json_agg(by_level order by level), '[]') from by_level) as levels,
       (select coalesce(json_agg(json_build_object(
           'ranking', ranking, 'participantId', "participantId", 'externalId', "externalId",
           'name', name, 'sales', sales, 'commissions', commissions, 'orders', orders
         ) order by ranking, position), '[]')
        from ranked where position <= $4) as performers
     from refunded`,
    [programId, span.from.toISOString(), span.to.toISOString(), TOP_PERFORMERS],
  );
  const row = rows[0];
  if (!row) throw new Error("the summary query returned no row");
  const all = row.sources.find((r) => r.source === null);
  const counted = (type: "signup" | "lead", name?: OrderSource) =>
    row.conversions
      .filter((c) => c.type === type && (name === undefined || c.source === name))
      .reduce((sum, c) => sum + Number(c.n), 0);
  const source = (name: OrderSource): SourceRow => {
    const found = row.sources.find((r) => r.source === name);
    return {
      orders: found?.orders ?? 0,
      sales: found?.sales ?? 0,
      signups: counted("signup", name),
      leads: counted("lead", name),
    };
  };
  const performers = (ranking: "sales" | "commissions") =>
    row.performers
      .filter((performer) => performer.ranking === ranking)
      .map(({ ranking: _ranking, ...performer }) => performer);
  return {
    clicks: row.clicks,
    orders: all?.orders ?? 0,
    sales: all?.sales ?? 0,
    signups: counted("signup"),
    leads: counted("lead"),
    bySource: { links: source("links"), codes: source("codes"), direct: source("direct") },
    refunds: row.refunds,
    refundCount: row.refundCount,
    activeParticipants: all?.participants ?? 0,
    commissions: row.levels.reduce((sum, level) => sum + level.commissions, 0),
    byLevel: row.levels.flatMap(({ level, ...rest }) =>
      level === null ? [] : [{ level, ...rest }],
    ),
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
