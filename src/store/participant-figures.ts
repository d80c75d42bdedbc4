import type { Queryable } from "./db.ts";

/** How a conversion came to the participant, as the summary report splits them. */
export type ConversionSource = "links" | "codes" | "direct";

export interface SourceFigures {
  signups: number;
  leads: number;
  orders: number;
  sales: number;
}

export interface ParticipantFigures extends SourceFigures {
  clicks: number;
  earnings: number;
  bySource: Record<ConversionSource, SourceFigures>;
}

// Cash a participant earned: commissions and cash rewards, less refunds and
// rejected reviews (as the participants list counts earnings). Releases and
// payouts only move money between the participant's own buckets, and a
// manual adjustment is a correction, not an earning. Each entry counts at the time of the
// event that caused it (the order, the refund), falling back to when it was
// booked (a window that closed), like the admin's reports count sales.
// A derived table named `earned` with `at` and `amount_minor`, over $1, $2.
const EARNED = `(select coalesce(e.occurred_at, l.created_at) as at, l.amount_minor
  from ledger_entries l
  left join events e on e.program_id = l.program_id and e.event_id = l.event_id
  where l.program_id = $1 and l.participant_id = $2 and l.account = 'participant'
    and l.asset = 'cash' and l.cause_type in ('commission', 'reward', 'refund', 'review')) earned`;

// A signup's or lead's attribution names the rule that chose its participant,
// as an order's does: a visitor's click is the referral link's, a code the
// code's, and a participant named outright or a bound customer are direct.
const CONVERSION_SOURCE = `case outcome -> 'attribution' ->> 'source'
  when 'click' then 'links' when 'code' then 'codes' else 'direct' end`;

// Signups and leads apart, so each reads its own partial index of events.
const conversions = (type: "signup" | "lead") => `select type, ${CONVERSION_SOURCE} as source,
    count(*)::bigint as n
  from events
  where program_id = $1 and type = '${type}' and status = 'processed'
    and outcome ->> 'attributedTo' = $2
    and occurred_at >= $3::timestamptz and occurred_at < $4::timestamptz
  group by 1, 2`;

interface FiguresRow {
  clicks: number;
  earnings: number;
  conversions: { type: "signup" | "lead"; source: ConversionSource; n: number }[];
  sold: { source: ConversionSource; orders: number; sales: number }[];
}

/**
 * A participant's own traffic over [from, to): the clicks on their link, the
 * signups, leads and orders attributed to them with the sales those orders
 * carry (commissionable value), each in all and by what attributed it, and
 * the cash they earned. One statement, so the figures agree with each other
 * while events keep arriving.
 */
export async function participantFigures(
  db: Queryable,
  programId: string,
  participantId: string,
  range: { from: Date; to: Date },
): Promise<ParticipantFigures> {
  const rows = await db.query<FiguresRow>(
    `with conversions as (${conversions("signup")} union all ${conversions("lead")}),
     sold as (
       select case attribution when 'click' then 'links' when 'code' then 'codes'
           else 'direct' end as source,
         count(*)::bigint as orders, coalesce(sum(commissionable_minor), 0)::bigint as sales
       from orders
       where program_id = $1 and participant_id = $2
         and occurred_at >= $3::timestamptz and occurred_at < $4::timestamptz
       group by 1
     )
     select
       (select count(*) from clicks
         where program_id = $1 and participant_id = $2
           and occurred_at >= $3::timestamptz and occurred_at < $4::timestamptz)::bigint as clicks,
       (select coalesce(sum(amount_minor), 0) from ${EARNED}
         where at >= $3::timestamptz and at < $4::timestamptz)::bigint as earnings,
       (select coalesce(json_agg(conversions), '[]') from conversions) as conversions,
       (select coalesce(json_agg(sold), '[]') from sold) as sold`,
    [programId, participantId, range.from.toISOString(), range.to.toISOString()],
  );
  const row = rows[0];
  if (!row) throw new Error("the participant figures query returned no row");
  // json_agg hands bigints back as JSON numbers, which the driver does not convert.
  const of = (source: ConversionSource): SourceFigures => {
    const counted = (type: "signup" | "lead") =>
      Number(row.conversions.find((c) => c.type === type && c.source === source)?.n ?? 0);
    const sold = row.sold.find((s) => s.source === source);
    return {
      signups: counted("signup"),
      leads: counted("lead"),
      orders: Number(sold?.orders ?? 0),
      sales: Number(sold?.sales ?? 0),
    };
  };
  const bySource = { links: of("links"), codes: of("codes"), direct: of("direct") };
  const sum = (field: keyof SourceFigures) =>
    bySource.links[field] + bySource.codes[field] + bySource.direct[field];
  return {
    clicks: row.clicks,
    signups: sum("signups"),
    leads: sum("leads"),
    orders: sum("orders"),
    sales: sum("sales"),
    earnings: row.earnings,
    bySource,
  };
}

export interface EarningsBucket {
  /** The local date the week (from Monday) or month starts, YYYY-MM-DD in the program's time zone. */
  start: string;
  amount: number;
}

/**
 * Cash earned per local week or month over [from, to), every bucket present
 * (zeros included) so a chart has no gaps. The series starts no earlier than
 * the participant joined or first earned, whichever came first: an "all time"
 * range does not answer decades of empty weeks. At most `limit` buckets.
 */
export async function earningsSeries(
  db: Queryable,
  programId: string,
  participantId: string,
  query: {
    from: Date;
    to: Date;
    since: Date;
    timeZone: string;
    interval: "week" | "month";
    limit: number;
  },
): Promise<EarningsBucket[]> {
  return db.query<EarningsBucket>(
    `with bounds as (
       select date_trunc($6, (greatest($3::timestamptz, least($5::timestamptz,
           (select min(at) from ${EARNED} where at >= $3::timestamptz)))) at time zone $7) as first,
         date_trunc($6, ($4::timestamptz - interval '1 microsecond') at time zone $7) as last
     ), buckets as (
       select generate_series(bounds.first, bounds.last, ('1 ' || $6)::interval) as local_start
       from bounds
     ), per as (
       select date_trunc($6, at at time zone $7) as local_start, sum(amount_minor)::bigint as amount
       from ${EARNED}
       where at >= $3::timestamptz and at < $4::timestamptz
       group by 1
     )
     select to_char(buckets.local_start, 'YYYY-MM-DD') as start,
       coalesce(per.amount, 0)::bigint as amount
     from buckets left join per on per.local_start = buckets.local_start
     order by buckets.local_start
     limit $8`,
    [
      programId,
      participantId,
      query.from.toISOString(),
      query.to.toISOString(),
      query.since.toISOString(),
      query.interval,
      query.timeZone,
      query.limit,
    ],
  );
}

export interface ParticipantPayoutRow {
  id: string;
  createdAt: Date;
  amount: number;
  currency: string;
  reference: string;
  status: "created" | "exported" | "paid";
}

/** The payouts that paid a participant, newest first, a page at a time (keyset on the payout id). */
export async function listParticipantPayouts(
  db: Queryable,
  programId: string,
  participantId: string,
  page: { before: string | null; limit: number },
): Promise<ParticipantPayoutRow[]> {
  return db.query<ParticipantPayoutRow>(
    `select p.id, p.created_at as "createdAt", p.currency, p.status,
       sum(l.amount_minor)::bigint as amount, min(l.reference) as reference
     from payout_lines l
     join payouts p on p.program_id = l.program_id and p.id = l.payout_id
     where l.program_id = $1 and l.participant_id = $2 and ($3::text is null or p.id < $3)
     group by p.id, p.created_at, p.currency, p.status
     order by p.id desc
     limit $4`,
    [programId, participantId, page.before, page.limit],
  );
}
