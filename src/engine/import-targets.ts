import { createHash } from "node:crypto";
import type { GrantOutcome } from "../domain/goal-grants.ts";
import type { ActiveGoal, GrantFact } from "../domain/goal-progress.ts";
import { MONEY_METRICS } from "../domain/goals.ts";
import {
  checkTargets,
  grantsOfTarget,
  targetChange,
  targetGrantsNow,
  type CsvRecord,
  type TargetChange,
  type TargetClock,
  type TargetError,
  type TargetGoal,
  type TargetRow,
  type TargetStanding,
} from "../domain/targets.ts";
import type { Queryable } from "../store/db.ts";
import { listGoals, type GoalRecord } from "../store/goals.ts";
import { lockParticipants, lockProgram } from "../store/locks.ts";
import { loadParticipantsByIds, type ParticipantRecord } from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import {
  findTargetImportByHash,
  insertTargetImport,
  loadTargetStandings,
  participantIdsByExternalId,
  targetKey,
  upsertTargets,
  type TargetSource,
} from "../store/targets.ts";
import { writeGrants } from "./goal-grants.ts";
import type { Services } from "./services.ts";
import { readTargetCsv } from "./target-csv.ts";

export interface TargetFile {
  readonly text: string | Buffer;
  readonly fileName?: string | undefined;
  readonly source: TargetSource;
}

export type TargetImportResult =
  | {
      readonly status: "imported" | "duplicate";
      readonly importId: string;
      readonly rows: number;
      /** Steps the new targets granted at once (none for a duplicate). */
      readonly grants: readonly GrantOutcome[];
    }
  | { readonly status: "invalid"; readonly errors: TargetError[] };

/** Rows written so far of the total, after each chunk. */
export type ImportProgress = (written: number, total: number) => void;

/** Rows per statement: large files are written in pieces, so no one statement carries them all. */
export const TARGET_CHUNK_ROWS = 5000;

/**
 * Imports a targets file whole or not at all: every row is checked first, and
 * then one transaction writes the import and every row, and grants the steps
 * participants now reach under their new targets (as a goal PATCH does). The
 * same bytes sent again for the program answer the first import and change
 * nothing; imports of a program take turns, so the same file sent twice at
 * once is imported once.
 */
export async function importTargets(
  services: Services,
  program: ProgramRecord,
  file: TargetFile,
  onProgress?: ImportProgress,
): Promise<TargetImportResult> {
  const contentHash = createHash("sha256").update(file.text).digest("hex");
  const earlier = await findTargetImportByHash(services.db, program.id, contentHash);
  if (earlier) return { ...duplicateOf(earlier) };

  const resolved = await resolveTargetFile(services, program, file.text);
  if (!resolved.ok) return { status: "invalid", errors: resolved.errors };
  const { rows, goals } = resolved;

  return services.db.transaction(async (tx) => {
    await lockProgram(tx, program.id, "targetImports");
    // Another import of the same file may have committed while this one was checked.
    const first = await findTargetImportByHash(tx, program.id, contentHash);
    if (first) return duplicateOf(first);
    const importId = services.ids.next("tgi");
    await insertTargetImport(tx, {
      id: importId,
      programId: program.id,
      contentHash,
      source: file.source,
      fileName: file.fileName ?? null,
      rows: rows.length,
      createdAt: services.now(),
    });
    for (let start = 0; start < rows.length; start += TARGET_CHUNK_ROWS) {
      const chunk: TargetRow[] = rows.slice(start, start + TARGET_CHUNK_ROWS);
      await upsertTargets(tx, program.id, importId, chunk);
      onProgress?.(start + chunk.length, rows.length);
    }
    const grants = await grantReachedTargets(tx, services, program, rows, goals);
    return { status: "imported" as const, importId, rows: rows.length, grants };
  });
}

const duplicateOf = (earlier: { id: string; rows: number }) => ({
  status: "duplicate" as const,
  importId: earlier.id,
  rows: earlier.rows,
  grants: [],
});

/** A file's rows checked and resolved, with the line each came from and the goals they name. */
export type ResolvedTargets =
  | {
      readonly ok: true;
      readonly rows: readonly TargetRow[];
      readonly lines: readonly number[];
      readonly goals: ReadonlyMap<string, GoalRecord>;
    }
  | { readonly ok: false; readonly errors: TargetError[] };

/**
 * Reads and checks a targets file against the program's participants and
 * goals: the one path the import and its preview share, so a preview refuses
 * exactly what the import would.
 */
export async function resolveTargetFile(
  services: Services,
  program: ProgramRecord,
  text: string | Buffer,
): Promise<ResolvedTargets> {
  const read = readTargetCsv(text);
  if (!read.ok) return read;
  const goals = await listGoals(services.db, program.id, { includeEnded: true });
  const checked = checkTargets(
    read.records,
    await participantsNamed(services, program.id, read.records),
    targetGoalsOf(goals),
  );
  if (!checked.ok) return checked;
  return {
    ok: true,
    rows: checked.rows,
    // checkTargets answers a row for every record after the header, in order.
    lines: read.records.slice(1).map((r) => r.line),
    goals: new Map(goals.map((g) => [g.id, g])),
  };
}

/** One row of a preview: who and what it names, what it changes, and what it grants at once. */
export interface TargetPreviewRow {
  readonly line: number;
  readonly row: TargetRow;
  readonly participant: ParticipantRecord;
  readonly goal: GoalRecord;
  readonly change: TargetChange;
  readonly standing: TargetStanding;
  readonly grants: readonly GrantFact[];
}

export type TargetPreview =
  | { readonly ok: true; readonly rows: readonly TargetPreviewRow[] }
  | { readonly ok: false; readonly errors: TargetError[] };

/**
 * What importing the file would do now, writing nothing: each row resolved,
 * whether it sets a new target, replaces one or leaves it, and the steps it
 * would grant at once with the participant's progress as it stands.
 */
export async function previewTargets(
  services: Services,
  program: ProgramRecord,
  text: string | Buffer,
): Promise<TargetPreview> {
  const resolved = await resolveTargetFile(services, program, text);
  if (!resolved.ok) return resolved;
  const { rows, lines, goals } = resolved;
  const standings = await standingsOf(services.db, program.id, rows);
  const people = await participantsById(services.db, program.id, rows);
  const clock = clockOf(services, program);
  const preview: TargetPreviewRow[] = [];
  rows.forEach((row, i) => {
    const goal = goals.get(row.goalId);
    const participant = people.get(row.participantId);
    if (!goal || !participant) return;
    const standing = standings.get(targetKey(row.goalId, row.participantId, row.period)) ?? {
      previous: null,
      value: 0,
      granted: [],
    };
    preview.push({
      line: lines[i] ?? 0,
      row,
      participant,
      goal,
      change: targetChange(row.target, standing.previous),
      standing,
      // A preview names no voucher: codes are made only when a reward is granted.
      grants: grantsOfTarget(
        activeGoal(goal),
        granteeOf(participant),
        row,
        standing,
        clock,
        () => "",
      ),
    });
  });
  return { ok: true, rows: preview };
}

/**
 * Grants what the new targets put participants past, in the import's
 * transaction: read where they stand, lock those who would be granted, read
 * again under the locks (a batch that committed meanwhile may have granted
 * or counted more), and write the grants as a goal PATCH does. The grant's
 * primary key keeps each step once per participant and window.
 */
async function grantReachedTargets(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  rows: readonly TargetRow[],
  goals: ReadonlyMap<string, GoalRecord>,
): Promise<GrantOutcome[]> {
  const clock = clockOf(services, program);
  const open = rows.filter((r) => {
    const goal = goals.get(r.goalId);
    return goal !== undefined && targetGrantsNow(activeGoal(goal), r.period, clock);
  });
  const due = async (candidates: readonly TargetRow[]) => {
    const standings = await standingsOf(tx, program.id, candidates);
    const people = await participantsById(tx, program.id, candidates);
    return candidates.flatMap((row) => {
      const goal = goals.get(row.goalId);
      const participant = people.get(row.participantId);
      const standing = standings.get(targetKey(row.goalId, row.participantId, row.period));
      if (!goal || !participant || !standing) return [];
      return grantsOfTarget(
        activeGoal(goal),
        granteeOf(participant),
        row,
        standing,
        clock,
        services.voucherCode,
      ).map((grant) => ({ row, grant }));
    });
  };
  const first = await due(open);
  if (first.length === 0) return [];
  await lockParticipants(tx, program.id, [...new Set(first.map((f) => f.grant.participantId))]);
  const again = [...new Set(first.map((f) => f.row))];
  const grants = (await due(again)).map((d) => d.grant);
  const granting = [...new Set(grants.map((g) => g.goalId))].flatMap((id) => {
    const goal = goals.get(id);
    return goal ? [activeGoal(goal)] : [];
  });
  return writeGrants(tx, services, program.id, granting, grants);
}

const activeGoal = (g: GoalRecord): ActiveGoal => ({ id: g.id, version: g.version, goal: g.goal });

const granteeOf = (p: ParticipantRecord) => ({
  participantId: p.id,
  level: p.level,
  active: p.status === "active",
});

const clockOf = (services: Services, program: ProgramRecord): TargetClock => ({
  nowMs: services.now().getTime(),
  timezone: program.timezone,
});

/** Standings read a chunk at a time, so no one statement carries a whole large file. */
async function standingsOf(
  db: Queryable,
  programId: string,
  rows: readonly TargetRow[],
): Promise<Map<string, TargetStanding>> {
  const all = new Map<string, TargetStanding>();
  for (let start = 0; start < rows.length; start += TARGET_CHUNK_ROWS)
    for (const [key, standing] of await loadTargetStandings(
      db,
      programId,
      rows.slice(start, start + TARGET_CHUNK_ROWS),
    ))
      all.set(key, standing);
  return all;
}

async function participantsById(
  db: Queryable,
  programId: string,
  rows: readonly TargetRow[],
): Promise<Map<string, ParticipantRecord>> {
  const ids = [...new Set(rows.map((r) => r.participantId))];
  const people = new Map<string, ParticipantRecord>();
  for (let start = 0; start < ids.length; start += TARGET_CHUNK_ROWS)
    for (const p of await loadParticipantsByIds(
      db,
      programId,
      ids.slice(start, start + TARGET_CHUNK_ROWS),
    ))
      people.set(p.id, p);
  return people;
}

async function participantsNamed(
  services: Services,
  programId: string,
  records: readonly CsvRecord[],
): Promise<Map<string, string>> {
  const externalIds = new Set<string>();
  for (const r of records.slice(1)) if (r.fields[0]) externalIds.add(r.fields[0]);
  return participantIdsByExternalId(services.db, programId, [...externalIds]);
}

function targetGoalsOf(goals: readonly GoalRecord[]): Map<string, TargetGoal> {
  return new Map(
    goals.map((g) => [
      g.id,
      {
        targetType: g.goal.target.type,
        windowType: g.goal.window.type,
        ended: g.endedAt !== null,
        money: MONEY_METRICS.has(g.goal.metric),
      },
    ]),
  );
}
