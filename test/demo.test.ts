import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newApp } from "../src/api/app.ts";
import { runDemo, type DemoResult } from "../src/cli/demo.ts";
import { createServices, type Services } from "../src/engine/services.ts";
import { openPglite, type Database } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";

const NOW = new Date("2025-06-01T12:00:00Z");

describe("laurel demo", () => {
  let db: Database;
  let services: Services;
  let result: DemoResult;
  const lines: string[] = [];

  // The demo is the slow part, so it runs once and every test reads what it left.
  beforeAll(async () => {
    db = await openPglite();
    await migrate(db);
    services = createServices(db, { now: () => NOW, publicUrl: "http://localhost:3000" });
    result = await runDemo(services, (line) => lines.push(line));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
  });

  const count = async (sql: string, params: unknown[] = []) => {
    const [row] = await db.query<{ n: number }>(sql, params);
    return row?.n ?? 0;
  };

  it("builds a 50-person network three levels deep", async () => {
    expect(await count("select count(*)::bigint as n from participants")).toBe(50);
    expect(
      await count(
        "select max(coalesce(array_length(ancestors, 1), 0))::bigint as n from participants",
      ),
    ).toBe(2);
    // Ancestors are exactly what the API would store: the sponsor, then the sponsor's ancestors.
    expect(
      await count(
        `select count(*)::bigint as n from participants p
         left join participants s on s.program_id = p.program_id and s.id = p.sponsor_id
         where p.ancestors is distinct from
           (case when p.sponsor_id is null then '{}'::text[] else array[s.id] || s.ancestors end)`,
      ),
    ).toBe(0);
  });

  it("processes thousands of events over the last 90 days and rejects none", async () => {
    if (result.status !== "created") throw new Error("the demo found an existing program");
    expect(result.participants).toBe(50);
    expect(result.events.rejected).toBe(0);
    expect(result.events.processed).toBeGreaterThan(2000);
    const [range] = await db.query<{ n: number; first: Date; last: Date }>(
      `select count(*)::bigint as n, min(occurred_at) as first, max(occurred_at) as last
       from events where status = 'processed'`,
    );
    expect(range?.n).toBe(result.events.processed);
    expect(range?.first.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 90 * 86_400_000);
    expect(range?.last.getTime()).toBeLessThanOrEqual(NOW.getTime());
  });

  it("attributes orders by code and by click, and refuses self-purchases", async () => {
    const rows = await db.query<{ attribution: string; n: number }>(
      "select attribution, count(*)::bigint as n from orders group by attribution",
    );
    const by = new Map(rows.map((r) => [r.attribution, r.n]));
    expect(by.get("code")).toBeGreaterThan(0);
    expect(by.get("click")).toBeGreaterThan(0);
    expect(by.get("no_referrer")).toBeGreaterThan(0);
    expect(by.get("self_referral")).toBeGreaterThan(0);
  });

  it("books commissions, upline included, and the ledger balances per asset", async () => {
    expect(
      await count(
        "select coalesce(sum(amount_minor), 0)::bigint as n from ledger_entries where account = 'participant'",
      ),
    ).toBeGreaterThan(0);
    expect(
      await count("select count(distinct level)::bigint as n from ledger_entries where level > 1"),
    ).toBe(2);
    const sums = await db.query<{ asset: string; total: number }>(
      "select asset, sum(amount_minor)::bigint as total from ledger_entries group by asset",
    );
    expect(sums.length).toBeGreaterThan(0);
    for (const s of sums) expect(s.total).toBe(0);
  });

  it("runs goals: progress kept for participants, and milestones granted", async () => {
    expect(await count("select count(*)::bigint as n from goals")).toBe(4);
    expect(
      await count("select count(distinct participant_id)::bigint as n from goal_progress"),
    ).toBeGreaterThan(10);
    expect(await count("select count(*)::bigint as n from goal_grants")).toBeGreaterThan(0);
  });

  it("prints the admin key alone on the last line", () => {
    expect(lines.at(-1)).toMatch(/^lrl_admin_\S+$/);
    expect(lines.at(-2)).toMatch(/admin key/i);
  });

  it("prints a portal magic link whose token reads the participant's own data", async () => {
    const at = lines.findIndex((line) =>
      line.trim().startsWith("http://localhost:3000/portal#token="),
    );
    expect(at).toBeGreaterThan(0);
    const link = lines[at]!.trim();
    const named = /^(.+)'s portal/.exec(lines[at - 1] ?? "")?.[1];
    expect(lines.join("\n")).toMatch(/open http:\/\/localhost:3000\/admin/i);
    const token = decodeURIComponent(link!.slice(link!.indexOf("#token=") + "#token=".length));
    expect(token).toMatch(/^lrl_part_/);
    const app = await newApp(services);
    try {
      const me = await app.inject({
        method: "GET",
        url: "/v1/me",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ programId: result.programId, name: named });
    } finally {
      await app.close();
    }
  });

  it("adds nothing when run again", async () => {
    const tables = ["brands", "api_keys", "programs", "participants", "events", "ledger_entries"];
    const before = await Promise.all(
      tables.map((t) => count(`select count(*)::bigint as n from ${t}`)),
    );
    const again: string[] = [];
    const second = await runDemo(services, (line) => again.push(line));
    expect(second).toEqual({ status: "exists", programId: result.programId });
    expect(again.join("\n")).toMatch(/already has/);
    const after = await Promise.all(
      tables.map((t) => count(`select count(*)::bigint as n from ${t}`)),
    );
    expect(after).toEqual(before);
  });
});
