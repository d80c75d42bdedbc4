import { dueGrants, type ActiveGoal, type Grantee, type GrantFact } from "./goal-progress.ts";
import { windowByKey } from "./goals.ts";

/**
 * Per-participant targets as a brand sends them: a CSV file of
 * `participant,goal,period,target` rows. A file is taken whole or not at all,
 * so this checks every row and reports every problem at once: a brand fixes a
 * file in one round trip instead of one error per upload.
 */
export const TARGET_HEADER = ["participant", "goal", "period", "target"] as const;

/** One CSV record and the line of the file it came from (the header is line 1). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/** What a row needs to know about the goal it names. */
export interface TargetGoal {
  readonly targetType: "fixed" | "per_participant";
  readonly windowType: "lifetime" | "fixed" | "monthly" | "quarterly";
  readonly ended: boolean;
  /** Money metrics take targets in minor units; a decimal point there is a common slip. */
  readonly money: boolean;
}

export interface TargetRow {
  readonly participantId: string;
  readonly goalId: string;
  readonly period: string;
  readonly target: number;
}

export type TargetField = "file" | "header" | "row" | (typeof TARGET_HEADER)[number];

export interface TargetError {
  readonly line: number;
  readonly field: TargetField;
  readonly message: string;
}

export type TargetCheck =
  | { readonly ok: true; readonly rows: TargetRow[] }
  | { readonly ok: false; readonly errors: TargetError[] };

// The period keys goal windows use (periods.ts): 2026-11, 2026-Q4.
const MONTH = /^\d{4}-(?:0[1-9]|1[0-2])$/;
const QUARTER = /^\d{4}-Q[1-4]$/;
const WHOLE = /^\d+$/;
const HEADER_TEXT = TARGET_HEADER.join(",");

/**
 * Checks a whole file: `records` is every record including the header,
 * `participants` maps the external ids the file names to participant ids (a
 * missing one is unknown), `goals` holds the program's goals by id, ended
 * ones included.
 */
export function checkTargets(
  records: readonly CsvRecord[],
  participants: ReadonlyMap<string, string>,
  goals: ReadonlyMap<string, TargetGoal>,
): TargetCheck {
  const [header, ...body] = records;
  if (header === undefined)
    return fail([
      {
        line: 1,
        field: "file",
        message: `the file is empty: it needs the header ${HEADER_TEXT} and at least one row`,
      },
    ]);
  if (header.fields.join(",") !== HEADER_TEXT)
    return fail([
      {
        line: header.line,
        field: "header",
        message: `the first line must be exactly ${HEADER_TEXT}; found ${header.fields.join(",") || "an empty line"}`,
      },
    ]);
  if (body.length === 0)
    return fail([
      {
        line: header.line,
        field: "file",
        message: "the file has a header but no rows: nothing to import",
      },
    ]);

  const errors: TargetError[] = [];
  const rows: TargetRow[] = [];
  const seen = new Map<string, number>();
  for (const record of body) {
    const rowErrors = checkRow(record, participants, goals, seen);
    if (rowErrors.length > 0) errors.push(...rowErrors);
    else if (errors.length === 0) rows.push(toRow(record, participants));
  }
  return errors.length > 0 ? fail(errors) : { ok: true, rows };
}

function fail(errors: TargetError[]): TargetCheck {
  return { ok: false, errors };
}

function checkRow(
  { line, fields }: CsvRecord,
  participants: ReadonlyMap<string, string>,
  goals: ReadonlyMap<string, TargetGoal>,
  seen: Map<string, number>,
): TargetError[] {
  if (fields.length !== TARGET_HEADER.length)
    return [
      {
        line,
        field: "row",
        message: `has ${fields.length} ${fields.length === 1 ? "column" : "columns"}; every row needs 4: ${HEADER_TEXT}`,
      },
    ];
  const [externalId = "", goalId = "", period = "", target = ""] = fields;
  const errors: TargetError[] = [];
  const error = (field: TargetField, message: string) => errors.push({ line, field, message });

  if (externalId === "") error("participant", "is empty: give the participant's external id");
  else if (!participants.has(externalId))
    error("participant", `no participant has the external id "${externalId}" in this program`);

  const goal = goalId === "" ? undefined : goals.get(goalId);
  if (goalId === "") error("goal", "is empty: give the goal's id");
  else if (!goal) error("goal", `no goal "${goalId}" in this program`);
  else if (goal.ended) error("goal", `goal ${goalId} has ended; it takes no more targets`);
  else if (goal.targetType !== "per_participant")
    error(
      "goal",
      `goal ${goalId} has a fixed target; only per_participant goals take imported targets`,
    );

  const periodProblem = checkPeriod(period, goal);
  if (periodProblem) error("period", periodProblem);

  const targetProblem = checkTarget(target, goal);
  if (targetProblem) error("target", targetProblem);

  const key = `${externalId}\u0000${goalId}\u0000${period}`;
  const first = seen.get(key);
  if (first === undefined) seen.set(key, line);
  else
    error(
      "row",
      `repeats line ${first}: participant ${externalId}, goal ${goalId}, period ${period} may appear once per file`,
    );
  return errors;
}

/** What is wrong with a period for a goal, or null: the same rule for a row as for a template. */
export function checkPeriod(period: string, goal: TargetGoal | undefined): string | null {
  if (period === "")
    return "is empty: write a month as YYYY-MM (2026-11) or a quarter as YYYY-Qn (2026-Q4)";
  const monthly = MONTH.test(period);
  const quarterly = QUARTER.test(period);
  if (!monthly && !quarterly)
    return `"${period}" is not a period: write a month as YYYY-MM (2026-11) or a quarter as YYYY-Qn (2026-Q4)`;
  if (goal?.targetType !== "per_participant") return null;
  if (goal.windowType === "monthly" && !monthly)
    return `${period} is a quarter, but the goal's window is monthly: write a month as YYYY-MM (2026-11)`;
  if (goal.windowType === "quarterly" && !quarterly)
    return `${period} is a month, but the goal's window is quarterly: write a quarter as YYYY-Qn (2026-Q4)`;
  return null;
}

function checkTarget(target: string, goal: TargetGoal | undefined): string | null {
  if (target === "") return "is empty: give the target as a positive whole number";
  if (WHOLE.test(target)) {
    const value = Number(target);
    if (value === 0) return "must be greater than 0";
    if (!Number.isSafeInteger(value)) return `${target} is too large`;
    return null;
  }
  return goal?.money
    ? `"${target}" is not a positive whole number: money targets are in minor units (5,000.00 is 500000)`
    : `"${target}" is not a positive whole number`;
}

function toRow({ fields }: CsvRecord, participants: ReadonlyMap<string, string>): TargetRow {
  const [externalId = "", goalId = "", period = "", target = ""] = fields;
  return {
    participantId: participants.get(externalId) ?? "",
    goalId,
    period,
    target: Number(target),
  };
}

/** One line a person reads: how many rows are bad and that nothing was imported. */
export function describeTargetErrors(errors: readonly TargetError[]): string {
  const lines = new Set(errors.map((e) => e.line)).size;
  if (errors.some((e) => e.field === "header" || e.field === "file"))
    return `the file cannot be imported: ${errors.map((e) => e.message).join("; ")}`;
  return `${lines} bad ${lines === 1 ? "row" : "rows"}; nothing was imported: fix every row listed and send the whole file again`;
}

/** The errors as text, one `line N, field: message` per line. */
export function formatTargetErrors(errors: readonly TargetError[]): string {
  return errors.map((e) => `line ${e.line}, ${e.field}: ${e.message}\n`).join("");
}

// ------------------------------------------------------- what an import does

/** Where a row's participant stands in the row's goal and period before the import. */
export interface TargetStanding {
  /** The target stored now for the same goal, participant and period. */
  readonly previous: number | null;
  /** The goal's value in the period's window. */
  readonly value: number;
  /** Steps already granted in that window, under any version of the goal. */
  readonly granted: readonly number[];
}

export type TargetChange =
  | { readonly kind: "new" }
  | { readonly kind: "replaces"; readonly previous: number }
  | { readonly kind: "unchanged" };

export function targetChange(target: number, previous: number | null): TargetChange {
  if (previous === null) return { kind: "new" };
  return previous === target ? { kind: "unchanged" } : { kind: "replaces", previous };
}

/**
 * The steps a new target grants at once: for an `immediately` goal whose
 * period is still open, every step the participant's value already reaches
 * under the new target and was not granted, as a goal PATCH grants. A higher
 * target grants nothing and takes nothing back; a closed window keeps what it
 * was granted, and `at_window_end` goals grant when their window closes.
 */
export function grantsOfTarget(
  goal: ActiveGoal,
  who: Grantee & { readonly active: boolean },
  row: TargetRow,
  standing: TargetStanding,
  at: TargetClock,
  voucherCode: () => string,
): GrantFact[] {
  if (!who.active || !targetGrantsNow(goal, row.period, at)) return [];
  return dueGrants(
    goal,
    who,
    row.period,
    standing.value,
    row.target,
    standing.granted,
    null,
    voucherCode,
  );
}

/** The time and time zone a period is read in. */
export interface TargetClock {
  readonly nowMs: number;
  readonly timezone: string;
}

/**
 * Whether a target for this goal and period can grant at once: the goal
 * grants the moment a value reaches a step, and the period is its window
 * open now.
 */
export function targetGrantsNow(goal: ActiveGoal, period: string, at: TargetClock): boolean {
  if (
    goal.goal.evaluate !== "immediately" ||
    goal.goal.metric === "inactivity_days" ||
    goal.goal.target.type !== "per_participant"
  )
    return false;
  const window = windowByKey(goal.goal.window, period, at.timezone);
  if (!window) return false;
  return (
    (window.startMs === null || at.nowMs >= window.startMs) &&
    (window.endMs === null || at.nowMs < window.endMs)
  );
}
