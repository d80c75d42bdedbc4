import { z } from "zod";
import {
  acceptTerms,
  currentTermsWithAcceptances,
  MAX_TERMS_LENGTH,
  publishProgramTerms,
  readMyTerms,
  type AcceptRefusal,
  type MyTerms,
  type TermsWithAcceptances,
} from "../../engine/terms.ts";
import { renderMarkdown } from "../../engine/markdown.ts";
import { listTermsVersions } from "../../store/terms.ts";
import { ApiError } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { collectionOf } from "../schemas.ts";
import { loadTokenHolder } from "./participants.ts";
import { loadProgram, programParams } from "./programs.ts";

const timestamp = z.iso.datetime();

const termsInput = z
  .strictObject({
    body: z
      .string()
      .max(MAX_TERMS_LENGTH)
      .refine((body) => body.trim() !== "", "must not be empty")
      .describe("The terms in Markdown; raw HTML is shown as text"),
  })
  .meta({ id: "TermsInput" });

const termsSchema = z
  .strictObject({
    version: z.number().int().positive().describe("1 for the first version, then 2, 3…"),
    body: z.string().describe("The terms in Markdown"),
    updatedAt: timestamp.describe("When this version was published"),
    acceptedBy: z
      .number()
      .int()
      .nonnegative()
      .describe("How many participants have accepted this version"),
  })
  .meta({ id: "Terms", description: "One published version of a program's terms" });

const termsPreviewSchema = z
  .strictObject({
    bodyHtml: z.string().describe("The body as HTML, rendered as the portal shows it"),
  })
  .meta({ id: "TermsPreview" });

const termsCollection = collectionOf(
  termsSchema,
  "TermsCollection",
  "Every published version of the terms, newest first",
);

const myTermsSchema = z
  .strictObject({
    version: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe("The program's current version; null while it has no terms"),
    body: z.string().nullable().describe("The current version in Markdown"),
    bodyHtml: z
      .string()
      .nullable()
      .describe("The current version as HTML, rendered with raw HTML off, safe to show"),
    updatedAt: timestamp.nullable().describe("When the current version was published"),
    acceptedVersion: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe("The latest version the token holder accepted; null until they accept"),
    acceptedAt: timestamp.nullable().describe("When they accepted acceptedVersion"),
    mustAccept: z.boolean().describe("A version exists that the token holder has not accepted"),
  })
  .meta({ id: "MyTerms", description: "The program's terms as one participant stands with them" });

const acceptInput = z
  .strictObject({
    version: z.number().int().positive().describe("The version accepted: the current one"),
  })
  .meta({ id: "TermsAcceptance" });

const termsBodyExample =
  "# Ambassador terms\n\nYou earn **12%** of every order you refer, paid monthly " +
  "once your balance reaches 25.00.\n\n- Only share your own link.\n- No paid ads on our brand name.";
const termsExample = {
  version: 2,
  body: termsBodyExample,
  updatedAt: "2026-11-10T09:30:00.000Z",
  acceptedBy: 41,
};
const myTermsExample = {
  version: 2,
  body: termsBodyExample,
  bodyHtml: renderMarkdown(termsBodyExample),
  updatedAt: "2026-11-10T09:30:00.000Z",
  acceptedVersion: 1,
  acceptedAt: "2026-11-02T14:05:09.512Z",
  mustAccept: true,
};

function presentTerms(t: TermsWithAcceptances) {
  return {
    version: t.version,
    body: t.body,
    updatedAt: t.updatedAt.toISOString(),
    acceptedBy: t.acceptedBy,
  };
}

function presentMyTerms(t: MyTerms) {
  return {
    version: t.current?.version ?? null,
    body: t.current?.body ?? null,
    bodyHtml: t.current === null ? null : renderMarkdown(t.current.body),
    updatedAt: t.current?.updatedAt.toISOString() ?? null,
    acceptedVersion: t.acceptedVersion,
    acceptedAt: t.acceptedAt?.toISOString() ?? null,
    mustAccept: t.mustAccept,
  };
}

function refused(refusal: AcceptRefusal): ApiError {
  if (refusal.kind === "no_terms")
    return new ApiError("validation_failed", "the program has no terms to accept yet", [
      { path: "version", message: "the program has published no terms" },
    ]);
  return new ApiError(
    "validation_failed",
    `the current terms are version ${refusal.current}; read them and accept version ${refusal.current}`,
    [{ path: "version", message: `must be ${refusal.current}, the current version` }],
  );
}

const MAX_VERSION = 2_147_483_647;

/**
 * A cursor names the version the previous page ended at; one that names no
 * whole number reads as the end, and one past the column's range as the start.
 */
function versionBefore(after: string | null): number | null {
  if (after === null) return null;
  const version = Number(after);
  if (!Number.isSafeInteger(version)) return 0;
  return version > MAX_VERSION ? null : Math.max(version, 0);
}

export const termsRoutes = [
  route({
    method: "PUT",
    url: "/v1/programs/{programId}/terms",
    operationId: "publishTerms",
    summary: "Publish a new version of the program's terms",
    description:
      "Publishes the Markdown body as the program's next version (1, 2, 3…) and answers 201 " +
      "with it; participants are then asked to accept it. A body identical to the current " +
      "version's makes no new version: it answers the current one with 200. Versions are " +
      `never changed or removed. At most ${MAX_TERMS_LENGTH} characters.`,
    tag: "Programs",
    auth: "admin",
    params: programParams,
    body: termsInput,
    bodyExample: { body: termsBodyExample },
    status: 201,
    otherStatuses: [{ status: 200, description: "The body is the current version's: no new one" }],
    response: termsSchema,
    responseExample: { ...termsExample, acceptedBy: 0 },
    handler: async ({ services, caller, params, body, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const { terms, created } = await publishProgramTerms(services, program.id, body.body);
      if (!created) reply.code(200);
      return presentTerms(terms);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/terms",
    operationId: "getTerms",
    summary: "The program's current terms",
    description:
      "The current version of the program's terms, with how many participants accepted it; " +
      "a 404 while the program has published none.",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    response: termsSchema,
    responseExample: termsExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const terms = await currentTermsWithAcceptances(services, program.id);
      if (terms === null)
        throw new ApiError(
          "not_found",
          `program ${program.id} has no terms yet; publish them with PUT /v1/programs/${program.id}/terms`,
        );
      return presentTerms(terms);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/terms/versions",
    operationId: "listTermsVersions",
    summary: "Every version of the program's terms, newest first",
    description:
      "Each version the program has published, newest first, with how many participants " +
      "accepted it (a participant who accepted two versions counts for both).",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    query: pageQuery,
    response: termsCollection,
    responseExample: { items: [termsExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listTermsVersions(services.db, program.id, {
        before: versionBefore(page.after),
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (t) => String(t.version), presentTerms);
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/terms/preview",
    operationId: "previewTerms",
    summary: "Render terms as participants will see them, publishing nothing",
    description:
      "Answers the Markdown body as the HTML the portal and the application page show (raw " +
      "HTML off, so it reads as text), checked as PUT .../terms checks it. Writes nothing.",
    tag: "Programs",
    auth: "admin",
    params: programParams,
    body: termsInput,
    bodyExample: { body: termsBodyExample },
    response: termsPreviewSchema,
    responseExample: { bodyHtml: renderMarkdown(termsBodyExample) },
    handler: async ({ services, caller, params, body }) => {
      await loadProgram(services, caller.brandId, params.programId);
      return { bodyHtml: renderMarkdown(body.body) };
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/terms",
    operationId: "getMyTerms",
    summary: "The program's current terms and whether the token holder accepted them",
    description:
      "The current version (Markdown and safe HTML), the latest version the token holder " +
      "accepted and when, and `mustAccept` when a version exists they have not accepted.",
    tag: "Me",
    auth: "participant",
    response: myTermsSchema,
    responseExample: myTermsExample,
    handler: async ({ services, caller }) => {
      const { participant } = await loadTokenHolder(services, caller);
      return presentMyTerms(await readMyTerms(services, participant));
    },
  }),
  route({
    method: "POST",
    url: "/v1/me/terms",
    operationId: "acceptMyTerms",
    summary: "Accept the program's current terms",
    description:
      "Records that the token holder accepts `version`, which must be the current one (another " +
      "is a 422 naming it). Accepting the same version again keeps the first time.",
    tag: "Me",
    auth: "participant",
    body: acceptInput,
    bodyExample: { version: 2 },
    response: myTermsSchema,
    responseExample: {
      ...myTermsExample,
      acceptedVersion: 2,
      acceptedAt: "2026-11-12T08:00:00.000Z",
      mustAccept: false,
    },
    handler: async ({ services, caller, body }) => {
      const { participant } = await loadTokenHolder(services, caller);
      const result = await acceptTerms(services, participant, body.version);
      if (!result.ok) throw refused(result.refusal);
      return presentMyTerms(result.terms);
    },
  }),
];
