// The `laurel` command as a shell runs it, on an embedded database of the test's own.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { root } from "./walkthrough.ts";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `laurel ARGS` on the embedded database in `dataDir`. */
export function laurel(dataDir: string, ...args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, LAUREL_DATA: dataDir };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "bin/laurel.js"), ...args],
      { env, cwd: root },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
