import { describe, expect, it } from "vitest";
import {
  addDays,
  isLocalDate,
  localDateOf,
  localMidnightUtcMs,
  reportPeriod,
} from "../../src/domain/periods.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("localMidnightUtcMs", () => {
  // [local date, zone, the UTC instant its day starts at, why]
  const cases: [string, string, string, string][] = [
    ["2026-01-15", "UTC", "2026-01-15T00:00:00.000Z", "UTC has no offset"],
    ["2026-03-07", "America/New_York", "2026-03-07T05:00:00.000Z", "EST, -5"],
    // Clocks spring forward at 02:00 on 8 March: midnight is still EST.
    ["2026-03-08", "America/New_York", "2026-03-08T05:00:00.000Z", "DST starts later that day"],
    ["2026-03-09", "America/New_York", "2026-03-09T04:00:00.000Z", "EDT, -4"],
    ["2026-10-31", "America/New_York", "2026-10-31T04:00:00.000Z", "EDT, -4"],
    // Clocks fall back at 02:00 on 1 November: midnight is still EDT.
    ["2026-11-01", "America/New_York", "2026-11-01T04:00:00.000Z", "DST ends later that day"],
    ["2026-11-02", "America/New_York", "2026-11-02T05:00:00.000Z", "EST again, -5"],
    ["2026-06-01", "Asia/Kolkata", "2026-05-31T18:30:00.000Z", "+5:30, the day before in UTC"],
    // Auckland: NZDT (+13) ends 5 April 2026 at 03:00, NZST (+12) until 27 September.
    ["2026-04-04", "Pacific/Auckland", "2026-04-03T11:00:00.000Z", "NZDT, +13"],
    ["2026-04-05", "Pacific/Auckland", "2026-04-04T11:00:00.000Z", "DST ends at 03:00"],
    ["2026-04-06", "Pacific/Auckland", "2026-04-05T12:00:00.000Z", "NZST, +12"],
    ["2026-09-27", "Pacific/Auckland", "2026-09-26T12:00:00.000Z", "DST starts at 02:00"],
    ["2026-09-28", "Pacific/Auckland", "2026-09-27T11:00:00.000Z", "NZDT, +13"],
    ["2026-07-01", "America/Sao_Paulo", "2026-07-01T03:00:00.000Z", "-3, no DST since 2019"],
    // Sao Paulo's DST began at midnight: 4 November 2018 had no 00:00, its
    // first instant is 01:00 -2, the moment 23:59:59 -3 ended.
    ["2018-11-04", "America/Sao_Paulo", "2018-11-04T03:00:00.000Z", "midnight skipped"],
    ["2018-11-05", "America/Sao_Paulo", "2018-11-05T02:00:00.000Z", "-2 in summer time"],
    // And ended at midnight: at 00:00 -2 on 17 February 2019 clocks went back to
    // 23:00 on the 16th, so the 17th began at 00:00 -3, once.
    ["2019-02-16", "America/Sao_Paulo", "2019-02-16T02:00:00.000Z", "-2, the last summer day"],
    ["2019-02-17", "America/Sao_Paulo", "2019-02-17T03:00:00.000Z", "00:00 -3 after fallback"],
    // Santiago springs forward at 00:00 -4 to 01:00 -3.
    ["2026-09-06", "America/Santiago", "2026-09-06T04:00:00.000Z", "midnight skipped"],
    ["2026-06-15", "Asia/Kathmandu", "2026-06-14T18:15:00.000Z", "+5:45"],
    ["2026-06-15", "Pacific/Honolulu", "2026-06-15T10:00:00.000Z", "-10"],
  ];

  it.each(cases)("%s in %s starts at %s (%s)", (date, zone, expected) => {
    expect(iso(localMidnightUtcMs(date, zone))).toBe(expected);
  });

  it.each(cases)("%s in %s begins that local day", (date, zone) => {
    const start = localMidnightUtcMs(date, zone);
    expect(localDateOf(start, zone)).toBe(date);
    expect(localDateOf(start - 1, zone)).toBe(addDays(date, -1));
  });

  it("makes a day 23 or 25 hours long where DST starts or ends", () => {
    const hours = (date: string, zone: string) =>
      (localMidnightUtcMs(addDays(date, 1), zone) - localMidnightUtcMs(date, zone)) / 3_600_000;
    expect(hours("2026-03-08", "America/New_York")).toBe(23);
    expect(hours("2026-11-01", "America/New_York")).toBe(25);
    expect(hours("2026-11-02", "America/New_York")).toBe(24);
    expect(hours("2018-11-04", "America/Sao_Paulo")).toBe(23);
  });

  it("refuses what is not a calendar date", () => {
    expect(() => localMidnightUtcMs("2026-02-30", "UTC")).toThrow(RangeError);
    expect(() => localMidnightUtcMs("2026-2-3", "UTC")).toThrow(RangeError);
  });
});

describe("addDays", () => {
  it.each([
    ["2026-02-28", 1, "2026-03-01"],
    ["2024-02-28", 1, "2024-02-29"],
    ["2026-01-01", -1, "2025-12-31"],
    ["2026-11-20", -29, "2026-10-22"],
    ["2026-03-08", 1, "2026-03-09"],
    ["2026-03-08", 0, "2026-03-08"],
  ] as const)("%s + %i days is %s", (date, n, expected) => {
    expect(addDays(date, n)).toBe(expected);
  });
});

describe("isLocalDate", () => {
  it("accepts real dates only", () => {
    expect(isLocalDate("2026-11-01")).toBe(true);
    expect(isLocalDate("2024-02-29")).toBe(true);
    expect(isLocalDate("2026-02-29")).toBe(false);
    expect(isLocalDate("2026-11-01T00:00:00Z")).toBe(false);
  });
});

describe("localDateOf", () => {
  it("reads the date on the zone's wall clock", () => {
    // 03:30 UTC on 2 November is 22:30 EST on 1 November.
    expect(localDateOf(Date.parse("2026-11-02T03:30:00Z"), "America/New_York")).toBe("2026-11-01");
    expect(localDateOf(Date.parse("2026-11-02T03:30:00Z"), "UTC")).toBe("2026-11-02");
    // 18:30 UTC is midnight in Kolkata.
    expect(localDateOf(Date.parse("2026-05-31T18:30:00Z"), "Asia/Kolkata")).toBe("2026-06-01");
    expect(localDateOf(Date.parse("2026-05-31T18:29:59.999Z"), "Asia/Kolkata")).toBe("2026-05-31");
  });
});

describe("reportPeriod", () => {
  const ny = "America/New_York";
  // 03:00 UTC on 20 November is 22:00 EST on the 19th: "today" is the 19th there.
  const now = Date.parse("2026-11-20T03:00:00Z");
  const period = (query: { from?: string; to?: string }, zone = ny) => {
    const result = reportPeriod(query, zone, now);
    return result.ok ? { from: iso(result.period.fromMs), to: iso(result.period.toMs) } : result;
  };

  it("defaults to the 30 local days ending today", () => {
    // 19 November - 29 days = 21 October (EDT, -4); the end is 20 November 00:00 EST (-5).
    expect(period({})).toEqual({
      from: "2026-10-21T04:00:00.000Z",
      to: "2026-11-20T05:00:00.000Z",
    });
    expect(period({}, "UTC")).toEqual({
      from: "2026-10-22T00:00:00.000Z",
      to: "2026-11-21T00:00:00.000Z",
    });
  });

  it("includes both local dates", () => {
    expect(period({ from: "2026-11-01", to: "2026-11-01" })).toEqual({
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-11-02T05:00:00.000Z",
    });
  });

  it("takes timestamps as they are: from inclusive, to exclusive", () => {
    expect(period({ from: "2026-11-01T10:00:00+05:30", to: "2026-11-02T00:00:00Z" })).toEqual({
      from: "2026-11-01T04:30:00.000Z",
      to: "2026-11-02T00:00:00.000Z",
    });
  });

  it("mixes a date and a timestamp", () => {
    expect(period({ from: "2026-11-01", to: "2026-11-01T12:00:00Z" })).toEqual({
      from: "2026-11-01T04:00:00.000Z",
      to: "2026-11-01T12:00:00.000Z",
    });
  });

  it("without from, covers the 30 local days ending with to's day", () => {
    // 30 September - 29 days = 1 September.
    expect(period({ to: "2026-09-30" })).toEqual({
      from: "2026-09-01T04:00:00.000Z",
      to: "2026-10-01T04:00:00.000Z",
    });
    // to is exclusive: 1 October 04:00Z is October's first instant, so the last day is 30 September.
    expect(period({ to: "2026-10-01T04:00:00Z" })).toEqual({
      from: "2026-09-01T04:00:00.000Z",
      to: "2026-10-01T04:00:00.000Z",
    });
  });

  it("without to, ends with today", () => {
    expect(period({ from: "2026-11-19" })).toEqual({
      from: "2026-11-19T05:00:00.000Z",
      to: "2026-11-20T05:00:00.000Z",
    });
  });

  it("allows an empty period, and refuses one that ends before it starts", () => {
    expect(period({ from: "2026-11-01T00:00:00Z", to: "2026-11-01T00:00:00Z" })).toEqual({
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-01T00:00:00.000Z",
    });
    expect(period({ from: "2026-11-02", to: "2026-11-01" })).toMatchObject({
      ok: false,
      field: "from",
    });
    // Tomorrow, with to defaulting to today.
    expect(period({ from: "2026-11-21" })).toMatchObject({ ok: false, field: "from" });
  });
});
