import type { FastifyRequest } from "fastify";
import { z } from "zod";
import {
  embedHtml,
  fillPlaceholders,
  MAX_CREATIVE_BYTES,
  PLACEHOLDERS,
} from "../../domain/creatives.ts";
import { findUnsafeText, unsafeTextRefusal } from "../../domain/safe-text.ts";
import {
  addFileCreative,
  addTextCreative,
  deleteCreative,
  type AddOutcome,
  type CreativeRefusal,
} from "../../engine/creatives.ts";
import type { Services } from "../../engine/services.ts";
import { CreativeStoreError } from "../../store/creative-files.ts";
import {
  findCreative,
  findCreativeById,
  listCreatives,
  type CreativeRecord,
} from "../../store/creatives.ts";
import { ApiError, fromZod, notFound } from "../errors.ts";
import { FormBody, FormFile } from "../multipart.ts";
import { presentParticipant } from "../present.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { loadTokenHolder } from "./participants.ts";
import { loadProgram } from "./programs.ts";

/**
 * A form carrying a 10 MB file is a little more than 10 MB: the boundaries,
 * the part headers and the name. The margin stays under a megabyte, so the
 * framework's own 413 past it still says "at most 10 MB".
 */
const UPLOAD_BODY_LIMIT = MAX_CREATIVE_BYTES + 64 * 1024;

/** A year: a creative's file never changes under its id (a new file is a new creative). */
const FILE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

const placeholdersText = PLACEHOLDERS.map((p) => `{${p}}`).join(" and ");

const nameField = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe("What the console and the portal call the creative");

// The document gives one body schema for both media types: each form says which it is.
const textCreativeInput = z
  .strictObject({
    name: nameField,
    text: z
      .string()
      .min(1)
      .max(20_000)
      .describe(`The snippet; ${placeholdersText} are filled in with each participant's own`),
  })
  .meta({ title: "A text snippet, as application/json" });

const fileCreativeInput = z
  .strictObject({
    name: nameField,
    file: z.string().meta({
      format: "binary",
      description:
        "A PNG, JPEG, GIF, WebP or PDF of at most 10 MB, told by its bytes (its name and declared type are not trusted)",
    }),
  })
  .meta({ title: "A file, as multipart/form-data (a JSON body cannot carry one)" });

const creativeInput = z
  .union([textCreativeInput, fileCreativeInput])
  .describe(
    "A text snippet {name, text}, as JSON or as multipart/form-data; or, as multipart/form-data only, a field `name` and a file part `file`",
  );

const creativeParams = z.object({ programId: z.string(), creativeId: z.string() });

const creativeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["image", "pdf", "text"]),
    url: z
      .string()
      .nullable()
      .describe("Where the file is served, public, for embedding; null for a text"),
    contentType: z.string().nullable().describe("The type the file's bytes show; null for a text"),
    size: z.number().int().nullable().describe("The file's size in bytes; null for a text"),
    text: z.string().nullable().describe("A text creative's snippet, placeholders as written"),
    createdAt: z.string(),
  })
  .meta({ id: "Creative" });

const creativeCollection = z.object({
  items: z.array(creativeSchema),
  next: z.string().nullable(),
});

const myCreativeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(["image", "pdf", "text"]),
    link: z.string().describe("The participant's own referral link"),
    code: z.string().describe("The participant's own referral code"),
    text: z
      .string()
      .nullable()
      .describe("A text creative with the participant's link and code filled in"),
    url: z.string().nullable().describe("The file, to show or embed; null for a text"),
    downloadUrl: z.string().nullable().describe("The file as a download; null for a text"),
    embedHtml: z
      .string()
      .nullable()
      .describe("For an image: HTML showing it and linking through the participant's link"),
    contentType: z.string().nullable(),
    size: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "MyCreative" });

const myCreativeCollection = z.object({
  items: z.array(myCreativeSchema),
  next: z.string().nullable(),
});

const EXAMPLE_ID = "cre_01JD2QB8R4K7Q2M9X3V5T8W1ZC0F4H6J8K";
const EXAMPLE_URL = `https://laurel.example.com/creatives/${EXAMPLE_ID}/spring-banner.png`;

const creativeExample = {
  id: EXAMPLE_ID,
  name: "Spring banner",
  kind: "image",
  url: EXAMPLE_URL,
  contentType: "image/png",
  size: 48213,
  text: null,
  createdAt: "2026-11-20T09:30:00.000Z",
};

const myCreativeExample = {
  id: EXAMPLE_ID,
  name: "Spring banner",
  kind: "image",
  link: "https://laurel.example.com/r/ANA-7Q2M",
  code: "ANA-7Q2M",
  text: null,
  url: EXAMPLE_URL,
  downloadUrl: `${EXAMPLE_URL}?download=1`,
  embedHtml: `<a href="https://laurel.example.com/r/ANA-7Q2M"><img src="${EXAMPLE_URL}" alt="Spring banner"></a>`,
  contentType: "image/png",
  size: 48213,
  createdAt: "2026-11-20T09:30:00.000Z",
};

function fileUrlOf(creative: CreativeRecord, publicUrl: string): string | null {
  if (creative.fileName === null) return null;
  return `${publicUrl}/creatives/${creative.id}/${encodeURIComponent(creative.fileName)}`;
}

function presentCreative(creative: CreativeRecord, publicUrl: string) {
  return {
    id: creative.id,
    name: creative.name,
    kind: creative.kind,
    url: fileUrlOf(creative, publicUrl),
    contentType: creative.contentType,
    size: creative.sizeBytes,
    text: creative.text,
    createdAt: creative.createdAt.toISOString(),
  };
}

function presentForParticipant(
  creative: CreativeRecord,
  publicUrl: string,
  mine: { link: string; code: string },
) {
  const url = fileUrlOf(creative, publicUrl);
  return {
    id: creative.id,
    name: creative.name,
    kind: creative.kind,
    link: mine.link,
    code: mine.code,
    text: creative.text === null ? null : fillPlaceholders(creative.text, mine),
    url,
    downloadUrl: url === null ? null : `${url}?download=1`,
    embedHtml:
      creative.kind === "image" && url !== null ? embedHtml(mine.link, url, creative.name) : null,
    contentType: creative.contentType,
    size: creative.sizeBytes,
    createdAt: creative.createdAt.toISOString(),
  };
}

function refusedWith(refusal: CreativeRefusal): ApiError {
  if (refusal.code === "too_large")
    return new ApiError("malformed_request", refusal.message, refusal.details, 413);
  return new ApiError(refusal.code, refusal.message, refusal.details);
}

/** A store that cannot be reached is the setup's fault: a 503 that says what to fix. */
async function withStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CreativeStoreError) throw new ApiError("not_ready", error.message);
    throw error;
  }
}

/**
 * A file read for anyone who asks: when the store fails, the log says why
 * and the answer does not, since what it would say names the bucket and its host.
 */
async function readPublicly(services: Services, key: string, request: FastifyRequest) {
  try {
    return await services.creativeFiles.get(key);
  } catch (error) {
    if (!(error instanceof CreativeStoreError)) throw error;
    request.log.error({ err: error }, "a creative's file could not be read");
    throw new ApiError("not_ready", "the file cannot be read right now; try again in a while");
  }
}

function checkedText(value: unknown, what: string): void {
  const unsafe = findUnsafeText(value);
  if (!unsafe) return;
  const { message, details } = unsafeTextRefusal(unsafe, what);
  throw new ApiError("invalid_request", message, details);
}

type FormInput =
  | { kind: "file"; name: string; fileName: string; bytes: Uint8Array }
  | { kind: "text"; name: string; text: string };

/**
 * A form's fields checked: a `name` and either a file part `file` or a
 * field `text` (a snippet may come as a form too), nothing else.
 */
function formInputOf(form: FormBody): FormInput {
  const unknown = [...form.fields.keys()].filter((f) => !["name", "file", "text"].includes(f));
  if (unknown.length > 0)
    throw new ApiError(
      "invalid_request",
      `the form is not valid: it has unknown field${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}; send a field \`name\` and a file part \`file\` (or a field \`text\`)`,
      unknown.map((path) => ({ path, message: "unknown field" })),
    );
  const file = form.fields.get("file");
  const text = form.fields.get("text");
  if (file !== undefined && text !== undefined)
    throw new ApiError(
      "invalid_request",
      "the form is not valid: send a file part `file` or a field `text`, not both",
      [{ path: "text", message: "not with a file" }],
    );
  if (text !== undefined) {
    const input = textCreativeInput.safeParse({ name: form.fields.get("name"), text });
    if (!input.success) throw fromZod(input.error, "the form");
    checkedText(input.data, "the form");
    return { kind: "text", ...input.data };
  }
  if (!(file instanceof FormFile))
    throw new ApiError(
      "invalid_request",
      "the form is not valid: file must be a file part (or send a snippet as a field `text`)",
      [{ path: "file", message: file === undefined ? "is required" : "must be a file" }],
    );
  const nameValue = form.fields.get("name");
  const name = nameField.safeParse(typeof nameValue === "string" ? nameValue : undefined);
  if (!name.success) throw fromZod(name.error, "the form");
  checkedText(name.data, "the form");
  return { kind: "file", name: name.data, fileName: file.fileName, bytes: file.bytes };
}

/** A program's banners, PDFs and text snippets, and what its participants see of them. */
export const creativeRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/creatives",
    operationId: "createCreative",
    summary: "Add a banner, a PDF or a text snippet",
    description:
      "As multipart/form-data, a file part `file` (PNG, JPEG, GIF, WebP or PDF, at most 10 MB) " +
      "and a field `name`: what the file is comes from its bytes, never its name or declared " +
      "type, so anything else (SVG, which can carry script, included) is a 422 naming what was " +
      "found, and a larger file a 413. As JSON (or as a form's fields), `{name, text}`: a snippet where " +
      `${placeholdersText} stand for each participant's own link and code; any other ` +
      "placeholder is a 422. Files are served, public, at the creative's `url`.",
    tag: "Programs",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: creativeInput,
    bodyExample: { name: "Instagram caption", text: "My favourite shop: {link} (code {code})" },
    bodyCheckedByHandler: true,
    consumes: ["application/json", "multipart/form-data"],
    bodyLimit: UPLOAD_BODY_LIMIT,
    status: 201,
    response: creativeSchema,
    responseExample: creativeExample,
    errors: [503],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      let outcome: AddOutcome;
      const form = body instanceof FormBody ? formInputOf(body) : null;
      if (form?.kind === "file")
        outcome = await withStore(() => addFileCreative(services, program.id, form));
      else if (form?.kind === "text") outcome = await addTextCreative(services, program.id, form);
      else {
        checkedText(body, "the request body");
        const input = textCreativeInput.safeParse(body ?? {});
        if (!input.success) throw fromZod(input.error, "the request body");
        outcome = await addTextCreative(services, program.id, input.data);
      }
      if (!outcome.ok) throw refusedWith(outcome.refusal);
      return presentCreative(outcome.creative, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/creatives",
    operationId: "listCreatives",
    summary: "The program's creatives, oldest first",
    description: "Every banner, PDF and text snippet of the program, as a collection.",
    tag: "Programs",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    query: pageQuery,
    response: creativeCollection,
    responseExample: { items: [creativeExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listCreatives(services.db, program.id, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (row) => row.id,
        (row) => presentCreative(row, services.publicUrl),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/creatives/{creativeId}",
    operationId: "getCreative",
    summary: "One creative",
    description: "The creative as its creation answered it; a deleted one is a 404.",
    tag: "Programs",
    auth: "admin",
    params: creativeParams,
    response: creativeSchema,
    responseExample: creativeExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const creative = await findCreative(services.db, program.id, params.creativeId);
      if (!creative) throw notFound(`creative ${params.creativeId}`);
      return presentCreative(creative, services.publicUrl);
    },
  }),
  route({
    method: "DELETE",
    url: "/v1/programs/{programId}/creatives/{creativeId}",
    operationId: "deleteCreative",
    summary: "Delete a creative and its file",
    description:
      "Removes the creative from the program and its file from the store: its URL answers 404 " +
      "from then on, and participants no longer see it.",
    tag: "Programs",
    auth: "admin",
    params: creativeParams,
    status: 204,
    response: null,
    errors: [503],
    handler: async ({ services, caller, params, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      if (!(await withStore(() => deleteCreative(services, program.id, params.creativeId))))
        throw notFound(`creative ${params.creativeId}`);
      return reply.code(204).send();
    },
  }),
  route({
    method: "GET",
    url: "/creatives/{creativeId}/{fileName}",
    operationId: "getCreativeFile",
    summary: "A creative's file, public, for embedding on any site",
    description:
      "The file with the type its bytes showed (image/png, image/jpeg, image/gif, image/webp or " +
      "application/pdf), `X-Content-Type-Options: nosniff` and a year's cache; shown inline, or " +
      "as a download with `?download=1`. Anyone with the URL may read it, as a banner on a " +
      "participant's page is read by every visitor; the id in it cannot be guessed.",
    tag: "Programs",
    auth: "public",
    params: z.object({
      creativeId: z.string(),
      fileName: z.string().describe("The file's name; any name serves the same file"),
    }),
    query: z.object({
      download: z.enum(["1", "true", "0", "false"]).optional().describe("1: as an attachment"),
    }),
    // A range, since the type is the file's own: image/png, image/jpeg, image/gif,
    // image/webp or application/pdf.
    response: {
      mediaType: "*/*",
      schema: z.string().meta({
        format: "binary",
        description: "The file's bytes, served with its own Content-Type",
      }),
    },
    responseExample: "(the file's bytes)",
    responseHeaders: {
      "Content-Disposition": "inline, or attachment with ?download=1, with the file's name",
      "X-Content-Type-Options": "nosniff: browsers take the type as given",
      "Cache-Control": `public, max-age=${FILE_MAX_AGE_SECONDS}, immutable`,
    },
    errors: [404, 503],
    handler: async ({ services, params, query, request, reply }) => {
      const creative = await findCreativeById(services.db, params.creativeId);
      const key = creative?.storageKey ?? null;
      const file = key === null ? null : await readPublicly(services, key, request);
      if (!creative || !file || creative.contentType === null)
        throw notFound(`creative file ${params.creativeId}`);
      const download = query.download === "1" || query.download === "true";
      const fileName = creative.fileName ?? "creative";
      return reply
        .type(creative.contentType)
        .header("x-content-type-options", "nosniff")
        .header("cache-control", `public, max-age=${FILE_MAX_AGE_SECONDS}, immutable`)
        .header(
          "content-disposition",
          `${download ? "attachment" : "inline"}; filename="${fileName}"`,
        )
        .header("content-length", String(file.sizeBytes))
        .send(file.body);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/creatives",
    operationId: "listMyCreatives",
    summary: "The program's creatives with the token holder's own link and code",
    description:
      `Every creative of the participant's program: texts with ${placeholdersText} filled in ` +
      "with their own link and code, images with their URL and HTML that embeds them linking " +
      "through the participant's link, PDFs with their URL.",
    tag: "Me",
    auth: "participant",
    query: pageQuery,
    response: myCreativeCollection,
    responseExample: { items: [myCreativeExample], next: null },
    handler: async ({ services, caller, query }) => {
      const { program, participant } = await loadTokenHolder(services, caller);
      const presented = presentParticipant(participant, services.publicUrl);
      const mine = { link: presented.referralLink, code: presented.referralCode };
      const page = pageOf(query);
      const rows = await listCreatives(services.db, program.id, {
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (row) => row.id,
        (row) => presentForParticipant(row, services.publicUrl, mine),
      );
    },
  }),
];
