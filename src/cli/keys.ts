import type { Services } from "../engine/services.ts";
import { findBrandByName, listAdminKeys, revokeAdminKey } from "../store/brands.ts";
import { createAdminKey } from "./bootstrap.ts";
import { KEYS_USAGE } from "./command-line.ts";

/** What `laurel keys` prints, or why it cannot: the exit code follows from `ok`. */
export type KeysOutcome = { ok: true; lines: string[] } | { ok: false; message: string };

/** `laurel keys create|list|revoke`: a brand's admin keys, which are shown only when made. */
export async function runKeys(
  services: Services,
  command: string | undefined,
  brandName: string,
  keyId: string | undefined,
): Promise<KeysOutcome> {
  if (command === "create") {
    const key = await createAdminKey(services, brandName);
    return {
      ok: true,
      lines: [`admin key ${key.id} for brand ${brandName} (shown once, keep it safe):`, key.secret],
    };
  }
  const brand = await findBrandByName(services.db, brandName);
  if (!brand) return { ok: false, message: `there is no brand named ${brandName}` };
  if (command === "list") {
    const keys = await listAdminKeys(services.db, brand.id);
    return {
      ok: true,
      lines: keys.map(
        (k) =>
          `${k.id}  created ${k.createdAt.toISOString()}  ${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "active"}`,
      ),
    };
  }
  if (command === "revoke" && keyId) {
    const revoked = await revokeAdminKey(services.db, brand.id, keyId, services.now());
    if (!revoked)
      return {
        ok: false,
        message: `brand ${brandName} has no admin key ${keyId}; laurel keys list --brand ${brandName} shows its keys`,
      };
    return {
      ok: true,
      lines: [`revoked ${revoked.id} at ${revoked.revokedAt?.toISOString() ?? ""}`],
    };
  }
  return { ok: false, message: KEYS_USAGE };
}
