import { describeTargetErrors, formatTargetErrors } from "../domain/targets.ts";
import { importTargets } from "../engine/import-targets.ts";
import type { Services } from "../engine/services.ts";
import {
  openDropFolder,
  remotePath,
  type DropFolder,
  type RemoteEntry,
  type SftpConfig,
} from "../integrations/sftp.ts";
import { findProgramById, type ProgramRecord } from "../store/programs.ts";
import type { Logger } from "./scheduler.ts";

export interface PickupSummary {
  imported: number;
  duplicates: number;
  failed: number;
  /** Files left where they are, to be tried again at the next poll. */
  retried: number;
}

const quiet: Logger = { info: () => undefined, error: () => undefined };

/**
 * One pickup from the SFTP drop folder: for each `<path>/<programId>/*.csv`,
 * oldest first (a later file's targets win), import it and move it to
 * `done/`, or, when a row is bad, to `failed/` with `<name>.errors.txt`
 * beside it. A file that cannot be read or moved, or a lost connection,
 * leaves the file in place for the next poll; the hash of a file makes a
 * second import of it a no-op, so a file imported but not yet moved is safe.
 * Once `signal` is aborted no further file is started: a file's import is one
 * transaction, and the files left wait for the next poll.
 */
export async function pickupTargets(
  services: Services,
  config: SftpConfig,
  log: Logger = quiet,
  connect: typeof openDropFolder = openDropFolder,
  signal?: AbortSignal,
): Promise<PickupSummary> {
  const summary: PickupSummary = { imported: 0, duplicates: 0, failed: 0, retried: 0 };
  let folder: DropFolder;
  try {
    folder = await connect(config, (error) =>
      log.error({ err: error }, "the SFTP connection failed"),
    );
  } catch (error) {
    log.error(
      { err: error, host: config.host, port: config.port },
      "cannot reach the SFTP drop folder; trying again at the next poll",
    );
    return summary;
  }
  try {
    for (const entry of await folder.list(config.path)) {
      if (signal?.aborted) break;
      if (entry.kind !== "folder" || entry.name.startsWith(".")) continue;
      const program = await findProgramById(services.db, entry.name);
      if (!program) {
        log.info(
          { folder: remotePath(config.path, entry.name) },
          "a drop folder names no program; its files are left alone",
        );
        continue;
      }
      await pickupProgram(services, config, folder, program, summary, log, signal);
    }
  } catch (error) {
    log.error({ err: error }, "the SFTP pickup stopped; the rest waits for the next poll");
  } finally {
    await folder.close().catch(() => undefined);
  }
  return summary;
}

async function pickupProgram(
  services: Services,
  config: SftpConfig,
  folder: DropFolder,
  program: ProgramRecord,
  summary: PickupSummary,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<void> {
  const dir = remotePath(config.path, program.id);
  const settledBefore = services.now().getTime() - (config.settleSeconds ?? 0) * 1000;
  const files = (await folder.list(dir))
    .filter((e) => e.kind === "file" && isDropped(e.name) && e.modifiedMs <= settledBefore)
    .sort((a, b) => a.modifiedMs - b.modifiedMs || a.name.localeCompare(b.name));
  if (files.length === 0) return;
  const done = new Destination(folder, remotePath(dir, "done"));
  const failed = new Destination(folder, remotePath(dir, "failed"));
  for (const file of files) {
    if (signal?.aborted) return;
    const path = remotePath(dir, file.name);
    try {
      const result = await importTargets(services, program, {
        text: await folder.read(path),
        fileName: file.name,
        source: "sftp",
      });
      if (result.status === "invalid") {
        const report = `${describeTargetErrors(result.errors)}\n\n${formatTargetErrors(result.errors)}`;
        const name = await failed.freeName(file.name, ".errors.txt");
        await folder.write(remotePath(failed.path, `${name}.errors.txt`), report);
        await folder.move(path, remotePath(failed.path, name));
        summary.failed++;
        log.info(
          { program: program.id, file: file.name, errors: result.errors.length },
          "a target file has bad rows: moved to failed/",
        );
      } else {
        const name = await done.freeName(file.name);
        await folder.move(path, remotePath(done.path, name));
        if (result.status === "imported") summary.imported++;
        else summary.duplicates++;
        log.info(
          {
            program: program.id,
            file: file.name,
            importId: result.importId,
            status: result.status,
          },
          "a target file was picked up: moved to done/",
        );
      }
    } catch (error) {
      summary.retried++;
      log.error(
        { err: error, program: program.id, file: file.name },
        "a target file was not picked up; trying again at the next poll",
      );
    }
  }
}

/** `*.csv` only: uploading under another name (or a dot name) and renaming when complete keeps a half-sent file out. */
function isDropped(name: string): boolean {
  return !name.startsWith(".") && name.toLowerCase().endsWith(".csv");
}

/** done/ or failed/: made when first needed; a name already there gets a number, so nothing is overwritten. */
class Destination {
  private taken: Set<string> | null = null;

  constructor(
    private readonly folder: DropFolder,
    readonly path: string,
  ) {}

  async freeName(name: string, companion = ""): Promise<string> {
    if (this.taken === null) {
      await this.folder.ensureFolder(this.path);
      this.taken = new Set((await this.folder.list(this.path)).map((e: RemoteEntry) => e.name));
    }
    const taken = this.taken;
    const dot = name.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    let candidate = name;
    for (let n = 2; taken.has(candidate) || taken.has(candidate + companion); n++)
      candidate = `${stem}-${n}${extension}`;
    taken.add(candidate);
    if (companion) taken.add(candidate + companion);
    return candidate;
  }
}
