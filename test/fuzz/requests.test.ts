import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { operationsOf, type OpenApiDocument } from "./openapi-document.ts";
import {
  encodeComponent,
  mutatedRequestArb,
  payloadOf,
  RawJson,
  validRequestArb,
  type RequestPlan,
} from "./requests.ts";
import type { Scope, World } from "./world.ts";

const scope = (brand: Scope["brand"], program: string): Scope => ({
  brand,
  programId: program,
  targetRows: [["ana", "gol_1", "2026-11"]],
  ids: { programId: [program], participantId: [`${program}-par_1`, `${program}-par_2`] },
  values: { sponsor: ["ana"] },
});

const world: World = {
  own: scope("own", "prg_own"),
  other: scope("other", "prg_other"),
  authorization: async () => undefined,
};

const document: OpenApiDocument = {
  paths: {
    "/v1/programs/{programId}/participants/{participantId}": {
      patch: {
        parameters: [
          { name: "programId", in: "path", required: true, schema: { type: "string" } },
          { name: "participantId", in: "path", required: true, schema: { type: "string" } },
        ],
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  sponsor: { type: "string", minLength: 1 },
                  level: { type: "integer" },
                },
                required: ["sponsor"],
                additionalProperties: false,
              },
            },
          },
        },
        responses: {},
      },
    },
  },
};
const [patch] = operationsOf(document);
const resolveRef = () => true;

function sample(arbitrary: fc.Arbitrary<RequestPlan>, count = 400): RequestPlan[] {
  return fc.sample(arbitrary, { seed: 42, numRuns: count });
}

describe("payloadOf", () => {
  it("sends RawJson as written: numbers no JavaScript number holds reach the server intact", () => {
    const body = {
      kind: "json",
      contentType: "application/json",
      value: { amount: new RawJson("9007199254740993"), huge: [new RawJson("1e400")] },
    } as const;
    expect(payloadOf(body)?.payload).toBe('{"amount":9007199254740993,"huge":[1e400]}');
  });

  it("sends a raw body and its content type as they are, or none", () => {
    expect(payloadOf({ kind: "raw", text: "{", contentType: undefined })).toEqual({ payload: "{" });
    expect(payloadOf({ kind: "none" })).toBeUndefined();
  });
});

describe("encodeComponent", () => {
  it("percent-encodes UTF-8 and sends a lone surrogate as U+FFFD, since a URL cannot hold one", () => {
    expect(encodeComponent("a b/é")).toBe("a%20b%2F%C3%A9");
    expect(encodeComponent("\ud800")).toBe("%EF%BF%BD");
  });
});

describe("validRequestArb", () => {
  if (!patch) throw new Error("no operation");
  const plans = sample(validRequestArb(patch, world, resolveRef));

  it("names the brand's own ids in the path mostly, and says whose ids a path names", () => {
    const own = plans.filter((p) => p.path === "/v1/programs/prg_own/participants/prg_own-par_1");
    expect(own.length).toBeGreaterThan(plans.length / 4);
    expect(own.every((p) => p.pathBrands.every((brand) => brand === "own"))).toBe(true);
    expect(plans.some((p) => p.pathBrands.includes("other"))).toBe(true);
    expect(plans.some((p) => p.pathBrands.length < 2)).toBe(true);
  });

  it("sends the world's values where a field names them, and valid bodies only", () => {
    const bodies = plans.map((p) => (p.body.kind === "json" ? p.body.value : undefined));
    expect(bodies).toContainEqual(expect.objectContaining({ sponsor: "ana" }));
    for (const body of bodies) {
      expect(body).toEqual(expect.objectContaining({ sponsor: expect.stringMatching(/./) }));
      expect(Object.keys(body as object).every((k) => k === "sponsor" || k === "level")).toBe(true);
    }
  });

  it("uses the operation's credential mostly and the others sometimes", () => {
    const credentials = new Set(plans.map((p) => p.credential));
    expect(plans.filter((p) => p.credential === "admin").length).toBeGreaterThan(plans.length / 2);
    expect([...credentials].sort()).toEqual(
      ["admin", "customer", "none", "otherAdmin", "participant", "session"].sort(),
    );
  });
});

describe("mutatedRequestArb", () => {
  if (!patch) throw new Error("no operation");
  const plans = sample(mutatedRequestArb(patch, world, resolveRef), 1_500);
  const payloads = plans.map((p) => payloadOf(p.body)?.payload ?? "");

  it("breaks every request, and says how", () => {
    expect(plans.every((p) => p.mutations.length > 0)).toBe(true);
  });

  it.each([
    ["a U+0000", (t: string) => t.includes("\\u0000")],
    ["a lone surrogate", (t: string) => t.includes("\\ud800")],
    ["a number past 2^53", (t: string) => t.includes("9007199254740993")],
    ["a number past a double", (t: string) => t.includes("1e400")],
    ["a fraction", (t: string) => /[^\d]0\.5[^\d]/.test(t)],
    ["a very long string", (t: string) => t.length > 100_000],
    ["a null body", (t: string) => t === "null"],
    ["an array for the object", (t: string) => t.startsWith("[")],
    ["nested nulls", (t: string) => t.includes('{"a":null,"b":[null,{"c":null}]}')],
    ["deep nesting", (t: string) => t.startsWith('{"a":{"a":{"a":')],
    ["invalid JSON", (t: string) => t === "{" || t === '{"a":}'],
  ])("sends bodies with %s", (_name, holds) => {
    expect(payloads.some(holds)).toBe(true);
  });

  it("drops required fields, sends wrong types and unknown fields", () => {
    const notes = plans.flatMap((p) => p.mutations);
    expect(notes).toContain("drop sponsor");
    expect(notes.some((n) => n.startsWith("wrong type at sponsor"))).toBe(true);
    expect(notes.some((n) => n.startsWith("add field"))).toBe(true);
  });

  it("sends wrong content types, garbage query strings, over-long paths and odd credentials", () => {
    const contentTypes = new Set(
      plans.map((p) => (p.body.kind === "none" ? undefined : p.body.contentType)),
    );
    expect(contentTypes).toContain("text/plain");
    expect(contentTypes).toContain(undefined);
    expect(plans.some((p) => p.query.includes("limit=1e309"))).toBe(true);
    expect(plans.some((p) => p.path.length > 5_000)).toBe(true);
    expect(plans.some((p) => p.offRoute)).toBe(true);
    expect(plans.some((p) => p.authorizationVariant !== undefined)).toBe(true);
  });
});
