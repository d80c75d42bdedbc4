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
