import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPglite } from "../../src/store/db.ts";

describe("the embedded database is one process at a time", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), "laurel-lock-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a data directory another live process holds, saying what to do", async () => {
    const dir = fresh();
    // The test runner's parent is alive for as long as this test runs.
    writeFileSync(join(dir, "laurel.pid"), String(process.ppid));
    await expect(openPglite(dir)).rejects.toThrow(/in use by process \d+.*stop it first/);
  });

  it("takes over a lock a crashed process left behind, and releases it on close", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "laurel.pid"), "2147483646");
    const db = await openPglite(dir);
    expect(readFileSync(join(dir, "laurel.pid"), "utf8")).toBe(String(process.pid));
    await db.close();
    expect(existsSync(join(dir, "laurel.pid"))).toBe(false);
  });
});
