/**
 * JSON merge patch (RFC 7386): objects merge key by key, `null` removes a key,
 * anything else replaces. `{"commission": {"caps": {"perOrder": 500}}}` changes
 * one cap and keeps the rest of the plan.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
