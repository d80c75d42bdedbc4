// What the What if? screen sends and says, apart from how it draws it: the
// periods it offers, the instants a period runs over, when two drafts are
// the same one, and a change told in words for the save's confirmation.
import { formatMoney } from "../shared/format.ts";
import { addDays, localMidnightIso } from "./dates.ts";

/**
 * What a simulation replays its period through, as POST
 * /v1/programs/{programId}/simulations takes it less the period: the PATCH
 * the program form would send, or a goal body (with the goal's id when it
 * stands for an edit of that goal).
 */
export interface WhatIfDraft {
  readonly program: Record<string, unknown>;
  readonly goals: readonly Record<string, unknown>[];
  readonly replaceGoals: boolean;
}

export const PERIODS = [
  ["last30", "Last 30 days"],
  ["last90", "Last 90 days"],
  ["lastQuarter", "Last quarter"],
  ["thisYear", "This year"],
] as const;
export type Period = (typeof PERIODS)[number][0];

/** The local dates (both included) a period covers on `today`, in the program's time zone. */
export function periodRange(period: Period, today: string): { from: string; to: string } {
  const [year, month] = today.split("-").map(Number) as [number, number];
  const first = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}-01`;
  switch (period) {
    case "last30":
      return { from: addDays(today, -29), to: today };
    case "last90":
      return { from: addDays(today, -89), to: today };
    case "lastQuarter": {
      // The calendar quarter before the one today is in.
      const quarterStart = month - ((month - 1) % 3);
      const from = quarterStart === 1 ? first(year - 1, 10) : first(year, quarterStart - 3);
      return { from, to: addDays(first(year, quarterStart), -1) };
    }
    case "thisYear":
      return { from: first(year, 1), to: today };
  }
}

/**
 * The instants a simulation replays: from the first day's local midnight up
 * to the last day's end, or up to now when the last day is today, since
 * nothing later has happened.
 */
export function periodInstants(
  range: { from: string; to: string },
  timeZone: string,
  nowMs: number,
) {
  const endMs = Date.parse(localMidnightIso(addDays(range.to, 1), timeZone));
  return {
    from: localMidnightIso(range.from, timeZone),
    to: new Date(Math.min(endMs, nowMs)).toISOString(),
  };
}

/** A value with its keys in order, so two drafts that say the same thing compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const MONEY_KEYS = new Set([
  "flat",
  "perOrder",
  "perParticipantMonthly",
  "programMonthly",
  "minimum",
  "amount",
]);

/** "perParticipantMonthly" -> "per participant monthly". */
const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();

function shown(value: unknown, money: boolean, currency: string): string {
  if (value === undefined || value === null) return "none";
  if (isObject(value) && "percent" in value && Object.keys(value).length === 1)
    return `${String(value.percent)}%`;
  if (isObject(value) && "flat" in value && typeof value.flat === "number")
    return formatMoney(value.flat, currency);
  if (typeof value === "number" && money) return formatMoney(value, currency);
  if (Array.isArray(value) && value.every((v) => isObject(v) && ("percent" in v || "flat" in v)))
    return value.map((v) => shown(v, money, currency)).join(", ");
  const text = typeof value === "string" ? `“${value}”` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * What a change does, a line per setting: "commission › rate: 10% → 15%".
 * `after` is a merge patch when `patch` holds (what it leaves out stays as it
 * was, null removes); otherwise the whole new value.
 */
export function changesOf(
  before: unknown,
  after: unknown,
  currency: string,
  patch: boolean,
  /** Keys whose numbers are money here besides the program's (a money goal's `threshold`). */
  moneyKeys: readonly string[] = [],
): string[] {
  const lines: string[] = [];
  const isMoney = (key: string) => MONEY_KEYS.has(key) || moneyKeys.includes(key);
  const walk = (b: unknown, a: unknown, path: string[], partial: boolean) => {
    const key = path.at(-1) ?? "";
    const rateLike = (v: unknown) => isObject(v) && ("percent" in v || "flat" in v);
    if (isObject(a) && !rateLike(a) && !rateLike(b)) {
      const was = isObject(b) ? b : {};
      const keys = partial
        ? Object.keys(a)
        : [...new Set([...Object.keys(was), ...Object.keys(a)])];
      for (const k of keys) walk(was[k], a[k], [...path, k], partial);
      return;
    }
    // A list as long as it was is told item by item ("steps › 1 › reward › points"), counted from 1.
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      // Merge patch replaces a list whole, so each item is the whole new item.
      a.forEach((item, i) => walk(b[i], item, [...path, String(i + 1)], false));
      return;
    }
    if (canonical(b ?? null) === canonical(a ?? null)) return;
    const label = path.map(words).join(" › ");
    lines.push(
      a === null || a === undefined
        ? `${label}: ${shown(b, isMoney(key), currency)} → removed`
        : `${label}: ${shown(b, isMoney(key), currency)} → ${shown(a, isMoney(key), currency)}`,
    );
  };
  walk(before, after, [], patch);
  return lines;
}
