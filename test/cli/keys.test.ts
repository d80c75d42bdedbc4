import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { laurel } from "../support/cli.ts";

describe("laurel keys", () => {
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "laurel-keys-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates a key, lists it by id, and revokes it", async () => {
    const created = await laurel(dataDir, "keys", "create", "--brand", "acme");
    expect(created.code).toBe(0);
    const [heading, key] = created.stdout.trim().split("\n");
    const id = /^admin key (key_\w+) for brand acme/.exec(heading ?? "")?.[1];
    expect(id).toBeDefined();
    expect(key).toMatch(/^lrl_admin_/);

    const listed = await laurel(dataDir, "keys", "list", "--brand", "acme");
    expect(listed.stdout).toMatch(new RegExp(`^${id}  created \\S+  active$`, "m"));

    const revoked = await laurel(dataDir, "keys", "revoke", id ?? "", "--brand", "acme");
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(`revoked ${id} at`) });
    const after = await laurel(dataDir, "keys", "list", "--brand", "acme");
    expect(after.stdout).toMatch(new RegExp(`^${id}  created \\S+  revoked \\S+$`, "m"));
  });

  it("says what is wrong: no brand given, or a key the brand does not have", async () => {
    const usage = await laurel(dataDir, "keys", "revoke", "key_x");
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage: laurel keys/) });
    const unknown = await laurel(dataDir, "keys", "revoke", "key_x", "--brand", "acme");
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/brand acme has no admin key key_x/),
    });
  });
});
