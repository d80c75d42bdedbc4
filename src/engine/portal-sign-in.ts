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
 *
 * Nor does the time the answer takes: whoever asks, the same statements run
 * in the same order, the lookup, the hourly count, then the token and the
 * mail written inside a savepoint, which is kept for a member due a link and
 * rolled back for anyone else (an unknown or suspended email, or one over
 * the limit). Answering before any of this work, and doing it afterwards,
 * would hide the timing too, but a request could then be answered and its
 * mail lost to a crash in between; equal work keeps "answered 202" meaning
 * "written". The savepoint also keeps a commit record in both paths, so
 * PostgreSQL flushes its log for an unknown email as it does for a member.
 * Only the program's existence and the server's mail setting answer sooner:
 * neither says anything about a person.
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
    const now = services.now();
    // The address as asked for: the same rows as the member's own, compared in any case.
    const recent = await countRecentMails(tx, {
      programId: program.id,
      to: email,
      template: "sign-in",
      since: new Date(now.getTime() - HOUR_MS),
    });
    const outcome: SignInOutcome =
      member === null || member.email === null
        ? "not_a_member"
        : recent >= SIGN_IN_MAILS_PER_HOUR
          ? "too_many"
          : "mailed";
    await tx.query("savepoint sign_in");
    const link = await issuePortalLink(tx, services, {
      brandId: program.brandId,
      programId: program.id,
      // No one's id for an email that is no member's: the row is rolled back below.
      participantId: member?.id ?? services.ids.next("par"),
    });
    await enqueueMail(
      tx,
      {
        id: services.ids.next("eml"),
        brandId: program.brandId,
        programId: program.id,
        to: member?.email ?? email,
        template: "sign-in",
        data: {
          programName: program.name,
          name: member ? (member.name ?? member.externalId) : email,
          link,
        },
      },
      now,
    );
    await tx.query(
      outcome === "mailed" ? "release savepoint sign_in" : "rollback to savepoint sign_in",
    );
    return outcome;
  });
}
