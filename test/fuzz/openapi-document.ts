// Reads the operations of an OpenAPI document (3.1, or 3.0-style schemas in
// it) into what the fuzzer needs: parameters, bodies and responses with their
// schemas in JSON Schema 2020-12, `$ref`s followed.
import { isSchemaObject, type JsonSchema, type SchemaObject } from "./schema-arbitrary.ts";

/** What an operation authenticates with, read from its security scheme's name. */
export type Credential = "admin" | "participant" | "customer" | "metrics" | "none";

export interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header" | "cookie";
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** Media type -> schema (undefined when the document gives none). */
export type Content = Readonly<Record<string, JsonSchema | undefined>>;

export interface Operation {
  /** `METHOD /path/{template}`, which names the operation in reports. */
  readonly key: string;
  readonly operationId: string | undefined;
  readonly method: string;
  readonly path: string;
  /** The credential the operation is for: none for public routes. */
  readonly credential: Credential;
  readonly parameters: readonly Parameter[];
  readonly body:
    | {
        readonly required: boolean;
        readonly content: Content;
        /** Media type -> the document's examples of the body. */
        readonly examples: Readonly<Record<string, readonly unknown[]>>;
      }
    | undefined;
  /** Status (`200`, `4XX`, `default`) -> content, undefined when a response has no body. */
  readonly responses: Readonly<Record<string, Content | undefined>>;
}

export interface OpenApiDocument {
  openapi?: string;
  paths?: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown> | undefined>;
  security?: unknown;
  [field: string]: unknown;
}

const METHODS = ["get", "put", "post", "patch", "delete", "options", "head"] as const;

/** Every operation of the document, in the document's order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const shared = listOf(deref(document, item).parameters);
    for (const method of METHODS) {
      const raw = item[method];
      if (!isSchemaObject(raw)) continue;
      const operation = raw as Record<string, unknown>;
      const parameters = mergeParameters(
        shared.map((p) => parameterOf(document, p)),
        listOf(operation.parameters).map((p) => parameterOf(document, p)),
      );
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        operationId: typeof operation.operationId === "string" ? operation.operationId : undefined,
        method: method.toUpperCase(),
        path,
        credential: credentialOf(document, operation, path),
        parameters,
        body: bodyOf(document, operation.requestBody),
        responses: Object.fromEntries(
          Object.entries(deref(document, operation.responses ?? {})).map(([status, response]) => [
            status,
            contentOf(document, deref(document, response).content),
          ]),
        ),
      });
    }
  }
  return operations;
}

/** The schema a `#/...` JSON pointer names in the document. */
export function resolvePointer(document: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are followed, not ${ref}`);
  let current: unknown = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isSchemaObject(current) || !(key in current))
      throw new Error(`$ref ${ref} names nothing in the document`);
    current = current[key];
  }
  return current;
}

/**
 * A schema in JSON Schema 2020-12. Documents generated for OpenAPI 3.0 say
 * `nullable: true` and boolean `exclusiveMinimum`; those are rewritten, and
 * `rewriteRef` may move `$ref`s to where a validator finds their targets.
 */
export function toJsonSchema2020(
  schema: JsonSchema,
  rewriteRef: (ref: string) => string = (ref) => ref,
): JsonSchema {
  if (typeof schema === "boolean") return schema;
  const out: Record<string, unknown> = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith("x-")) continue;
    if (keyword === "$ref" && typeof value === "string") out.$ref = rewriteRef(value);
    else if (SCHEMA_MAPS.has(keyword) && isSchemaObject(value))
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [
          name,
          toJsonSchema2020(sub as JsonSchema, rewriteRef),
        ]),
      );
    else if (SCHEMA_LISTS.has(keyword) && Array.isArray(value))
      out[keyword] = value.map((sub) => toJsonSchema2020(sub as JsonSchema, rewriteRef));
    else if (SCHEMA_VALUED.has(keyword) && (isSchemaObject(value) || typeof value === "boolean"))
      out[keyword] = toJsonSchema2020(value, rewriteRef);
    else out[keyword] = value;
  }
  // OpenAPI 3.0: `exclusiveMinimum: true` makes `minimum` exclusive.
  for (const [exclusive, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof out[exclusive] !== "boolean") continue;
    if (out[exclusive] === true && typeof out[bound] === "number") {
      out[exclusive] = out[bound];
      delete out[bound];
    } else delete out[exclusive];
  }
  // OpenAPI 3.0's `example` is 2020-12's `examples`.
  if ("example" in out) {
    if (!("examples" in out)) out.examples = [out.example];
    delete out.example;
  }
  if (out.nullable === true) {
    delete out.nullable;
    return allowNull(out);
  }
  delete out.nullable;
  return out;
}

const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions"]);
const SCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf", "prefixItems"]);
const SCHEMA_VALUED = new Set([
  "items",
  "additionalProperties",
  "propertyNames",
  "not",
  "if",
  "then",
  "else",
  "contains",
  "unevaluatedProperties",
  "unevaluatedItems",
]);

function allowNull(schema: Record<string, unknown>): SchemaObject {
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  if (Array.isArray(schema.type))
    return schema.type.includes("null") ? schema : { ...schema, type: [...schema.type, "null"] };
  if (Array.isArray(schema.enum) && !("$ref" in schema) && !("anyOf" in schema))
    return { ...schema, enum: [...schema.enum, null] };
  return { anyOf: [schema, { type: "null" }] };
}

/** A `$ref`ed object of the document (parameter, body, response), or the object itself. */
function deref(document: OpenApiDocument, value: unknown): Record<string, unknown> {
  let current = value;
  for (let hops = 0; isSchemaObject(current) && typeof current.$ref === "string"; hops++) {
    if (hops > 20) throw new Error("a $ref chain does not end");
    current = resolvePointer(document, current.$ref);
  }
  return isSchemaObject(current) ? (current as Record<string, unknown>) : {};
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function parameterOf(document: OpenApiDocument, raw: unknown): Parameter {
  const p = deref(document, raw);
  const where = p.in === "path" || p.in === "header" || p.in === "cookie" ? p.in : "query";
  return {
    name: String(p.name),
    in: where,
    required: where === "path" || p.required === true,
    schema: schemaOf(p.schema),
  };
}

/** Operation parameters override the path item's of the same name and place. */
function mergeParameters(shared: Parameter[], own: Parameter[]): Parameter[] {
  const key = (p: Parameter) => `${p.in}:${p.name}`;
  const ownKeys = new Set(own.map(key));
  return [...shared.filter((p) => !ownKeys.has(key(p))), ...own];
}

function bodyOf(document: OpenApiDocument, raw: unknown): Operation["body"] {
  if (raw === undefined) return undefined;
  const body = deref(document, raw);
  return {
    required: body.required === true,
    content: contentOf(document, body.content) ?? {},
    examples: examplesOf(document, body.content),
  };
}

/** A media type's `example`, its `examples` (by value), and its schema's own `examples`. */
function examplesOf(document: OpenApiDocument, raw: unknown): Record<string, unknown[]> {
  if (!isSchemaObject(raw)) return {};
  return Object.fromEntries(
    Object.entries(raw).map(([type, media]) => {
      const m = deref(document, media);
      const named = isSchemaObject(m.examples)
        ? Object.values(m.examples).flatMap((e) => {
            const example = deref(document, e);
            return "value" in example ? [example.value] : [];
          })
        : [];
      const schema = deref(document, m.schema);
      const own = Array.isArray(schema.examples) ? schema.examples : [];
      return [type, [...("example" in m ? [m.example] : []), ...named, ...own]];
    }),
  );
}

function contentOf(document: OpenApiDocument, raw: unknown): Content | undefined {
  if (!isSchemaObject(raw)) return undefined;
  return Object.fromEntries(
    Object.entries(raw).map(([type, media]) => {
      const schema = deref(document, media).schema;
      return [type, schema === undefined ? undefined : schemaOf(schema)];
    }),
  );
}

function schemaOf(raw: unknown): JsonSchema {
  if (typeof raw === "boolean") return raw;
  return isSchemaObject(raw) ? toJsonSchema2020(raw) : true;
}

/**
 * An operation with `security: []` is public. Otherwise its scheme's name
 * says which credential it takes (adminKey, participantToken, customerToken,
 * metricsToken); with one bearer scheme for all, the contract decides: a
 * participant token reads only /v1/me (and opens a portal session),
 * everything else wants an admin key.
 */
function credentialOf(
  document: OpenApiDocument,
  operation: Record<string, unknown>,
  path: string,
): Credential {
  const security = operation.security ?? document.security;
  if (Array.isArray(security) && security.length === 0) return "none";
  const schemes = listOf(security).flatMap((requirement) =>
    isSchemaObject(requirement) ? Object.keys(requirement) : [],
  );
  for (const [pattern, credential] of SCHEME_NAMES)
    if (schemes.length > 0 && schemes.every((name) => pattern.test(name))) return credential;
  return /^\/v1\/(me(\/|$)|sessions$)/.test(path) ? "participant" : "admin";
}

const SCHEME_NAMES: readonly (readonly [RegExp, Credential])[] = [
  [/admin/i, "admin"],
  [/participant|session|portal/i, "participant"],
  [/customer|widget/i, "customer"],
  [/metric/i, "metrics"],
];

/**
 * The documented response for a status: the exact code, then its range
 * (`4XX`), then `default`; undefined when the document lists none of them.
 */
export function documentedResponse(
  operation: Operation,
  status: number,
): { key: string; content: Content | undefined } | undefined {
  for (const key of [String(status), `${String(status)[0]}XX`, "default"]) {
    if (key in operation.responses) return { key, content: operation.responses[key] };
  }
  return undefined;
}

/** Every schema under components/schemas, keyed by name. */
export function componentSchemas(document: OpenApiDocument): Record<string, JsonSchema> {
  const schemas = document.components?.schemas;
  return isSchemaObject(schemas) ? (schemas as Record<string, JsonSchema>) : {};
}
