import type { GrantFact } from "./goal-progress.ts";
import type { GrantedReward } from "./goals.ts";
import type { JournalFact, LevelChangeFact } from "./process-events.ts";

/** A goal step granted, as an outcome or a job reports it. */
export interface GrantOutcome {
  readonly goalId: string;
  readonly step: number;
  readonly participantId: string;
  readonly window: string;
  readonly reward: GrantedReward;
  /** Set when the reward names another program and the person has no membership there. */
  readonly notCredited?: string;
}

/**
 * What a grant books: a ledger journal (points, cash or a product unit, all
 * available at once: a reward stands whatever happens to the orders that
 * earned it) or a level change, on the participant's own account or, for a
 * reward that credits another program, on the same person's membership there
 * (`memberships` by `programId|externalId`).
 */
export function settleGrant(
  g: GrantFact,
  externalId: string | undefined,
  memberships: ReadonlyMap<string, string>,
): { outcome: GrantOutcome; journal: JournalFact | null; levelChange: LevelChangeFact | null } {
  const outcome = {
    goalId: g.goalId,
    step: g.step,
    participantId: g.participantId,
    window: g.windowKey,
    reward: g.reward,
  };
  const elsewhere = g.reward.program;
  let owner = g.participantId;
  if (elsewhere !== undefined) {
    const member =
      externalId === undefined ? undefined : memberships.get(`${elsewhere}|${externalId}`);
    if (member === undefined)
      return {
        outcome: {
          ...outcome,
          notCredited: `the participant is not a member of program ${elsewhere}; the reward could not be credited there`,
        },
        journal: null,
        levelChange: null,
      };
    owner = member;
  }
  const levelChange =
    g.reward.type === "level"
      ? { programId: elsewhere ?? null, participantId: owner, level: g.reward.level }
      : null;
  return { outcome, journal: rewardJournal(g, owner), levelChange };
}

/** The ledger journal a granted reward books, or null for a level change or nothing to pay. */
function rewardJournal(g: GrantFact, owner: string): JournalFact | null {
  const base = {
    bucket: "available" as const,
    causeType: "reward" as const,
    causeKey: `reward:${g.goalId}:${g.participantId}:${g.windowKey}:${g.step}`,
    eventId: g.eventId,
    orderId: null,
    goal: { goalId: g.goalId, version: g.version, step: g.step },
    ...(g.reward.program === undefined ? {} : { programId: g.reward.program }),
  };
  const leg = (amountMinor: number) => [{ participantId: owner, amountMinor, level: null }];
  switch (g.reward.type) {
    case "points":
      return g.reward.points > 0 ? { ...base, asset: "points", legs: leg(g.reward.points) } : null;
    case "cash":
      return g.reward.amount > 0 ? { ...base, asset: "cash", legs: leg(g.reward.amount) } : null;
    case "free_product":
      return {
        ...base,
        asset: "product",
        legs: leg(1),
        product: { sku: g.reward.sku, voucherCode: g.reward.voucherCode },
      };
    case "level":
      return null;
  }
}
