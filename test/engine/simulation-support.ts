// What the simulator's checks share: the difference an unchanged replay must
// show, and a program's figures keyed so that two programs compare.
import { expect } from "vitest";
import type {
  SimulationDelta,
  SimulationFigures,
  SimulationResult,
} from "../../src/domain/simulation.ts";

/** The difference of two equal sides: every figure zero, nobody moved. */
export function noDifference(figures: SimulationFigures): SimulationDelta {
  return {
    commissions: 0,
    commissionsByLevel: figures.commissionsByLevel.map(({ level }) => ({ level, amount: 0 })),
    commissionsByMonth: figures.commissionsByMonth.map(({ month }) => ({ month, amount: 0 })),
    rewards: { cash: 0, points: 0, products: 0 },
    rewardsByGoal: figures.rewardsByGoal.map((g) => ({
      ...g,
      grants: 0,
      cash: 0,
      points: 0,
      products: 0,
    })),
    participantsPaid: 0,
    sales: 0,
    costShare: figures.costShare === null ? null : "0.00",
    gainers: [],
    losers: [],
  };
}

/** A replay through the program as it is reproduces the books figure by figure. */
export function expectReplayedAsBooked(result: SimulationResult): void {
  expect(result.simulated).toEqual(result.actual);
  expect(result.delta).toEqual(noDifference(result.actual));
}

/**
 * A side's figures with participants named by external id and goals by the
 * name given (a draft's new goal by its own), so the figures of two programs
 * with the same people and goals can be compared: their ids differ.
 */
export function portable(figures: SimulationFigures, goalNames: ReadonlyMap<string, string>) {
  return {
    commissions: figures.commissions,
    commissionsByLevel: figures.commissionsByLevel,
    commissionsByMonth: figures.commissionsByMonth,
    rewards: figures.rewards,
    // In the goals' names' order: ids, which order them otherwise, differ.
    rewardsByGoal: figures.rewardsByGoal
      .map(({ goalId, ...rest }) => ({ ...rest, goal: goalNames.get(goalId) ?? rest.goalName }))
      .sort((a, b) => (a.goal < b.goal ? -1 : a.goal > b.goal ? 1 : a.step - b.step)),
    topEarners: figures.topEarners.map(({ participantId: _, ...rest }) => rest),
    participantsPaid: figures.participantsPaid,
    sales: figures.sales,
    costShare: figures.costShare,
  };
}
