import { expect, it } from "vitest";
import { runKeys } from "../../src/cli/keys.ts";
import { useApi } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

describeEachBackend("admin keys", (backend) => {
  const api = useApi(backend);

  const keys = (command: string, brand: string, keyId?: string) =>
    runKeys(api.services, command, brand, keyId);

  it("a revoked key stops working at once and says so; the brand's other keys go on", async () => {
    const made = await keys("create", "revoking-brand");
    if (!made.ok) throw new Error(made.message);
    const [line, secret = ""] = made.lines;
    const keyId = /admin key (key_\w+) for brand revoking-brand/.exec(line ?? "")?.[1] ?? "";
    expect(keyId).not.toBe("");
    const other = await api.adminKeyFor("revoking-brand");
    expect((await api.call("GET", "/v1/programs", undefined, secret)).status).toBe(200);

    const revoked = await keys("revoke", "revoking-brand", keyId);
    expect(revoked).toMatchObject({ ok: true, lines: [expect.stringMatching(`revoked ${keyId}`)] });
    const refused = await api.call<{ error: { code: string; message: string } }>(
      "GET",
      "/v1/programs",
      undefined,
      secret,
    );
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: "unauthorized" });
    expect(refused.body.error.message).toMatch(/revoked .*laurel keys create/);
    expect((await api.call("GET", "/v1/programs", undefined, other)).status).toBe(200);

    const listed = await keys("list", "revoking-brand");
    if (!listed.ok) throw new Error(listed.message);
    expect(listed.lines).toHaveLength(2);
    expect(listed.lines.find((l) => l.startsWith(keyId))).toMatch(/ revoked \d{4}-/);
    expect(listed.lines.find((l) => !l.startsWith(keyId))).toMatch(/ active$/);
  });

  it("revoking twice keeps the first time; a key of another brand, or none, is not found", async () => {
    const made = await keys("create", "twice-brand");
    if (!made.ok) throw new Error(made.message);
    const keyId = /(key_\w+)/.exec(made.lines[0] ?? "")?.[1] ?? "";
    const first = await keys("revoke", "twice-brand", keyId);
    const second = await keys("revoke", "twice-brand", keyId);
    expect(second).toEqual(first);
    await api.adminKeyFor("bystander-brand");
    expect(await keys("revoke", "bystander-brand", keyId)).toEqual({
      ok: false,
      message: expect.stringMatching(/brand bystander-brand has no admin key key_/),
    });
    expect(await keys("list", "no-such-brand")).toEqual({
      ok: false,
      message: "there is no brand named no-such-brand",
    });
  });
});
