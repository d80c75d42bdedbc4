import { describe, expect, it } from "vitest";
import { describeFinding, groupFindings, seedFor, sentUrl, type Finding } from "./fuzzer.ts";
import type { RequestPlan } from "./requests.ts";

const finding = (fields: Partial<Finding> = {}): Finding => ({
  kind: "server_error",
  message: "answered 500: the request id is req_01M8SSEVAS2PCD9TRSEQXN1D87",
  operation: "GET /v1/programs/{programId}",
  operationId: "getProgram",
  phase: "mutated",
  index: 3,
  seed: 42,
  credential: "admin",
  mutations: ["query limit=1e309"],
  request: {
    method: "GET",
    url: "/v1/programs/prg_1?limit=1e309",
    headers: { authorization: "Bearer lrl_admin_secret" },
    payload: undefined,
  },
  response: { status: 500, contentType: "application/json", body: '{"error":{}}' },
  ...fields,
});

describe("seedFor", () => {
  it("gives each operation and phase a seed of its own, the same on every run", () => {
    const seeds = [
      seedFor(42, "GET /v1/programs", "valid"),
      seedFor(42, "GET /v1/programs", "mutated"),
      seedFor(42, "POST /v1/programs", "valid"),
      seedFor(43, "GET /v1/programs", "valid"),
    ];
    expect(new Set(seeds).size).toBe(4);
    expect(seedFor(42, "GET /v1/programs", "valid")).toBe(seeds[0]);
  });
});

describe("sentUrl", () => {
  const plan = (path: string, query = ""): RequestPlan => ({
    method: "GET",
    path,
    query,
    credential: "admin",
    headers: {},
    body: { kind: "none" },
    mutations: [],
    offRoute: false,
    pathBrands: [],
  });

  it("is the URL the server sees: dot segments resolved, encodings kept", () => {
    expect(sentUrl(plan("/v1/widget/../me"))).toBe("/v1/me");
    expect(sentUrl(plan("/v1/widget/%2e%2e/me"))).toBe("/v1/me");
    expect(sentUrl(plan("/v1/programs/%2F/goals", "limit=%zz&a=1"))).toBe(
      "/v1/programs/%2F/goals?limit=%zz&a=1",
    );
  });
});

describe("groupFindings", () => {
  it("groups findings that differ only in ids and numbers, most frequent first", () => {
    const groups = groupFindings([
      finding({ kind: "conformance", message: "status 418 is not declared" }),
      finding(),
      finding({ message: "answered 500: the request id is req_01M8SSEVAS2PCD9TRSEQXN1D99" }),
    ]);
    expect(groups.map((g) => [g.count, g.first.kind])).toEqual([
      [2, "server_error"],
      [1, "conformance"],
    ]);
  });
});

describe("describeFinding", () => {
  it("says how to replay it and shows the request and the response, secrets left out", () => {
    const text = describeFinding(finding(), { "admin key": "lrl_admin_secret" });
    expect(text).toContain(
      "npm run fuzz -- --seed 42 --operation 'GET /v1/programs/{programId}' --phase mutated --index 3",
    );
    expect(text).toContain("request: GET /v1/programs/prg_1?limit=1e309");
    expect(text).toContain('"authorization":"Bearer <admin key>"');
    expect(text).toContain('response: 500 application/json {"error":{}}');
    expect(text).not.toContain("lrl_admin_secret");
  });

  it("shortens a huge body, saying that the replay sends it whole", () => {
    const payload = "x".repeat(100_000);
    const text = describeFinding(
      finding({ request: { method: "POST", url: "/v1/programs", headers: {}, payload } }),
      {},
    );
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain("100000 characters in all; the replay sends it whole");
  });
});
