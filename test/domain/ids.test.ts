import { describe, expect, it } from "vitest";
import { createIdSource } from "../../src/domain/ids.ts";

describe("ids", () => {
  it("are prefixed ULIDs that sort in creation order, within and across milliseconds", () => {
    let now = Date.UTC(2026, 10, 23);
    const ids = createIdSource(
      () => now,
      (n) => new Uint8Array(n).fill(31),
    );
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(ids.next("led"));
    now += 1;
    made.push(ids.next("led"));
    for (const id of made) expect(id).toMatch(/^led_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it("encodes the time in the first ten characters", () => {
    const ids = createIdSource(
      () => 1_469_918_176_385,
      (n) => new Uint8Array(n),
    );
    // The ULID specification's example time.
    expect(ids.next("prg").slice(4, 14)).toBe("01ARYZ6S41");
  });
});
