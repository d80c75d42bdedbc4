import type { Queryable } from "./db.ts";

/**
 * Every lock Laurel takes, in one place. They are transaction-scoped advisory
 * locks on a hash of (program, key), each kind with its own hash seed, and a
 * transaction takes them in this order, each set sorted, so two overlapping
 * transactions queue and never deadlock:
 *
 *   events -> orders -> program-wide -> participants
 *
 * (Payouts, sponsor-tree changes and target imports take their program-wide
 * lock alone, and so does closing a goal window; so does writing a broadcast,
 * whose lock is server-wide.)
 *
 * A hash collision only makes two unrelated transactions wait for each other.
 */
const SEEDS = {
  event: 1,
  order: 2,
  payouts: 3,
  monthlyBudget: 4,
  sponsorTree: 5,
  participant: 6,
  targetImports: 7,
  goalWindow: 8,
  broadcastSchedule: 9,
} as const;

async function lockKeys(
  tx: Queryable,
  kind: keyof typeof SEEDS,
  programId: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(
    `select pg_advisory_xact_lock(hashtextextended($1 || '/' || key, $2))
     from (select distinct unnest($3::text[]) as key) keys order by key`,
    [programId, SEEDS[kind], keys],
  );
}

/** Deliveries of the same event id: the second waits for the first, then finds it stored. */
export const lockEvents = (tx: Queryable, programId: string, eventIds: readonly string[]) =>
  lockKeys(tx, "event", programId, eventIds);

/** An order, its refunds, its hold release and the review of its flag never interleave. */
export const lockOrders = (tx: Queryable, programId: string, orderIds: readonly string[]) =>
  lockKeys(tx, "order", programId, orderIds);

/** Work per participant (caps, qualification) is serialized per participant. */
export const lockParticipants = (
  tx: Queryable,
  programId: string,
  participantIds: readonly string[],
) => lockKeys(tx, "participant", programId, participantIds);

/**
 * One at a time per program: payouts (nothing paid twice), batches under a
 * program-wide monthly cap (the budget is not spent twice), changes to the
 * sponsor tree (two concurrent moves cannot make a cycle), and target imports
 * (the same file sent twice at once is imported once).
 */
export const lockProgram = (
  tx: Queryable,
  programId: string,
  what: "payouts" | "monthlyBudget" | "sponsorTree" | "targetImports",
) => lockKeys(tx, what, programId, [""]);

/** A goal window closes once: two servers' jobs closing it queue, and the second finds it closed. */
export const lockGoalWindow = (
  tx: Queryable,
  programId: string,
  goalId: string,
  windowKey: string,
) => lockKeys(tx, "goalWindow", programId, [`${goalId}/${windowKey}`]);

/**
 * Broadcasts are written one at a time across the server: each queues its
 * mails behind the last one's, so two written together still keep to the
 * sending rate.
 */
export const lockBroadcastSchedule = (tx: Queryable) => lockKeys(tx, "broadcastSchedule", "", [""]);
