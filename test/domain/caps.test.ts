import { describe, expect, it } from "vitest";
import { applyCaps } from "../../src/domain/caps.ts";
import { monthOf } from "../../src/domain/periods.ts";
import type { CommissionLine } from "../../src/domain/commissions.ts";

const line = (
  participantId: string,
  level: number,
  amountMinor: number,
  itemIndex = 0,
): CommissionLine => ({
  level,
  itemIndex,
  participantId,
  sku: "A",
  quantity: 1,
  baseMinor: 10_000,
  rate: "10%",
  amountMinor,
});

const none = { perOrderMinor: null, perParticipantMonthlyMinor: null, programMonthlyMinor: null };
const empty = { byParticipant: new Map<string, number>(), programMinor: 0 };

describe("caps", () => {
  it("per order: scales every line of the order in proportion to the cap", () => {
    const result = applyCaps(
      [line("ana", 1, 1000), line("sam", 2, 300)],
      { ...none, perOrderMinor: 650 },
      empty,
    );
    expect(result.lines.map((l) => l.amountMinor)).toEqual([500, 150]);
    expect(result.cuts).toEqual([{ rule: "per_order", beforeMinor: 1300, afterMinor: 650 }]);
  });

  it("per participant per month: pays only the room left this month, and names whose cap it was", () => {
    const usage = { byParticipant: new Map([["ana", 4500]]), programMinor: 4500 };
    const result = applyCaps(
      [line("ana", 1, 1000), line("sam", 2, 300)],
      { ...none, perParticipantMonthlyMinor: 5000 },
      usage,
    );
    expect(result.lines.map((l) => [l.participantId, l.amountMinor])).toEqual([
      ["ana", 500],
      ["sam", 300],
    ]);
    expect(result.cuts).toEqual([
      { rule: "per_participant_monthly", participantId: "ana", beforeMinor: 1000, afterMinor: 500 },
    ]);
  });

  it("per program per month: nothing at all once the budget is spent", () => {
    const usage = { byParticipant: new Map<string, number>(), programMinor: 10_000 };
    const result = applyCaps(
      [line("ana", 1, 1000)],
      { ...none, programMonthlyMinor: 10_000 },
      usage,
    );
    expect(result.lines).toEqual([]);
    expect(result.cuts).toEqual([{ rule: "program_monthly", beforeMinor: 1000, afterMinor: 0 }]);
  });

  it("leaves lines alone under every cap", () => {
    const result = applyCaps(
      [line("ana", 1, 1000)],
      { perOrderMinor: 5000, perParticipantMonthlyMinor: 5000, programMonthlyMinor: 5000 },
      empty,
    );
    expect(result).toEqual({ lines: [line("ana", 1, 1000)], cuts: [] });
  });
});

describe("monthOf", () => {
  it("is the calendar month in the program's time zone", () => {
    // 2026-12-01T03:00Z is still November 30 in New York.
    const m = monthOf(Date.UTC(2026, 11, 1, 3), "America/New_York");
    expect(m.key).toBe("2026-11");
    expect(new Date(m.startMs).toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(new Date(m.endMs).toISOString()).toBe("2026-12-01T05:00:00.000Z");
  });

  it("rolls over the year", () => {
    expect(monthOf(Date.UTC(2026, 11, 15), "UTC")).toMatchObject({
      key: "2026-12",
      endMs: Date.UTC(2027, 0, 1),
    });
  });
});
