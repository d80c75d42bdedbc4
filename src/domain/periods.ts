// Calendar days in a program's time zone, as UTC instants. Pure: the clock
// comes in as an argument, and the zone rules come from Intl (the ICU data
// Node ships), so no time zone library is needed.

import { isSaneYear } from "./instants.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;

/** Milliseconds since the epoch of `date`'s midnight read as if it were UTC. */
function dateAsUtcMs(date: LocalDate): number {
  const match = DATE_PATTERN.exec(date);
  if (!match) throw new RangeError(`${date} is not a date YYYY-MM-DD`);
  const [, year, month, day] = match.map(Number);
  if (year === undefined || month === undefined || day === undefined)
    throw new RangeError(`${date} is not a date YYYY-MM-DD`);
  const ms = Date.UTC(year, month - 1, day);
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip does not exist.
  if (formatUtcDate(ms) !== date) throw new RangeError(`${date} is not a calendar date`);
  return ms;
}

function formatUtcDate(ms: number): LocalDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whether `date` is a real calendar date written `YYYY-MM-DD`. */
export function isLocalDate(date: string): boolean {
  try {
    dateAsUtcMs(date);
    return true;
  } catch {
    return false;
  }
}

/** The date `n` calendar days after `date` (before, for a negative `n`). */
export function addDays(date: LocalDate, n: number): LocalDate {
  // Calendar arithmetic on the UTC calendar, which has no DST to skip days.
  return formatUtcDate(dateAsUtcMs(date) + n * DAY_MS);
}

// Building a formatter is far slower than using one; reports ask many times per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      // h23, not hour12: false, which renders midnight as "24" in some engines.
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock time at `instantMs`, as milliseconds read as if it were UTC. */
function wallClockMs(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs))
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  const field = (name: string): number => parts[name] ?? 0;
  const wholeSeconds = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  // The formatter drops milliseconds; no zone offset has any, so they carry over.
  return wholeSeconds + (((instantMs % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instantMs` (local minus UTC), in milliseconds. */
function offsetMs(instantMs: number, timeZone: string): number {
  return wallClockMs(instantMs, timeZone) - instantMs;
}

/**
 * The UTC instant at which `date` begins in `timeZone`: its local midnight,
 * or, on a day whose midnight a DST change skips, the first instant of that
 * day (the moment of the change). Where midnight happens twice, the first.
 */
export function localMidnightUtcMs(date: LocalDate, timeZone: string): number {
  const wall = dateAsUtcMs(date);
  // The answer is `wall - offset` for the offset in force at the answer, so
  // iterate from the offset at `wall` until the offset stops changing.
  let guess = wall - offsetMs(wall, timeZone);
  for (let i = 0; i < 4; i++) {
    const next = wall - offsetMs(guess, timeZone);
    if (next === guess) break;
    guess = next;
  }
  // Real offsets lie within -12h..+14h, so every instant that could read as
  // this midnight lies in this window; at most one change of offset falls in it.
  const before = offsetMs(wall - 14 * HOUR_MS, timeZone);
  const after = offsetMs(wall + 14 * HOUR_MS, timeZone);
  // Every offset in force around midnight that really maps back to it; the
  // earliest wins where the clock goes back over midnight and it happens twice.
  const exact = [before, after, offsetMs(guess, timeZone)]
    .map((offset) => wall - offset)
    .filter((instant) => wallClockMs(instant, timeZone) === wall);
  if (exact.length > 0) return Math.min(...exact);
  // No instant reads midnight: the clock jumped over it. The day starts at the
  // jump, the first instant whose wall clock is at or after midnight; search
  // between the two readings of midnight (before the jump, and after it).
  let low = wall - Math.max(before, after);
  let high = wall - Math.min(before, after);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClockMs(middle, timeZone) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

/** The local calendar date in `timeZone` at `instantMs`. */
export function localDateOf(instantMs: number, timeZone: string): LocalDate {
  return formatUtcDate(wallClockMs(instantMs, timeZone));
}

/** A half-open span of time: `fromMs` inclusive, `toMs` exclusive. */
export interface Period {
  readonly fromMs: number;
  readonly toMs: number;
}

export type PeriodResult =
  | { readonly ok: true; readonly period: Period }
  | { readonly ok: false; readonly field: "from" | "to"; readonly message: string };

/** How many local days a report covers when the request names no start. */
export const DEFAULT_REPORT_DAYS = 30;

/**
 * The period of a report request. `from` and `to` are local dates (both days
 * included: from `from`'s local midnight to the local midnight after `to`) or
 * ISO-8601 timestamps (`from` inclusive, `to` exclusive); each may be either.
 * Without `to` the period ends with today, the local date at `nowMs`; without
 * `from` it covers the 30 local days ending with `to`'s day.
 */
export function reportPeriod(
  query: { readonly from?: string | undefined; readonly to?: string | undefined },
  timeZone: string,
  nowMs: number,
): PeriodResult {
  const midnight = (date: LocalDate) => localMidnightUtcMs(date, timeZone);
  const toMs =
    query.to === undefined
      ? midnight(addDays(localDateOf(nowMs, timeZone), 1))
      : isLocalDate(query.to)
        ? midnight(addDays(query.to, 1))
        : Date.parse(query.to);
  if (Number.isNaN(toMs))
    return { ok: false, field: "to", message: "is neither a date YYYY-MM-DD nor a timestamp" };
  // The last day the period touches: `to` is exclusive, so the one just before it.
  const lastDay = localDateOf(toMs - 1, timeZone);
  const fromMs =
    query.from === undefined
      ? midnight(addDays(lastDay, 1 - DEFAULT_REPORT_DAYS))
      : isLocalDate(query.from)
        ? midnight(query.from)
        : Date.parse(query.from);
  if (Number.isNaN(fromMs))
    return { ok: false, field: "from", message: "is neither a date YYYY-MM-DD nor a timestamp" };
  // Two dates compare as days: from the 2nd to the 1st is backwards, though
  // the 2nd's midnight is exactly where the 1st ends.
  const backwards =
    query.from !== undefined &&
    query.to !== undefined &&
    isLocalDate(query.from) &&
    isLocalDate(query.to)
      ? query.from > query.to
      : fromMs > toMs;
  if (backwards)
    return {
      ok: false,
      field: "from",
      message: `is after to: ${query.from} comes after ${query.to ?? `today (${lastDay} in ${timeZone})`}`,
    };
  return { ok: true, period: { fromMs, toMs } };
}

/** A calendar month or quarter in a time zone, as a half-open span with its key. */
export interface CalendarPeriod {
  /** `2026-11` for a month, `2026-Q4` for a quarter. */
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

export type CalendarUnit = "month" | "quarter";

/** The calendar month or quarter (in `timeZone`) that `instantMs` falls in. */
export function calendarPeriodOf(
  instantMs: number,
  timeZone: string,
  unit: CalendarUnit,
): CalendarPeriod {
  // Time-zone arithmetic goes through Intl and is slow; every goal of every
  // event asks for a period, and nearly all fall in a handful of them.
  const cacheKey = `${timeZone}|${unit}`;
  const known = periodCache.get(cacheKey) ?? [];
  const hit = known.find((p) => instantMs >= p.startMs && instantMs < p.endMs);
  if (hit) return hit;
  const period = computeCalendarPeriod(instantMs, timeZone, unit);
  periodCache.set(cacheKey, [period, ...known].slice(0, PERIOD_CACHE_SIZE));
  return period;
}

const PERIOD_CACHE_SIZE = 48;
/** Periods already computed, newest first, by time zone and unit: a memo, not state. */
const periodCache = new Map<string, CalendarPeriod[]>();

function computeCalendarPeriod(
  instantMs: number,
  timeZone: string,
  unit: CalendarUnit,
): CalendarPeriod {
  const date = localDateOf(instantMs, timeZone);
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return unit === "month"
    ? periodFrom(year, month, 1, `${date.slice(0, 7)}`, timeZone)
    : periodFrom(
        year,
        3 * Math.floor((month - 1) / 3) + 1,
        3,
        `${year}-Q${Math.ceil(month / 3)}`,
        timeZone,
      );
}

/** The period a key names (`2026-11`, `2026-Q4`), or null if it names none. */
export function calendarPeriodByKey(key: string, timeZone: string): CalendarPeriod | null {
  // Outside these years the calendar arithmetic below (four-digit years) means nothing.
  if (!isSaneYear(Number(key.slice(0, 4)))) return null;
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(key);
  if (month) return periodFrom(Number(month[1]), Number(month[2]), 1, key, timeZone);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (quarter) return periodFrom(Number(quarter[1]), 3 * Number(quarter[2]) - 2, 3, key, timeZone);
  return null;
}

/** The calendar month (program time zone) an instant falls in. */
export function monthOf(instantMs: number, timeZone: string): CalendarPeriod {
  return calendarPeriodOf(instantMs, timeZone, "month");
}

function periodFrom(
  year: number,
  firstMonth: number,
  months: number,
  key: string,
  timeZone: string,
): CalendarPeriod {
  const first = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}-01`;
  const after = firstMonth + months;
  const endYear = after > 12 ? year + 1 : year;
  const endMonth = after > 12 ? after - 12 : after;
  return {
    key,
    startMs: localMidnightUtcMs(first(year, firstMonth), timeZone),
    endMs: localMidnightUtcMs(first(endYear, endMonth), timeZone),
  };
}
