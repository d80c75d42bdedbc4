import type { Services } from "../engine/services.ts";
import { issuePortalLink } from "../engine/portal-links.ts";
import { findParticipant } from "../store/participants.ts";
import { findProgramById } from "../store/programs.ts";

/** A magic link into the participant portal for `laurel portal-link`. Returns the link, or why there is none. */
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
  const link = await issuePortalLink(services.db, services, {
    brandId: program.brandId,
    programId: program.id,
    participantId: participant.id,
  });
  return { ok: true, link };
}
