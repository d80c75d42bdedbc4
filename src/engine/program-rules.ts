import { DEFAULT_COOKIE_DAYS, toCommissionPlan } from "../domain/program.ts";
import type { ProgramRules } from "../domain/process-events.ts";
import type { ProgramRecord } from "../store/programs.ts";

/** Commissions wait this long for refunds unless the program says otherwise. */
export const DEFAULT_HOLD_DAYS = 30;

export function programRules(program: ProgramRecord, now: Date): ProgramRules {
  const attribution = program.config.attribution ?? {};
  return {
    currency: program.currency,
    plan: toCommissionPlan(program.config.commission),
    cookieDays: attribution.cookieDays ?? DEFAULT_COOKIE_DAYS,
    clickModel: attribution.model ?? "last_click",
    bindCustomer: attribution.bindCustomer ?? false,
    holdDays: program.config.commission?.holdDays ?? DEFAULT_HOLD_DAYS,
    nowMs: now.getTime(),
    timezone: program.timezone,
    caps: {
      perOrderMinor: program.config.commission?.caps?.perOrder ?? null,
      perParticipantMonthlyMinor: program.config.commission?.caps?.perParticipantMonthly ?? null,
      programMonthlyMinor: program.config.commission?.caps?.programMonthly ?? null,
    },
  };
}
