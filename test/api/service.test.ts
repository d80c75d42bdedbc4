import { describe, expect, it } from "vitest";
import { routes } from "../../src/api/app.ts";
import { expectError, useApi } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

/**
 * The paths API.md names that the server implements so far, with their
 * methods. (API.md also describes goals, targets, progress, reports, payouts
 * and the widget, which have no routes yet.)
 */
const API_MD_PATHS: Record<string, string[]> = {
  "/v1/programs": ["get", "post"],
  "/v1/programs/{programId}": ["get", "patch"],
  "/v1/programs/{programId}/participants": ["get", "post"],
  "/v1/programs/{programId}/participants/{participantId}": ["get", "patch"],
  "/v1/programs/{programId}/participants/{participantId}/downline": ["get"],
  "/v1/programs/{programId}/participants/{participantId}/balances": ["get"],
  "/v1/programs/{programId}/participants/{participantId}/ledger": ["get"],
  "/v1/programs/{programId}/participants/{participantId}/tokens": ["post"],
  "/v1/programs/{programId}/events": ["post"],
  "/v1/me": ["get"],
  "/v1/me/balances": ["get"],
  "/v1/me/ledger": ["get"],
  "/r/{code}": ["get"],
};

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

describeEachBackend("service endpoints", (backend) => {
  const api = useApi(backend);

  it("GET /health answers 200 {status: ok} without a key", async () => {
    const reply = await api.call("GET", "/health", undefined, null);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: { status: "ok" },
    });
  });

  describe("GET /openapi.json", () => {
    it("answers an OpenAPI 3 document without a key", async () => {
      const reply = await api.call<OpenApiDocument>("GET", "/openapi.json", undefined, null);
      expect(reply.status).toBe(200);
      expect(reply.body.openapi).toMatch(/^3\./);
    });

    it("lists every path of API.md the server implements, with its methods", async () => {
      const { body } = await api.call<OpenApiDocument>("GET", "/openapi.json", undefined, null);
      const listed = Object.fromEntries(
        Object.entries(body.paths).map(([path, ops]) => [path, Object.keys(ops).sort()]),
      );
      expect(listed).toMatchObject(API_MD_PATHS);
    });

    it("lists every route the app serves", async () => {
      const { body } = await api.call<OpenApiDocument>("GET", "/openapi.json", undefined, null);
      for (const r of routes) expect(body.paths[r.url]).toHaveProperty(r.method.toLowerCase());
    });
  });

  it("/docs answers 200, after any redirect", async () => {
    let url = "/docs";
    let reply = await api.app.inject({ method: "GET", url });
    for (let hops = 0; hops < 5 && reply.statusCode >= 300 && reply.statusCode < 400; hops++) {
      url = new URL(String(reply.headers.location), `http://localhost${url}`).pathname;
      reply = await api.app.inject({ method: "GET", url });
    }
    expect(reply.statusCode).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/text\/html/);
  });

  describe("an unknown route", () => {
    it("answers 404 not_found with the error shape", async () => {
      expectError(await api.call("GET", "/v1/nothing-here", undefined, null), 404, "not_found");
    });

    it("answers 404 for an unknown method on a known path", async () => {
      expectError(await api.call("DELETE", "/v1/programs"), 404, "not_found");
    });
  });
});
