import { addDays, localDateOf, localMidnightUtcMs, type Period } from "./periods.ts";

const DAY_MS = 86_400_000;

/**
 * The period of the same length just before `period`, for a comparison.
 * A period of whole local days (`wholeDays`: from and to were dates, or
 * left to their defaults) compares with as many local days before it, so a
 * week that crosses a DST change is still compared with a week; any other
 * period, with the same number of milliseconds before it.
 */
export function previousPeriod(period: Period, timeZone: string, wholeDays: boolean): Period {
  if (!wholeDays)
    return { fromMs: period.fromMs - (period.toMs - period.fromMs), toMs: period.fromMs };
  const firstDay = localDateOf(period.fromMs, timeZone);
  const lastDay = localDateOf(Math.max(period.fromMs, period.toMs - 1), timeZone);
  const days = Math.round((Date.parse(lastDay) - Date.parse(firstDay)) / DAY_MS) + 1;
  return { fromMs: localMidnightUtcMs(addDays(firstDay, -days), timeZone), toMs: period.fromMs };
}
