import { describe, expect, it } from "vitest";
import { clientDocument } from "../../scripts/generate-client.ts";

interface Schema {
  $ref?: string;
  type?: unknown;
  anyOf?: unknown;
  oneOf?: unknown;
  allOf?: unknown;
  enum?: unknown;
  const?: unknown;
}

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components?: { responses?: Record<string, Response> };
}

/** An empty schema (`{}`) types the body as `unknown`: it says nothing of what comes back. */
function saysWhatItIs(schema: Schema | undefined): boolean {
  if (schema === undefined) return false;
  return ["$ref", "type", "anyOf", "oneOf", "allOf", "enum", "const"].some((key) => key in schema);
}

/** A 204, or a redirect, has no body to describe; every other success answers a typed one. */
function needsNoBody(status: string): boolean {
  return status === "204" || status.startsWith("3");
}

function resolveResponse(document: Document, response: Response): Response {
  const name = response.$ref?.replace("#/components/responses/", "");
  return name === undefined ? response : (document.components?.responses?.[name] ?? response);
}

/** "GET /v1/me 200" for every success response that leaves its body untyped. */
function untypedResponses(document: Document): string[] {
  const untyped: string[] = [];
  for (const [path, operations] of Object.entries(document.paths))
    for (const [method, operation] of Object.entries(operations))
      for (const [status, declared] of Object.entries(operation.responses)) {
        if (!/^[23]/.test(status) || needsNoBody(status)) continue;
        const content = Object.values(resolveResponse(document, declared).content ?? {});
        if (content.length === 0 || !content.every((media) => saysWhatItIs(media.schema)))
          untyped.push(`${method.toUpperCase()} ${path} ${status}`);
      }
  return untyped;
}

describe("the generated client's answers", () => {
  it("are typed for every operation: no success response is unknown or missing", () => {
    const document = clientDocument() as unknown as Document;
    expect(untypedResponses(document)).toEqual([]);
  });
});
