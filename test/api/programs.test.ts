import { describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order as orderEvent,
  sendEvents,
  useApi,
  type Collection,
  type ErrorBody,
  type ProgramBody,
  type Reply,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const ambassadors = {
  name: "Ambassadors",
  currency: "USD",
  timezone: "America/New_York",
  attribution: { cookieDays: 30, model: "last_click" },
  commission: {
    rate: { percent: 10 },
    byLevel: { gold: { percent: 12 } },
    bySku: { SHIRT: { percent: 20 } },
    upline: [{ percent: 3 }, { percent: 1 }],
    holdDays: 30,
    uplineBasis: "order",
    caps: { perOrder: 10000, perParticipantMonthly: 500000, programMonthly: 5000000 },
    maxTotalPercent: 20,
  },
  landingUrl: "https://shop.example.com/",
  levels: [
    { key: "bronze", name: "Bronze" },
    { key: "silver", name: "Silver" },
    { key: "gold", name: "Gold" },
  ],
  payouts: { minimum: 5000 },
};

/** The detail entries of an error that name `field` by path, or by name in the message. */
function detailsNaming(reply: Reply, field: string): unknown[] {
  const { details } = (reply.body as ErrorBody).error;
  return details.filter((d) => d.path === field || (d.message ?? "").includes(`"${field}"`));
}

describeEachBackend("programs API", (backend) => {
  const api = useApi(backend);

  describe("POST /v1/programs", () => {
    it("creates a program: 201, every field echoed, id prefixed prg_", async () => {
      const reply = await api.call<ProgramBody>("POST", "/v1/programs", ambassadors);
      expectStatus(reply, 201);
      expect(reply.body).toMatchObject(ambassadors);
      expect(reply.body.id).toMatch(/^prg_[0-9A-Z]{26}$/);
    });

    it("defaults the time zone to UTC", async () => {
      const reply = await api.call<ProgramBody>("POST", "/v1/programs", {
        name: "Plain",
        currency: "EUR",
      });
      expectStatus(reply, 201);
      expect(reply.body).toMatchObject({ name: "Plain", currency: "EUR", timezone: "UTC" });
    });

    it("accepts a flat rate instead of a percentage", async () => {
      const program = await createProgram(api, { commission: { rate: { flat: 500 } } });
      expect(program.commission).toEqual({ rate: { flat: 500 } });
    });
  });

  describe("POST /v1/programs with an invalid body writes nothing", () => {
    const malformed: [string, Record<string, unknown>, string][] = [
      ["a missing name", { currency: "USD" }, "name"],
      ["a name that is not a string", { name: 42, currency: "USD" }, "name"],
      ["a currency that is not a string", { name: "X", currency: 840 }, "currency"],
      [
        "a cookieDays that is not a number",
        { name: "X", currency: "USD", attribution: { cookieDays: "30" } },
        "attribution.cookieDays",
      ],
      ["an unknown field", { name: "X", currency: "USD", colour: "red" }, "colour"],
    ];
    for (const [what, body, field] of malformed) {
      it(`answers 400 invalid_request for ${what}, naming ${field} in details`, async () => {
        const before = await countRows(api.db, "programs");
        const reply = await api.call("POST", "/v1/programs", body);
        expectError(reply, 400, "invalid_request");
        expect(detailsNaming(reply, field)).not.toEqual([]);
        expect(await countRows(api.db, "programs")).toBe(before);
      });
    }

    const invalid: [string, Record<string, unknown>, string][] = [
      ["a time zone that does not exist", { timezone: "Mars/Olympus_Mons" }, "timezone"],
      ["a currency that is not three capital letters", { currency: "usd" }, "currency"],
      [
        "a percentage over 100",
        { commission: { rate: { percent: 101 } } },
        "commission.rate.percent",
      ],
      [
        "an upline percentage over 100",
        { commission: { upline: [{ percent: 3 }, { percent: 250 }] } },
        "commission.upline.1.percent",
      ],
      [
        "byLevel naming a level the program lacks",
        {
          levels: [{ key: "silver", name: "Silver" }],
          commission: { byLevel: { gold: { percent: 12 } } },
        },
        "commission.byLevel.gold",
      ],
      ["a landingUrl that is not http(s)", { landingUrl: "ftp://shop.example.com/" }, "landingUrl"],
    ];
    for (const [what, fields, field] of invalid) {
      it(`answers 422 validation_failed for ${what}, naming ${field} in details`, async () => {
        const before = await countRows(api.db, "programs");
        const reply = await api.call("POST", "/v1/programs", {
          name: "X",
          currency: "USD",
          ...fields,
        });
        expectError(reply, 422, "validation_failed");
        expect(detailsNaming(reply, field)).not.toEqual([]);
        expect(await countRows(api.db, "programs")).toBe(before);
      });
    }
  });

  describe("GET /v1/programs/{id}", () => {
    it("reads back what was created", async () => {
      const created = await createProgram(api, { name: "Readable" });
      const reply = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      expectStatus(reply, 200);
      expect(reply.body).toEqual(created);
    });

    it("answers 404 not_found for an id that does not exist", async () => {
      expectError(
        await api.call("GET", "/v1/programs/prg_00000000000000000000000000"),
        404,
        "not_found",
      );
    });
  });

  describe("GET /v1/programs pages through the brand's programs", () => {
    it("gives `next` with ?limit=1, and following it gives the rest", async () => {
      const key = await api.adminKeyFor("paging-brand");
      const created: string[] = [];
      for (const name of ["First", "Second", "Third"])
        created.push((await createProgram(api, { name }, key)).id);

      const first = await api.call<Collection<ProgramBody>>(
        "GET",
        "/v1/programs?limit=1",
        undefined,
        key,
      );
      expectStatus(first, 200);
      expect(first.body.items.map((p) => p.name)).toEqual(["First"]);
      expect(first.body.next).toEqual(expect.any(String));

      const rest = await api.call<Collection<ProgramBody>>(
        "GET",
        `/v1/programs?cursor=${encodeURIComponent(first.body.next ?? "")}`,
        undefined,
        key,
      );
      expectStatus(rest, 200);
      expect(rest.body).toEqual({
        items: [
          expect.objectContaining({ name: "Second" }),
          expect.objectContaining({ name: "Third" }),
        ],
        next: null,
      });
      expect([...first.body.items, ...rest.body.items].map((p) => p.id)).toEqual(created);
    });

    it("lowers a limit above 500 to 500", async () => {
      const key = await api.adminKeyFor("big-brand");
      const [brand] = await api.db.query<{ id: string }>("select id from brands where name = $1", [
        "big-brand",
      ]);
      const ids = Array.from({ length: 501 }, () => api.services.ids.next("prg"));
      await api.db.query(
        `insert into programs (id, brand_id, name, currency, timezone, config)
         select id, $2, 'Bulk', 'USD', 'UTC', '{"name":"Bulk","currency":"USD","timezone":"UTC"}'::jsonb
         from unnest($1::text[]) as id`,
        [ids, brand?.id],
      );

      const page = await api.call<Collection<ProgramBody>>(
        "GET",
        "/v1/programs?limit=1000",
        undefined,
        key,
      );
      expectStatus(page, 200);
      expect(page.body.items).toHaveLength(500);
      expect(page.body.next).toEqual(expect.any(String));

      const last = await api.call<Collection<ProgramBody>>(
        "GET",
        `/v1/programs?limit=1000&cursor=${encodeURIComponent(page.body.next ?? "")}`,
        undefined,
        key,
      );
      expect(last.body.items.map((p) => p.id)).toEqual(ids.slice(500));
      expect(last.body.next).toBeNull();
    });

    it("answers a page for any cursor of the cursor alphabet, and a 422 for one outside it", async () => {
      // Lists are keyset-paged, so a cursor it never gave out starts after the key it spells.
      expectStatus(await api.call("GET", "/v1/programs?cursor=bogus"), 200);
      expectError(await api.call("GET", "/v1/programs?cursor=bo%20gus"), 422, "validation_failed");
    });
  });

  describe("PATCH /v1/programs/{id}", () => {
    it("deep-merges: a new rate keeps the upline", async () => {
      const created = await createProgram(api, {
        commission: { rate: { percent: 10 }, upline: [{ percent: 3 }, { percent: 1 }] },
      });
      const reply = await api.call<ProgramBody>("PATCH", `/v1/programs/${created.id}`, {
        commission: { rate: { percent: 12 } },
      });
      expectStatus(reply, 200);
      expect(reply.body.commission).toEqual({
        rate: { percent: 12 },
        upline: [{ percent: 3 }, { percent: 1 }],
      });
      const read = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      expect(read.body.commission).toEqual(reply.body.commission);
      expect(read.body.name).toBe(created.name);
    });

    it("renames a program and keeps everything else", async () => {
      const created = await createProgram(api, ambassadors);
      const reply = await api.call<ProgramBody>("PATCH", `/v1/programs/${created.id}`, {
        name: "Renamed",
      });
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({ ...ambassadors, name: "Renamed", id: created.id });
    });

    it("changes the currency of a program that has recorded nothing yet", async () => {
      const created = await createProgram(api);
      const reply = await api.call<ProgramBody>("PATCH", `/v1/programs/${created.id}`, {
        currency: "EUR",
      });
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({ id: created.id, currency: "EUR", name: created.name });
      const read = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      expect(read.body.currency).toBe("EUR");
      // Events are checked against the new currency from then on.
      const order = await sendEvents(api, created.id, orderEvent("o-eur", { currency: "EUR" }));
      expectStatus(order, 200);
    });

    it("refuses a currency change once the program has an event, 422 naming why, and changes nothing", async () => {
      const created = await createProgram(api);
      expectStatus(await sendEvents(api, created.id, orderEvent("o-1")), 200);
      const before = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      const reply = await api.call("PATCH", `/v1/programs/${created.id}`, {
        currency: "EUR",
        name: "Renamed with the currency",
      });
      expectError(reply, 422, "validation_failed");
      expect((reply.body as ErrorBody).error.details).toEqual([
        { path: "currency", message: "cannot change: the program has events in USD" },
      ]);
      const read = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      expect(read.body).toEqual(before.body);
    });

    it("refuses a currency change once the program has ledger entries, naming them", async () => {
      const created = await createProgram(api);
      await createParticipant(api, created.id, { externalId: "ana" });
      expectStatus(
        await sendEvents(api, created.id, orderEvent("o-2", { participant: "ana" })),
        200,
      );
      const reply = await api.call("PATCH", `/v1/programs/${created.id}`, { currency: "GBP" });
      expectError(reply, 422, "validation_failed");
      expect((reply.body as ErrorBody).error.message).toMatch(
        /has events and ledger entries in USD.*create a new program for another currency/,
      );
      expect((await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`)).body.currency).toBe(
        "USD",
      );
    });

    it("takes the same currency as no change, whatever the program has recorded", async () => {
      const created = await createProgram(api);
      expectStatus(await sendEvents(api, created.id, orderEvent("o-3")), 200);
      const reply = await api.call<ProgramBody>("PATCH", `/v1/programs/${created.id}`, {
        currency: "USD",
        name: "Same money",
      });
      expectStatus(reply, 200);
      expect(reply.body).toMatchObject({ currency: "USD", name: "Same money" });
    });

    it("refuses a patch that makes the program invalid, and changes nothing", async () => {
      const created = await createProgram(api);
      const reply = await api.call("PATCH", `/v1/programs/${created.id}`, {
        commission: { rate: { percent: 150 } },
      });
      expectError(reply, 422, "validation_failed");
      expect(detailsNaming(reply, "commission.rate.percent")).not.toEqual([]);
      const read = await api.call<ProgramBody>("GET", `/v1/programs/${created.id}`);
      expect(read.body).toEqual(created);
    });

    it("replaces a rate whole: a percentage over a flat rate is the percentage alone", async () => {
      const created = await createProgram(api, {
        commission: { rate: { flat: 500 }, bySku: { SHIRT: { flat: 100 }, HAT: { flat: 50 } } },
      });
      const reply = await api.call<ProgramBody>("PATCH", `/v1/programs/${created.id}`, {
        commission: { rate: { percent: 12 }, bySku: { SHIRT: { percent: 20 } } },
      });
      expectStatus(reply, 200);
      expect(reply.body.commission).toEqual({
        rate: { percent: 12 },
        bySku: { SHIRT: { percent: 20 }, HAT: { flat: 50 } },
      });
    });

    it("refuses an unknown field with 400", async () => {
      const created = await createProgram(api);
      const reply = await api.call("PATCH", `/v1/programs/${created.id}`, { colour: "red" });
      expectError(reply, 400, "invalid_request");
      expect(detailsNaming(reply, "colour")).not.toEqual([]);
    });
  });
});
