import { describe, expect, it } from "vitest";
import {
  pathOf,
  readSimulationRequest,
  simulationDraftOf,
  type DraftOutcome,
} from "../../src/engine/simulation-draft.ts";
import { findProgramById } from "../../src/store/programs.ts";
import { createProgram, expectStatus, useApi, type Api } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const NOW = new Date("2026-12-02T12:00:00Z");
const DAY_MS = 86_400_000;

const firstSale = {
  name: "First sale",
  metric: "order_count",
  steps: [{ threshold: 1, reward: { type: "cash", amount: 500 } }],
};

async function draftFor(api: Api, programId: string, body: unknown): Promise<DraftOutcome> {
  const program = await findProgramById(api.db, programId);
  if (!program) throw new Error(`no program ${programId}`);
  const read = readSimulationRequest(body);
  return read.ok ? simulationDraftOf(api.services, program, read.request) : read;
}

function refusedAt(outcome: DraftOutcome): string[] {
  if (outcome.ok) throw new Error("expected the draft to be refused");
  return outcome.details.map((d) => d.path);
}

describeEachBackend("a simulation draft", (backend) => {
  const api = useApi(backend, { now: () => NOW });

  it("is the program as its PATCH would leave it: a rate replaces the rate whole", async () => {
    const program = await createProgram(api, {
      commission: { rate: { flat: 500 }, upline: [{ percent: 3 }] },
    });
    const outcome = await draftFor(api, program.id, {
      program: { commission: { rate: { percent: 12 } } },
    });
    expect(outcome.ok && outcome.draft.program.commission).toEqual({
      rate: { percent: 12 },
      upline: [{ percent: 3 }],
    });
  });

  it("covers the 90 days before now unless given a period; a date is midnight where the program is", async () => {
    const program = await createProgram(api, { timezone: "Europe/Paris" });
    const unset = await draftFor(api, program.id, {});
    expect(unset.ok && [unset.draft.fromMs, unset.draft.toMs]).toEqual([
      NOW.getTime() - 90 * DAY_MS,
      NOW.getTime(),
    ]);
    const dates = await draftFor(api, program.id, { from: "2026-11-01", to: "2026-12-01" });
    expect(dates.ok && [dates.draft.fromMs, dates.draft.toMs]).toEqual([
      Date.parse("2026-10-31T23:00:00Z"),
      Date.parse("2026-11-30T23:00:00Z"),
    ]);
  });

  it("keeps a live goal's id at its next version, and numbers new goals draft_1, draft_2", async () => {
    const program = await createProgram(api);
    const live = await api.call<{ id: string; version: number }>(
      "POST",
      `/v1/programs/${program.id}/goals`,
      firstSale,
    );
    expectStatus(live, 201);
    const outcome = await draftFor(api, program.id, {
      goals: [
        { ...firstSale, name: "Second try" },
        {
          ...firstSale,
          id: live.body.id,
          steps: [{ threshold: 2, reward: firstSale.steps[0]?.reward }],
        },
        { ...firstSale, name: "Third try" },
      ],
      replaceGoals: true,
    });
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.draft.replaceGoals).toBe(true);
    expect(outcome.draft.goals.map((g) => [g.id, g.version, g.goal.name])).toEqual([
      ["draft_1", 1, "Second try"],
      [live.body.id, live.body.version + 1, "First sale"],
      ["draft_2", 1, "Third try"],
    ]);
    // Stored as POST .../goals stores it: the defaults filled in.
    expect(outcome.draft.goals[0]?.goal).toMatchObject({
      window: { type: "lifetime" },
      target: { type: "fixed" },
      evaluate: "immediately",
      returns: "ignore",
    });

    const twice = await draftFor(api, program.id, {
      goals: [
        { ...firstSale, id: live.body.id },
        { ...firstSale, id: live.body.id },
      ],
    });
    expect(refusedAt(twice)).toEqual(["goals[1].id"]);
  });

  it("names each problem by its path in the request", async () => {
    const program = await createProgram(api, { levels: [{ key: "gold", name: "Gold" }] });
    const outcome = await draftFor(api, program.id, {
      goals: [
        firstSale,
        { ...firstSale, steps: [{ threshold: 1, reward: { type: "level", level: "platinum" } }] },
        { ...firstSale, colour: "red" },
        "not a goal",
      ],
    });
    expect(refusedAt(outcome)).toEqual([
      "goals[1].steps[0].reward.level",
      "goals[2].colour",
      "goals[3]",
    ]);
    expect(
      refusedAt(await draftFor(api, program.id, { program: { levels: [{ key: "" }] } })),
    ).toEqual(expect.arrayContaining([expect.stringMatching(/^program\.levels\[0\]\./)]));
    expect(refusedAt(await draftFor(api, program.id, { replaceGoals: "yes" }))).toEqual([
      "replaceGoals",
    ]);
  });
});

describe("pathOf", () => {
  it.each([
    [[], ""],
    [["program", "commission", "rate"], "program.commission.rate"],
    [["goals", 1, "steps"], "goals[1].steps"],
    [[0, "name"], "[0].name"],
  ])("%j reads %s", (segments, path) => {
    expect(pathOf(segments)).toBe(path);
  });
});
