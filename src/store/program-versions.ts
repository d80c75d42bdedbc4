import { programInputSchema, type ProgramInput } from "../domain/program.ts";
import type { Queryable } from "./db.ts";

export interface ProgramVersion {
  /** -Infinity for the settings the program began with (or had when versions began). */
  readonly validFromMs: number;
  readonly config: ProgramInput;
}

/** The program's settings over time, oldest first; programs.ts keeps them. */
export async function programVersions(db: Queryable, programId: string): Promise<ProgramVersion[]> {
  const rows = await db.query<{ valid_from: Date | string; config: unknown }>(
    `select valid_from, config from program_versions where program_id = $1 order by valid_from`,
    [programId],
  );
  return rows.map((r) => ({
    validFromMs: instantMs(r.valid_from),
    // Stored settings passed this schema on the way in.
    config: programInputSchema.parse(r.config),
  }));
}

/** timestamptz '-infinity' reads back as a string, or as an invalid Date, depending on the driver. */
function instantMs(value: Date | string): number {
  if (value === "-infinity") return Number.NEGATIVE_INFINITY;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
