// The error shape API.md promises for every 4xx, checked on every response
// the fuzzer gets, whatever the document says of it.

/** What is wrong with a 4xx body by the contract's error shape; empty when nothing. */
export function errorShapeProblems(contentType: string, text: string): string[] {
  if (!/^application\/([\w.+-]*\+)?json$/.test(contentType))
    return [`a 4xx must answer JSON in the error shape, not ${contentType || "no content type"}`];
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return ["a 4xx body must be JSON"];
  }
  if (typeof body !== "object" || body === null || !("error" in body))
    return ['a 4xx body must be {"error": {...}}'];
  const error = body.error;
  if (typeof error !== "object" || error === null) return ["`error` must be an object"];
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== "string" || !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(code))
    return [`error.code must be a snake_case string, not ${JSON.stringify(code)}`];
  if (typeof message !== "string" || message.trim() === "")
    return ["error.message must say what is wrong"];
  if (!Array.isArray(details)) return ["error.details must be an array"];
  return [];
}

/** A Content-Type header's media type, without parameters, in lower case. */
export function mediaTypeOf(header: unknown): string {
  return (
    String(header ?? "")
      .split(";")[0]
      ?.trim()
      .toLowerCase() ?? ""
  );
}
