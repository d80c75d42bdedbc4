import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE } from "../../scripts/generate-client.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

/** The first line, counted from 1, where two texts differ. */
function firstDifference(a: string, b: string): number {
  const [left, right] = [a.split("\n"), b.split("\n")];
  const line = left.findIndex((text, i) => text !== right[i]);
  return (line === -1 ? left.length : line) + 1;
}

describe("the generated client", () => {
  it("is what npm run generate:client makes from the current OpenAPI document", async () => {
    const dir = await mkdtemp(join(tmpdir(), "laurel-client-"));
    try {
      const out = join(dir, "schema.ts");
      await run("npm", ["run", "--silent", "generate:client", "--", out], { cwd: ROOT });
      const regenerated = await readFile(out, "utf8");
      const committed = await readFile(SCHEMA_FILE, "utf8");
      expect(
        regenerated === committed,
        `the committed client is out of date: run npm run generate:client (it differs from line ${firstDifference(committed, regenerated)})`,
      ).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
