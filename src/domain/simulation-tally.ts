import type { GrantedReward } from "./goals.ts";
import type { Lookup } from "./overlay.ts";
import type {
  Earning,
  Mover,
  RewardsOfGoalStep,
  SimulationDelta,
  SimulationFigures,
} from "./simulation.ts";

/**
 * What one side of a simulation paid, summed as it happened: the booked side
 * from the ledger, the simulated side from the replay's facts. Both are
 * turned into figures by the same functions, so they can only differ where
 * what was paid differs.
 */
export interface Tally {
  /** By participant id: commissions (net), cash rewards and points. */
  readonly byParticipant: Map<string, { commissions: number; cash: number; points: number }>;
  readonly byLevel: Map<number, number>;
  /** By YYYY-MM of the booking event, in the program's time zone. */
  readonly byMonth: Map<string, number>;
  /** By `goalId|step`. */
  readonly byGoalStep: Map<string, Omit<RewardsOfGoalStep, "goalName">>;
  sales: number;
}

export const emptyTally = (): Tally => ({
  byParticipant: new Map(),
  byLevel: new Map(),
  byMonth: new Map(),
  byGoalStep: new Map(),
  sales: 0,
});

const earningOf = (tally: Tally, participantId: string) => {
  let e = tally.byParticipant.get(participantId);
  if (!e) tally.byParticipant.set(participantId, (e = { commissions: 0, cash: 0, points: 0 }));
  return e;
};

/** A commission (positive) or what a refund took back of one (negative). */
export function tallyCommission(
  tally: Tally,
  line: { participantId: string; level: number | null; amountMinor: number; month: string },
): void {
  addEarning(tally, line.participantId, line.amountMinor);
  addLevel(tally, line.level, line.amountMinor);
  addMonth(tally, line.month, line.amountMinor);
}

/** The three sums a commission line adds to, each on its own for totals read already summed. */
export function addEarning(tally: Tally, participantId: string, amountMinor: number): void {
  earningOf(tally, participantId).commissions += amountMinor;
}

export function addLevel(tally: Tally, level: number | null, amountMinor: number): void {
  const key = level ?? 0;
  tally.byLevel.set(key, (tally.byLevel.get(key) ?? 0) + amountMinor);
}

export function addMonth(tally: Tally, month: string, amountMinor: number): void {
  tally.byMonth.set(month, (tally.byMonth.get(month) ?? 0) + amountMinor);
}

/** One goal step granted: cash and points are the grantee's, a free product is one unit. */
export function tallyGrant(
  tally: Tally,
  grant: { goalId: string; step: number; participantId: string; reward: GrantedReward },
): void {
  const key = `${grant.goalId}|${grant.step}`;
  const row = tally.byGoalStep.get(key) ?? {
    goalId: grant.goalId,
    step: grant.step,
    grants: 0,
    cash: 0,
    points: 0,
    products: 0,
  };
  const r = grant.reward;
  tally.byGoalStep.set(key, {
    ...row,
    grants: row.grants + 1,
    cash: row.cash + (r.type === "cash" ? r.amount : 0),
    points: row.points + (r.type === "points" ? r.points : 0),
    products: row.products + (r.type === "free_product" ? 1 : 0),
  });
  const earning = earningOf(tally, grant.participantId);
  if (r.type === "cash") earning.cash += r.amount;
  if (r.type === "points") earning.points += r.points;
}

export interface Person {
  readonly externalId: string;
  readonly name: string | null;
}

const TOP = 10;

export function figuresOf(
  tally: Tally,
  people: Lookup<string, Person>,
  goalNames: Lookup<string, string>,
): SimulationFigures {
  const earnings: Earning[] = [];
  let commissions = 0;
  let paid = 0;
  for (const [participantId, e] of tally.byParticipant) {
    commissions += e.commissions;
    const total = e.commissions + e.cash;
    if (total > 0) paid += 1;
    const person = people.get(participantId);
    earnings.push({
      participantId,
      externalId: person?.externalId ?? participantId,
      name: person?.name ?? null,
      commissions: e.commissions,
      cash: e.cash,
      points: e.points,
      total,
    });
  }
  const rewardsByGoal = [...tally.byGoalStep.values()]
    .sort((a, b) => a.goalId.localeCompare(b.goalId) || a.step - b.step)
    .map((r) => ({ ...r, goalName: goalNames.get(r.goalId) ?? r.goalId }));
  const rewards = rewardsByGoal.reduce(
    (sum, r) => ({
      cash: sum.cash + r.cash,
      points: sum.points + r.points,
      products: sum.products + r.products,
    }),
    { cash: 0, points: 0, products: 0 },
  );
  return {
    commissions,
    commissionsByLevel: [...tally.byLevel]
      .sort(([a], [b]) => a - b)
      .map(([level, amount]) => ({ level, amount })),
    commissionsByMonth: [...tally.byMonth]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, amount]) => ({ month, amount })),
    rewards,
    rewardsByGoal,
    topEarners: earnings
      .filter((e) => e.total > 0 || e.points > 0)
      .sort(
        (a, b) =>
          b.total - a.total ||
          b.points - a.points ||
          a.participantId.localeCompare(b.participantId),
      )
      .slice(0, TOP),
    participantsPaid: paid,
    sales: tally.sales,
    costShare: shareOf(commissions + rewards.cash, tally.sales),
  };
}

/** `part` as a percentage of `whole`, two decimals rounded half away from zero, exactly. */
export function shareOf(part: number, whole: number): string | null {
  if (whole <= 0) return null;
  const basisPoints = divideHalfUp(BigInt(part) * 10_000n, BigInt(whole));
  return fromHundredths(basisPoints);
}

function divideHalfUp(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const q = (abs * 2n + d) / (2n * d);
  return negative ? -q : q;
}

function fromHundredths(h: bigint): string {
  const negative = h < 0n;
  const abs = negative ? -h : h;
  const whole = abs / 100n;
  const cents = String(abs % 100n).padStart(2, "0");
  return `${negative ? "-" : ""}${whole}.${cents}`;
}

/** The simulated side less the actual one, figure by figure, and who moved most. */
export function compareTallies(
  actual: Tally,
  simulated: Tally,
  figures: { actual: SimulationFigures; simulated: SimulationFigures },
  people: Lookup<string, Person>,
  goalNames: Lookup<string, string>,
): SimulationDelta {
  const a = figures.actual;
  const s = figures.simulated;
  const movers: Mover[] = [];
  const ids = new Set([...actual.byParticipant.keys(), ...simulated.byParticipant.keys()]);
  for (const id of ids) {
    const before = actual.byParticipant.get(id);
    const after = simulated.byParticipant.get(id);
    const was = (before?.commissions ?? 0) + (before?.cash ?? 0);
    const now = (after?.commissions ?? 0) + (after?.cash ?? 0);
    if (was === now) continue;
    const person = people.get(id);
    movers.push({
      participantId: id,
      externalId: person?.externalId ?? id,
      name: person?.name ?? null,
      actual: was,
      simulated: now,
      change: now - was,
    });
  }
  const byId = (x: Mover, y: Mover) => x.participantId.localeCompare(y.participantId);
  const goalSteps = new Set([...actual.byGoalStep.keys(), ...simulated.byGoalStep.keys()]);
  const rewardsByGoal: RewardsOfGoalStep[] = [...goalSteps].sort().map((key) => {
    const x = actual.byGoalStep.get(key);
    const y = simulated.byGoalStep.get(key);
    const goalId = (x ?? y)?.goalId ?? "";
    const row = {
      goalId,
      goalName: goalNames.get(goalId) ?? goalId,
      step: (x ?? y)?.step ?? 0,
      grants: (y?.grants ?? 0) - (x?.grants ?? 0),
      cash: (y?.cash ?? 0) - (x?.cash ?? 0),
      points: (y?.points ?? 0) - (x?.points ?? 0),
      products: (y?.products ?? 0) - (x?.products ?? 0),
    };
    return row;
  });
  return {
    commissions: s.commissions - a.commissions,
    commissionsByLevel: differenceBy(actual.byLevel, simulated.byLevel, (x, y) => x - y).map(
      ([level, amount]) => ({ level, amount }),
    ),
    commissionsByMonth: differenceBy(actual.byMonth, simulated.byMonth, (x, y) =>
      x.localeCompare(y),
    ).map(([month, amount]) => ({ month, amount })),
    rewards: {
      cash: s.rewards.cash - a.rewards.cash,
      points: s.rewards.points - a.rewards.points,
      products: s.rewards.products - a.rewards.products,
    },
    rewardsByGoal,
    participantsPaid: s.participantsPaid - a.participantsPaid,
    sales: s.sales - a.sales,
    costShare:
      a.costShare === null || s.costShare === null
        ? null
        : fromHundredths(hundredths(s.costShare) - hundredths(a.costShare)),
    gainers: movers
      .filter((m) => m.change > 0)
      .sort((x, y) => y.change - x.change || byId(x, y))
      .slice(0, TOP),
    losers: movers
      .filter((m) => m.change < 0)
      .sort((x, y) => x.change - y.change || byId(x, y))
      .slice(0, TOP),
  };
}

function hundredths(share: string): bigint {
  const negative = share.startsWith("-");
  const [whole = "0", cents = "00"] = share.replace("-", "").split(".");
  const h = BigInt(whole) * 100n + BigInt(cents);
  return negative ? -h : h;
}

/** Every key of either side with y - x, in key order: both sides' rows line up with the delta's. */
function differenceBy<K>(
  x: ReadonlyMap<K, number>,
  y: ReadonlyMap<K, number>,
  order: (a: K, b: K) => number,
): [K, number][] {
  const keys = [...new Set([...x.keys(), ...y.keys()])].sort(order);
  return keys.map((k): [K, number] => [k, (y.get(k) ?? 0) - (x.get(k) ?? 0)]);
}
