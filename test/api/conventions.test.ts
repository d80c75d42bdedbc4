// The conventions every route keeps (API.md): one error shape for every
// failure, the router's own included; a Request-Id on every response; and
// Idempotency-Key on any POST, so a client retrying after a lost answer
// gets the first answer instead of doing the work twice.
import type { InjectOptions } from "fastify";
import { describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  expectStatus,
  order,
  useApi,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

describeEachBackend("conventions every route keeps", (backend) => {
  const api = useApi(backend);

  const inject = (options: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    payload?: string;
    key?: string | null;
  }) => {
    const key = options.key === undefined ? api.key : options.key;
    const request: InjectOptions = {
      // Any verb, known to HTTP or not: the router must answer each in the contract's shape.
      method: (options.method ?? "GET") as InjectOptions["method"],
      url: options.url,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        ...(options.payload === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers,
      },
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    };
    return api.app.inject(request);
  };

  describe("one error shape for everything", () => {
    it.each([
      ["an unknown route", { url: "/v1/nowhere" }, 404, "not_found"],
      ["an unknown method", { method: "PROPFIND", url: "/v1/programs" }, 404, "not_found"],
      [
        "a path that is not valid URL encoding",
        { url: "/v1/programs/%zz" },
        400,
        "malformed_request",
      ],
      [
        "an over-long path segment",
        { url: `/v1/programs/${"p".repeat(5000)}` },
        414,
        "malformed_request",
      ],
      [
        "a body of a type the route does not take",
        {
          method: "POST",
          url: "/v1/programs",
          headers: { "content-type": "application/xml" },
          payload: "<program/>",
        },
        415,
        "malformed_request",
      ],
      [
        "a body that is not JSON",
        { method: "POST", url: "/v1/programs", payload: "{not json" },
        400,
        "malformed_request",
      ],
      [
        "a body over the size limit",
        {
          method: "POST",
          url: "/v1/programs",
          payload: JSON.stringify({ name: "x".repeat(11 * 1024 * 1024) }),
        },
        413,
        "malformed_request",
      ],
      [
        "a body nested 100,000 levels deep",
        {
          method: "POST",
          url: "/v1/programs",
          payload: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
        },
        400,
        "malformed_request",
      ],
      ["no credential", { url: "/v1/programs", key: null }, 401, "unauthorized"],
    ])(
      "%s answers the contract's error shape with its request id",
      async (_, request, status, code) => {
        const reply = await inject(request);
        expect(reply.statusCode).toBe(status);
        expect(reply.headers["content-type"]).toMatch(/^application\/json/);
        expect(reply.json()).toEqual({
          error: {
            code,
            message: expect.stringMatching(/\S/),
            details: expect.any(Array),
            requestId: reply.headers["request-id"],
          },
        });
      },
    );
  });

  describe("Request-Id", () => {
    it("every response carries one, successes and errors alike, each its own", async () => {
      const ok = await inject({ url: "/v1/programs" });
      const missing = await inject({ url: "/v1/nowhere" });
      const health = await inject({ url: "/health", key: null });
      const ids = [ok, missing, health].map((r) => r.headers["request-id"]);
      for (const id of ids) expect(id).toMatch(/^req_[0-9A-Z]{26}$/);
      expect(new Set(ids).size).toBe(3);
    });

    it("an incoming X-Request-Id that is a sane token is kept, in the header and the error body", async () => {
      const reply = await inject({
        url: "/v1/programs/prg_nope",
        headers: { "x-request-id": "shop-7f3a.42" },
      });
      expect(reply.statusCode).toBe(404);
      expect(reply.headers["request-id"]).toBe("shop-7f3a.42");
      expect(reply.json().error.requestId).toBe("shop-7f3a.42");
    });

    it("an incoming X-Request-Id that is not a sane token is replaced by a fresh one", async () => {
      const reply = await inject({
        url: "/v1/programs",
        headers: { "x-request-id": `bad id ${"x".repeat(200)}` },
      });
      expect(reply.headers["request-id"]).toMatch(/^req_[0-9A-Z]{26}$/);
    });
  });

  describe("Idempotency-Key", () => {
    const createWithKey = (key: string, body: Record<string, unknown>, credential?: string) =>
      inject({
        method: "POST",
        url: "/v1/programs",
        headers: { "idempotency-key": key },
        payload: JSON.stringify({ currency: "USD", ...body }),
        key: credential,
      });

    it("the same key and body answers the first response again, marked replayed, creating nothing more", async () => {
      const key = `create-${Math.random()}`;
      const first = await createWithKey(key, { name: "Once" });
      expect(first.statusCode).toBe(201);
      expect(first.headers["idempotent-replayed"]).toBeUndefined();
      const second = await createWithKey(key, { name: "Once" });
      expect(second.statusCode).toBe(201);
      expect(second.headers["idempotent-replayed"]).toBe("true");
      expect(second.body).toBe(first.body);
      const list = await api.call<{ items: { name: string }[] }>("GET", "/v1/programs?limit=500");
      expect(list.body.items.filter((p) => p.name === "Once")).toHaveLength(1);
    });

    it("the same key with another body is a 409 idempotency_conflict", async () => {
      const key = `conflict-${Math.random()}`;
      expect((await createWithKey(key, { name: "First" })).statusCode).toBe(201);
      const other = await createWithKey(key, { name: "Second" });
      expect(other.statusCode).toBe(409);
      expect(other.json().error.code).toBe("idempotency_conflict");
    });

    it("keys are per brand: another brand's same key and body runs on its own", async () => {
      const key = `brand-${Math.random()}`;
      const mine = await createWithKey(key, { name: "Shared key" });
      const theirs = await createWithKey(key, { name: "Shared key" }, api.otherKey);
      expect(theirs.statusCode).toBe(201);
      expect(theirs.headers["idempotent-replayed"]).toBeUndefined();
      expect(theirs.json().id).not.toBe(mine.json().id);
    });

    it("a request that failed leaves its key free, so the corrected retry runs", async () => {
      const key = `retry-${Math.random()}`;
      const bad = await inject({
        method: "POST",
        url: "/v1/programs",
        headers: { "idempotency-key": key },
        payload: JSON.stringify({ name: "No currency" }),
      });
      expect(bad.statusCode).toBe(400);
      const again = await inject({
        method: "POST",
        url: "/v1/programs",
        headers: { "idempotency-key": key },
        payload: JSON.stringify({ name: "No currency" }),
      });
      expect(again.statusCode).toBe(400);
      expect(again.headers["idempotent-replayed"]).toBeUndefined();
    });

    it("two requests with one key at once: one runs, the other gets its answer or a 409", async () => {
      const program = await createProgram(api);
      await createParticipant(api, program.id, { externalId: "ana" });
      const key = `race-${Math.random()}`;
      const send = () =>
        inject({
          method: "POST",
          url: `/v1/programs/${program.id}/events`,
          headers: { "idempotency-key": key },
          payload: JSON.stringify(order("race-1", { participant: "ana" })),
        });
      const replies = await Promise.all([send(), send(), send()]);
      for (const reply of replies) {
        if (reply.statusCode === 409)
          expect(reply.json().error.code).toBe("idempotency_in_progress");
        else {
          expect(reply.statusCode).toBe(200);
          expect(reply.json().results[0].status).toBe("processed");
        }
      }
      expect(replies.filter((r) => r.headers["idempotent-replayed"] === undefined)).toHaveLength(1);
      expect(await countRows(api.db, "orders", program.id)).toBe(1);
    });

    it("a key that is not a sane token is a 400 naming the header", async () => {
      const reply = await createWithKey("has spaces in it", { name: "Bad key" });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error.details).toEqual([
        { path: "Idempotency-Key", message: expect.any(String) },
      ]);
    });

    it("after 24 hours a key is forgotten and the same request runs again", async () => {
      const key = `old-${Math.random()}`;
      const first = await createWithKey(key, { name: "Yesterday" });
      expectStatus(
        { status: first.statusCode, body: first.json(), text: first.body, headers: {} },
        201,
      );
      await api.db.query(
        "update idempotency_keys set created_at = created_at - interval '25 hours' where key = $1",
        [key],
      );
      const again = await createWithKey(key, { name: "Yesterday" });
      expect(again.statusCode).toBe(201);
      expect(again.headers["idempotent-replayed"]).toBeUndefined();
      expect(again.json().id).not.toBe(first.json().id);
    });
  });
});
