import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Services } from "../engine/services.ts";
import { ApiError } from "./errors.ts";
import { mediaTypesOf, registerRoute, type AnyRoute } from "./route.ts";

const MULTIPART = "multipart/form-data";

/** A file part of a form: its bytes and the name the sender gave it. */
export class FormFile {
  constructor(
    readonly fileName: string,
    readonly bytes: Uint8Array,
  ) {}

  /**
   * What the Idempotency-Key check hashes for this file: its digest rather
   * than its bytes, so a 10 MB upload is not turned into 30 MB of JSON.
   */
  toJSON() {
    return {
      fileName: this.fileName,
      sizeBytes: this.bytes.byteLength,
      sha256: createHash("sha256").update(this.bytes).digest("hex"),
    };
  }
}

/** A multipart/form-data body read: each field once, a text or a file. */
export class FormBody {
  constructor(readonly fields: ReadonlyMap<string, string | FormFile>) {}

  toJSON() {
    return Object.fromEntries(this.fields);
  }
}

export const takesMultipart = (spec: AnyRoute): boolean => mediaTypesOf(spec).includes(MULTIPART);

/**
 * Registers a route that takes multipart/form-data in a plugin scope of its
 * own, the one place that parser is known, as a raw-body route gets its own:
 * no other route spends time reading a form it will refuse. The body is read
 * whole, up to the route's bodyLimit (past it the framework answers 413), and
 * reaches the handler as a FormBody.
 */
export function registerMultipartRoute(
  app: FastifyInstance,
  services: Services,
  spec: AnyRoute,
): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      MULTIPART,
      { parseAs: "buffer" },
      async (request: FastifyRequest, body: Buffer) =>
        readForm(request.headers["content-type"] ?? MULTIPART, body),
    );
    registerRoute(scope, services, spec);
  });
}

async function readForm(contentType: string, body: Buffer): Promise<FormBody> {
  let form: FormData;
  try {
    form = await new Response(body as Uint8Array<ArrayBuffer>, {
      headers: { "content-type": contentType },
    }).formData();
  } catch {
    throw new ApiError(
      "malformed_request",
      "the body is not valid multipart/form-data: send it with its boundary in the Content-Type, as a browser's FormData or curl -F does",
    );
  }
  const fields = new Map<string, string | FormFile>();
  for (const [name, value] of form.entries()) {
    if (fields.has(name))
      throw new ApiError(
        "invalid_request",
        `the form sends the field ${name} twice; send it once`,
        [{ path: name, message: "sent more than once" }],
      );
    fields.set(
      name,
      typeof value === "string"
        ? value
        : new FormFile(value.name, new Uint8Array(await value.arrayBuffer())),
    );
  }
  return new FormBody(fields);
}
