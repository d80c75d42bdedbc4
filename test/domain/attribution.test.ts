import { describe, expect, it } from "vitest";
import { attributeOrder, pickClick, type Candidate } from "../../src/domain/attribution.ts";

const ana: Candidate = { participantId: "par_ana", externalId: "amb-42", email: "ana@example.com" };
const bob: Candidate = { participantId: "par_bob", externalId: "amb-43", email: "bob@example.com" };
const carol: Candidate = { participantId: "par_carol", externalId: "amb-44", email: null };
const customer = { id: "c-9", email: "c9@example.com" };

describe("attribution order: participant > code > click > bound customer", () => {
  it("prefers the explicit participant", () => {
    expect(
      attributeOrder({
        candidates: { participant: ana, code: bob, click: carol },
        customer,
        paysCommission: true,
      }),
    ).toEqual({ participantId: "par_ana", source: "participant" });
  });

  it("uses the code when no participant is named", () => {
    expect(
      attributeOrder({ candidates: { code: bob, click: carol }, customer, paysCommission: true }),
    ).toEqual({ participantId: "par_bob", source: "code" });
  });

  it("falls back to the click, then the bound customer", () => {
    expect(
      attributeOrder({
        candidates: { click: carol, customer: ana },
        customer,
        paysCommission: true,
      }),
    ).toEqual({ participantId: "par_carol", source: "click" });
    expect(
      attributeOrder({ candidates: { customer: ana }, customer, paysCommission: true }),
    ).toEqual({ participantId: "par_ana", source: "customer" });
  });

  it("attributes nothing without a candidate, and says why", () => {
    expect(attributeOrder({ candidates: {}, customer, paysCommission: true })).toMatchObject({
      participantId: null,
      reason: "no_referrer",
    });
  });
});

describe("self-referral is not attributed", () => {
  it("refuses a purchase through one's own code, matched by customer id", () => {
    expect(
      attributeOrder({
        candidates: { code: ana },
        customer: { id: "amb-42", email: null },
        paysCommission: true,
      }),
    ).toMatchObject({ participantId: null, source: "code", reason: "self_referral" });
  });

  it("refuses a purchase matched by email, whatever its case", () => {
    expect(
      attributeOrder({
        candidates: { click: ana },
        customer: { id: null, email: "ANA@example.com " },
        paysCommission: true,
      }),
    ).toMatchObject({ participantId: null, reason: "self_referral" });
  });

  it("lets a loyalty member (no commission) earn on their own purchase", () => {
    expect(
      attributeOrder({
        candidates: { participant: ana },
        customer: { id: "amb-42", email: null },
        paysCommission: false,
      }),
    ).toEqual({ participantId: "par_ana", source: "participant" });
  });
});

describe("cookie window", () => {
  const day = 86_400_000;
  const clicks = [
    { participantId: "first", occurredAtMs: 10 * day },
    { participantId: "last", occurredAtMs: 20 * day },
    { participantId: "after", occurredAtMs: 40 * day },
  ];

  it("credits the last click before the order by default", () => {
    expect(pickClick(clicks, 30 * day, 30, "last_click")?.participantId).toBe("last");
  });

  it("credits the first click in the window when asked", () => {
    expect(pickClick(clicks, 30 * day, 30, "first_click")?.participantId).toBe("first");
  });

  it("ignores clicks older than the window", () => {
    expect(pickClick(clicks, 45 * day, 7, "first_click")?.participantId).toBe("after");
    expect(pickClick(clicks, 39 * day, 7, "last_click")).toBeNull();
  });
});
