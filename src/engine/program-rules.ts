import {
  DEFAULT_COOKIE_DAYS,
  DEFAULT_MAX_CLICKS_PER_HOUR,
  toCommissionPlan,
  type ProgramInput,
} from "../domain/program.ts";
import { parsePercent } from "../domain/money.ts";
import type { RefundAbuseRule } from "../domain/fraud.ts";
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
    maxClicksPerHour: program.config.fraud?.maxClicksPerHour ?? DEFAULT_MAX_CLICKS_PER_HOUR,
    refundAbuse: refundAbuseRule(program.config.fraud?.refundAbuse),
    goalGraceMs: (program.config.goalGraceHours ?? 0) * 3_600_000,
    caps: {
      perOrderMinor: program.config.commission?.caps?.perOrder ?? null,
      perParticipantMonthlyMinor: program.config.commission?.caps?.perParticipantMonthly ?? null,
      programMonthlyMinor: program.config.commission?.caps?.programMonthly ?? null,
    },
  };
}

function refundAbuseRule(
  input: NonNullable<ProgramInput["fraud"]>["refundAbuse"],
): RefundAbuseRule | null {
  if (!input) return null;
  const maxRefundPercent = parsePercent(input.maxRefundPercent);
  // The schema refused anything parsePercent cannot read.
  return maxRefundPercent ? { orders: input.orders, maxRefundPercent } : null;
}
