import { newSecret } from "../api/auth.ts";
import type { Services } from "../engine/services.ts";
import { insertKey } from "../store/brands.ts";
import { findParticipant } from "../store/participants.ts";
import { findProgramById } from "../store/programs.ts";

/**
 * A magic link into the participant portal: a new participant token in the
 * fragment, which browsers never send to a server nor write to its logs.
 * Returns the link, or why there is none.
 */
export async function makePortalLink(
  services: Services,
  programId: string,
  participantRef: string,
): Promise<{ ok: true; link: string } | { ok: false; message: string }> {
  const program = await findProgramById(services.db, programId);
  if (!program) return { ok: false, message: `there is no program ${programId}` };
  const participant = await findParticipant(services.db, program.id, participantRef);
  if (!participant)
    return { ok: false, message: `program ${programId} has no participant ${participantRef}` };
  const { secret, hash } = newSecret("lrl_part");
  await insertKey(services.db, {
    id: services.ids.next("tok"),
    hash,
    brandId: program.brandId,
    kind: "participant",
    programId: program.id,
    participantId: participant.id,
  });
  return { ok: true, link: `${services.publicUrl}/portal#token=${encodeURIComponent(secret)}` };
}
