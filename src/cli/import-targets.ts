import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { describeTargetErrors, formatTargetErrors } from "../domain/targets.ts";
import { importTargets, type ImportProgress } from "../engine/import-targets.ts";
import type { Services } from "../engine/services.ts";
import { findProgramById } from "../store/programs.ts";

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** `laurel import targets FILE --program ID`; answers the exit code. */
export async function runImportTargets(
  services: Services,
  path: string,
  programId: string,
  out: { stdout: Output; stderr: Output },
): Promise<number> {
  const program = await findProgramById(services.db, programId);
  if (!program) {
    out.stderr.write(`no program ${programId}; list them with GET /v1/programs\n`);
    return 1;
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    out.stderr.write(`cannot read ${path}: ${(error as Error).message}\n`);
    return 1;
  }
  const progress = progressBar(out.stderr);
  const result = await importTargets(
    services,
    program,
    { text: bytes, fileName: basename(path), source: "cli" },
    progress,
  );
  switch (result.status) {
    case "imported":
      out.stdout.write(
        `imported ${result.rows} targets from ${path} (import ${result.importId})\n`,
      );
      return 0;
    case "duplicate":
      out.stdout.write(
        `${path} was already imported as ${result.importId} (${result.rows} targets); nothing changed\n`,
      );
      return 0;
    case "invalid":
      out.stderr.write(`${path}: ${describeTargetErrors(result.errors)}\n`);
      out.stderr.write(formatTargetErrors(result.errors));
      return 1;
  }
}

const BAR_WIDTH = 30;

/**
 * Progress while rows are written: a bar redrawn in place on a terminal, and
 * on anything else (a log, a pipe) a line at each tenth, which reads well
 * once the carriage returns are gone.
 */
export function progressBar(stream: Output): ImportProgress {
  let lastTenth = 0;
  return (written, total) => {
    const fraction = total === 0 ? 1 : written / total;
    const percent = Math.floor(fraction * 100);
    if (stream.isTTY) {
      const filled = Math.round(fraction * BAR_WIDTH);
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}% ${written}/${total} rows`,
      );
      if (written >= total) stream.write("\n");
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      stream.write(`wrote ${written} of ${total} rows (${percent}%)\n`);
    }
  };
}
