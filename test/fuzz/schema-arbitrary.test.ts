import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { arbitraryOf, type JsonSchema, type SchemaObject } from "./schema-arbitrary.ts";

const components: Record<string, JsonSchema> = {
  Rate: {
    oneOf: [
      {
        type: "object",
        properties: { percent: { type: "number", exclusiveMinimum: 0, maximum: 100 } },
        required: ["percent"],
        additionalProperties: false,
      },
      {
        type: "object",
        properties: { flat: { type: "integer", minimum: 0 } },
        required: ["flat"],
        additionalProperties: false,
      },
    ],
  },
  Node: {
    type: "object",
    properties: {
      name: { type: "string", minLength: 1 },
      children: { type: "array", items: { $ref: "#/components/schemas/Node" } },
    },
    required: ["name"],
  },
};

const resolveRef = (ref: string): JsonSchema => {
  const name = /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1];
  const schema = name === undefined ? undefined : components[name];
  if (schema === undefined) throw new Error(`no schema at ${ref}`);
  return schema;
};

/** The same schema as ajv sees it: refs point into a `$defs` beside it. */
function forAjv(schema: JsonSchema): JsonSchema {
  const text = JSON.stringify(schema).replaceAll("#/components/schemas/", "#/$defs/");
  const rewritten = JSON.parse(text) as JsonSchema;
  if (typeof rewritten === "boolean") return rewritten;
  const defs = JSON.parse(
    JSON.stringify(components).replaceAll("#/components/schemas/", "#/$defs/"),
  ) as SchemaObject;
  return { ...rewritten, $defs: defs };
}

function samples(schema: JsonSchema, count = 300, seed = 7): unknown[] {
  return fc.sample(arbitraryOf(schema, { resolveRef }), { numRuns: count, seed });
}

// ajv-formats is CommonJS: under NodeNext its default export arrives as the module.
const addFormats = addFormatsModule.default ?? addFormatsModule;

describe("arbitraryOf: every value it generates is one the schema accepts", () => {
  // As the API tests' conformance check configures it: unions and allOf parts are ordinary.
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  const table: [string, JsonSchema][] = [
    ["any value", true],
    ["a string", { type: "string" }],
    ["a bounded integer", { type: "integer", minimum: 1, maximum: 10 }],
    ["an integer near the safe limit", { type: "integer", minimum: 9007199254740000 }],
    ["an exclusive number", { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 }],
    ["a multiple of 5", { type: "integer", minimum: 3, maximum: 99, multipleOf: 5 }],
    ["a multiple of 0.25", { type: "number", minimum: 0, maximum: 2, multipleOf: 0.25 }],
    ["a nullable string", { type: ["string", "null"], maxLength: 3 }],
    ["a boolean", { type: "boolean" }],
    ["null", { type: "null" }],
    ["an enum", { enum: ["lifetime", "monthly", 3, null] }],
    ["a const", { const: { type: "fixed" } }],
    ["bounded lengths", { type: "string", minLength: 5, maxLength: 7 }],
    ["a long minimum length", { type: "string", minLength: 300 }],
    ["a pattern", { type: "string", pattern: "^[A-Za-z0-9_-]{3,40}$" }],
    ["a period pattern", { type: "string", pattern: "^\\d{4}-(\\d{2}|Q[1-4])$" }],
    ["a date-time", { type: "string", format: "date-time" }],
    ["a date", { type: "string", format: "date" }],
    ["an email", { type: "string", format: "email" }],
    ["a uri", { type: "string", format: "uri" }],
    ["a uuid", { type: "string", format: "uuid" }],
    ["a bounded array", { type: "array", items: { type: "integer" }, minItems: 2, maxItems: 3 }],
    [
      "unique items",
      { type: "array", items: { enum: ["a", "b", "c"] }, minItems: 2, uniqueItems: true },
    ],
    [
      "a tuple",
      {
        type: "array",
        prefixItems: [{ type: "string" }, { type: "integer" }],
        items: false,
        minItems: 2,
      },
    ],
    [
      "a closed object",
      {
        type: "object",
        properties: {
          externalId: { type: "string", minLength: 1, maxLength: 200 },
          email: { type: "string", format: "email" },
          level: { type: ["string", "null"], minLength: 1 },
        },
        required: ["externalId"],
        additionalProperties: false,
      },
    ],
    [
      "a map of integers",
      {
        type: "object",
        propertyNames: { pattern: "^[a-z]{1,8}$" },
        additionalProperties: { type: "integer", minimum: 0 },
      },
    ],
    ["a ref with oneOf", { $ref: "#/components/schemas/Rate" }],
    ["a recursive ref", { $ref: "#/components/schemas/Node" }],
    [
      "allOf",
      {
        allOf: [
          { type: "object", properties: { a: { type: "integer" } }, required: ["a"] },
          { properties: { b: { type: "string" } }, required: ["b"] },
        ],
      },
    ],
    [
      "anyOf of a date and a date-time",
      {
        anyOf: [
          { type: "string", format: "date" },
          { type: "string", format: "date-time" },
        ],
      },
    ],
  ];

  it.each(table)("%s", (_name, schema) => {
    const validate = ajv.compile(forAjv(schema));
    for (const value of samples(schema)) {
      if (!validate(value))
        expect.fail(`${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }
  });
});

describe("arbitraryOf: what it generates besides being valid", () => {
  const participant: JsonSchema = {
    type: "object",
    properties: {
      externalId: { type: "string", minLength: 1 },
      name: { type: "string" },
      id: { type: "string", readOnly: true },
    },
    required: ["externalId"],
    additionalProperties: false,
  };

  it("always sends required properties, and sends each optional one sometimes", () => {
    const values = samples(participant) as Record<string, unknown>[];
    expect(values.every((v) => "externalId" in v)).toBe(true);
    expect(values.some((v) => "name" in v)).toBe(true);
    expect(values.some((v) => !("name" in v))).toBe(true);
  });

  it("adds no property an object closed by additionalProperties: false does not declare", () => {
    const values = samples(participant) as Record<string, unknown>[];
    const keys = new Set(values.flatMap((v) => Object.keys(v)));
    expect([...keys].sort()).toEqual(["externalId", "id", "name"]);
  });

  it("adds undeclared properties now and then where the schema allows them", () => {
    const open: JsonSchema = { type: "object", properties: { a: { type: "integer" } } };
    const values = samples(open) as Record<string, unknown>[];
    expect(values.some((v) => Object.keys(v).some((key) => key !== "a"))).toBe(true);
  });

  it("leaves readOnly properties out of requests", () => {
    const values = fc.sample(arbitraryOf(participant, { forRequest: true }), {
      numRuns: 200,
      seed: 3,
    }) as Record<string, unknown>[];
    expect(values.some((v) => "id" in v)).toBe(false);
  });

  it("reaches every branch of a oneOf", () => {
    const values = samples({ $ref: "#/components/schemas/Rate" }) as Record<string, unknown>[];
    expect(values.some((v) => "percent" in v)).toBe(true);
    expect(values.some((v) => "flat" in v)).toBe(true);
  });

  it("ends a recursive schema: beyond the depth only required properties are generated", () => {
    const depthOf = (node: unknown): number => {
      const children = (node as { children?: unknown[] }).children ?? [];
      return 1 + Math.max(0, ...children.map(depthOf));
    };
    const values = fc.sample(
      arbitraryOf({ $ref: "#/components/schemas/Node" }, { resolveRef, maxDepth: 4 }),
      { numRuns: 300, seed: 5 },
    );
    expect(Math.max(...values.map(depthOf))).toBeLessThanOrEqual(3);
    expect(Math.max(...values.map(depthOf))).toBeGreaterThan(1);
  });

  it("offers hinted values where a property is named, leaving out those the schema refuses", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: { sponsor: { type: "string", minLength: 3 } },
      required: ["sponsor"],
    };
    const values = fc.sample(
      arbitraryOf(schema, {
        hint: ({ property }) => (property === "sponsor" ? ["amb-7", "x"] : undefined),
      }),
      { numRuns: 300, seed: 11 },
    ) as { sponsor: string }[];
    const sponsors = values.map((v) => v.sponsor);
    expect(sponsors).toContain("amb-7");
    expect(sponsors).not.toContain("x");
    expect(sponsors.some((s) => s !== "amb-7")).toBe(true);
  });

  it("draws integers without bounds mostly where amounts live, and the bounds themselves too", () => {
    const values = samples({ type: "integer", minimum: 0 }, 500) as number[];
    expect(values.filter((n) => n <= 1_000_000).length).toBeGreaterThan(250);
    expect(values).toContain(Number.MAX_SAFE_INTEGER);
  });

  it("refuses schemas nothing satisfies, rather than generating what they refuse", () => {
    expect(() => arbitraryOf(false)).toThrow(/false/);
    expect(() => arbitraryOf({ enum: [] })).toThrow(/enum/);
    expect(() => arbitraryOf({ type: "integer", minimum: 2, maximum: 1 })).toThrow(/integer/);
    expect(() => arbitraryOf({ $ref: "#/components/schemas/Rate" })).toThrow(/resolveRef/);
  });
});
