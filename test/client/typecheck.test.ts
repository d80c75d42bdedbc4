import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const TSC = resolve(ROOT, "node_modules/typescript/bin/tsc");
const run = promisify(execFile);

/** The compiler's complaints about a project, or "" when it compiles. */
async function typeErrors(project: string): Promise<string> {
  try {
    await run(process.execPath, [TSC, "--noEmit", "-p", project], { cwd: ROOT });
    return "";
  } catch (failed) {
    const { stdout, stderr } = failed as { stdout?: string; stderr?: string };
    return `${stdout ?? ""}${stderr ?? ""}`.trim() || String(failed);
  }
}

// CI runs only `npm test`, and Vite strips types without checking them: these
// are what make a field renamed in the API fail the build of whatever reads it.
describe("the typed client in the type checker", () => {
  it("compiles as a browser project compiles it, and rejects paths and fields the API lacks", async () => {
    expect(await typeErrors("test/client")).toBe("");
  }, 120_000);

  it("types every call the web apps make: tsc -p web passes against the generated client", async () => {
    expect(await typeErrors("web")).toBe("");
  }, 120_000);
});
