import { describe, expect, it } from "vitest";
import { eventSchema } from "../../src/domain/events.ts";
import { contentHash } from "../../src/engine/content-hash.ts";

describe("an event's content hash", () => {
  const hashOf = (raw: unknown) => contentHash(eventSchema.parse(raw));

  it("is the same for the same event serialized with its keys in another order", () => {
    const a = {
      type: "order",
      id: "o-1",
      customer: { id: "c", email: "c@example.com" },
      items: [{ sku: "A", quantity: 1, unitAmount: 100 }],
    };
    const b = {
      items: [{ unitAmount: 100, quantity: 1, sku: "A" }],
      customer: { email: "c@example.com", id: "c" },
      id: "o-1",
      type: "order",
    };
    expect(hashOf(a)).toBe(hashOf(b));
  });

  it("differs when any value differs", () => {
    const base = { type: "order", id: "o-1", items: [{ sku: "A", quantity: 1, unitAmount: 100 }] };
    expect(hashOf(base)).not.toBe(
      hashOf({ ...base, items: [{ sku: "A", quantity: 2, unitAmount: 100 }] }),
    );
  });
});
