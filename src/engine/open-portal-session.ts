import { newSecret } from "../api/auth.ts";
import { insertPortalSession } from "../store/portal-sessions.ts";
import type { Services } from "./services.ts";

/**
 * Long enough for a sitting, short enough that a session copied out of a
 * browser is soon worthless; the magic link opens a new one.
 */
export const PORTAL_SESSION_MS = 8 * 60 * 60 * 1000;

/** Opens a portal session for a participant; the secret is returned once. */
export async function openPortalSession(
  services: Services,
  who: { brandId: string; programId: string; participantId: string },
): Promise<{ sessionToken: string; expiresAt: Date }> {
  const { secret, hash } = newSecret("lrl_sess");
  const expiresAt = new Date(services.now().getTime() + PORTAL_SESSION_MS);
  await insertPortalSession(services.db, {
    id: services.ids.next("tok"),
    hash,
    ...who,
    expiresAt,
  });
  return { sessionToken: secret, expiresAt };
}
