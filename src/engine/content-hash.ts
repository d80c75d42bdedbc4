import { createHash } from "node:crypto";
import type { EventInput } from "../domain/events.ts";

/**
 * A digest of an event's content that ignores how it was serialized. It takes
 * the event as the zod schema parsed it: zod builds the output object in the
 * schema's key order, whatever the order of the keys that arrived, so a plain
 * JSON.stringify of it is already canonical.
 */
export function contentHash(event: EventInput): string {
  return createHash("sha256").update(JSON.stringify(event)).digest("base64url");
}
