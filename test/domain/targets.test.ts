import { describe, expect, it } from "vitest";
import {
  checkTargets,
  describeTargetErrors,
  formatTargetErrors,
  type CsvRecord,
  type TargetGoal,
} from "../../src/domain/targets.ts";

const participants = new Map([
  ["amb-42", "par_42"],
  ["amb-43", "par_43"],
]);

const perParticipant = (windowType: TargetGoal["windowType"], money = true): TargetGoal => ({
  targetType: "per_participant",
  windowType,
  ended: false,
  money,
});

const goals = new Map<string, TargetGoal>([
  ["gol_month", perParticipant("monthly")],
  ["gol_quarter", perParticipant("quarterly", false)],
  ["gol_fixed", { targetType: "fixed", windowType: "lifetime", ended: false, money: true }],
  ["gol_ended", { ...perParticipant("monthly"), ended: true }],
]);

/** Records as the CSV reader gives them: the header on line 1, each row on the next line. */
function file(...rows: string[]): CsvRecord[] {
  return ["participant,goal,period,target", ...rows].map((row, i) => ({
    line: i + 1,
    fields: row.split(","),
  }));
}

function errorsOf(records: CsvRecord[]) {
  const result = checkTargets(records, participants, goals);
  if (result.ok) throw new Error("expected the file to be refused");
  return result.errors;
}

describe("checkTargets", () => {
  it("turns every good row into a target for the participant's id", () => {
    const result = checkTargets(
      file("amb-42,gol_month,2026-11,500000", "amb-43,gol_quarter,2026-Q4,120"),
      participants,
      goals,
    );
    expect(result).toEqual({
      ok: true,
      rows: [
        { participantId: "par_42", goalId: "gol_month", period: "2026-11", target: 500000 },
        { participantId: "par_43", goalId: "gol_quarter", period: "2026-Q4", target: 120 },
      ],
    });
  });

  it("reports a wrong header on line 1 and nothing else", () => {
    const records = file("amb-42,gol_month,2026-11,500000");
    records[0] = { line: 1, fields: ["participant", "goal", "month", "target"] };
    expect(errorsOf(records)).toEqual([
      {
        line: 1,
        field: "header",
        message: expect.stringContaining("exactly participant,goal,period,target"),
      },
    ]);
  });

  it("refuses an empty file and a file with a header but no rows", () => {
    expect(errorsOf([])).toEqual([
      { line: 1, field: "file", message: expect.stringContaining("empty") },
    ]);
    expect(errorsOf(file())).toEqual([
      { line: 1, field: "file", message: expect.stringContaining("no rows") },
    ]);
  });

  it("names each bad row by line and field, and every problem of a row", () => {
    const errors = errorsOf(
      file(
        "amb-42,gol_month,2026-11,500000",
        "nobody,gol_month,2026-11,100",
        "amb-42,gol_missing,2026-11,100",
        "amb-42,gol_fixed,2026-11,100",
        "amb-42,gol_ended,2026-11,100",
        "amb-43,gol_month,2026-13,100",
        "amb-43,gol_month,2026-Q4,100",
        "amb-43,gol_quarter,2026-11,100",
        "amb-43,gol_month,2026-10,0",
        "amb-43,gol_month,2026-09,-5",
        "amb-43,gol_month,2026-08,50.00",
        "nobody,gol_missing,November,lots",
      ),
    );
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [3, "participant"],
      [4, "goal"],
      [5, "goal"],
      [6, "goal"],
      [7, "period"],
      [8, "period"],
      [9, "period"],
      [10, "target"],
      [11, "target"],
      [12, "target"],
      [13, "participant"],
      [13, "goal"],
      [13, "period"],
      [13, "target"],
    ]);
    const message = (line: number, field: string) =>
      errors.find((e) => e.line === line && e.field === field)?.message;
    expect(message(3, "participant")).toMatch(/"nobody"/);
    expect(message(4, "goal")).toMatch(/no goal "gol_missing"/);
    expect(message(5, "goal")).toMatch(/fixed target; only per_participant/);
    expect(message(6, "goal")).toMatch(/ended/);
    expect(message(7, "period")).toMatch(/not a period: .*YYYY-MM.*YYYY-Qn/);
    expect(message(8, "period")).toMatch(/quarter, but the goal's window is monthly/);
    expect(message(9, "period")).toMatch(/month, but the goal's window is quarterly/);
    expect(message(10, "target")).toMatch(/greater than 0/);
    expect(message(11, "target")).toMatch(/not a positive whole number/);
    expect(message(12, "target")).toMatch(/minor units/);
  });

  it("names both lines of a participant, goal and period given twice", () => {
    const errors = errorsOf(
      file(
        "amb-42,gol_month,2026-11,500000",
        "amb-43,gol_month,2026-11,100",
        "amb-42,gol_month,2026-11,600000",
      ),
    );
    expect(errors).toEqual([
      { line: 4, field: "row", message: expect.stringMatching(/repeats line 2/) },
    ]);
  });

  it("takes the same participant and goal for different periods", () => {
    const result = checkTargets(
      file("amb-42,gol_month,2026-11,1", "amb-42,gol_month,2026-12,2"),
      participants,
      goals,
    );
    expect(result.ok).toBe(true);
  });

  it("reports a row with the wrong number of columns", () => {
    const errors = errorsOf(
      file("amb-42,gol_month,2026-11", "amb-42,gol_month,2026-12,1,extra", "amb-42"),
    );
    expect(errors).toEqual([
      { line: 2, field: "row", message: expect.stringMatching(/has 3 columns; every row needs 4/) },
      { line: 3, field: "row", message: expect.stringMatching(/has 5 columns/) },
      { line: 4, field: "row", message: expect.stringMatching(/has 1 column;/) },
    ]);
  });

  it("reports empty fields as empty", () => {
    const errors = errorsOf(file(",,,"));
    expect(errors.map((e) => [e.field, e.message.startsWith("is empty")])).toEqual([
      ["participant", true],
      ["goal", true],
      ["period", true],
      ["target", true],
    ]);
  });

  it("keeps the line numbers it is given (blank lines in the file are counted)", () => {
    const records: CsvRecord[] = [
      { line: 1, fields: ["participant", "goal", "period", "target"] },
      { line: 4, fields: ["nobody", "gol_month", "2026-11", "1"] },
    ];
    expect(errorsOf(records)).toEqual([
      { line: 4, field: "participant", message: expect.any(String) },
    ]);
  });
});

describe("describing errors", () => {
  it("counts bad rows, not problems, and says nothing was imported", () => {
    const errors = errorsOf(file("nobody,gol_missing,2026-11,1", "amb-42,gol_month,2026-11,x"));
    expect(describeTargetErrors(errors)).toMatch(/^2 bad rows; nothing was imported/);
    expect(formatTargetErrors(errors)).toBe(
      [
        `line 2, participant: ${errors[0]?.message}`,
        `line 2, goal: ${errors[1]?.message}`,
        `line 3, target: ${errors[2]?.message}`,
        "",
      ].join("\n"),
    );
  });

  it("says what is wrong with the file when the header is", () => {
    const records = file("amb-42,gol_month,2026-11,1");
    records[0] = { line: 1, fields: ["who", "what", "when", "how much"] };
    expect(describeTargetErrors(errorsOf(records))).toMatch(
      /cannot be imported: the first line must be exactly/,
    );
  });
});
