/** Calendar days in a program's time zone, as the API counts them. */

/** Today's date, YYYY-MM-DD, in `timeZone`. */
export function todayIn(timeZone: string, now = Date.now()): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

export function addDays(date: string, n: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + n * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
function offsetMs(instantMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instantMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return wall - Math.floor(instantMs / 1000) * 1000;
}

/** The instant a local date starts in `timeZone`, as ISO-8601 (what fixed goal windows take). */
export function localMidnightIso(date: string, timeZone: string): string {
  const guess = Date.parse(`${date}T00:00:00Z`);
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  let ms = guess - offsetMs(guess, timeZone);
  ms = guess - offsetMs(ms, timeZone);
  return new Date(ms).toISOString();
}

/** The local date of an ISO instant in `timeZone`. */
export function localDateOf(iso: string, timeZone: string): string {
  return todayIn(timeZone, Date.parse(iso));
}

/** The ranges the Overview offers, as local dates from and to (both included). */
export const PRESETS = [
  ["today", "Today"],
  ["last7", "Last 7 days"],
  ["last30", "Last 30 days"],
  ["thisMonth", "This month"],
  ["lastMonth", "Last month"],
  ["thisQuarter", "This quarter"],
] as const;
export type Preset = (typeof PRESETS)[number][0];

/** The local dates a preset covers on `today` (YYYY-MM-DD in the program's time zone). */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  const [year, month] = today.split("-").map(Number) as [number, number];
  const first = (y: number, m: number) => `${y}-${String(m).padStart(2, "0")}-01`;
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "last7":
      return { from: addDays(today, -6), to: today };
    case "last30":
      return { from: addDays(today, -29), to: today };
    case "thisMonth":
      return { from: first(year, month), to: today };
    case "lastMonth": {
      const start = month === 1 ? first(year - 1, 12) : first(year, month - 1);
      return { from: start, to: addDays(first(year, month), -1) };
    }
    case "thisQuarter":
      return { from: first(year, month - ((month - 1) % 3)), to: today };
  }
}

/** How many local days a range covers, both ends included. */
export function daysIn(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
}
