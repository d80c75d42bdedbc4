import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/cli/config.ts";
import { DEFAULT_RATE_LIMITS } from "../../src/api/rate-limits.ts";
import { createProgram, useApi } from "../support/api.ts";
import { backends } from "../support/backends.ts";

interface ErrorBody {
  error: { code: string; message: string; details: unknown[] };
}

// The limiter lives in the process, not the database: one backend says it all.
const pglite = backends.find((b) => b.name === "pglite");
if (!pglite) throw new Error("no PGlite backend");

describe("rate limits", () => {
  const api = useApi(pglite, { rateLimits: { perCredential: 3, perAddress: 2 } });

  it("answers 429 in the API's shape, with Retry-After, once a key has used its minute", async () => {
    for (let i = 0; i < 3; i++)
      expect((await api.call("GET", "/v1/programs?limit=1")).status).toBe(200);
    const over = await api.call<ErrorBody>("GET", "/v1/programs?limit=1");
    expect(over.status).toBe(429);
    expect(over.body.error).toMatchObject({ code: "rate_limited", details: [] });
    expect(over.body.error.message).toMatch(/at most 3 a minute; retry in \d+ seconds?/);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    // Another brand's key has its own allowance.
    const other = await api.call("GET", "/v1/programs?limit=1", undefined, api.otherKey);
    expect(other.status).toBe(200);
  });

  it("limits the public routes by client address, and never the health check", async () => {
    const program = await createProgram(api, {}, api.otherKey);
    const milestones = `/v1/widget/${program.id}/milestones`;
    expect((await api.call("GET", milestones, undefined, null)).status).toBe(200);
    expect((await api.call("GET", milestones, undefined, null)).status).toBe(200);
    const over = await api.call<ErrorBody>("GET", milestones, undefined, null);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe("rate_limited");
    for (let i = 0; i < 5; i++)
      expect((await api.call("GET", "/health", undefined, null)).status).toBe(200);
  });
});

describe("rate limit settings", () => {
  it("default to generous limits, take numbers, and 0 turns a limit off", () => {
    const defaults = readConfig({});
    expect(defaults.LAUREL_RATE_LIMIT).toBe(DEFAULT_RATE_LIMITS.perCredential);
    expect(defaults.LAUREL_RATE_LIMIT_PUBLIC).toBe(DEFAULT_RATE_LIMITS.perAddress);
    expect(defaults.LAUREL_TRUST_PROXY).toBe(false);
    const set = readConfig({
      LAUREL_RATE_LIMIT: "0",
      LAUREL_RATE_LIMIT_PUBLIC: "60",
      LAUREL_TRUST_PROXY: "true",
    });
    expect(set).toMatchObject({
      LAUREL_RATE_LIMIT: 0,
      LAUREL_RATE_LIMIT_PUBLIC: 60,
      LAUREL_TRUST_PROXY: true,
    });
    expect(() => readConfig({ LAUREL_RATE_LIMIT: "lots" })).toThrow(/LAUREL_RATE_LIMIT/);
  });
});
