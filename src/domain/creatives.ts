/**
 * Creatives: the banners, PDFs and text snippets a brand gives its
 * participants to promote it with. The rules here are pure: which file types
 * are taken, what a text's placeholders are and how they fill in, and how a
 * file is named and embedded.
 */

export type CreativeKind = "image" | "pdf" | "text";

/** The largest file a creative may be: 10 MB. */
export const MAX_CREATIVE_BYTES = 10 * 1024 * 1024;

/**
 * The file types taken, by the media type their bytes show. SVG is not among
 * them: it is a document that can carry script, and a banner is embedded on
 * pages Laurel does not control.
 */
export const CREATIVE_FILE_TYPES: Readonly<
  Record<string, { kind: Exclude<CreativeKind, "text">; extension: string }>
> = {
  "image/png": { kind: "image", extension: "png" },
  "image/jpeg": { kind: "image", extension: "jpg" },
  "image/gif": { kind: "image", extension: "gif" },
  "image/webp": { kind: "image", extension: "webp" },
  "application/pdf": { kind: "pdf", extension: "pdf" },
};

/** How the allowed types read in a message. */
export const ALLOWED_FILE_TYPES_TEXT = "PNG, JPEG, GIF, WebP or PDF";

/** The placeholders a text creative may hold, each filled per participant. */
export const PLACEHOLDERS = ["link", "code"] as const;

export type Placeholder = (typeof PLACEHOLDERS)[number];

// `{word}` is a placeholder; braces around anything else (JSON, a space) are text.
const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholders in `text` that are not `{link}` or `{code}`, each once, in order. */
export function unknownPlaceholders(text: string): string[] {
  const unknown: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    const name = match[1] ?? "";
    if (!(PLACEHOLDERS as readonly string[]).includes(name) && !unknown.includes(name))
      unknown.push(name);
  }
  return unknown;
}

/** `text` with each `{link}` and `{code}` replaced by the participant's own. */
export function fillPlaceholders(text: string, values: Readonly<Record<Placeholder, string>>) {
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    (PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder] : whole,
  );
}

/**
 * The name a file is served under: the uploaded name's stem in lower-case
 * letters, digits and dashes, with the extension of the type its bytes show,
 * so a PDF uploaded as banner.png downloads as banner.pdf.
 */
export function safeFileName(uploadedName: string, extension: string): string {
  const stem = (uploadedName.split(/[/\\]/).pop() ?? "")
    .replace(/\.[^.]*$/, "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return `${stem || "creative"}.${extension}`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The HTML a participant pastes into their page: the banner, linking through their link. */
export function embedHtml(link: string, imageUrl: string, name: string): string {
  return `<a href="${escapeHtml(link)}"><img src="${escapeHtml(imageUrl)}" alt="${escapeHtml(name)}"></a>`;
}

const ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A creative's id: `cre_`, the creation time (so ids sort in creation
 * order), then 128 random bits. Its file is public at a URL naming the id, so
 * the id must not be guessable from another one, as a monotonic id made in
 * the same millisecond would be.
 */
export function creativeIdFrom(nowMs: number, random: Uint8Array): string {
  if (random.length < 16) throw new Error("a creative id needs 16 random bytes");
  let time = "";
  let ms = nowMs;
  for (let i = 0; i < 10; i++) {
    time = (ID_ALPHABET[ms % 32] ?? "0") + time;
    ms = Math.floor(ms / 32);
  }
  let bits = 0n;
  for (const byte of random.subarray(0, 16)) bits = (bits << 8n) | BigInt(byte);
  let rest = "";
  for (let i = 0; i < 26; i++) {
    rest = (ID_ALPHABET[Number(bits % 32n)] ?? "0") + rest;
    bits /= 32n;
  }
  return `cre_${time}${rest}`;
}
