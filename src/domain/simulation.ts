import type { ActiveGoal } from "./goal-progress.ts";
import type { ProgramInput } from "./program.ts";

/**
 * A simulation replays a program's stored history through a draft: the
 * program as a PATCH would leave it, and goals added to or replacing the
 * live ones. Events before `from` go through the program as it was then;
 * events in [from, to) through the draft. What the draft pays in the period
 * is set beside what was booked.
 */
export interface SimulationDraft {
  readonly fromMs: number;
  readonly toMs: number;
  /** The program's settings as the draft's PATCH leaves them. */
  readonly program: ProgramInput;
  /**
   * The draft's goals: a goal with a live goal's id replaces that goal (its
   * progress goes on), any other is added as a new goal counting from `from`.
   */
  readonly goals: readonly ActiveGoal[];
  /** True: only the draft's goals count in the period; the live ones stop at `from`. */
  readonly replaceGoals: boolean;
}

/** One side of the comparison: what was booked, or what the draft would have booked. */
export interface SimulationFigures {
  /** Commissions in minor units, net of what the period's refunds took back. */
  readonly commissions: number;
  readonly commissionsByLevel: readonly { readonly level: number; readonly amount: number }[];
  /** By calendar month (YYYY-MM, program time zone) of the event that booked them. */
  readonly commissionsByMonth: readonly { readonly month: string; readonly amount: number }[];
  readonly rewards: {
    /** Cash rewards, minor units. */
    readonly cash: number;
    readonly points: number;
    /** Free product units. */
    readonly products: number;
  };
  readonly rewardsByGoal: readonly RewardsOfGoalStep[];
  /** The ten who earned most, most first: by commissions and cash rewards, then by points (a points-only earner shows with a total of 0). */
  readonly topEarners: readonly Earning[];
  /** Participants whose commissions and cash rewards in the period sum above zero. */
  readonly participantsPaid: number;
  /** Commissionable value of the period's orders less what its refunds returned, minor units. */
  readonly sales: number;
  /** Commissions and cash rewards as a percentage of sales, two decimals ("12.50"); null without sales. */
  readonly costShare: string | null;
}

export interface RewardsOfGoalStep {
  readonly goalId: string;
  readonly goalName: string;
  readonly step: number;
  readonly grants: number;
  readonly cash: number;
  readonly points: number;
  readonly products: number;
}

export interface Earning {
  readonly participantId: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly commissions: number;
  readonly cash: number;
  readonly points: number;
  /** commissions + cash, minor units. */
  readonly total: number;
}

/** Who the draft pays more (or less) than was booked, by commissions and cash rewards. */
export interface Mover {
  readonly participantId: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly actual: number;
  readonly simulated: number;
  /** simulated - actual, minor units. */
  readonly change: number;
}

/** simulated - actual, figure by figure. */
export interface SimulationDelta {
  readonly commissions: number;
  readonly commissionsByLevel: readonly { readonly level: number; readonly amount: number }[];
  readonly commissionsByMonth: readonly { readonly month: string; readonly amount: number }[];
  readonly rewards: { readonly cash: number; readonly points: number; readonly products: number };
  readonly rewardsByGoal: readonly RewardsOfGoalStep[];
  readonly participantsPaid: number;
  readonly sales: number;
  /** Percentage points, two decimals ("-1.25"); null when either side has no sales. */
  readonly costShare: string | null;
  /** Up to ten who gain most, biggest gain first. */
  readonly gainers: readonly Mover[];
  /** Up to ten who lose most, biggest loss first. */
  readonly losers: readonly Mover[];
}

export interface SimulationResult {
  readonly currency: string;
  readonly actual: SimulationFigures;
  readonly simulated: SimulationFigures;
  readonly delta: SimulationDelta;
  /** What the replay could not reproduce, said plainly (empty when nothing). */
  readonly notes: readonly string[];
}

export interface SimulationProgress {
  /** Events replayed so far, of `total` (the period's and the history before it). */
  readonly replayed: number;
  readonly total: number;
}
