// Every string and number at the API's door is one the database can hold
// and the ledger can count exactly: a bad one is a 4xx naming its field,
// never a 500 and never a rounded booking.
import { describe, expect, it } from "vitest";
import { MAX_AMOUNT_MINOR } from "../../src/domain/events.ts";
import {
  countRows,
  createParticipant,
  createProgram,
  csvBody,
  expectError,
  expectStatus,
  only,
  order,
  sendEvents,
  snapshot,
  useApi,
  type Collection,
  type ErrorBody,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const NUL = "a\u0000b";
const LONE_SURROGATE = "a\ud800b";

describeEachBackend("input boundaries", (backend) => {
  const api = useApi(backend);

  describe("strings no database can store", () => {
    it.each([
      ["a NUL byte", NUL],
      ["a lone UTF-16 surrogate", LONE_SURROGATE],
    ])("%s in a program's name is a 400 naming the field, and writes nothing", async (_, name) => {
      const before = await snapshot(api.db);
      const reply = await api.call<ErrorBody>("POST", "/v1/programs", {
        name,
        currency: "USD",
      });
      expectError(reply, 400, "invalid_request");
      expect(reply.body.error.details).toEqual([{ path: "name", message: expect.any(String) }]);
      expect(await snapshot(api.db)).toEqual(before);
    });

    it("a NUL byte in a participant's name or a field name deep in a body is a 400 naming it", async () => {
      const program = await createProgram(api);
      const named = await api.call<ErrorBody>("POST", `/v1/programs/${program.id}/participants`, {
        externalId: "ana",
        name: NUL,
      });
      expectError(named, 400, "invalid_request");
      expect(named.body.error.details[0]?.path).toBe("name");
      const keyed = await api.call<ErrorBody>("PATCH", `/v1/programs/${program.id}`, {
        commission: { bySku: { [NUL]: { percent: 5 } } },
      });
      expectError(keyed, 400, "invalid_request");
      expect(keyed.body.error.details[0]?.path).toBe(`commission.bySku.${NUL}`);
    });

    it("a NUL byte in a path segment or a query string is a 400, not a 500", async () => {
      const program = await createProgram(api);
      expectError(await api.call("GET", "/v1/programs/prg%00x"), 400, "invalid_request");
      expectError(
        await api.call("GET", `/v1/programs/${program.id}/participants?externalId=a%00b`),
        400,
        "invalid_request",
      );
    });

    it("in a batch of 1,000 events, one with a NUL byte is rejected alone and the other 999 land", async () => {
      const program = await createProgram(api);
      await createParticipant(api, program.id, { externalId: "ana" });
      const events = Array.from({ length: 1000 }, (_, i) =>
        order(`nul-${i}`, {
          participant: "ana",
          ...(i === 500 ? { customer: { id: NUL } } : {}),
        }),
      );
      const reply = await sendEvents(api, program.id, { events });
      expectStatus(reply, 200);
      const rejected = reply.body.results.filter((r) => r.status === "rejected");
      expect(rejected).toEqual([
        {
          id: "nul-500",
          status: "rejected",
          error: expect.objectContaining({
            code: "invalid_event",
            details: [{ path: "customer.id", message: expect.stringContaining("U+0000") }],
          }),
        },
      ]);
      expect(await countRows(api.db, "orders", program.id)).toBe(999);
    });

    it("a lone surrogate in a single event is a 422 naming the field", async () => {
      const program = await createProgram(api);
      const reply = await sendEvents(api, program.id, order("o-1", { code: LONE_SURROGATE }));
      expectError(reply, 422, "invalid_event");
      expect((reply.body as unknown as ErrorBody).error.details[0]?.path).toBe("code");
    });

    it("a NUL byte in a target file is a bad row reported by its line, not a 500", async () => {
      const program = await createProgram(api);
      const reply = await api.call<ErrorBody>(
        "POST",
        `/v1/programs/${program.id}/targets`,
        csvBody(`participant,goal,period,target\nana,g,2026-11,5\nana\u0000,g,2026-11,5\n`),
      );
      expectError(reply, 422, "validation_failed");
      expect(reply.body.error.details).toEqual([
        { line: 3, field: "participant", message: expect.stringContaining("U+0000") },
      ]);
    });
  });

  describe("amounts the ledger can count exactly", () => {
    it("quantity × unitAmount past 2^53 − 1 is a 422 naming the item, and books nothing", async () => {
      const program = await createProgram(api);
      await createParticipant(api, program.id, { externalId: "ana" });
      const reply = await sendEvents(
        api,
        program.id,
        order("huge-line", {
          participant: "ana",
          items: [{ sku: "SHIRT", quantity: 3, unitAmount: 2 ** 52 }],
        }),
      );
      expectError(reply, 422, "validation_failed");
      expect((reply.body as unknown as ErrorBody).error.details).toEqual([
        { path: "items.0", message: expect.stringContaining("quantity × unitAmount") },
      ]);
      expect(await countRows(api.db, "ledger_entries", program.id)).toBe(0);
    });

    it("two items summing past 2^53 − 1 are a 422 naming the second, never booked a unit off", async () => {
      const program = await createProgram(api);
      await createParticipant(api, program.id, { externalId: "ana" });
      const half = Math.ceil(MAX_AMOUNT_MINOR / 2) + 1;
      const reply = await sendEvents(
        api,
        program.id,
        order("huge-sum", {
          participant: "ana",
          items: [
            { sku: "A", quantity: 1, unitAmount: half },
            { sku: "B", quantity: 1, unitAmount: half },
          ],
        }),
      );
      expectError(reply, 422, "validation_failed");
      expect((reply.body as unknown as ErrorBody).error.details[0]?.path).toBe("items.1");
      expect(await countRows(api.db, "ledger_entries", program.id)).toBe(0);
    });

    it("an order of exactly 2^53 − 1 minor units is booked to the unit", async () => {
      const program = await createProgram(api, {
        commission: { rate: { percent: 10 }, holdDays: 0 },
      });
      await createParticipant(api, program.id, { externalId: "ana" });
      const reply = await sendEvents(
        api,
        program.id,
        order("max", {
          participant: "ana",
          items: [{ sku: "A", quantity: 1, unitAmount: MAX_AMOUNT_MINOR }],
        }),
      );
      expectStatus(reply, 200);
      // 10% of 9,007,199,254,740,991 is 900,719,925,474,099.1, half-up to ...099.
      expect(only(reply.body.results).commissions).toEqual([
        expect.objectContaining({ level: 1, amount: 900_719_925_474_099 }),
      ]);
    });
  });

  describe("dates in a sane range (1970 to 2200)", () => {
    it.each(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z"])(
      "an event that occurred at %s is a 422 naming occurredAt",
      async (occurredAt) => {
        const program = await createProgram(api);
        const reply = await sendEvents(api, program.id, order("old", { occurredAt }));
        expectError(reply, 422, "validation_failed");
        expect((reply.body as unknown as ErrorBody).error.details[0]?.path).toBe("occurredAt");
      },
    );

    it("a fixed goal window ending in year 9999 is a 422 naming the edge", async () => {
      const program = await createProgram(api);
      const reply = await api.call<ErrorBody>("POST", `/v1/programs/${program.id}/goals`, {
        name: "Forever",
        metric: "order_count",
        window: { type: "fixed", start: "2026-11-01", end: "9999-01-01" },
        target: { type: "fixed" },
        steps: [{ threshold: 5, reward: { type: "points", points: 100 } }],
        evaluate: "immediately",
        returns: "ignore",
      });
      expectError(reply, 422, "validation_failed");
      expect(reply.body.error.details[0]?.path).toBe("window.end");
    });

    it("a report from year 0001 is a 422 naming from", async () => {
      const program = await createProgram(api);
      const reply = await api.call<ErrorBody>(
        "GET",
        `/v1/programs/${program.id}/reports/summary?from=0001-01-01&to=2026-11-01`,
      );
      expectError(reply, 422, "validation_failed");
      expect(reply.body.error.details[0]?.path).toBe("from");
    });
  });

  describe("progress of huge values and far periods", () => {
    it.each(["0078-10", "9999-Q4", "1969-12"])(
      "a progress period of %s is a 422 naming period, not a 500",
      async (period) => {
        const program = await createProgram(api);
        const ana = await createParticipant(api, program.id, { externalId: "ana" });
        const reply = await api.call<ErrorBody>(
          "GET",
          `/v1/programs/${program.id}/participants/${ana.id}/progress?period=${period}`,
        );
        expectError(reply, 422, "validation_failed");
        expect(reply.body.error.details[0]?.path).toBe("period");
      },
    );

    it("a value of 9e15 against a target of 2 reads as at most 2^53 − 1 percent, exactly", async () => {
      const program = await createProgram(api);
      const ana = await createParticipant(api, program.id, { externalId: "ana" });
      const goal = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/goals`, {
        name: "Two cents",
        metric: "sales_amount",
        window: { type: "lifetime" },
        target: { type: "fixed" },
        steps: [{ threshold: 2, reward: { type: "points", points: 1 } }],
        evaluate: "immediately",
        returns: "ignore",
      });
      expectStatus(goal, 201);
      await sendEvents(
        api,
        program.id,
        order("big", {
          participant: "ana",
          items: [{ sku: "A", quantity: 1, unitAmount: 9_000_000_000_000_000 }],
        }),
      );
      const progress = await api.call<{ percent: number }[]>(
        "GET",
        `/v1/programs/${program.id}/participants/${ana.id}/progress`,
      );
      expectStatus(progress, 200);
      expect(only(progress.body).percent).toBe(MAX_AMOUNT_MINOR);
    });
  });

  describe("a refund must name an order", () => {
    it("a refund whose orderId names a refund event is rejected, not left waiting forever", async () => {
      const program = await createProgram(api);
      await createParticipant(api, program.id, { externalId: "ana" });
      await sendEvents(api, program.id, order("o-1", { participant: "ana" }));
      expectStatus(
        await sendEvents(api, program.id, { type: "refund", id: "r-1", orderId: "o-1" }),
        200,
      );
      const reply = await sendEvents(api, program.id, {
        type: "refund",
        id: "r-2",
        orderId: "r-1",
      });
      expectError(reply, 422, "invalid_event");
      expect((reply.body as unknown as ErrorBody).error.message).toContain("names a refund event");
    });

    it("a refund naming an earlier event of its own batch that is not an order, or itself, is rejected", async () => {
      const program = await createProgram(api);
      const reply = await sendEvents(api, program.id, {
        events: [
          { type: "refund", id: "r-self", orderId: "r-self" },
          { type: "refund", id: "r-a", orderId: "x-1" },
          { type: "refund", id: "r-b", orderId: "r-a" },
        ],
      });
      expectStatus(reply, 200);
      expect(reply.body.results.map((r) => r.status)).toEqual([
        "rejected",
        "processed",
        "rejected",
      ]);
    });
  });

  describe("bodies and cursors", () => {
    it("a PATCH with the body null is a 400, and changes nothing", async () => {
      const program = await createProgram(api);
      const reply = await api.call("PATCH", `/v1/programs/${program.id}`, null);
      expectError(reply, 400, "invalid_request");
      const after = await api.call<ProgramBody>("GET", `/v1/programs/${program.id}`);
      expect(after.body).toEqual(program);
    });

    it("any cursor of the cursor alphabet answers a page, since lists are keyset-paged", async () => {
      await createProgram(api);
      for (const cursor of ["abc", "AAAA", "_-_-", "zzzzzzzz"]) {
        const reply = await api.call<Collection<unknown>>("GET", `/v1/programs?cursor=${cursor}`);
        expectStatus(reply, 200);
        expect(Array.isArray(reply.body.items)).toBe(true);
      }
      expectError(await api.call("GET", "/v1/programs?cursor=a%2Bb"), 422, "validation_failed");
    });
  });
});
