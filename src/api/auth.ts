import { createHash, randomBytes } from "node:crypto";
import type { Services } from "../engine/services.ts";
import { findCredential } from "../store/brands.ts";
import { findLivePortalSession } from "../store/portal-sessions.ts";
import { ApiError } from "./errors.ts";

export type Caller =
  | { kind: "admin"; brandId: string }
  | {
      kind: "participant";
      brandId: string;
      programId: string;
      participantId: string;
      /** A portal session reads what the token does, but cannot open another session. */
      via: "token" | "session";
    };

/** Keys are 32 random bytes; only their SHA-256 digest is stored. */
export function newSecret(prefix: "lrl_admin" | "lrl_part" | "lrl_sess"): {
  secret: string;
  hash: string;
} {
  const secret = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { secret, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** The credential in an `Authorization: Bearer <key>` header, if that is what it holds. */
export function bearerOf(header: string | undefined): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1] ?? null;
}

export async function authenticate(
  services: Services,
  header: string | undefined,
): Promise<Caller> {
  const bearer = bearerOf(header);
  if (!bearer) throw new ApiError("unauthorized", "send your key as `Authorization: Bearer <key>`");
  if (bearer.startsWith("lrl_sess_")) {
    const session = await findLivePortalSession(services.db, hashSecret(bearer), services.now());
    if (!session)
      throw new ApiError(
        "unauthorized",
        "the session has expired or is not valid; open your portal link again",
      );
    return {
      kind: "participant",
      brandId: session.brandId,
      programId: session.programId,
      participantId: session.participantId,
      via: "session",
    };
  }
  const credential = await findCredential(services.db, hashSecret(bearer));
  if (!credential)
    throw new ApiError(
      "unauthorized",
      "the key is not valid; check it or create a new one with `laurel keys create`",
    );
  if (credential.revokedAt)
    throw new ApiError(
      "unauthorized",
      `the key was revoked at ${credential.revokedAt.toISOString()}; create a new one with \`laurel keys create\``,
    );
  if (credential.kind === "admin") return { kind: "admin", brandId: credential.brandId };
  if (credential.programId === null || credential.participantId === null)
    throw new ApiError("unauthorized", "the token is not valid");
  return {
    kind: "participant",
    brandId: credential.brandId,
    programId: credential.programId,
    participantId: credential.participantId,
    via: "token",
  };
}
