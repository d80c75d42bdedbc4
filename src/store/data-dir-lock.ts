import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The embedded database is one process at a time: PGlite has no locking of
 * its own, and two processes writing one data directory corrupt it. The
 * first process to open a directory writes its pid in a lock file there; a
 * second one is refused with what to do, unless that pid is gone (a crash
 * left the file behind), in which case it takes the directory over.
 */
/** The data directory is held by another live process (a running `laurel serve`, most likely). */
export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: number,
  ) {
    super(
      `the embedded database in ${dataDir} is in use by process ${holder} (a running laurel serve?): stop it first, or set DATABASE_URL to use a PostgreSQL server`,
    );
  }
}

export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "laurel.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder))
        throw new DataDirInUse(dataDir, holder);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
