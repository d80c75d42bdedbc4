import {
  addEarning,
  addLevel,
  addMonth,
  emptyTally,
  tallyGrant,
  type Tally,
} from "../domain/simulation-tally.ts";
import type { GrantedReward } from "../domain/goals.ts";
import type { Database, Queryable } from "./db.ts";

/**
 * What the books hold for the program's events dated in [from, to): the
 * commissions their ledger entries booked (less what refunds took back), the
 * goal steps they granted, and the sales of their orders less their refunds.
 * Grants without an event are the caller's to place (see `eventlessGrants`).
 */
export async function bookedTally(
  db: Database,
  programId: string,
  period: { fromMs: number; toMs: number; timezone: string },
): Promise<Tally> {
  const tally = emptyTally();
  const range = [programId, iso(period.fromMs), iso(period.toMs)];
  // The period's events and the program's ledger are read whole and
  // hash-joined: without statistics (PGlite has none) the planner takes each
  // side for one row and would compare every entry with every event.
  const lines = await withoutNestedLoops(db, (tx) =>
    tx.query<{
      participant_id: string;
      level: number | null;
      month: string;
      amount: string | number;
      by_participant: boolean;
      by_level: boolean;
    }>(
      // One row per participant, per level and per month (grouping sets), not
      // per all three: a million orders' ledger folds into about as many rows
      // as there are participants.
      `with e as materialized (
       select event_id, occurred_at from events
       where program_id = $1 and status = 'processed' and occurred_at >= $2 and occurred_at < $3),
     l as materialized (
       select event_id, participant_id, level, amount_minor from ledger_entries
       where program_id = $1 and account = 'participant' and asset = 'cash'
         and cause_type in ('commission', 'refund'))
     select l.participant_id, l.level,
       to_char(e.occurred_at at time zone $4, 'YYYY-MM') as month, sum(l.amount_minor) as amount,
       grouping(l.participant_id) = 0 as by_participant, grouping(l.level) = 0 as by_level
     from l join e on e.event_id = l.event_id
     group by grouping sets ((l.participant_id), (l.level), (to_char(e.occurred_at at time zone $4, 'YYYY-MM')))`,
      [...range, period.timezone],
    ),
  );
  for (const l of lines) {
    const amountMinor = Number(l.amount);
    if (l.by_participant) addEarning(tally, l.participant_id, amountMinor);
    else if (l.by_level) addLevel(tally, l.level, amountMinor);
    else addMonth(tally, l.month, amountMinor);
  }
  const grants = await withoutNestedLoops(db, (tx) =>
    tx.query<GrantRow>(
      `with e as materialized (
       select event_id from events
       where program_id = $1 and status = 'processed' and occurred_at >= $2 and occurred_at < $3)
     select g.goal_id, g.participant_id, g.step, g.reward from goal_grants g
     join e on e.event_id = g.event_id
     where g.program_id = $1`,
      range,
    ),
  );
  for (const g of grants) tallyGrant(tally, grantOf(g));
  const [sales] = await db.query<{ orders: string | number; refunds: string | number }>(
    `select
       (select coalesce(sum(commissionable_minor), 0) from orders
        where program_id = $1 and occurred_at >= $2 and occurred_at < $3) as orders,
       (select coalesce(sum(value_minor), 0) from refunds
        where program_id = $1 and state = 'applied' and occurred_at >= $2 and occurred_at < $3) as refunds`,
    range,
  );
  tally.sales = Number(sales?.orders ?? 0) - Number(sales?.refunds ?? 0);
  return tally;
}

interface GrantRow {
  goal_id: string;
  participant_id: string;
  step: number;
  reward: GrantedReward;
  window_key?: string;
  goal_version?: number;
}

const grantOf = (g: GrantRow) => ({
  goalId: g.goal_id,
  participantId: g.participant_id,
  step: g.step,
  reward: g.reward,
});

/**
 * Grants made without an event, other than inactivity spells: a window's
 * close (`at_window_end` goals), or a goal's change granting at once what
 * its new version gives. The caller tells them apart by the goal's version.
 */
export async function eventlessGrants(
  db: Queryable,
  programId: string,
): Promise<
  {
    goalId: string;
    participantId: string;
    step: number;
    reward: GrantedReward;
    windowKey: string;
    goalVersion: number;
    grantedAtMs: number;
  }[]
> {
  const rows = await db.query<Required<GrantRow> & { granted_at: Date }>(
    `select goal_id, participant_id, step, reward, window_key, goal_version, granted_at
     from goal_grants
     where program_id = $1 and event_id is null and window_key not like 'since:%'`,
    [programId],
  );
  return rows.map((g) => ({
    ...grantOf(g),
    windowKey: g.window_key,
    goalVersion: g.goal_version,
    grantedAtMs: g.granted_at.getTime(),
  }));
}

const iso = (ms: number) => new Date(ms).toISOString();

function withoutNestedLoops<T>(db: Database, read: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("set local enable_nestloop = off");
    return read(tx);
  });
}
