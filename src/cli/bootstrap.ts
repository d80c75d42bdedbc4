import { hashSecret, newSecret } from "../api/auth.ts";
import type { Services } from "../engine/services.ts";
import { countBrands, findBrandByName, insertBrand, insertKey } from "../store/brands.ts";

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
    let brand = await findBrandByName(tx, brandName);
    if (!brand) {
      brand = { id: services.ids.next("brd") };
      await insertBrand(tx, { id: brand.id, name: brandName });
    }
    await insertKey(tx, {
      id,
      hash: key.hash,
      brandId: brand.id,
      kind: "admin",
      programId: null,
      participantId: null,
    });
  });
  return { id, secret: key.secret };
}

/**
 * On an empty database the first brand is created with LAUREL_ADMIN_KEY, or
 * with a generated key that is printed once. Returns the generated key, if any.
 */
export async function bootstrapFirstBrand(
  services: Services,
  adminKey: string | undefined,
): Promise<string | null> {
  if ((await countBrands(services.db)) > 0) return null;
  const { secret } = await createAdminKey(services, "default", adminKey);
  return adminKey === undefined ? secret : null;
}
