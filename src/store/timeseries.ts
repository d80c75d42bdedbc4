import type { Database } from "./db.ts";
import { PERIOD_ORDERS } from "./reports.ts";

export interface DayRow {
  /** The local calendar day, YYYY-MM-DD in the program's time zone. */
  day: string;
  clicks: number;
  orders: number;
  sales: number;
  commissions: number;
}

/**
 * A program's activity per local day over [from, to): each table grouped by
 * its local day in one statement, joined onto every day of the range so days
 * with nothing come back as zeros rather than as gaps in a chart. `firstDay`
 * and `lastDay` are the local days the range touches.
 */
export async function dailyActivity(
  db: Database,
  programId: string,
  timeZone: string,
  range: { from: Date; to: Date; firstDay: string; lastDay: string },
): Promise<DayRow[]> {
  return db.query<DayRow>(
    `with ${PERIOD_ORDERS}, days as (
       select d::date as day
       from generate_series($5::date, $6::date, interval '1 day') as d
     ), clicked as (
       select (occurred_at at time zone $4)::date as day, count(*)::bigint as clicks
       from clicks
       where program_id = $1 and occurred_at >= $2::timestamptz and occurred_at < $3::timestamptz
       group by 1
     ), daily_sales as (
       select (occurred_at at time zone $4)::date as day, count(*)::bigint as orders,
         sum(commissionable_minor)::bigint as sales
       from sold
       group by 1
     ), earned as (
       select (at at time zone $4)::date as day, sum(amount_minor)::bigint as commissions
       from legs
       group by 1
     )
     select to_char(days.day, 'YYYY-MM-DD') as day,
       coalesce(clicked.clicks, 0)::bigint as clicks,
       coalesce(daily_sales.orders, 0)::bigint as orders,
       coalesce(daily_sales.sales, 0)::bigint as sales,
       coalesce(earned.commissions, 0)::bigint as commissions
     from days
     left join clicked on clicked.day = days.day
     left join daily_sales on daily_sales.day = days.day
     left join earned on earned.day = days.day
     order by days.day`,
    [
      programId,
      range.from.toISOString(),
      range.to.toISOString(),
      timeZone,
      range.firstDay,
      range.lastDay,
    ],
  );
}
