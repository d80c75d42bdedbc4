import { describe, expect, it } from "vitest";
import { routes, VERSION } from "../../src/api/app.ts";
import { ERROR_CODES } from "../../src/api/errors.ts";
import { buildOpenApi } from "../../src/api/openapi.ts";
import { lintOpenApi } from "../../scripts/lint-openapi.ts";
import { Conformance, type ConformanceDocument } from "../support/conformance.ts";

/**
 * The OpenAPI document is a contract clients are generated from: these tests
 * keep it complete (every operation named, described, with a schema and an
 * example for each answer) and valid (Redocly finds no error). That every
 * response the API tests get conforms to it is checked in test/support/api.ts.
 */

type Json = Record<string, unknown>;

interface MediaType {
  schema?: Json;
  example?: unknown;
}

interface Response {
  $ref?: string;
  headers?: Record<string, Json>;
  content?: Record<string, MediaType>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Json[];
  parameters?: Json[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, Response>;
}

const PUBLIC_URL = "https://laurel.acme.test";
// A plain copy, as a client reads it over the wire.
const document = JSON.parse(
  JSON.stringify(buildOpenApi(routes, { version: VERSION, publicUrl: PUBLIC_URL })),
) as ConformanceDocument & {
  openapi: string;
  jsonSchemaDialect: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Response> };
};
const conformance = new Conformance(document);

const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    name: `${method.toUpperCase()} ${path}`,
    method,
    operation,
  })),
);

const successes = operations.flatMap(({ name, operation }) =>
  Object.entries(operation.responses)
    .filter(([status]) => status.startsWith("2") || status.startsWith("3"))
    .map(([status, response]) => ({ name: `${name} ${status}`, status, response })),
);

/** Every value anywhere in the document, with where it is. */
function* walk(value: unknown, at: string): Generator<[string, unknown]> {
  yield [at, value];
  if (typeof value !== "object" || value === null) return;
  for (const [key, inner] of Object.entries(value)) yield* walk(inner, `${at}/${key}`);
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 over JSON Schema 2020-12, with none of 3.0's forms left", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.jsonSchemaDialect).toBe("https://json-schema.org/draft/2020-12/schema");
    const leftovers = [...walk(document, "#")].filter(
      ([at, value]) =>
        (at.endsWith("/nullable") && typeof value === "boolean") ||
        (/\/exclusive(Minimum|Maximum)$/.test(at) && typeof value === "boolean"),
    );
    expect(leftovers.map(([at]) => at)).toEqual([]);
  });

  it("names the server clients reach: LAUREL_PUBLIC_URL", () => {
    expect(document.servers).toEqual([{ url: PUBLIC_URL, description: expect.any(String) }]);
  });

  it("is built without a database and the same every time", () => {
    expect(buildOpenApi(routes, { version: VERSION, publicUrl: PUBLIC_URL })).toEqual(
      buildOpenApi(routes, { version: VERSION, publicUrl: PUBLIC_URL }),
    );
  });

  it("has every route the app serves, and health, readiness, metrics and itself", () => {
    for (const r of routes) expect(document.paths[r.url]).toHaveProperty(r.method.toLowerCase());
    expect(document.paths["/health"]?.get?.operationId).toBe("getHealth");
    expect(document.paths["/ready"]?.get?.operationId).toBe("getReady");
    expect(document.paths["/metrics"]?.get?.operationId).toBe("getMetrics");
    expect(document.paths["/openapi.json"]?.get).toBeDefined();
  });

  it("gives every operation a unique verb-noun camelCase operationId, a summary and a description", () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { name, operation } of operations) {
      expect({ name, id: operation.operationId }).toEqual({
        name,
        id: expect.stringMatching(/^[a-z]+(?:[A-Z][a-z]+)+$/),
      });
      expect({ name, summary: operation.summary }).toEqual({
        name,
        summary: expect.stringMatching(/\S/),
      });
      expect({ name, description: operation.description }).toEqual({
        name,
        description: expect.stringMatching(/\S{3}/),
      });
    }
  });

  it("gives every success a schema and an example, unless it has no body (a redirect, a 204)", () => {
    const bodiless = successes.filter(({ response }) => response.content === undefined);
    expect(bodiless.map(({ name }) => name).sort()).toEqual([
      "DELETE /v1/programs/{programId}/creatives/{creativeId} 204",
      "DELETE /v1/programs/{programId}/integrations/{provider} 204",
      "DELETE /v1/webhook-endpoints/{endpointId} 204",
      "GET /r/{code} 302",
      "OPTIONS /v1/track/{programId}/clicks 204",
      "OPTIONS /v1/widget/{programId}/me 204",
      "OPTIONS /v1/widget/{programId}/milestones 204",
    ]);
    for (const { name, response } of successes)
      for (const [type, media] of Object.entries(response.content ?? {}))
        expect({
          name,
          type,
          schema: media.schema !== undefined,
          example: "example" in media,
        }).toEqual({ name, type, schema: true, example: true });
  });

  it("documents answers that are not JSON as what they are", () => {
    const csv = document.paths["/v1/programs/{programId}/payouts/{payoutId}/export.csv"]?.get;
    expect(Object.keys(csv?.responses["200"]?.content ?? {})).toEqual(["text/csv"]);
    const link = document.paths["/r/{code}"]?.get;
    expect(Object.keys(link?.responses ?? {})).not.toContain("200");
    expect(link?.responses["302"]?.headers).toHaveProperty("Location");
    const metrics = document.paths["/metrics"]?.get;
    expect(Object.keys(metrics?.responses["200"]?.content ?? {})).toEqual(["text/plain"]);
  });

  it("gives every request body an example", () => {
    for (const { name, operation } of operations)
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {}))
        expect({ name, type, example: "example" in media }).toEqual({ name, type, example: true });
  });

  it("has examples that are valid against their own schemas", () => {
    const examples = [
      ...operations.flatMap(({ name, operation }) =>
        Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => ({
          where: `${name} request ${type}`,
          media,
        })),
      ),
      ...successes.flatMap(({ name, response }) =>
        Object.entries(response.content ?? {}).map(([type, media]) => ({
          where: `${name} ${type}`,
          media,
        })),
      ),
      ...Object.entries(document.components.responses).flatMap(([name, response]) =>
        Object.entries(response.content ?? {}).map(([type, media]) => ({
          where: `${name} ${type}`,
          media,
        })),
      ),
    ];
    expect(examples.length).toBeGreaterThan(50);
    for (const { where, media } of examples) {
      if (!media.schema) throw new Error(`${where} has no schema`);
      expect({ where, problem: conformance.schemaProblem(media.schema, media.example) }).toEqual({
        where,
        problem: null,
      });
    }
  });

  it("declares the errors every operation of its kind can answer, each the one Error shape", () => {
    for (const { name, operation, method } of operations) {
      if (["/health", "/ready", "/metrics", "/openapi.json"].some((p) => name.endsWith(` ${p}`)))
        continue;
      const statuses = Object.keys(operation.responses);
      const schemes = (operation.security ?? []).flatMap((s) => Object.keys(s));
      const asKey = schemes.some((s) => s === "adminKey" || s === "participantToken");
      const expected = [
        "400",
        "429",
        ...(schemes.length > 0 ? ["401"] : []),
        ...(asKey ? ["403"] : []),
        ...(name.includes("{") ? ["404", "414"] : []),
        ...(method === "get" || method === "options" ? [] : ["413", "415"]),
        ...(method === "post" && !UNKEYED.includes(name) ? ["409"] : []),
      ];
      expect({ name, statuses }).toEqual({ name, statuses: expect.arrayContaining(expected) });
      for (const status of statuses.filter((s) => s.startsWith("4")))
        expect({ name, status, ref: operation.responses[status]?.$ref }).toEqual({
          name,
          status,
          ref: expect.stringMatching(/^#\/components\/responses\//),
        });
    }
    for (const [name, response] of Object.entries(document.components.responses))
      expect({ name, schema: response.content?.["application/json"]?.schema }).toEqual({
        name,
        schema: { $ref: "#/components/schemas/Error" },
      });
  });

  it("lists the closed list of error codes, ERROR_CODES, in the Error shape", () => {
    const error = document.components.schemas.Error as {
      properties: { error: { properties: { code: { enum: string[] } }; required: string[] } };
    };
    expect(error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(error.properties.error.required.sort()).toEqual(
      ["code", "details", "message", "requestId"].sort(),
    );
  });

  it("documents the conventions' headers: Idempotency-Key on POST, Request-Id on every answer", () => {
    for (const { name, method, operation } of operations) {
      const keyed = (operation.parameters ?? []).some(
        (p) => p.$ref === "#/components/parameters/IdempotencyKey",
      );
      expect({ name, keyed }).toEqual({
        name,
        keyed: method === "post" && !UNKEYED.includes(name),
      });
    }
    for (const { name, response } of successes)
      expect({ name, header: response.headers?.["Request-Id"] }).toEqual({
        name,
        header: { $ref: "#/components/headers/RequestId" },
      });
    expect(document.components.responses.TooManyRequests?.headers).toHaveProperty("Retry-After");
  });

  it("has no error by Redocly's recommended rules", { timeout: 120_000 }, async () => {
    const result = await lintOpenApi(PUBLIC_URL);
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`)).toEqual(
      [],
    );
    expect(result.totals.errors).toBe(0);
  });
});

/**
 * POSTs that take no Idempotency-Key: a store's webhook, idempotent on the
 * provider's own ids, and a mail client's one-click unsubscribe, which sends
 * only its form and does the same however often it is sent.
 */
const UNKEYED = ["POST /v1/hooks/{provider}/{programId}", "POST /v1/unsubscribe/{token}"];

describe("the conformance check the API tests run on every response", () => {
  const exchange = (fields: {
    method?: string;
    url: string;
    status: number;
    body: unknown;
    contentType?: string;
  }) => ({
    method: fields.method ?? "GET",
    url: fields.url,
    status: fields.status,
    contentType: fields.contentType ?? "application/json; charset=utf-8",
    text: typeof fields.body === "string" ? fields.body : JSON.stringify(fields.body),
  });
  const error = (code: string) => ({
    error: { code, message: "m", details: [], requestId: "req_1" },
  });

  it("passes a response the document describes", () => {
    expect(
      conformance.problem(
        exchange({ url: "/v1/programs/prg_1?x=1", status: 404, body: error("not_found") }),
      ),
    ).toBeNull();
  });

  it("refuses a status the operation does not declare, naming the operation", () => {
    expect(
      conformance.problem(exchange({ url: "/v1/programs", status: 418, body: error("conflict") })),
    ).toMatch(/listPrograms[\s\S]*status 418 is not declared/);
  });

  it("refuses a body that breaks the schema, saying where", () => {
    expect(
      conformance.problem(exchange({ url: "/v1/programs/prg_1", status: 200, body: { id: 1 } })),
    ).toMatch(/getProgram[\s\S]*body\/id must be string/);
  });

  it("refuses a content type the response does not declare", () => {
    expect(
      conformance.problem(
        exchange({ url: "/v1/programs/prg_1", status: 200, body: "id", contentType: "text/plain" }),
      ),
    ).toMatch(/content type text\/plain is not declared/);
  });

  it("holds an unknown route's answer to a refusal in the Error shape, codes included", () => {
    expect(
      conformance.problem(exchange({ url: "/v1/nothing", status: 404, body: error("not_found") })),
    ).toBeNull();
    expect(
      conformance.problem(exchange({ url: "/v1/nothing", status: 404, body: error("gone") })),
    ).toMatch(/code must be equal to one of the allowed values/);
    expect(conformance.problem(exchange({ url: "/v1/nothing", status: 200, body: {} }))).toMatch(
      /not the router's 404/,
    );
    const badBody = { method: "POST", url: "/v1/nothing", status: 400 };
    expect(
      conformance.problem(exchange({ ...badBody, body: error("malformed_request") })),
    ).toBeNull();
  });
});
