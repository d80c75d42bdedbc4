// Files for the creatives tests, each the real bytes of its type, and a
// multipart/form-data body built the way a browser's FormData sends one.
import { randomBytes } from "node:crypto";

const binary = (text: string) => new Uint8Array(Buffer.from(text, "binary"));

/** A 1×1 PNG. */
export const PNG_BYTES = new Uint8Array(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    "base64",
  ),
);

/** A one-page PDF's skeleton: enough for its magic number. */
export const PDF_BYTES = binary("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

/** The start of a Linux program. */
export const ELF_BYTES = new Uint8Array([
  ...binary("\x7fELF\x02\x01\x01\x00"),
  ...new Uint8Array(64),
]);

/** The start of a zip archive. */
export const ZIP_BYTES = new Uint8Array([
  ...binary("PK\x03\x04\x14\x00\x00\x00\x00\x00"),
  ...new Uint8Array(40),
]);

/** An SVG with a script in it: what a banner must never be. */
export const SVG_BYTES = binary(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
);

export interface FilePart {
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

/** A form of text fields and file parts, with its Content-Type (boundary included). */
export function multipart(parts: Readonly<Record<string, string | FilePart>>): {
  contentType: string;
  payload: Buffer;
} {
  const boundary = `----laurel${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === "string")
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
        ),
      );
    else
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.fileName}"\r\n` +
            `Content-Type: ${value.contentType}\r\n\r\n`,
        ),
        Buffer.from(value.bytes),
        Buffer.from("\r\n"),
      );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    payload: Buffer.concat(chunks),
  };
}
