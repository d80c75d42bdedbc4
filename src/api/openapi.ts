import { z } from "zod";
import { mediaTypesOf, type AnyRoute } from "./route.ts";

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()) }),
});

/** The OpenAPI document, built from the same zod schemas the routes validate with. */
export function buildOpenApi(routes: readonly AnyRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const body = r.body;
    const parameters = [...objectParams(r.params, "path"), ...objectParams(r.query, "query")];
    const operation: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.auth === "public" ? { security: [] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                mediaTypesOf(r).map((type) => [
                  type,
                  { schema: type === "application/json" ? jsonSchema(body) : { type: "string" } },
                ]),
              ),
            },
          }
        : {}),
      responses: {
        [String(r.status ?? 200)]: {
          description: "success",
          ...(r.response
            ? { content: { "application/json": { schema: jsonSchema(r.response) } } }
            : {}),
        },
        default: {
          description: "error",
          content: { "application/json": { schema: jsonSchema(errorSchema) } },
        },
      },
    };
    (paths[r.url] ??= {})[r.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Laurel",
      version,
      description:
        "Self-hosted incentive engine: programs, participants, events, commissions and the ledger. " +
        "Every error has the shape below; a client over its rate limit (per key, or per address " +
        "for the public routes) gets a 429 `rate_limited` with Retry-After.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "admin key or participant token" },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "any" });
}

function objectParams(schema: z.ZodType | undefined, location: "path" | "query") {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => ({
    name,
    in: location,
    required: location === "path" || !field.safeParse(undefined).success,
    schema: jsonSchema(field),
  }));
}
