/**
 * JSON merge patch (RFC 7386): objects merge key by key, `null` removes a key,
 * anything else replaces. `{"commission": {"caps": {"perOrder": 500}}}` changes
 * one cap and keeps the rest of the plan.
 *
 * A value `isWhole` recognises replaces what was there instead of merging: a
 * rate is one value, so `{"percent": 12}` over `{"flat": 500}` is 12%, not
 * both at once.
 */
export function mergePatch(
  target: unknown,
  patch: unknown,
  isWhole: (value: Record<string, unknown>) => boolean = () => false,
): unknown {
  if (!isPlainObject(patch) || isWhole(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value, isWhole);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A program's rate is one value: `{"percent": 12}` replaces `{"flat": 500}` whole. */
export const isRate = (value: Record<string, unknown>): boolean =>
  "percent" in value || "flat" in value;
