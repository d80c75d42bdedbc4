import { describe, expect, it } from "vitest";
import { announcementOf, announcementPath } from "../../web/admin/announce-pay-change.ts";

type Plan = Parameters<typeof announcementOf>[0];
const usd = (commission: Plan["commission"], levels?: Plan["levels"]): Plan => ({
  currency: "USD",
  commission,
  ...(levels ? { levels } : {}),
});

describe("announcing a pay change", () => {
  it.each<[string, Plan, Plan, string[]]>([
    [
      "a base rate",
      usd({ rate: { percent: 10 } }),
      usd({ rate: { percent: 12 } }),
      ["Commission rate: 10% → 12%"],
    ],
    [
      "a cap, in the program's money",
      usd({ caps: { perParticipantMonthly: 500000 } }),
      usd({ caps: { perParticipantMonthly: 400000 } }),
      ["Monthly cap per participant: $5,000.00 → $4,000.00"],
    ],
    [
      "a cap set and one removed",
      usd({ caps: { perOrder: 2500 } }),
      usd({ caps: { programMonthly: 100000 } }),
      ["Cap per order: $25.00 → no cap", "Monthly cap for the program: no cap → $1,000.00"],
    ],
    [
      "a level's rate, by the level's name",
      usd({ byLevel: { gold: { percent: 12 } } }, [{ key: "gold", name: "Gold" }]),
      usd({ byLevel: { gold: { flat: 500 } } }, [{ key: "gold", name: "Gold" }]),
      ["Commission rate for Gold: 12% → $5.00 per order"],
    ],
    [
      "a product's rate added, and an upline level",
      usd({ upline: [{ percent: 3 }] }),
      usd({ upline: [{ percent: 3 }, { percent: 1 }], bySku: { MUG: { percent: 20 } } }),
      ["Commission rate for MUG: none → 20%", "Upline level 2 rate: none → 1%"],
    ],
    [
      "the most paid on one order",
      usd({ maxTotalPercent: 20 }),
      usd({}),
      ["Most paid on one order, seller and upline together: 20% → no limit"],
    ],
  ])("says what changed in %s", (_, before, after, lines) => {
    expect(announcementOf(before, after)).toEqual({ lines });
  });

  it("finds nothing to announce when only what does not pay changed, or a stored '10' became 10", () => {
    expect(
      announcementOf(
        usd({ rate: { percent: "10" }, holdDays: 30 }),
        usd({ rate: { percent: 10 } }),
      ),
    ).toBeNull();
  });

  it("opens the composer with a subject and a Markdown list of the changes", () => {
    const path = announcementPath({ lines: ["Commission rate: 10% → 12%"] }, "Ambassadors");
    const url = new URL(path, "https://laurel.example/admin");
    expect(url.pathname).toBe("/broadcasts/new");
    expect(url.searchParams.get("subject")).toBe("Changes to the Ambassadors commission plan");
    expect(url.searchParams.get("body")).toBe(
      "The commission plan of Ambassadors has changed:\n\n- Commission rate: 10% → 12%\n\n" +
        "The new rates and caps apply to orders recorded from now on.",
    );
  });
});
