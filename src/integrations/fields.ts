import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { OrderEvent } from "../domain/events.ts";
import type { SignedRequest, Verification } from "./delivery.ts";

/** What every store's mapper needs alike: Laurel's limits on text, line splitting, HMAC checks. */

/** The longest id, code or SKU an event takes. */
export const MAX_TEXT = 200;

const emailSchema = z.email();

/** A code or visitor id cut short would name someone else, so an empty or over-long one is left out. */
export function usableText(text: string | null | undefined, max = MAX_TEXT): string | undefined {
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === "" || trimmed.length > max ? undefined : trimmed;
}

/** An email address Laurel can match customers by; anything else is left out rather than refused. */
export function usableEmail(text: string | null | undefined): string | undefined {
  const trimmed = usableText(text);
  return trimmed !== undefined && emailSchema.safeParse(trimmed).success ? trimmed : undefined;
}

/**
 * A line's total over its units as Laurel items, keeping both exact when
 * the total does not divide: (quantity − r) units at floor(total / quantity)
 * and r units at one minor unit more, r = total mod quantity. 20.00 over 3
 * is 1 × 666 + 2 × 667.
 */
export function splitExactly(
  sku: string,
  quantity: number,
  totalMinor: number,
): OrderEvent["items"] {
  const remainder = totalMinor % quantity;
  const unitAmount = (totalMinor - remainder) / quantity;
  if (remainder === 0) return [{ sku, quantity, unitAmount }];
  return [
    { sku, quantity: quantity - remainder, unitAmount },
    { sku, quantity: remainder, unitAmount: unitAmount + 1 },
  ];
}

/** A zod issue's path as a brand admin reads it: `line_items[2].price`. */
export function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "the body";
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}

/**
 * The signature Shopify and WooCommerce send: the base64 HMAC-SHA256 of the
 * raw body with the shared secret, compared in constant time (a signature of
 * another length fails without a comparison).
 */
export function verifyBase64Hmac(
  request: SignedRequest,
  secret: string,
  signature: { header: string; missing: string; mismatch: string },
): Verification {
  const given = request.headers[signature.header.toLowerCase()]?.trim();
  if (given === undefined || given === "") return { ok: false, reason: signature.missing };
  const expected = Buffer.from(createHmac("sha256", secret).update(request.body).digest("base64"));
  const sent = Buffer.from(given);
  return sent.length === expected.length && timingSafeEqual(sent, expected)
    ? { ok: true }
    : { ok: false, reason: signature.mismatch };
}
