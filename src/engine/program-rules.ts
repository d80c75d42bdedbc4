import { DEFAULT_COOKIE_DAYS, toCommissionPlan } from "../domain/program.ts";
import type { ProgramRules } from "../domain/process-events.ts";
import type { ProgramRecord } from "../store/programs.ts";

export function programRules(program: ProgramRecord): ProgramRules {
  const attribution = program.config.attribution ?? {};
  return {
    currency: program.currency,
    plan: toCommissionPlan(program.config.commission),
    cookieDays: attribution.cookieDays ?? DEFAULT_COOKIE_DAYS,
    clickModel: attribution.model ?? "last_click",
    bindCustomer: attribution.bindCustomer ?? false,
  };
}
