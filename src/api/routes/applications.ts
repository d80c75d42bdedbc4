import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { countryOf, websiteHostOf } from "../../domain/applications.ts";
import { enrolmentOf, notificationOn } from "../../domain/program.ts";
import { decide, screeningsOf, submitApplication } from "../../engine/applications.ts";
import { portalLink } from "../../engine/notification-mails.ts";
import type { Services } from "../../engine/services.ts";
import { renderMarkdown } from "../../engine/markdown.ts";
import { countWaitingApplications } from "../../store/applications.ts";
import { findProgramById, type ProgramRecord } from "../../store/programs.ts";
import { currentTerms } from "../../store/terms.ts";
import { participantExample } from "../examples.ts";
import { ApiError, notFound, retryOnUniqueViolation } from "../errors.ts";
import { presentApplication, presentParticipant } from "../present.ts";
import { route, type AnyRoute } from "../route.ts";
import { applicationSchema, participantSchema } from "../schemas.ts";
import { serveAppShell } from "../web.ts";
import { loadNamedParticipant } from "./participants.ts";
import { loadProgram } from "./programs.ts";
import { VISITOR_COOKIE } from "./tracking.ts";

/** A person applies once or twice; more from one address is someone filling the queue. */
export const APPLICATIONS_PER_MINUTE = 10;

const programParams = z.object({ programId: z.string() });
const applicantParams = z.object({ programId: z.string(), participantId: z.string() });

const applicationInput = z
  .strictObject({
    email: z.email().max(320).describe("Where the applicant is mailed the decision"),
    name: z.string().trim().min(1, "say who is applying").max(200),
    website: z
      .string()
      .trim()
      .max(2000)
      .refine(
        (value) => websiteHostOf(value) !== null,
        "must be a web address such as https://ana.example",
      )
      .optional()
      .describe("The applicant's website or shop, with or without https://"),
    socials: z
      .array(z.string().trim().min(1).max(500))
      .max(10, "name at most 10 social profiles")
      .optional()
      .describe("Links to or handles of the applicant's social profiles"),
    message: z
      .string()
      .trim()
      .max(2000)
      .optional()
      .describe("Anything the applicant tells the brand"),
    sponsor: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe(
        "The referral code of whoever recruited them (the apply link's ?via=); an unknown or " +
          "inactive code is ignored. Without one, the visitor's referral click (the laurel_vid " +
          "cookie /r/{code} sets) names the recruiter",
      ),
    acceptTerms: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("The version of the program's terms accepted; required when the program has terms"),
  })
  .meta({ id: "ApplicationInput", description: "What an applicant sends from the apply page" });

const applicationInputExample = {
  email: "ana@example.com",
  name: "Ana Souza",
  website: "https://ana.example",
  socials: ["https://instagram.com/ana.makes"],
  message: "I review running shoes for 20,000 readers a month.",
  sponsor: "BRUNO7",
  acceptTerms: 2,
};

const screenedParticipant = participantSchema
  .extend({ application: applicationSchema })
  .meta({ id: "Applicant", description: "A participant who applied, with their application" });

/**
 * What the applicant is answered: what they sent, never the screening. The
 * matches name other people, and the recruiter is the brand's to see by name.
 */
const submittedSchema = participantSchema
  .extend({
    application: applicationSchema.omit({ matches: true, sponsor: true, reason: true }),
    portalUrl: z
      .url()
      .describe("The portal's sign-in page: where an applicant signs in once they are active"),
  })
  .meta({
    id: "SubmittedApplication",
    description: "The applicant, as they now are in the program",
  });

const approvedSchema = screenedParticipant
  .extend({
    signInLink: z
      .url()
      .nullable()
      .describe(
        "A link that signs the participant in to the portal, mailed to them when mail is on; " +
          "the console shows it to copy when mail is off. Null for a rejection",
      ),
  })
  .meta({ id: "DecidedApplication", description: "The applicant after the decision" });

const rejectInput = z
  .strictObject({
    reason: z
      .string()
      .trim()
      .min(1, "say why the application is rejected")
      .max(1000)
      .describe("Why, for the brand's own records; the applicant's mail does not carry it"),
  })
  .meta({ id: "RejectInput", description: "Why an application is rejected" });

const applicationFormSchema = z
  .strictObject({
    programId: z.string(),
    name: z.string(),
    branding: z.strictObject({
      logoUrl: z.string().nullable(),
      color: z.string().nullable(),
    }),
    enrolment: z.enum(["open", "approval", "closed"]),
    decisionMailed: z
      .boolean()
      .describe(
        "Whether the applicant is mailed the decision: mail is set up and the program sends it",
      ),
    terms: z
      .strictObject({
        version: z.number().int(),
        body: z.string().describe("The terms as the brand wrote them, in Markdown"),
        html: z.string().describe("The same, rendered to HTML with raw HTML left as text"),
        updatedAt: z.iso.datetime(),
      })
      .nullable()
      .describe("The current terms, which an applicant accepts by version; null without any"),
  })
  .meta({ id: "ApplicationForm", description: "What the public apply page shows" });

const waitingSchema = z
  .strictObject({ waiting: z.number().int().nonnegative().describe("Applications to decide") })
  .meta({ id: "WaitingApplications", description: "How many applications wait for a decision" });

const applicationExample = {
  website: applicationInputExample.website,
  socials: applicationInputExample.socials,
  message: applicationInputExample.message,
  sponsor: { id: participantExample.sponsorId, externalId: "amb-7", name: "Bruno" },
  ipCountry: "BR",
  appliedAt: participantExample.createdAt,
  decision: null,
  decidedAt: null,
  reason: null,
  matches: [
    {
      participantId: "par_01JD3A5B7C9D1E3F5G7H9J1K3Q",
      programId: participantExample.programId,
      programName: "Ambassadors",
      externalId: "amb-51",
      name: "Ana S.",
      status: "suspended",
      sameProgram: true,
      on: ["website"],
      blocked: true,
    },
  ],
};

const applicantExample = {
  ...participantExample,
  externalId: "app-3f9c2a71b0",
  status: "applied",
  level: null,
  application: applicationExample,
};

/** A public route's program: any brand's, by id, or a 404. */
async function publicProgram(services: Services, programId: string): Promise<ProgramRecord> {
  const program = await findProgramById(services.db, programId);
  if (!program) throw notFound(`program ${programId}`);
  return program;
}

/**
 * The country is taken from CF-IPCountry only when Laurel runs behind a
 * proxy it trusts (trustProxy, which also makes it read X-Forwarded-For):
 * without one, anyone could write the header. It informs screening, never
 * decides it.
 */
function ipCountryOf(request: FastifyRequest): string | null {
  if (request.ips === undefined) return null;
  return countryOf(request.headers["cf-ipcountry"]);
}

async function presentApplicant(
  services: Services,
  program: ProgramRecord,
  participant: Parameters<typeof presentParticipant>[0],
) {
  const screening = (await screeningsOf(services.db, program, [participant])).get(participant.id);
  const application = presentApplication(screening);
  if (application === null) throw new Error("an applicant without an application");
  return { ...presentParticipant(participant, services.publicUrl), application };
}

export const applicationRoutes: AnyRoute[] = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/applications",
    operationId: "submitApplication",
    summary: "Apply to join a program (public: the apply page posts here)",
    description:
      "Makes the applicant a participant: `applied` when the program's enrolment is `approval`, " +
      "`active` when it is `open`; a program whose enrolment is `closed` takes no applications " +
      "(403 applications_closed). An email already in the program, whoever it belongs to, is a " +
      "409. When the program has terms, `acceptTerms` must be the current version (422 naming " +
      "it), and the acceptance is recorded with the participant. The participant gets an " +
      "externalId Laurel makes (app-...), a referral code, and the recruiter `sponsor` names as " +
      "their sponsor. Writes participant.created and application.submitted (data: " +
      "`{participant, application: {website, socials, message, sponsor: {id, externalId} | null, " +
      "ipCountry, appliedAt}}`) with it. At most 10 a minute per address.",
    tag: "Participants",
    auth: "public",
    rateLimitPerMinute: APPLICATIONS_PER_MINUTE,
    params: programParams,
    body: applicationInput,
    bodyExample: applicationInputExample,
    status: 201,
    response: submittedSchema,
    responseExample: {
      ...applicantExample,
      application: {
        website: applicationExample.website,
        socials: applicationExample.socials,
        message: applicationExample.message,
        ipCountry: applicationExample.ipCountry,
        appliedAt: applicationExample.appliedAt,
        decision: null,
        decidedAt: null,
      },
      portalUrl: portalLink("https://laurel.example.com", participantExample.programId),
    },
    errors: [403, 409, 422],
    handler: async ({ services, params, body, request }) => {
      const program = await publicProgram(services, params.programId);
      // Two applications with one address at once collide on the unique index;
      // tried again, the loser finds the winner's and answers 409.
      const result = await retryOnUniqueViolation(() =>
        submitApplication(services, program, body, {
          ip: request.ip,
          ipCountry: ipCountryOf(request),
          visitorId: request.cookies[VISITOR_COOKIE],
        }),
      );
      if (!result.ok) throw new ApiError(result.code, result.message, result.details);
      const a = result.application;
      return {
        ...presentParticipant(result.participant, services.publicUrl),
        application: {
          website: a.website,
          socials: [...a.socials],
          message: a.message,
          ipCountry: a.ipCountry,
          appliedAt: a.appliedAt.toISOString(),
          decision: a.decision,
          decidedAt: a.decidedAt?.toISOString() ?? null,
        },
        portalUrl: portalLink(services.publicUrl, program.id),
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/application-form",
    operationId: "getApplicationForm",
    summary: "What the public apply page shows: the program, its look, its enrolment and terms",
    description:
      "The program's name and branding, whether it takes applications (`enrolment`), and its " +
      "current terms in Markdown and rendered to HTML (raw HTML in the Markdown stays text). " +
      "Public, for the apply page.",
    tag: "Participants",
    auth: "public",
    params: programParams,
    response: applicationFormSchema,
    responseExample: {
      programId: participantExample.programId,
      name: "Ambassadors",
      branding: { logoUrl: "https://brand.example/logo.png", color: "#0f766e" },
      enrolment: "approval",
      decisionMailed: true,
      terms: {
        version: 2,
        body: "# Terms\n\nShare your link honestly.",
        html: "<h1>Terms</h1>\n<p>Share your link honestly.</p>\n",
        updatedAt: participantExample.createdAt,
      },
    },
    handler: async ({ services, params }) => {
      const program = await publicProgram(services, params.programId);
      const terms = await currentTerms(services.db, program.id);
      return {
        programId: program.id,
        name: program.name,
        branding: {
          logoUrl: program.config.branding?.logoUrl ?? null,
          color: program.config.branding?.color ?? null,
        },
        enrolment: enrolmentOf(program.config),
        decisionMailed:
          services.mail !== undefined && notificationOn(program.config, "applicationDecided"),
        terms:
          terms === null
            ? null
            : {
                version: terms.version,
                body: terms.body,
                html: renderMarkdown(terms.body),
                updatedAt: terms.updatedAt.toISOString(),
              },
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/applications/waiting",
    operationId: "countWaitingApplications",
    summary: "How many applications wait for a decision",
    description:
      "The number of participants whose status is `applied`: the count the console shows " +
      "beside its approval queue. List them with `GET .../participants?status=applied`.",
    tag: "Participants",
    auth: "admin",
    params: programParams,
    response: waitingSchema,
    responseExample: { waiting: 3 },
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      return { waiting: await countWaitingApplications(services.db, program.id) };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/approve",
    operationId: "approveApplication",
    summary: "Approve an application: the applicant becomes active",
    description:
      "The applicant's status becomes `active` (participant.updated) and, with mail set up and " +
      "the program's `notifications.applicationDecided` not false, they are mailed a portal " +
      "sign-in link, which the answer carries too. Deciding an application twice is a 409; " +
      "approving a participant who never applied is a 422.",
    tag: "Participants",
    auth: "admin",
    params: applicantParams,
    status: 200,
    response: approvedSchema,
    responseExample: {
      ...applicantExample,
      status: "active",
      application: {
        ...applicationExample,
        decision: "approved",
        decidedAt: participantExample.createdAt,
      },
      signInLink: "https://laurel.example.com/portal#token=lrl_part_...",
    },
    errors: [409, 422],
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const result = await decide(services, program, participant, "approved", null);
      if (!result.ok) throw new ApiError(result.code, result.message, result.details);
      return {
        ...(await presentApplicant(services, program, result.participant)),
        signInLink: result.signInLink,
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/reject",
    operationId: "rejectApplication",
    summary: "Reject an application, with the reason",
    description:
      "The applicant's status becomes `rejected` (participant.updated), with the reason kept " +
      "for the brand; with mail set up and `notifications.applicationDecided` not false, they " +
      "are mailed that the application was not accepted (without the reason). Deciding twice " +
      "is a 409; rejecting a participant who never applied is a 422.",
    tag: "Participants",
    auth: "admin",
    params: applicantParams,
    body: rejectInput,
    bodyExample: { reason: "The website sells counterfeit shoes" },
    status: 200,
    response: approvedSchema,
    responseExample: {
      ...applicantExample,
      status: "rejected",
      application: {
        ...applicationExample,
        decision: "rejected",
        decidedAt: participantExample.createdAt,
        reason: "The website sells counterfeit shoes",
      },
      signInLink: null,
    },
    errors: [409, 422],
    handler: async ({ services, caller, params, body }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const result = await decide(services, program, participant, "rejected", body.reason);
      if (!result.ok) throw new ApiError(result.code, result.message, result.details);
      return {
        ...(await presentApplicant(services, program, result.participant)),
        signInLink: null,
      };
    },
  }),
];

/**
 * The public apply page, /apply/{programId}: the apply app's shell, answered
 * 404 for a program that does not exist so the status says what the page does.
 */
export function registerApplyPage(app: FastifyInstance, services: Services): void {
  serveAppShell(app, "apply", "/apply/:programId", async (request) => {
    const parsed = programParams.safeParse(request.params);
    if (!parsed.success) return 404;
    return (await findProgramById(services.db, parsed.data.programId)) ? 200 : 404;
  });
}
