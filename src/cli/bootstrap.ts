import { hashSecret, newSecret } from "../api/auth.ts";
import type { Services } from "../engine/services.ts";
import type { Queryable } from "../store/db.ts";
import {
  countBrands,
  findBrandByName,
  findCredential,
  insertBrandIfNew,
  insertKey,
} from "../store/brands.ts";

/** The brand `laurel serve` creates on a new database. */
export const FIRST_BRAND = "default";

/**
 * Creates an admin key for a brand (and the brand, if new); returns the key,
 * shown once, and its id, by which it is listed and revoked.
 */
export async function createAdminKey(
  services: Services,
  brandName: string,
  secret?: string,
): Promise<{ id: string; secret: string }> {
  const key = secret === undefined ? newSecret("lrl_admin") : { secret, hash: hashSecret(secret) };
  const id = services.ids.next("key");
  await services.db.transaction(async (tx) => {
    const brandId = await brandIdFor(tx, services, brandName);
    await insertKey(tx, {
      id,
      hash: key.hash,
      brandId,
      kind: "admin",
      programId: null,
      participantId: null,
    });
  });
  return { id, secret: key.secret };
}

/** The brand's id, creating the brand if there is none of that name, even when another process creates it at the same moment. */
async function brandIdFor(tx: Queryable, services: Services, name: string): Promise<string> {
  const found = await findBrandByName(tx, name);
  if (found) return found.id;
  const id = services.ids.next("brd");
  if (await insertBrandIfNew(tx, { id, name })) return id;
  // Another transaction committed it first; this statement sees it.
  const theirs = await findBrandByName(tx, name);
  if (!theirs) throw new Error(`brand ${name} was neither created nor found`);
  return theirs.id;
}

/** What `laurel serve` found or made at start. */
export type Bootstrap =
  /** This process created the first brand; `generatedKey` is its new key, or null when LAUREL_ADMIN_KEY was used. */
  | { status: "created"; generatedKey: string | null }
  /**
   * The database had its brands already (or another server created the first
   * one at the same moment), so LAUREL_ADMIN_KEY was not used. `adminKey`
   * says what that key is here: unset, an active admin key, a revoked one,
   * or nothing this database knows.
   */
  | { status: "existing"; adminKey: "unset" | "active" | "revoked" | "unknown" };

/**
 * On an empty database the first brand is created with LAUREL_ADMIN_KEY, or
 * with a generated key that is printed once. Two servers starting together
 * on a new database may both find it empty: the brand's unique name lets
 * exactly one of them create it and its key, and the other finds it made.
 */
export async function bootstrapFirstBrand(
  services: Services,
  adminKey: string | undefined,
): Promise<Bootstrap> {
  if ((await countBrands(services.db)) === 0) {
    const key =
      adminKey === undefined
        ? newSecret("lrl_admin")
        : { secret: adminKey, hash: hashSecret(adminKey) };
    const created = await services.db.transaction(async (tx) => {
      const brandId = services.ids.next("brd");
      if (!(await insertBrandIfNew(tx, { id: brandId, name: FIRST_BRAND }))) return false;
      await insertKey(tx, {
        id: services.ids.next("key"),
        hash: key.hash,
        brandId,
        kind: "admin",
        programId: null,
        participantId: null,
      });
      return true;
    });
    if (created)
      return { status: "created", generatedKey: adminKey === undefined ? key.secret : null };
  }
  if (adminKey === undefined) return { status: "existing", adminKey: "unset" };
  const credential = await findCredential(services.db, hashSecret(adminKey));
  if (credential?.kind !== "admin") return { status: "existing", adminKey: "unknown" };
  return { status: "existing", adminKey: credential.revokedAt ? "revoked" : "active" };
}
