/**
 * Laurel's typed client: openapi-fetch over the types generated from the
 * OpenAPI document (schema.ts, `npm run generate:client`), so a path, a
 * parameter or a field the API does not have fails to compile.
 *
 *   const laurel = createLaurelClient({ baseUrl: "https://laurel.example", key });
 *   const { data, error } = await laurel.GET(
 *     "/v1/programs/{programId}/participants/{participantId}/balances",
 *     { params: { path: { programId: "prg_…", participantId: "par_…" } } },
 *   );
 */
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.ts";

export type { components, operations, paths } from "./schema.ts";

export type LaurelClient = Client<paths>;

/** A shape the document names: `Schema<"Goal">`, `Schema<"Balances">`. */
export type Schema<N extends keyof components["schemas"]> = components["schemas"][N];

type Method = "get" | "post" | "patch" | "delete";
type OkStatus = 200 | 201 | 202 | 204;

/** The operation at a path and method: `Operation<"/v1/me", "get">`. */
export type Operation<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M];

/** What a successful call answers, as JSON: `Answer<"/v1/me/balances", "get">`. */
export type Answer<P extends keyof paths, M extends Method & keyof paths[P]> =
  Operation<P, M> extends { responses: infer R }
    ? {
        [S in keyof R & OkStatus]: R[S] extends { content: { "application/json": infer J } }
          ? J
          : undefined;
      }[keyof R & OkStatus]
    : never;

/** The JSON body a call sends: `RequestBody<"/v1/programs/{programId}/goals", "post">`. */
export type RequestBody<P extends keyof paths, M extends Method & keyof paths[P]> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer J } } }
    ? J
    : never;

/** The error every failed call answers: `{"error": {"code", "message", "details"}}`. */
export type ErrorBody = Schema<"Error">;

export interface LaurelClientOptions {
  /** Where Laurel listens (`https://laurel.example`); "" for the page's own origin. */
  baseUrl: string;
  /**
   * The bearer credential: an admin key, or a participant token or session.
   * A function is asked before every request, for a credential that changes.
   */
  key?: string | null | (() => string | null);
  /** Another fetch (a test's, or one with a timeout). */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client that sends `Authorization: Bearer <key>` with every request. */
export function createLaurelClient(options: LaurelClientOptions): LaurelClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { key } = options;
  client.use({
    onRequest({ request }) {
      const credential = typeof key === "function" ? key() : key;
      if (credential) request.headers.set("authorization", `Bearer ${credential}`);
      return request;
    },
  });
  return client;
}
