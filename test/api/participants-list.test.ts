import { describe, expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  type Api,
  type Collection,
  type ParticipantBody,
  useApi,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const levels = [
  { key: "bronze", name: "Bronze" },
  { key: "gold", name: "Gold" },
];

interface ListedBody extends ParticipantBody {
  levelName: string | null;
  sponsor: { id: string; externalId: string; name: string | null } | null;
  stats: {
    sales: number;
    orders: number;
    earnings: number;
    balance: number;
    points: number;
    joinedAt: string;
  };
}

/** Every page of a list, following `next`, as external ids in the order served. */
async function allPages(api: Api, url: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = url.includes("?") ? "&" : "?";
    const reply: { status: number; body: Collection<ListedBody> } = await api.call<
      Collection<ListedBody>
    >("GET", `${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expectStatus(reply as never, 200);
    seen.push(...reply.body.items.map((p) => p.externalId));
    cursor = reply.body.next;
    if (cursor === null) return seen;
  }
  throw new Error("the list never ended");
}

describeEachBackend("participants list with figures", (backend) => {
  const api = useApi(backend);

  /**
   * A program paying 10% to the seller and 3% to the sponsor: sam sponsors ana
   * and bo; ana sells 5,000 (one order), bo sells 15,000 (two orders), cy nothing.
   */
  async function shop() {
    const program = await createProgram(api, { levels, commission: commission() });
    const sam = await createParticipant(api, program.id, {
      externalId: "sam",
      name: "Sam Stone",
      level: "gold",
    });
    const ana = await createParticipant(api, program.id, {
      externalId: "ana",
      name: "Ana Lima",
      email: "ana@example.com",
      level: "bronze",
      sponsor: "sam",
    });
    const bo = await createParticipant(api, program.id, {
      externalId: "bo",
      name: "Bo Berg",
      level: "gold",
      sponsor: "sam",
    });
    const cy = await createParticipant(api, program.id, {
      externalId: "cy",
      name: "Cy Moss",
      status: "suspended",
    });
    const sold = await sendEvents(api, program.id, {
      events: [
        order("a-1", { participant: "ana" }),
        order("b-1", { participant: "bo" }),
        order("b-2", {
          participant: "bo",
          items: [{ sku: "SHIRT", quantity: 4, unitAmount: 2500 }],
        }),
      ],
    });
    expectStatus(sold, 200);
    const url = `/v1/programs/${program.id}/participants`;
    return { program, sam, ana, bo, cy, url };
  }

  const list = async (url: string) => {
    const reply = await api.call<Collection<ListedBody>>("GET", url);
    expectStatus(reply, 200);
    return reply.body;
  };

  describe("GET .../participants", () => {
    it("shows each participant's sales, orders, earnings, balance, points, joining time, sponsor and level name", async () => {
      const { sam, ana, bo, url } = await shop();
      const { items } = await list(`${url}?sort=name`);
      const byId = new Map(items.map((p) => [p.externalId, p]));
      expect(byId.get("bo")).toMatchObject({
        id: bo.id,
        level: "gold",
        levelName: "Gold",
        sponsor: { id: sam.id, externalId: "sam", name: "Sam Stone" },
        stats: { sales: 15000, orders: 2, earnings: 1500, balance: 0, points: 0 },
      });
      expect(byId.get("ana")?.stats).toEqual({
        sales: 5000,
        orders: 1,
        earnings: 500,
        balance: 0,
        points: 0,
        joinedAt: (ana as ParticipantBody & { createdAt: string }).createdAt,
      });
      // The sponsor earns 3% of both recruits' sales and sells nothing.
      expect(byId.get("sam")).toMatchObject({
        levelName: "Gold",
        sponsor: null,
        stats: { sales: 0, orders: 0, earnings: 600 },
      });
    });

    it("sorts by sales and by earnings, either way, ties in id order", async () => {
      const { url } = await shop();
      const names = async (sort: string) =>
        (await list(`${url}?sort=${sort}`)).items.map((p) => p.externalId);
      // sam and cy both sold nothing: descending, the later id comes first.
      expect(await names("-sales")).toEqual(["bo", "ana", "cy", "sam"]);
      expect(await names("sales")).toEqual(["sam", "cy", "ana", "bo"]);
      expect(await names("-earnings")).toEqual(["bo", "sam", "ana", "cy"]);
      expect(await names("name")).toEqual(["ana", "bo", "cy", "sam"]);
      expect(await names("-joinedAt")).toEqual(["cy", "bo", "ana", "sam"]);
    });

    it("filters by status, level and a search of name, email or external id", async () => {
      const { url } = await shop();
      const names = async (query: string) =>
        (await list(`${url}?${query}`)).items.map((p) => p.externalId).sort();
      expect(await names("status=suspended")).toEqual(["cy"]);
      expect(await names("level=gold")).toEqual(["bo", "sam"]);
      expect(await names("q=EXAMPLE.com")).toEqual(["ana"]);
      expect(await names("q=berg&sort=-sales")).toEqual(["bo"]);
      expect(await names("level=gold&sort=-earnings&status=active")).toEqual(["bo", "sam"]);
    });

    it("pages through a sorted list without skipping or repeating anyone, even as participants join between pages", async () => {
      const program = await createProgram(api, { commission: commission() });
      const url = `/v1/programs/${program.id}/participants`;
      // Twelve sellers, three of each sales figure, so ties straddle pages.
      const events: Record<string, unknown>[] = [];
      for (let n = 0; n < 12; n++) {
        await createParticipant(api, program.id, { externalId: `p${String(n).padStart(2, "0")}` });
        events.push(
          order(`o-${n}`, {
            participant: `p${String(n).padStart(2, "0")}`,
            items: [{ sku: "SHIRT", quantity: 1, unitAmount: 1000 * (1 + (n % 4)) }],
          }),
        );
      }
      expectStatus(await sendEvents(api, program.id, { events }), 200);
      const whole = (await list(`${url}?sort=-sales&limit=100`)).items.map((p) => p.externalId);
      expect(await allPages(api, `${url}?sort=-sales`, 5)).toEqual(whole);
      expect(await allPages(api, `${url}?sort=sales`, 4)).toEqual([...whole].reverse());

      // A participant who joins after the first page was read does not shift the rest.
      const first = await list(`${url}?sort=-sales&limit=5`);
      await createParticipant(api, program.id, { externalId: "late" });
      const second = await list(`${url}?sort=-sales&limit=5&cursor=${first.next ?? ""}`);
      expect(second.items.map((p) => p.externalId)).toEqual(whole.slice(5, 10));
    });

    it("pages past 100 in name order", async () => {
      const program = await createProgram(api, { commission: commission() });
      const url = `/v1/programs/${program.id}/participants`;
      for (let n = 0; n < 105; n++)
        await createParticipant(api, program.id, { externalId: `m${String(n).padStart(3, "0")}` });
      const seen = await allPages(api, `${url}?sort=name`, 100);
      expect(seen).toHaveLength(105);
      expect(seen).toEqual([...seen].sort());
    });

    it("refuses a cursor of another sort, or a forged one, with 400, and an unknown sort with 422", async () => {
      const { url } = await shop();
      const page = await list(`${url}?sort=-sales&limit=1`);
      const other = await api.call("GET", `${url}?sort=name&cursor=${page.next ?? ""}`);
      expectError(other, 400, "invalid_request");
      const forged = Buffer.from(JSON.stringify(["-sales", "lots", "par_1"])).toString("base64url");
      expectError(
        await api.call("GET", `${url}?sort=-sales&cursor=${forged}`),
        400,
        "invalid_request",
      );
      expectError(await api.call("GET", `${url}?sort=height`), 422, "validation_failed");
    });
  });

  describe("GET .../participants/export.csv", () => {
    it("writes every participant the filters match, in the list's order, money in major units", async () => {
      const { url, sam } = await shop();
      const reply = await api.call("GET", `${url}/export.csv?sort=-sales&status=active`);
      expectStatus(reply, 200);
      expect(reply.headers["content-type"]).toMatch(/^text\/csv/);
      expect(reply.headers["content-disposition"]).toMatch(/attachment; filename="participants-/);
      const [header, ...rows] = reply.text.trimEnd().split("\r\n");
      expect(header).toBe(
        "participant_id,external_id,name,email,level,level_name,status,sponsor_id," +
          "sponsor_external_id,sponsor_name,sales,orders,earnings,balance,points,joined_at,referral_code",
      );
      expect(rows.map((r) => r.split(",")[1])).toEqual(["bo", "ana", "sam"]);
      const bo = rows[0]?.split(",") ?? [];
      expect(bo.slice(4, 15)).toEqual([
        "gold",
        "Gold",
        "active",
        sam.id,
        "sam",
        "Sam Stone",
        "150.00",
        "2",
        "15.00",
        "0.00",
        "0",
      ]);
    });

    it("streams a program of more rows than one read takes, each once, in order", async () => {
      const program = await createProgram(api, { commission: commission() });
      // 2,500 participants, written at once: the export reads 1,000 at a time.
      await api.db.query(
        `insert into participants (program_id, id, external_id, status, referral_code)
         select $1, 'par_' || $1 || lpad(n::text, 5, '0'), 'x' || lpad(n::text, 5, '0'), 'active',
                $1 || 'X' || n
         from generate_series(1, 2500) n`,
        [program.id],
      );
      const reply = await api.call(
        "GET",
        `/v1/programs/${program.id}/participants/export.csv?sort=-name`,
      );
      expectStatus(reply, 200);
      const ids = reply.text
        .trimEnd()
        .split("\r\n")
        .slice(1)
        .map((r) => r.split(",")[1]);
      expect(ids).toHaveLength(2500);
      expect(new Set(ids).size).toBe(2500);
      expect(ids).toEqual([...ids].sort().reverse());
    });
  });
});

function commission() {
  return { rate: { percent: 10 }, upline: [{ percent: 3 }], holdDays: 0 };
}
