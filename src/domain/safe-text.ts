/**
 * Text a database can store: PostgreSQL refuses U+0000 in text and jsonb,
 * and a lone UTF-16 surrogate (which JSON's "\ud800" escape can produce) is
 * not Unicode at all. Every request's strings are checked against this at
 * the boundary, so such a value is a 4xx naming its field, never a failed
 * write deep inside a transaction.
 */

const NUL = "\u0000";
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnsafeText {
  /** Where the value is, as a dotted path (`events.3.customer.id`); "" for the value itself. */
  readonly path: string;
  readonly message: string;
}

/** Why a string cannot be stored, or null when it can. */
export function textProblem(text: string): string | null {
  const nul = text.indexOf(NUL);
  if (nul >= 0)
    return `contains a NUL character (U+0000) at position ${nul + 1 + lineNote(text, nul)}; remove it`;
  const lone = LONE_SURROGATE.exec(text);
  if (lone)
    return `contains an unpaired UTF-16 surrogate (U+${(lone[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}) at position ${lone.index + 1}; send valid Unicode`;
  return null;
}

/** The first string (a value or an object's key) in `value` that cannot be stored. */
export function findUnsafeText(
  value: unknown,
  path: readonly (string | number)[] = [],
): UnsafeText | null {
  if (typeof value === "string") {
    const problem = textProblem(value);
    return problem === null ? null : { path: path.join("."), message: problem };
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeText(item, [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem !== null)
        return { path: [...path, key].join("."), message: `the field name ${keyProblem}` };
      const found = findUnsafeText(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The message and details of a request refused for `unsafe`, found in `what` ("the event"). */
export function unsafeTextRefusal(
  unsafe: UnsafeText,
  what: string,
): { message: string; details: { path: string; message: string }[] } {
  return {
    message: `${what} is not valid: ${unsafe.path || "the value"} ${unsafe.message}`,
    details: [{ path: unsafe.path, message: unsafe.message }],
  };
}

/** In a multi-line text (a CSV file), also the line, since a position alone is hard to find. */
function lineNote(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  return line > 1 ? ` (line ${line})` : "";
}
