/**
 * The one way the web apps reach Laurel: the public HTTP API, with a bearer
 * credential (an admin key, or a participant's session token). Errors come
 * back in the API's shape, so forms can show each message beside its field.
 */
export interface ApiErrorBody {
  code: string;
  message: string;
  details: { path?: string; line?: number; field?: string; message?: string }[];
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

export interface Client {
  get<T>(path: string): Promise<T>;
  send<T>(method: "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** Sends a raw body (a CSV file) with its content type. */
  upload<T>(path: string, body: string | Blob, contentType: string): Promise<T>;
}

/**
 * A client sending `credential()`. `onRefused` hears of every 401 to a
 * request that carried one: the credential was revoked or has expired, and
 * no screen can do anything with it any more.
 */
export function createClient(
  credential: () => string | null,
  onRefused: (error: ApiError) => void = () => {},
): Client {
  const request = async <T>(method: string, path: string, init: RequestInit = {}): Promise<T> => {
    const headers = new Headers(init.headers);
    const token = credential();
    if (token) headers.set("authorization", `Bearer ${token}`);
    const response = await fetch(path, { ...init, method, headers });
    const text = await response.text();
    const body = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (!response.ok) {
      const error = (body as { error?: ApiErrorBody } | undefined)?.error ?? {
        code: "http_error",
        message: `${response.status} ${response.statusText}`,
        details: [],
      };
      const refused = new ApiError(response.status, error);
      if (token && response.status === 401) onRefused(refused);
      throw refused;
    }
    return body as T;
  };
  return {
    get: (path) => request("GET", path),
    send: (method, path, body) =>
      request(method, path, {
        headers: { "content-type": "application/json" },
        body: body === undefined ? "" : JSON.stringify(body),
      }),
    upload: (path, body, contentType) =>
      request("POST", path, { headers: { "content-type": contentType }, body }),
  };
}
