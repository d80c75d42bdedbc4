import { newSecret } from "../api/auth.ts";
import { insertKey } from "../store/brands.ts";
import type { Queryable } from "../store/db.ts";
import type { Services } from "./services.ts";

/**
 * A magic link into the participant portal: a new participant token in the
 * fragment, which browsers never send to a server nor write to its logs.
 * Written through `db`, so a caller's transaction can commit the token with
 * the mail that carries it.
 */
export async function issuePortalLink(
  db: Queryable,
  services: Services,
  who: { brandId: string; programId: string; participantId: string },
): Promise<string> {
  const { secret, hash } = newSecret("lrl_part");
  await insertKey(db, { id: services.ids.next("tok"), hash, kind: "participant", ...who });
  return `${services.publicUrl}/portal#token=${encodeURIComponent(secret)}`;
}
