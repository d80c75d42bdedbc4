import { randomBytes } from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import {
  ALLOWED_FILE_TYPES_TEXT,
  CREATIVE_FILE_TYPES,
  creativeIdFrom,
  MAX_CREATIVE_BYTES,
  PLACEHOLDERS,
  safeFileName,
  unknownPlaceholders,
} from "../domain/creatives.ts";
import { insertCreative, markCreativeDeleted, type CreativeRecord } from "../store/creatives.ts";
import type { Services } from "./services.ts";

/** Why a creative was not added, as the API answers it. */
export interface CreativeRefusal {
  code: "unsupported_file_type" | "too_large" | "unknown_placeholder";
  message: string;
  details: { path: string; message: string }[];
}

export type AddOutcome =
  { ok: true; creative: CreativeRecord } | { ok: false; refusal: CreativeRefusal };

/** What a refused file's bytes are, in words; an SVG is named, since it reads as mere XML or text. */
function foundText(bytes: Uint8Array, found: { mime: string; ext: string } | undefined): string {
  const start = new TextDecoder().decode(bytes.subarray(0, 1024)).toLowerCase();
  if ((!found || found.mime === "application/xml") && start.includes("<svg"))
    return "an SVG image (image/svg+xml), which can carry script";
  return found
    ? `${found.mime} (.${found.ext})`
    : "not a type Laurel recognises, such as plain text";
}

const megabytes = (bytes: number) => `${bytes / 2 ** 20} MB`;

/**
 * Adds a banner or a PDF. What the file is comes from its bytes alone, never
 * from its name or the type the upload declared: a program that hands its
 * participants a file must know it is the image or PDF it claims to be.
 * The file is stored before its row is written and removed again if the row
 * is not, so a refused or failed upload leaves neither behind.
 */
export async function addFileCreative(
  services: Services,
  programId: string,
  upload: { name: string; fileName: string; bytes: Uint8Array },
): Promise<AddOutcome> {
  if (upload.bytes.byteLength > MAX_CREATIVE_BYTES)
    return {
      ok: false,
      refusal: {
        code: "too_large",
        message: `the file is ${upload.bytes.byteLength} bytes; a creative may be at most ${megabytes(MAX_CREATIVE_BYTES)} (${MAX_CREATIVE_BYTES} bytes)`,
        details: [{ path: "file", message: `must be at most ${MAX_CREATIVE_BYTES} bytes` }],
      },
    };
  const found = await fileTypeFromBuffer(upload.bytes);
  const type = found ? CREATIVE_FILE_TYPES[found.mime] : undefined;
  if (!found || !type)
    return {
      ok: false,
      refusal: {
        code: "unsupported_file_type",
        message:
          `the file's bytes are ${foundText(upload.bytes, found)}, ` +
          `whatever its name says; a creative file must be ${ALLOWED_FILE_TYPES_TEXT}`,
        details: [
          {
            path: "file",
            message: `must be ${ALLOWED_FILE_TYPES_TEXT}; found ${foundText(upload.bytes, found)}`,
          },
        ],
      },
    };
  const now = services.now();
  const id = creativeIdFrom(now.getTime(), randomBytes(16));
  const creative: CreativeRecord = {
    programId,
    id,
    name: upload.name,
    kind: type.kind,
    contentType: found.mime,
    sizeBytes: upload.bytes.byteLength,
    storageKey: `${programId}/${id}`,
    fileName: safeFileName(upload.fileName, type.extension),
    text: null,
    createdAt: now,
  };
  const key = creative.storageKey ?? "";
  await services.creativeFiles.put(key, upload.bytes, found.mime);
  try {
    await insertCreative(services.db, creative);
  } catch (error) {
    await services.creativeFiles.delete(key);
    throw error;
  }
  return { ok: true, creative };
}

/** Adds a text snippet; only `{link}` and `{code}` may stand in it for the participant's own. */
export async function addTextCreative(
  services: Services,
  programId: string,
  input: { name: string; text: string },
): Promise<AddOutcome> {
  const unknown = unknownPlaceholders(input.text);
  if (unknown.length > 0) {
    const allowed = PLACEHOLDERS.map((p) => `{${p}}`).join(" and ");
    return {
      ok: false,
      refusal: {
        code: "unknown_placeholder",
        message: `the text holds ${unknown.map((p) => `{${p}}`).join(", ")}, which Laurel cannot fill in; a text may hold ${allowed}`,
        details: unknown.map((p) => ({
          path: "text",
          message: `{${p}} is not a placeholder; use ${allowed}`,
        })),
      },
    };
  }
  const now = services.now();
  const creative: CreativeRecord = {
    programId,
    id: creativeIdFrom(now.getTime(), randomBytes(16)),
    name: input.name,
    kind: "text",
    contentType: null,
    sizeBytes: null,
    storageKey: null,
    fileName: null,
    text: input.text,
    createdAt: now,
  };
  await insertCreative(services.db, creative);
  return { ok: true, creative };
}

/**
 * Deletes a creative and then its file. The row is marked first, so from
 * then on its URL is a 404 whether or not the file's removal succeeds; a file
 * left by a failed removal is never served again.
 */
export async function deleteCreative(
  services: Services,
  programId: string,
  id: string,
): Promise<boolean> {
  const deleted = await markCreativeDeleted(services.db, programId, id, services.now());
  if (deleted === null) return false;
  if (deleted.storageKey !== null) await services.creativeFiles.delete(deleted.storageKey);
  return true;
}
