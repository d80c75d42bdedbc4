import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

// The domain is pure: no I/O, no database, no clock. Reading its imports
// keeps it that way.
describe("src/domain", () => {
  it("imports nothing but itself and zod", async () => {
    const dir = new URL("../../src/domain/", import.meta.url);
    for (const file of await readdir(dir)) {
      const source = await readFile(new URL(file, dir), "utf8");
      const imports = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
      for (const target of imports)
        expect(target, `${file} imports ${target}`).toMatch(/^(\.\/|zod$)/);
      expect(source, `${file} reads the clock`).not.toMatch(/Date\.now\(|new Date\(\)/);
    }
  });
});
