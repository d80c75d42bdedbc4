import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { ERROR_CODES, statusOf, type ErrorCode } from "./errors.ts";
import { errorExamples, healthExample, readyExample } from "./examples.ts";
import { mediaTypesOf, type AnyRoute } from "./route.ts";
import { errorSchema, healthSchema, readySchema } from "./schemas.ts";

export interface OpenApiOptions {
  /** The API's version: `info.version`. */
  version: string;
  /** LAUREL_PUBLIC_URL, where clients reach the server: the document's one server. */
  publicUrl: string;
}

type Json = Record<string, unknown>;

/**
 * The OpenAPI 3.1 document, built from the same zod schemas the routes
 * validate requests with and describe their answers with. Pure: it needs no
 * database, so a script can print it (npm run lint:openapi) and a client can
 * be generated from it.
 */
export function buildOpenApi(routes: readonly AnyRoute[], options: OpenApiOptions) {
  const schemas = new SchemaComponents();
  const errorResponses = new Map<number, Json>();
  const errorResponse = (status: number): Json => {
    const kind = ERROR_RESPONSES.get(status);
    if (!kind) throw new Error(`no error response is described for status ${status}`);
    if (!errorResponses.has(status)) errorResponses.set(status, errorResponseOf(status, schemas));
    return { $ref: `#/components/responses/${kind.name}` };
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const operation = operationOf(r, schemas, errorResponse);
    const path = (paths[r.url] ??= {});
    const method = r.method.toLowerCase();
    if (path[method]) throw new Error(`${r.method} ${r.url} is declared twice`);
    path[method] = operation;
  }
  for (const [url, method, operation] of fixedOperations(schemas, errorResponse))
    (paths[url] ??= {})[method] = operation;

  const responses: Record<string, Json> = {};
  for (const status of [...errorResponses.keys()].sort()) {
    const kind = ERROR_RESPONSES.get(status);
    const response = errorResponses.get(status);
    if (kind && response) responses[kind.name] = response;
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Laurel",
      version: options.version,
      summary: "Self-hosted incentive engine",
      description:
        "Programs, participants, events, commissions, goals and the ledger, over JSON. Money is an " +
        "integer count of minor units in the program's currency; timestamps are ISO-8601.\n\n" +
        "Every error answers the `Error` shape, with a `code` from a closed list. A POST may carry " +
        "an `Idempotency-Key`: the same key with the same body answers the first response again " +
        "(with `Idempotent-Replayed: true`), with another body a 409 `idempotency_conflict`. Every " +
        "response carries `Request-Id`. A client over its rate limit (per credential, or per " +
        "address for the public routes) gets a 429 `rate_limited` with `Retry-After`. A failure " +
        "on the server's side answers 500 `internal_error`, never for anything a request sent.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: options.publicUrl.replace(/\/+$/, ""), description: "This server" }],
    tags: TAGS,
    security: [{ adminKey: [] }],
    paths,
    components: {
      schemas: schemas.all(),
      responses,
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description:
            "1 to 255 visible ASCII characters of the client's choosing, such as a UUID: the same " +
            "key with the same request, within 24 hours, answers the first response again " +
            "instead of acting twice; with another request, a 409 `idempotency_conflict`; while " +
            "the first is still running, the second waits for its answer.",
          schema: { type: "string", pattern: "^[!-~]{1,255}$" },
          example: "9f0c2a8e-5b7d-4e1a-b3c6-2d8f4a6e1b90",
        },
      },
      headers: {
        RequestId: {
          description:
            "The request's id (the client's X-Request-Id when it sent a sane one); error bodies repeat it",
          required: true,
          schema: { type: "string" },
          example: "req_01JD2QB8R4T6V8X0Z2B4D6F8H0",
        },
        IdempotentReplayed: {
          description: "`true` when this is the stored response to an earlier request with the key",
          schema: { type: "string", enum: ["true"] },
        },
        RetryAfter: {
          description: "Seconds until the client's rate limit has room again",
          required: true,
          schema: { type: "integer", minimum: 1 },
          example: 12,
        },
      },
      securitySchemes: {
        adminKey: {
          type: "http",
          scheme: "bearer",
          description: "An admin key (`lrl_admin_...`), scoped to one brand: `laurel keys create`",
        },
        participantToken: {
          type: "http",
          scheme: "bearer",
          description:
            "A participant token (`lrl_part_...`, from POST .../participants/{participantId}/tokens) " +
            "or a portal session (`lrl_sess_...`): it reads only /v1/me",
        },
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "LAUREL_METRICS_TOKEN, for the metrics scraper",
        },
        customerToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A shop customer's token: a JWT (HS256) the shop's server signs with the program's widget secret",
        },
        shopifySignature: {
          type: "apiKey",
          in: "header",
          name: "X-Shopify-Hmac-Sha256",
          description: "Shopify's base64 HMAC-SHA256 of the raw body with the integration's secret",
        },
        stripeSignature: {
          type: "apiKey",
          in: "header",
          name: "Stripe-Signature",
          description:
            "Stripe's `t=<unix time>,v1=<hex HMAC-SHA256 of t.body>` with the endpoint secret; 300 s tolerance",
        },
        wooCommerceSignature: {
          type: "apiKey",
          in: "header",
          name: "X-WC-Webhook-Signature",
          description: "WooCommerce's base64 HMAC-SHA256 of the raw body with the webhook's secret",
        },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;

const TAGS = [
  { name: "Programs", description: "A program's settings: currency, commission plan, levels" },
  { name: "Participants", description: "Memberships, sponsors and the downline" },
  { name: "Events", description: "Orders, refunds, clicks, signups, reviews: what pays" },
  { name: "Ledger", description: "Balances and entries, summed from the append-only ledger" },
  { name: "Goals", description: "Challenges, milestone ladders and targets, and progress on them" },
  { name: "Targets", description: "Per-participant targets imported from CSV files" },
  { name: "Payouts", description: "Holds released, and batches paying available cash" },
  { name: "Fraud", description: "Flags raised by fraud screening, for an admin to decide" },
  { name: "Reports", description: "Sums and series over a period, for dashboards" },
  { name: "Me", description: "What a participant token reads: the participant's own data" },
  { name: "Widget", description: "What a storefront's widget reads, across origins" },
  { name: "Tracking", description: "Referral links, and clicks recorded by a shop's own pages" },
  {
    name: "Integrations",
    description: "Store webhooks in their own formats: Shopify, Stripe and WooCommerce",
  },
  { name: "Webhooks", description: "Signed webhooks Laurel sends: endpoints, deliveries, retries" },
  { name: "Operations", description: "Health, readiness, metrics and this document" },
];

// ------------------------------------------------------------- operations

function operationOf(
  r: AnyRoute,
  schemas: SchemaComponents,
  errorResponse: (status: number) => Json,
): Json {
  const idempotent = r.method === "POST" && !r.rawBody;
  const parameters = [
    ...objectParams(r.params, "path", schemas),
    ...objectParams(r.query, "query", schemas),
    ...(idempotent ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : []),
  ];
  const body = r.body;
  const success = successResponse(r, schemas, idempotent);
  const responses: Record<string, Json> = { [String(r.status ?? 200)]: success };
  for (const other of r.otherStatuses ?? [])
    responses[String(other.status)] = { ...success, description: other.description };
  for (const status of errorStatusesOf(r)) responses[String(status)] = errorResponse(status);
  return {
    operationId: r.operationId,
    summary: r.summary,
    description: r.description,
    tags: [r.tag],
    security: securityOf(r),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            // A body the route may go without (`.optional()`) is not required.
            required: !body.safeParse(undefined).success,
            content: Object.fromEntries(
              mediaTypesOf(r).map((type) => [
                type,
                {
                  schema: schemas.of(body, "input"),
                  ...(r.bodyExample === undefined ? {} : { example: r.bodyExample }),
                },
              ]),
            ),
          },
        }
      : {}),
    responses,
  };
}

function securityOf(r: AnyRoute): Json[] {
  if (r.auth === "admin") return [{ adminKey: [] }];
  if (r.auth === "participant") return [{ participantToken: [] }];
  if (r.credential === "customer") return [{ customerToken: [] }];
  // Any one of the stores' signatures: each alternative is one requirement.
  if (r.credential === "storeSignature")
    return [{ shopifySignature: [] }, { stripeSignature: [] }, { wooCommerceSignature: [] }];
  return [];
}

function successResponse(r: AnyRoute, schemas: SchemaComponents, idempotent: boolean): Json {
  const headers: Record<string, Json> = {
    "Request-Id": { $ref: "#/components/headers/RequestId" },
    ...(idempotent
      ? { "Idempotent-Replayed": { $ref: "#/components/headers/IdempotentReplayed" } }
      : {}),
    ...Object.fromEntries(
      Object.entries(r.responseHeaders ?? {}).map(([name, description]) => [
        name,
        { description, required: true, schema: { type: "string" } },
      ]),
    ),
  };
  const response = r.response;
  const example = r.responseExample === undefined ? {} : { example: r.responseExample };
  const content =
    response === null
      ? undefined
      : response instanceof z.ZodType
        ? { "application/json": { schema: schemas.of(response, "output"), ...example } }
        : { [response.mediaType]: { schema: schemas.of(response.schema, "output"), ...example } };
  const status = r.status ?? 200;
  return {
    description: SUCCESS_DESCRIPTIONS.get(status) ?? "Success",
    headers,
    ...(content ? { content } : {}),
  };
}

const SUCCESS_DESCRIPTIONS = new Map([
  [200, "OK"],
  [201, "Created"],
  [202, "Accepted"],
  [204, "No content"],
  [302, "Found: the client follows Location"],
]);

/**
 * The error statuses a route can answer: every route a malformed request
 * (400) and a rate limit (429); a route with a credential no or a bad one
 * (401) or the wrong kind (403); a path naming a resource a 404 (and a 414
 * for a segment longer than any id); a request
 * with a body one too large (413) or of a type the server does not take
 * (415); a checked path, query or body a 422 (a path segment from a closed list:
 * the store of an integration); a POST a 409 for a reused Idempotency-Key.
 * A route adds what its handler answers besides.
 */
export function errorStatusesOf(r: AnyRoute): number[] {
  const statuses = new Set([400, 429, ...(r.errors ?? [])]);
  if (r.auth !== "public") statuses.add(401).add(403);
  if (r.credential !== undefined) statuses.add(401);
  if (r.url.includes("{")) statuses.add(404).add(414);
  if (r.method !== "GET") statuses.add(413).add(415);
  if (r.method === "POST" && !r.rawBody) statuses.add(409);
  const checked = (schema: z.ZodType | undefined) =>
    schema !== undefined && !takesAnyStrings(schema);
  if (r.body || checked(r.query) || checked(r.params)) statuses.add(422);
  return [...statuses].sort((a, b) => a - b);
}

/** A query of optional plain strings, which no value can break a rule of. */
function takesAnyStrings(query: z.ZodType): boolean {
  if (!(query instanceof z.ZodObject)) return false;
  return Object.values(query.shape as Record<string, z.ZodType>).every((field) => {
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
    return inner instanceof z.ZodString && (inner.def.checks ?? []).length === 0;
  });
}

function objectParams(
  schema: z.ZodType | undefined,
  location: "path" | "query",
  schemas: SchemaComponents,
): Json[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const json = schemas.of(field, "input");
    return {
      name,
      in: location,
      required: location === "path" || !field.safeParse(undefined).success,
      ...(typeof json.description === "string" ? { description: json.description } : {}),
      schema: json,
    };
  });
}

// ----------------------------------------------------------------- errors

interface ErrorKind {
  name: string;
  description: string;
  codes: readonly ErrorCode[];
  example: { code: ErrorCode; message: string; details?: unknown[] };
}

const codesOf = (status: number) => ERROR_CODES.filter((code) => statusOf(code) === status);

const ERROR_RESPONSES = new Map<number, ErrorKind>(
  (
    [
      [
        400,
        "BadRequest",
        "The request is malformed: not JSON, a field of the wrong type or unknown, a cursor this API did not give out",
        codesOf(400),
      ],
      [
        401,
        "Unauthorized",
        "No credential, or one that is not valid (unknown, revoked, expired)",
        codesOf(401),
      ],
      [403, "Forbidden", "The credential is valid but may not do this", codesOf(403)],
      [404, "NotFound", "Nothing by that id, or it belongs to another brand", codesOf(404)],
      [
        409,
        "Conflict",
        "It conflicts with what exists: the same id with other content, or an Idempotency-Key reused with another body",
        codesOf(409),
      ],
      [413, "PayloadTooLarge", "The body is larger than the route takes", ["malformed_request"]],
      [
        414,
        "UriTooLong",
        "A segment of the path is longer than any id or code (500 characters)",
        ["malformed_request"],
      ],
      [
        415,
        "UnsupportedMediaType",
        "The body comes in a Content-Type the route does not take",
        ["malformed_request"],
      ],
      [
        422,
        "UnprocessableEntity",
        "Well-formed, but it breaks a rule; details name each field to fix",
        codesOf(422),
      ],
      [
        429,
        "TooManyRequests",
        "Over the rate limit; retry after Retry-After seconds",
        codesOf(429),
      ],
      [
        503,
        "ServiceUnavailable",
        "The server is up but cannot serve yet: the database does not answer",
        codesOf(503),
      ],
    ] as const
  ).map(([status, name, description, codes]) => {
    const example = errorExamples[status];
    if (!example) throw new Error(`no example error for status ${status}`);
    return [status, { name, description, codes, example }];
  }),
);

function errorResponseOf(status: number, schemas: SchemaComponents): Json {
  const kind = ERROR_RESPONSES.get(status);
  if (!kind) throw new Error(`no error response is described for status ${status}`);
  return {
    description: `${kind.description}. Codes: ${kind.codes.map((c) => `\`${c}\``).join(", ")}.`,
    headers: {
      "Request-Id": { $ref: "#/components/headers/RequestId" },
      ...(status === 429 ? { "Retry-After": { $ref: "#/components/headers/RetryAfter" } } : {}),
    },
    content: {
      "application/json": {
        schema: schemas.of(errorSchema, "output"),
        example: {
          error: {
            details: [],
            ...kind.example,
            requestId: "req_01JD2QB8R4T6V8X0Z2B4D6F8H0",
          },
        },
      },
    },
  };
}

// ----------------------------------------------------- fixed operations

/** What the app serves outside the routes: health, readiness, metrics and this document. */
function fixedOperations(
  schemas: SchemaComponents,
  errorResponse: (status: number) => Json,
): [string, string, Json][] {
  const requestId = { "Request-Id": { $ref: "#/components/headers/RequestId" } };
  const json = (schema: z.ZodType, example: unknown) => ({
    "application/json": { schema: schemas.of(schema, "output"), example },
  });
  return [
    [
      "/health",
      "get",
      {
        operationId: "getHealth",
        summary: "Whether the server takes requests",
        description:
          "Answers 200 once the server takes requests, without touching the database: a liveness check.",
        tags: ["Operations"],
        security: [],
        responses: {
          "200": {
            description: "OK",
            headers: requestId,
            content: json(healthSchema, healthExample),
          },
        },
      },
    ],
    [
      "/ready",
      "get",
      {
        operationId: "getReady",
        summary: "Whether the server and its database answer",
        description:
          "Answers 200 only while the database answers too (a `select 1`, with a short timeout), " +
          "and 503 `not_ready` otherwise: a readiness check for a load balancer.",
        tags: ["Operations"],
        security: [],
        responses: {
          "200": {
            description: "OK",
            headers: requestId,
            content: json(readySchema, readyExample),
          },
          "503": errorResponse(503),
        },
      },
    ],
    [
      "/metrics",
      "get",
      {
        operationId: "getMetrics",
        summary: "Prometheus metrics",
        description:
          "Requests by route and status, latency histograms, events processed, webhook and mail " +
          "deliveries and job runs, in the Prometheus text format, for a Bearer of " +
          "LAUREL_METRICS_TOKEN. Without LAUREL_METRICS_TOKEN metrics are off: 404.",
        tags: ["Operations"],
        security: [{ metricsToken: [] }],
        responses: {
          "200": {
            description: "OK",
            headers: requestId,
            content: {
              "text/plain": {
                schema: { type: "string" },
                example:
                  '# HELP laurel_http_requests_total Requests answered, by route and status\n# TYPE laurel_http_requests_total counter\nlaurel_http_requests_total{method="GET",route="/v1/programs/:programId",status="200"} 12\n',
              },
            },
          },
          "401": errorResponse(401),
          "404": errorResponse(404),
        },
      },
    ],
    [
      "/openapi.json",
      "get",
      {
        operationId: "getOpenApiDocument",
        summary: "This document",
        description: "The OpenAPI 3.1 document of the API, built from the schemas the routes use.",
        tags: ["Operations"],
        security: [],
        responses: {
          "200": {
            description: "OK",
            headers: requestId,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["openapi", "info", "paths"],
                  properties: {
                    openapi: { type: "string" },
                    info: { type: "object" },
                    paths: { type: "object" },
                  },
                  additionalProperties: true,
                },
                example: {
                  openapi: "3.1.0",
                  info: { title: "Laurel", version: "0.1.0" },
                  paths: {},
                },
              },
            },
          },
        },
      },
    ],
  ];
}

// ---------------------------------------------------------------- schemas

/**
 * Converts zod schemas to JSON Schema 2020-12 and keeps their named parts
 * (those with a `.meta({ id })`) once, as components the rest `$ref`.
 */
class SchemaComponents {
  private readonly named: Record<string, Json> = {};

  of(schema: z.ZodType, io: "input" | "output"): Json {
    const {
      $schema: _,
      $defs,
      ...json
    } = z.toJSONSchema(schema, {
      target: "draft-2020-12",
      io,
      unrepresentable: "throw",
    }) as Json;
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      const component = relinked(def) as Json;
      const known = this.named[name];
      // One name, one shape: an id given to two different schemas (or to one
      // that reads differently as input and as output) would make refs lie.
      if (known !== undefined && !isDeepStrictEqual(known, component))
        throw new Error(`two different schemas are named ${name}; give one of them another id`);
      this.named[name] = component;
    }
    return relinked(json) as Json;
  }

  all(): Record<string, Json> {
    return Object.fromEntries(Object.entries(this.named).sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** A copy of a schema whose `$ref`s starting with `from` start with `to` instead. */
export function withRefsMoved(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withRefsMoved(item, from, to));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === "$ref" && typeof inner === "string" && inner.startsWith(from)
        ? to + inner.slice(from.length)
        : withRefsMoved(inner, from, to),
    ]),
  );
}

/** A converted schema's `#/$defs/X` refs pointed at the document's components. */
const relinked = (value: unknown): unknown =>
  withRefsMoved(value, "#/$defs/", "#/components/schemas/");
