import { randomBytes } from "node:crypto";
import {
  decisionRefusal,
  matchesOf,
  statusAfter,
  websiteHostOf,
  type ApplicationMatch,
  type Decision,
} from "../domain/applications.ts";
import { normalizeCode } from "../domain/events.ts";
import { participantData } from "../domain/outbox-of-facts.ts";
import { DEFAULT_COOKIE_DAYS, enrolmentOf } from "../domain/program.ts";
import {
  decideApplication,
  emailInProgram,
  findApplication,
  findMatchCandidates,
  insertApplication,
  loadApplications,
  type ApplicationRecord,
} from "../store/applications.ts";
import type { Queryable } from "../store/db.ts";
import { loadClicks } from "../store/facts.ts";
import { tell } from "../store/outbox.ts";
import {
  findParticipant,
  findParticipantByCode,
  loadParticipantsByIds,
  type ParticipantRecord,
} from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { currentTerms, recordAcceptance } from "../store/terms.ts";
import { mailApplicationDecided } from "./notification-mails.ts";
import { changeParticipant, enrollParticipant, type ParticipantRefusal } from "./participants.ts";
import { issuePortalLink } from "./portal-links.ts";
import type { Services } from "./services.ts";

/** What an applicant sends from the apply page. */
export interface ApplicationInput {
  email: string;
  name: string;
  website?: string | undefined;
  socials?: string[] | undefined;
  message?: string | undefined;
  /** A referral code: the apply link's ?via= or the visitor's referral. */
  sponsor?: string | undefined;
  acceptTerms?: number | undefined;
}

/** Where the request came from, as far as Laurel can tell. */
export interface ApplicantOrigin {
  /** The client address, kept only as a hash, for self-referral screening. */
  ip: string;
  /** From a trusted proxy's header; null without one. */
  ipCountry: string | null;
  /** The visitor cookie a referral link set, if the browser carries one. */
  visitorId?: string | undefined;
}

/** Why an application or a decision is refused: an expected outcome, not an exception. */
export interface ApplicationRefusal {
  readonly ok: false;
  readonly code:
    "applications_closed" | "conflict" | "validation_failed" | ParticipantRefusal["code"];
  readonly message: string;
  readonly details: readonly { path: string; message: string }[];
}

// Thrown inside a transaction so that it rolls back, and turned into a value
// before it leaves this module.
class Refused extends Error {
  constructor(readonly refusal: ApplicationRefusal) {
    super(refusal.message);
  }
}

const refusal = (
  code: ApplicationRefusal["code"],
  message: string,
  path: string,
  why: string,
): ApplicationRefusal => ({ ok: false, code, message, details: [{ path, message: why }] });

async function refusalAsValue<T>(work: () => Promise<T>): Promise<T | ApplicationRefusal> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
}

/**
 * Makes an applicant a participant of the program: `applied` under approval
 * enrolment, `active` under open enrolment, through the same path as any new
 * participant (their referral code, their sponsor's upline, participant.created).
 * The application, the terms acceptance and application.submitted commit with
 * the participant or not at all.
 */
export async function submitApplication(
  services: Services,
  program: ProgramRecord,
  input: ApplicationInput,
  origin: ApplicantOrigin,
): Promise<
  { ok: true; participant: ParticipantRecord; application: ApplicationRecord } | ApplicationRefusal
> {
  const enrolment = enrolmentOf(program.config);
  if (enrolment === "closed")
    return refusal(
      "applications_closed",
      `${program.name} does not take applications: the brand adds its participants itself`,
      "programId",
      "enrolment is closed",
    );
  const sponsor =
    (await sponsorOf(services.db, program.id, input.sponsor)) ??
    (await referrerOf(services, program, origin.visitorId));
  const now = services.now();
  let application: ApplicationRecord | null = null;
  return refusalAsValue(async () => {
    const result = await enrollParticipant(
      services,
      program,
      {
        // Laurel's own: an applicant has no id in the brand's systems yet.
        externalId: `app-${randomBytes(5).toString("hex")}`,
        email: input.email,
        name: input.name,
        sponsor: sponsor?.id,
        status: enrolment === "open" ? "active" : "applied",
        ips: [origin.ip],
      },
      async (tx, participant) => {
        // Whoever uses the address, an applicant or a member the brand added, is
        // someone else: the refusal says only that it is in use.
        if (await emailInProgram(tx, program.id, input.email, participant.id))
          throw new Refused(
            refusal(
              "conflict",
              `${input.email} has already applied to or joins ${program.name}; sign in to the portal with it, or apply with another address`,
              "email",
              "already applied",
            ),
          );
        await acceptTerms(tx, program, participant, input.acceptTerms, now);
        application = await insertApplication(tx, {
          programId: program.id,
          participantId: participant.id,
          email: input.email,
          website: input.website ?? null,
          websiteHost: websiteHostOf(input.website),
          socials: input.socials ?? [],
          message: input.message ?? null,
          sponsorId: sponsor?.id ?? null,
          ipCountry: origin.ipCountry,
          appliedAt: now,
          // Open enrolment needs no one to decide: the application is approved as it comes.
          decision: enrolment === "open" ? "approved" : null,
          decidedAt: enrolment === "open" ? now : null,
          reason: null,
        });
        await tell(
          tx,
          program.id,
          [
            {
              type: "application.submitted",
              data: applicationSubmittedData(participant, application, sponsor, services.publicUrl),
            },
          ],
          services.ids,
          now,
        );
      },
    );
    if (!result.ok) return result;
    if (application === null) throw new Error("the application was not written");
    // Read again: the terms acceptance was written to the row after it was inserted.
    const participant = await findParticipant(services.db, program.id, result.participant.id);
    if (participant === null) throw new Error("the applicant was not written");
    return { ok: true as const, participant, application };
  });
}

/**
 * The sponsor a referral code names, if it is an active participant of this
 * program. An unknown, foreign or inactive code is ignored rather than
 * refused: it comes from a link or a cookie the applicant did not write and
 * cannot fix, and refusing would turn a sincere applicant away; the brand can
 * still give them a sponsor (PATCH .../participants/{id} with `sponsor`).
 */
async function sponsorOf(
  db: Queryable,
  programId: string,
  code: string | undefined,
): Promise<ParticipantRecord | null> {
  if (code === undefined || code.trim() === "") return null;
  const sponsor = await findParticipantByCode(db, normalizeCode(code));
  if (!sponsor || sponsor.programId !== programId || sponsor.status !== "active") return null;
  return sponsor;
}

/**
 * Who referred the visitor, when the apply page names no code: the latest
 * click of the visitor's referral cookie within the program's cookie window,
 * as an order would be attributed.
 */
async function referrerOf(
  services: Services,
  program: ProgramRecord,
  visitorId: string | undefined,
): Promise<ParticipantRecord | null> {
  if (visitorId === undefined || visitorId === "") return null;
  const cookieDays = program.config.attribution?.cookieDays ?? DEFAULT_COOKIE_DAYS;
  const sinceMs = services.now().getTime() - cookieDays * 86_400_000;
  const clicks = (await loadClicks(services.db, program.id, [visitorId], sinceMs)).get(visitorId);
  const latest = clicks?.reduce((a, b) => (b.occurredAtMs > a.occurredAtMs ? b : a));
  if (latest === undefined) return null;
  const referrer = await findParticipant(services.db, program.id, latest.participantId);
  return referrer?.status === "active" ? referrer : null;
}

/** With terms published, the applicant must accept the current version, recorded with them. */
async function acceptTerms(
  tx: Queryable,
  program: ProgramRecord,
  participant: ParticipantRecord,
  accepted: number | undefined,
  at: Date,
): Promise<void> {
  const terms = await currentTerms(tx, program.id);
  if (terms === null) return;
  if (accepted !== terms.version)
    throw new Refused(
      refusal(
        "validation_failed",
        accepted === undefined
          ? `accept ${program.name}'s terms to apply: send "acceptTerms": ${terms.version}, the current version`
          : `terms version ${accepted} is not the current one; read and accept version ${terms.version}`,
        "acceptTerms",
        `must be ${terms.version}, the current version`,
      ),
    );
  await recordAcceptance(tx, program.id, participant.id, terms.version, at);
}

/** The data of application.submitted, as the OpenAPI document describes it. */
function applicationSubmittedData(
  participant: ParticipantRecord,
  application: ApplicationRecord,
  sponsor: ParticipantRecord | null,
  publicUrl: string,
) {
  return {
    participant: participantData(
      { ...participant, createdAtMs: participant.createdAt.getTime() },
      publicUrl,
    ),
    application: {
      website: application.website,
      socials: application.socials,
      message: application.message,
      sponsor: sponsor === null ? null : { id: sponsor.id, externalId: sponsor.externalId },
      ipCountry: application.ipCountry,
      appliedAt: application.appliedAt.toISOString(),
    },
  };
}

/**
 * Approves or rejects an application: the participant's status, the decision
 * and participant.updated commit together, with the applicant's mail when
 * mail is on. Approving also makes a portal sign-in link, mailed and answered.
 * Deciding twice, or deciding someone who never applied, is refused.
 */
export async function decide(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  decision: Decision,
  reason: string | null,
): Promise<
  | {
      ok: true;
      participant: ParticipantRecord;
      application: ApplicationRecord;
      signInLink: string | null;
    }
  | ApplicationRefusal
> {
  const before = await findApplication(services.db, program.id, participant.id);
  const refused = decisionRefusal(participant.status, before);
  if (refused)
    return refusal(
      refused.code === "not_applied" ? "validation_failed" : "conflict",
      refused.message,
      "participantId",
      refused.code,
    );
  let decided: ApplicationRecord | null = null;
  let signInLink: string | null = null;
  return refusalAsValue(async () => {
    const result = await changeParticipant(
      services,
      program,
      participant,
      { status: statusAfter(decision) },
      async (tx, after) => {
        decided = await decideApplication(tx, {
          programId: program.id,
          participantId: participant.id,
          decision,
          reason,
          at: services.now(),
        });
        // Another decision committed first: this one changes nothing.
        if (decided === null || after === null)
          throw new Refused(
            refusal(
              "conflict",
              "this application was decided a moment ago; reload to see the decision",
              "participantId",
              "already_decided",
            ),
          );
        if (decision === "approved")
          signInLink = await issuePortalLink(tx, services, {
            brandId: program.brandId,
            programId: program.id,
            participantId: participant.id,
          });
        await mailApplicationDecided(tx, services, program, after, decision, signInLink);
      },
    );
    if (!result.ok) return result;
    if (decided === null || result.participant === null)
      throw new Error("the decision was not written");
    return {
      ok: true as const,
      participant: result.participant,
      application: decided,
      signInLink,
    };
  });
}

/** An application as the console screens it: what was sent and who else it resembles. */
export interface Screening {
  readonly application: ApplicationRecord;
  readonly sponsor: { id: string; externalId: string; name: string | null } | null;
  readonly matches: readonly ApplicationMatch[];
}

/**
 * The screening of a page of participants, by participant id, for those who
 * applied: a query for their applications, one for their sponsors and one
 * for every match of the page.
 */
export async function screeningsOf(
  db: Queryable,
  program: ProgramRecord,
  participants: readonly ParticipantRecord[],
): Promise<Map<string, Screening>> {
  const applications = await loadApplications(
    db,
    program.id,
    participants.map((p) => p.id),
  );
  if (applications.length === 0) return new Map();
  const byId = new Map(participants.map((p) => [p.id, p]));
  const sponsorIds = [...new Set(applications.flatMap((a) => a.sponsorId ?? []))];
  const sponsors = new Map(
    (await loadParticipantsByIds(db, program.id, sponsorIds)).map((p) => [p.id, p]),
  );
  const applicants = applications.map((application) => ({
    application,
    email: byId.get(application.participantId)?.email ?? application.email,
  }));
  const candidates = await findMatchCandidates(
    db,
    program.brandId,
    applicants.map((a) => ({ email: a.email, websiteHost: a.application.websiteHost })),
  );
  return new Map(
    applicants.map(({ application, email }) => {
      const sponsor =
        application.sponsorId === null ? undefined : sponsors.get(application.sponsorId);
      return [
        application.participantId,
        {
          application,
          sponsor: sponsor
            ? { id: sponsor.id, externalId: sponsor.externalId, name: sponsor.name }
            : null,
          matches: matchesOf(
            {
              participantId: application.participantId,
              programId: program.id,
              email,
              websiteHost: application.websiteHost,
            },
            candidates,
          ),
        },
      ];
    }),
  );
}
