import { describe, expect, it } from "vitest";
import {
  documentedResponse,
  operationsOf,
  toJsonSchema2020,
  type OpenApiDocument,
} from "./openapi-document.ts";

const document: OpenApiDocument = {
  openapi: "3.1.0",
  security: [{ adminKey: [] }],
  components: {
    parameters: {
      ProgramId: { name: "programId", in: "path", required: true, schema: { type: "string" } },
    },
    requestBodies: {
      Participant: {
        required: true,
        content: {
          "application/json": {
            schema: { $ref: "#/components/schemas/ParticipantInput" },
            example: { externalId: "amb-42" },
          },
        },
      },
    },
    responses: {
      Error: {
        description: "error",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    },
    schemas: {
      ParticipantInput: { type: "object", required: ["externalId"] },
      Error: { type: "object" },
    },
  },
  paths: {
    "/v1/programs/{programId}/participants": {
      parameters: [
        { $ref: "#/components/parameters/ProgramId" },
        { name: "limit", in: "query", schema: { type: "string" } },
      ],
      post: {
        operationId: "createParticipant",
        parameters: [{ name: "limit", in: "query", required: true, schema: { type: "integer" } }],
        requestBody: { $ref: "#/components/requestBodies/Participant" },
        responses: {
          "201": { description: "created" },
          "4XX": { $ref: "#/components/responses/Error" },
          default: { $ref: "#/components/responses/Error" },
        },
      },
    },
    "/v1/me": { get: { security: [{ participantToken: [] }], responses: {} } },
    "/v1/widget/{programId}/me": { get: { security: [{ customerToken: [] }], responses: {} } },
    "/metrics": { get: { security: [{ metricsToken: [] }], responses: {} } },
    "/r/{code}": { get: { security: [], responses: {} } },
    "/v1/sessions": { post: { security: [{ bearer: [] }], responses: {} } },
  },
};

describe("operationsOf", () => {
  const operations = operationsOf(document);
  const create = operations.find((op) => op.operationId === "createParticipant");

  it("follows $refs to parameters, bodies and responses, and an operation's parameter overrides its path's", () => {
    expect(create?.parameters).toEqual([
      { name: "programId", in: "path", required: true, schema: { type: "string" } },
      { name: "limit", in: "query", required: true, schema: { type: "integer" } },
    ]);
    expect(create?.body).toEqual({
      required: true,
      content: { "application/json": { $ref: "#/components/schemas/ParticipantInput" } },
      examples: { "application/json": [{ externalId: "amb-42" }] },
    });
    expect(create?.responses).toEqual({
      "201": undefined,
      "4XX": { "application/json": { $ref: "#/components/schemas/Error" } },
      default: { "application/json": { $ref: "#/components/schemas/Error" } },
    });
  });

  it("reads the credential from the security scheme's name, and the contract's paths without one", () => {
    expect(Object.fromEntries(operations.map((op) => [op.key, op.credential]))).toEqual({
      "POST /v1/programs/{programId}/participants": "admin",
      "GET /v1/me": "participant",
      "GET /v1/widget/{programId}/me": "customer",
      "GET /metrics": "metrics",
      "GET /r/{code}": "none",
      // A scheme whose name says nothing: a participant opens a portal session.
      "POST /v1/sessions": "participant",
    });
  });

  it("finds a status's response by its code, then its range, then default", () => {
    if (!create) throw new Error("no createParticipant");
    expect(documentedResponse(create, 201)?.key).toBe("201");
    expect(documentedResponse(create, 404)?.key).toBe("4XX");
    expect(documentedResponse(create, 503)?.key).toBe("default");
    const bare = operations.find((op) => op.key === "GET /v1/me");
    if (!bare) throw new Error("no GET /v1/me");
    expect(documentedResponse(bare, 200)).toBeUndefined();
  });
});

describe("toJsonSchema2020", () => {
  it("rewrites OpenAPI 3.0's nullable, boolean exclusive bounds and example", () => {
    expect(
      toJsonSchema2020({
        type: "object",
        properties: {
          days: { type: "integer", minimum: 0, exclusiveMinimum: true, maximum: 10 },
          name: { type: "string", nullable: true, example: "Ana" },
          level: { enum: ["gold"], nullable: true },
          rate: { $ref: "#/components/schemas/Rate", nullable: true },
          plain: { type: "number", minimum: 1, exclusiveMinimum: false },
        },
        "x-internal": true,
      }),
    ).toEqual({
      type: "object",
      properties: {
        days: { type: "integer", exclusiveMinimum: 0, maximum: 10 },
        name: { type: ["string", "null"], examples: ["Ana"] },
        level: { enum: ["gold", null] },
        rate: { anyOf: [{ $ref: "#/components/schemas/Rate" }, { type: "null" }] },
        plain: { type: "number", minimum: 1 },
      },
    });
  });

  it("leaves 2020-12 as it is, and moves refs where a validator finds them", () => {
    const schema = {
      type: ["string", "null"],
      exclusiveMinimum: 3,
      items: { $ref: "#/components/schemas/Step" },
    };
    expect(toJsonSchema2020(schema)).toEqual(schema);
    expect(toJsonSchema2020(schema, (ref) => ref.replace("#/components/schemas/", "x#/"))).toEqual({
      ...schema,
      items: { $ref: "x#/Step" },
    });
  });
});
