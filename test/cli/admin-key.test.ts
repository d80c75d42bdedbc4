import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLaurel, startServe } from "./processes.ts";

const IGNORED = "LAUREL_ADMIN_KEY is ignored";

/** A start of `laurel serve` with `adminKey`: what it printed, and the status of a request with each key. */
async function startWith(dataDir: string, adminKey: string, keys: readonly string[]) {
  const server = await startServe({ LAUREL_DATA: dataDir, LAUREL_ADMIN_KEY: adminKey });
  try {
    const statuses = await Promise.all(
      keys.map(
        async (key) =>
          (
            await fetch(`${server.url}/v1/programs`, {
              headers: { authorization: `Bearer ${key}` },
            })
          ).status,
      ),
    );
    return { ...server.output(), statuses };
  } finally {
    await server.stop();
  }
}

describe("LAUREL_ADMIN_KEY on a database that has its brands already", () => {
  const first = `first-key-${randomBytes(8).toString("hex")}`;
  const other = `other-key-${randomBytes(8).toString("hex")}`;
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "laurel-admin-key-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it("seeds a new database: the first brand gets the key, without a word about it", async () => {
    const started = await startWith(dataDir, first, [first]);
    expect(started.statuses).toEqual([200]);
    expect(started.stderr).not.toContain(IGNORED);
  }, 90_000);

  it("another key at a restart is said to be ignored, with how to make a key; the first key still works", async () => {
    const started = await startWith(dataDir, other, [first, other]);
    expect(started.statuses).toEqual([200, 401]);
    expect(started.stderr).toContain(IGNORED);
    expect(started.stderr).toContain("it only gives a new database its first admin key");
    expect(started.stderr).toContain("laurel keys create --brand NAME");
    expect(started.stderr).toContain("this database's brands: default");
  }, 90_000);

  it("the same key at a restart works and draws no warning", async () => {
    const started = await startWith(dataDir, first, [first]);
    expect(started.statuses).toEqual([200]);
    expect(started.stderr).not.toContain(IGNORED);
  }, 90_000);

  it("a key revoked since is said to be revoked", async () => {
    const listed = await runLaurel(["keys", "list", "--brand", "default"], {
      LAUREL_DATA: dataDir,
    });
    const keyId = /^(key_\w+) /m.exec(listed.stdout)?.[1] ?? "";
    const revoked = await runLaurel(["keys", "revoke", keyId, "--brand", "default"], {
      LAUREL_DATA: dataDir,
    });
    expect(revoked.code).toBe(0);
    const started = await startWith(dataDir, first, [first]);
    expect(started.statuses).toEqual([401]);
    expect(started.stderr).toContain(IGNORED);
    expect(started.stderr).toContain("was revoked here");
  }, 90_000);
});
