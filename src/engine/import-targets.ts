import { createHash } from "node:crypto";
import { MONEY_METRICS } from "../domain/goals.ts";
import {
  checkTargets,
  type CsvRecord,
  type TargetError,
  type TargetGoal,
  type TargetRow,
} from "../domain/targets.ts";
import { listGoals } from "../store/goals.ts";
import { lockProgram } from "../store/locks.ts";
import type { ProgramRecord } from "../store/programs.ts";
import {
  findTargetImportByHash,
  insertTargetImport,
  participantIdsByExternalId,
  upsertTargets,
  type TargetSource,
} from "../store/targets.ts";
import type { Services } from "./services.ts";
import { readTargetCsv } from "./target-csv.ts";

export interface TargetFile {
  readonly text: string | Buffer;
  readonly fileName?: string | undefined;
  readonly source: TargetSource;
}

export type TargetImportResult =
  | { readonly status: "imported" | "duplicate"; readonly importId: string; readonly rows: number }
  | { readonly status: "invalid"; readonly errors: TargetError[] };

/** Rows written so far of the total, after each chunk. */
export type ImportProgress = (written: number, total: number) => void;

/** Rows per statement: large files are written in pieces, so no one statement carries them all. */
export const TARGET_CHUNK_ROWS = 5000;

/**
 * Imports a targets file whole or not at all: every row is checked first, and
 * then one transaction writes the import and every row. The same bytes sent
 * again for the program answer the first import and change nothing; imports
 * of a program take turns, so the same file sent twice at once is imported
 * once.
 */
export async function importTargets(
  services: Services,
  program: ProgramRecord,
  file: TargetFile,
  onProgress?: ImportProgress,
): Promise<TargetImportResult> {
  const contentHash = createHash("sha256").update(file.text).digest("hex");
  const earlier = await findTargetImportByHash(services.db, program.id, contentHash);
  if (earlier) return { status: "duplicate", importId: earlier.id, rows: earlier.rows };

  const read = readTargetCsv(file.text);
  if (!read.ok) return { status: "invalid", errors: read.errors };
  const checked = checkTargets(
    read.records,
    await participantsNamed(services, program.id, read.records),
    await goalsOf(services, program.id),
  );
  if (!checked.ok) return { status: "invalid", errors: checked.errors };
  const rows = checked.rows;

  return services.db.transaction(async (tx) => {
    await lockProgram(tx, program.id, "targetImports");
    // Another import of the same file may have committed while this one was checked.
    const first = await findTargetImportByHash(tx, program.id, contentHash);
    if (first) return { status: "duplicate" as const, importId: first.id, rows: first.rows };
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
    return { status: "imported" as const, importId, rows: rows.length };
  });
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

async function goalsOf(services: Services, programId: string): Promise<Map<string, TargetGoal>> {
  const goals = await listGoals(services.db, programId, { includeEnded: true });
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
