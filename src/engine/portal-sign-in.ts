import { enqueueMail, countRecentMails } from "../store/mail-outbox.ts";
import { lockActiveParticipantByEmail } from "../store/participants.ts";
import { findProgramById } from "../store/programs.ts";
import { issuePortalLink } from "./portal-links.ts";
import type { Services } from "./services.ts";

/** Sign-in mails one address of a program gets in an hour: enough for a forgotten link, too few to flood anyone. */
export const SIGN_IN_MAILS_PER_HOUR = 5;
const HOUR_MS = 60 * 60_000;

export type SignInOutcome = "mailed" | "not_a_member" | "mail_off" | "too_many";

/**
 * Mails a member of the program a link into the portal: a new participant
 * token and the mail that carries it commit together, so a token is never
 * made without its mail nor a mail queued without a working link. The caller
 * answers every outcome alike, so the route tells no one who is a member.
 */
export async function requestPortalSignIn(
  services: Services,
  programId: string,
  email: string,
): Promise<SignInOutcome> {
  // Without SMTP nothing would ever send it, so nothing is written.
  if (!services.mail) return "mail_off";
  const program = await findProgramById(services.db, programId);
  if (!program) return "not_a_member";
  return services.db.transaction(async (tx) => {
    const member = await lockActiveParticipantByEmail(tx, program.id, email);
    if (!member || member.email === null) return "not_a_member";
    const now = services.now();
    const recent = await countRecentMails(tx, {
      programId: program.id,
      to: member.email,
      template: "sign-in",
      since: new Date(now.getTime() - HOUR_MS),
    });
    if (recent >= SIGN_IN_MAILS_PER_HOUR) return "too_many";
    const link = await issuePortalLink(tx, services, {
      brandId: program.brandId,
      programId: program.id,
      participantId: member.id,
    });
    await enqueueMail(
      tx,
      {
        id: services.ids.next("eml"),
        brandId: program.brandId,
        programId: program.id,
        to: member.email,
        template: "sign-in",
        data: { programName: program.name, name: member.name ?? member.externalId, link },
      },
      now,
    );
    return "mailed";
  });
}
