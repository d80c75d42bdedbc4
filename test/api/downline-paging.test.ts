import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  useApi,
  type Collection,
  type ParticipantBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

type DownlinePage = Collection<ParticipantBody & { depth: number }> & { total?: number };

describeEachBackend("downline paging", (backend) => {
  const api = useApi(backend);

  /** A sponsor with seven recruits, one of whom has a recruit of their own. */
  async function network() {
    const program = await createProgram(api);
    const boss = await createParticipant(api, program.id, { externalId: "boss" });
    const recruits: ParticipantBody[] = [];
    for (let i = 1; i <= 7; i++)
      recruits.push(
        await createParticipant(api, program.id, { externalId: `r-${i}`, sponsor: "boss" }),
      );
    await createParticipant(api, program.id, { externalId: "grandchild", sponsor: "r-1" });
    const url = `/v1/programs/${program.id}/participants/${boss.id}/downline`;
    return { boss, recruits, url };
  }

  async function get(url: string): Promise<DownlinePage> {
    const reply = await api.call<DownlinePage>("GET", url);
    expectStatus(reply, 200);
    return reply.body;
  }

  it("pages through direct recruits in id order with ?limit= and ?cursor=, counting them all", async () => {
    const { recruits, url } = await network();
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?depth=1&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await get(`${url}${query}`);
      expect(page.total).toBe(7);
      expect(page.items.every((p) => p.depth === 1)).toBe(true);
      sizes.push(page.items.length);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.next;
    } while (cursor);
    expect(sizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(recruits.map((r) => r.id).sort());
  });

  it("answers as before without ?limit=: one page of the default size, deeper levels included", async () => {
    const { url } = await network();
    const direct = await get(`${url}?depth=1`);
    expect(direct.items).toHaveLength(7);
    expect(direct.next).toBeNull();
    expect(direct.total).toBe(7);
    const deep = await get(url);
    expect(deep.items.map((p) => `${p.externalId}@${String(p.depth)}`).sort()).toEqual([
      "grandchild@2",
      "r-1@1",
      "r-2@1",
      "r-3@1",
      "r-4@1",
      "r-5@1",
      "r-6@1",
      "r-7@1",
    ]);
    // Only the one-level listing counts; deeper ones answer as they always did.
    expect(deep).not.toHaveProperty("total");
  });

  it("counts no recruits for a leaf, and pages after whatever key a cursor it did not give out spells", async () => {
    const { recruits, url } = await network();
    const leafUrl = url.replace(/[^/]+\/downline$/, `${recruits[6]?.id ?? ""}/downline`);
    expect(await get(`${leafUrl}?depth=1&limit=100`)).toEqual({ items: [], next: null, total: 0 });
    // "~" sorts after every id, so the page after it is empty.
    const pastEveryId = Buffer.from("~").toString("base64url");
    expectStatus(await api.call("GET", `${url}?depth=1&cursor=${pastEveryId}`), 200);
    expect((await get(`${url}?depth=1&cursor=${pastEveryId}`)).items).toEqual([]);
  });

  it("documents the paging parameters and the count in the OpenAPI document", async () => {
    const reply = await api.call<{
      paths: Record<
        string,
        { get?: { parameters?: { name: string; schema?: { description?: string } }[] } }
      >;
    }>("GET", "/openapi.json", undefined, null);
    expectStatus(reply, 200);
    const operation =
      reply.body.paths["/v1/programs/{programId}/participants/{participantId}/downline"]?.get;
    const described = Object.fromEntries(
      (operation?.parameters ?? []).map((p) => [p.name, p.schema?.description ?? ""]),
    );
    expect(described.limit).toMatch(/50 when absent/);
    expect(described.cursor).toMatch(/next/);
    expect(JSON.stringify(operation)).toMatch(/how many direct recruits/);
  });
});
