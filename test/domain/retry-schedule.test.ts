import { describe, expect, it } from "vitest";
import { GIVE_UP_AFTER_MS, nextAttemptAt, retryWaitMs } from "../../src/domain/retry-schedule.ts";

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const created = new Date("2026-03-01T12:00:00.000Z");
const at = (ms: number) => new Date(created.getTime() + ms);

describe("the wait after a failed webhook attempt", () => {
  it.each([
    [1, 5 * SECOND],
    [2, 30 * SECOND],
    [3, 2 * 60 * SECOND],
    [4, 10 * 60 * SECOND],
    [5, 30 * 60 * SECOND],
    [6, HOUR],
    [7, 2 * HOUR],
    [8, 4 * HOUR],
    [9, 8 * HOUR],
    [10, 8 * HOUR],
    [16, 8 * HOUR],
  ])("after %i failed attempts is %i ms", (failed, waitMs) => {
    expect(retryWaitMs(failed)).toBe(waitMs);
  });

  it("retries the first failure within a minute", () => {
    expect(retryWaitMs(1)).toBeLessThan(60 * SECOND);
    expect(retryWaitMs(1) + retryWaitMs(2)).toBeLessThan(60 * SECOND);
  });

  it("never shrinks from one attempt to the next", () => {
    for (let n = 1; n < 20; n++) expect(retryWaitMs(n + 1)).toBeGreaterThanOrEqual(retryWaitMs(n));
  });
});

describe("when a failed delivery is tried again", () => {
  it("is the failure's time plus the wait", () => {
    expect(nextAttemptAt({ createdAt: created, failedAttempts: 1 }, at(0))).toEqual(at(5 * SECOND));
    expect(nextAttemptAt({ createdAt: created, failedAttempts: 3 }, at(40 * SECOND))).toEqual(
      at(160 * SECOND),
    );
  });

  it("may be exactly 3 days after the delivery was created, not later", () => {
    const lastChance = at(GIVE_UP_AFTER_MS - 8 * HOUR);
    expect(nextAttemptAt({ createdAt: created, failedAttempts: 12 }, lastChance)).toEqual(
      at(GIVE_UP_AFTER_MS),
    );
    const tooLate = at(GIVE_UP_AFTER_MS - 8 * HOUR + 1);
    expect(nextAttemptAt({ createdAt: created, failedAttempts: 12 }, tooLate)).toBeNull();
  });

  it("gives a receiver that never answers 17 attempts over 3 days, then fails the delivery", () => {
    const attemptsAt = [0];
    for (;;) {
      const last = attemptsAt.at(-1) ?? 0;
      const next = nextAttemptAt(
        { createdAt: created, failedAttempts: attemptsAt.length },
        at(last),
      );
      if (next === null) break;
      attemptsAt.push(next.getTime() - created.getTime());
    }
    expect(attemptsAt).toHaveLength(17);
    expect(attemptsAt.slice(0, 4)).toEqual([0, 5 * SECOND, 35 * SECOND, 155 * SECOND]);
    expect(attemptsAt.at(-1)).toBeLessThanOrEqual(GIVE_UP_AFTER_MS);
    expect(attemptsAt.at(-1)).toBeGreaterThan(GIVE_UP_AFTER_MS - 8 * HOUR);
  });
});
