import { findUnsafeText } from "../domain/safe-text.ts";
import { randomBytes } from "node:crypto";
import { errors, jwtVerify } from "jose";

/**
 * A customer token may live at most this long: the shop's server mints one per
 * page view, and a leaked token should stop working within minutes.
 */
export const MAX_TOKEN_SECONDS = 15 * 60;

/** Clocks of the shop's server and Laurel's disagree a little. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** A new program secret; prefixed so it is recognisable when pasted into a shop's settings. */
export function newWidgetSecret(): string {
  return `lrl_widget_${randomBytes(32).toString("base64url")}`;
}

/** A valid token names the customer, and may give their email and name for joining. */
export type TokenCheck =
  | { kind: "valid"; externalId: string; email?: string; name?: string }
  | { kind: "refused"; message: string };

/**
 * Checks a customer token signed by the shop with the program's secret:
 * HS256 only, a `sub` (the customer's externalId) and an `exp` at most
 * MAX_TOKEN_SECONDS after `iat` (or after now, when there is no `iat`);
 * optional `email` and `name` claims are what a customer joins with.
 */
export async function verifyCustomerToken(
  token: string,
  secret: string,
  now: Date,
): Promise<TokenCheck> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"],
      requiredClaims: ["exp", "sub"],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    const exp = payload.exp ?? 0;
    const issued = payload.iat ?? nowSeconds;
    // A far-future iat would otherwise stretch the life measured from now.
    if (
      exp - issued > MAX_TOKEN_SECONDS ||
      exp - nowSeconds > MAX_TOKEN_SECONDS + CLOCK_TOLERANCE_SECONDS
    )
      return refused(
        `the customer token lives too long: its exp must be at most ${MAX_TOKEN_SECONDS / 60} minutes after its iat (or after now); mint a short-lived token per page view`,
      );
    if (!payload.sub)
      return refused("the customer token has an empty sub; set it to the customer's externalId");
    // Signed by the shop, but still text that must be storable and short.
    const unsafe = findUnsafeText({ sub: payload.sub, email: payload.email, name: payload.name });
    if (unsafe) return refused(`the customer token's ${unsafe.path} claim ${unsafe.message}`);
    if (payload.sub.length > 200)
      return refused(
        "the customer token's sub is longer than 200 characters; externalIds are shorter",
      );
    const text = (claim: unknown) =>
      typeof claim === "string" && claim !== "" ? claim : undefined;
    const email = text(payload.email);
    const name = text(payload.name);
    return {
      kind: "valid",
      externalId: payload.sub,
      ...(email === undefined ? {} : { email }),
      ...(name === undefined ? {} : { name }),
    };
  } catch (error) {
    return refused(reasonOf(error));
  }
}

function refused(message: string): TokenCheck {
  return { kind: "refused", message };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired)
    return "the customer token has expired; mint a new one on the shop's server";
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "the customer token's signature does not match the program's widget secret; sign it with the current secret (a rotation revokes the old one)";
  if (error instanceof errors.JOSEAlgNotAllowed)
    return "the customer token must be signed with HS256";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `the customer token's claims are not valid: ${error.message}; it needs sub (the customer's externalId) and exp`;
  if (error instanceof errors.JOSEError)
    return "the customer token is not a valid JWT; send `Authorization: Bearer <HS256 JWT>`";
  throw error;
}
