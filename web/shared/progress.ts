/** Goal progress and balances as the API answers them (see src/domain/progress-view.ts). */
import type { Band } from "./band.ts";
import type { Unit } from "./format.ts";

export interface ProgressStep {
  step: number;
  threshold: number | null;
  granted: boolean;
}

export interface Progress {
  goalId: string;
  name: string;
  metric: string;
  unit: Unit;
  window: { key: string; start: string | null; end: string | null };
  value: number;
  target: number | null;
  percent: number | null;
  band: Band | null;
  stepsReached: ProgressStep[];
  nextStep: (ProgressStep & { remaining: number }) | null;
}

export interface Balances {
  points: { pending: number; available: number };
  cash: { currency: string; pending: number; available: number; paid: number };
}
