/**
 * The one way the web apps reach Laurel: the public HTTP API, through the
 * client generated from its OpenAPI document (src/client), so a path or a
 * field the API renames fails `tsc -p web` instead of a screen at run time.
 * It sends a bearer credential (an admin key, or a participant's session
 * token), and every failure is thrown as an ApiError in the API's shape, so
 * forms can show each message beside its field.
 */
import { createLaurelClient, type ErrorBody, type LaurelClient } from "../../src/client/index.ts";

export type { Answer, RequestBody, Schema } from "../../src/client/index.ts";

/** One entry of `error.details`: a field's path, or a file's line and field. */
export interface ErrorDetail {
  path?: string;
  line?: number;
  field?: string;
  message?: string;
}

/**
 * The API's error, whose details the document leaves open; or, for a response
 * without one (a proxy's error page), one made from the status.
 */
export interface ApiErrorBody {
  code: ErrorBody["error"]["code"] | "http_error";
  message: string;
  details: ErrorDetail[];
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }

  /** The message for one field (`steps.1.threshold`), if the API named it. */
  messageFor(path: string): string | undefined {
    return this.body.details.find((d) => d.path === path)?.message;
  }
}

export type Client = LaurelClient;

/** The error a failed response carries, or one made from its status when it has none. */
async function errorOf(response: Response): Promise<ApiErrorBody> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: ApiErrorBody };
    if (body.error) return body.error;
  } catch {
    // Not JSON: a proxy's page, say. The status is all there is to tell.
  }
  return { code: "http_error", message: `${response.status} ${response.statusText}`, details: [] };
}

/**
 * A client sending `credential()`, whose failed calls throw an ApiError.
 * `onRefused` hears of every 401 to a request that carried a credential: it
 * was revoked or has expired, and no screen can do anything with it any more.
 */
export function createClient(
  credential: () => string | null,
  onRefused: (error: ApiError) => void = () => {},
): Client {
  const client = createLaurelClient({ baseUrl: "", key: credential });
  client.use({
    async onResponse({ request, response }) {
      if (response.ok) return undefined;
      const refused = new ApiError(response.status, await errorOf(response));
      if (response.status === 401 && request.headers.has("authorization")) onRefused(refused);
      throw refused;
    },
  });
  return client;
}

/**
 * What a call answered. A failure never gets here: the client has thrown it
 * as an ApiError already, so react-query sees it as the query's error.
 */
export async function ok<T>(call: Promise<{ data?: T; response: Response }>): Promise<T> {
  const { data } = await call;
  return data as T;
}

/** The options that send a body as it is (a CSV file) with its content type, not as JSON. */
export function rawBody(contentType: string) {
  return {
    bodySerializer: (body: unknown) => body,
    headers: { "content-type": contentType },
  };
}
