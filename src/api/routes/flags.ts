import { z } from "zod";
import type { Services } from "../../engine/services.ts";
import { reviewFlag, reviewFlags, type ReviewOutcome } from "../../engine/review-flag.ts";
import { heldCommissions, listFlags, type FlagRecord } from "../../store/flags.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import { ApiError, notFound } from "../errors.ts";
import {
  approvedFlagExample,
  flagCollectionExample,
  flagReviewExample,
  rejectedFlagExample,
} from "../examples.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { flagCollection, flagReviewSchema, flagSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const flagParams = z.object({ programId: z.string(), flagId: z.string() });

const RULE_NAMES: Record<FlagRecord["rule"], string> = {
  click_flooding: "Click flooding",
  refund_abuse: "Refund abuse",
  self_referral_ip: "Self-referral by IP address",
};

/** Flags as the API answers them, with who they are about and what each holds: one query for all. */
async function presentFlags(services: Services, program: ProgramRecord, flags: FlagRecord[]) {
  const held = await heldCommissions(
    services.db,
    program.id,
    flags.map((f) => f.id),
  );
  return flags.map((f) => {
    const commissions = held
      .filter((h) => h.flagId === f.id)
      .map((h) => ({
        participantId: h.participantId,
        externalId: h.externalId,
        name: h.name,
        level: h.level,
        amount: h.amountMinor,
      }));
    return {
      id: f.id,
      rule: f.rule,
      ruleName: RULE_NAMES[f.rule] ?? f.rule,
      participantId: f.participantId,
      participant: {
        externalId: f.participantExternalId,
        name: f.participantName,
        consoleUrl: `${services.publicUrl}/admin/participants/${encodeURIComponent(f.participantId)}`,
      },
      eventId: f.eventId,
      orderId: f.orderId,
      reason: f.reason,
      status: f.status,
      currency: program.currency,
      held: commissions.reduce((sum, c) => sum + c.amount, 0),
      commissions,
      createdAt: f.createdAt.toISOString(),
      decidedAt: f.decidedAt?.toISOString() ?? null,
    };
  });
}

/** The decided flags, or the refusal that says why none was decided. */
function decidedOrRefused(outcome: ReviewOutcome): FlagRecord[] {
  switch (outcome.kind) {
    case "decided":
      return outcome.flags;
    case "missing":
      throw notFound(`flag ${outcome.flagId}`);
    case "decidedBefore":
      throw new ApiError(
        "conflict",
        `flag ${outcome.flag.id} was already ${outcome.flag.status}; a flag is decided once`,
      );
    case "holdsNothing":
      throw new ApiError(
        "conflict",
        `flag ${outcome.flag.id} (${RULE_NAMES[outcome.flag.rule] ?? outcome.flag.rule}) is on no ` +
          "order and holds no commission, so there is nothing to release or reverse; dismiss it " +
          "on its own with POST .../flags/{flagId}/approve",
      );
  }
}

const decide = (
  decision: "approved" | "rejected",
  verb: "approve" | "reject",
  summary: string,
  example: unknown,
) =>
  route({
    method: "POST",
    url: `/v1/programs/{programId}/flags/{flagId}/${verb}`,
    operationId: `${verb}Flag`,
    summary,
    description:
      `Decides an open flag (${decision}); a flag is decided once, so deciding it again is a 409. ` +
      "A flag on a held order releases its commissions when approved and reverses them when " +
      "rejected; a flag on no order (click flooding) holds nothing, and deciding it dismisses it.",
    tag: "Fraud",
    auth: "admin",
    params: flagParams,
    response: flagSchema,
    responseExample: example,
    errors: [409],
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const decided = decidedOrRefused(
        await reviewFlag(services, program, params.flagId, decision),
      );
      const [flag] = await presentFlags(services, program, decided);
      return flag;
    },
  });

const reviewBody = z.strictObject({
  flagIds: z
    .array(z.string().min(1))
    .min(1)
    .max(500)
    .describe("The flags to decide, each open and on a held order"),
  decision: z
    .enum(["release", "reverse"])
    .describe("release: approve, the commissions become available; reverse: reject as fraud"),
});

export const flagRoutes = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/flags",
    operationId: "listFlags",
    summary: "Fraud flags: self-referral, click flooding, refund abuse",
    description:
      "The program's fraud flags in id order, optionally only those of one status, each with " +
      "the participant it is about and the commissions it holds (who, which level, how much).",
    tag: "Fraud",
    response: flagCollection,
    responseExample: flagCollectionExample,
    auth: "admin",
    params: z.object({ programId: z.string() }),
    query: pageQuery.extend({ status: z.enum(["open", "approved", "rejected"]).optional() }),
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listFlags(services.db, program.id, {
        status: query.status,
        after: page.after,
        limit: page.limit + 1,
      });
      const shown = await presentFlags(services, program, rows.slice(0, page.limit));
      const byId = new Map(shown.map((f) => [f.id, f]));
      return collection(
        rows,
        page.limit,
        (f) => f.id,
        (f) => byId.get(f.id),
      );
    },
  }),
  decide(
    "approved",
    "approve",
    "Approve a flag; a held order's commissions become available",
    approvedFlagExample,
  ),
  decide(
    "rejected",
    "reject",
    "Reject a flag; a held order's commissions are reversed",
    rejectedFlagExample,
  ),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/flags/review",
    operationId: "reviewFlags",
    summary: "Release or reverse the commissions of several flags at once, all or none",
    description:
      "Decides every flag named in one transaction: `release` approves them (their held " +
      "commissions become available), `reverse` rejects them (the commissions are reversed as " +
      "fraud). When one is unknown (404), already decided or on no order (409), none is decided.",
    tag: "Fraud",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: reviewBody,
    bodyExample: { flagIds: [flagReviewExample.flags[0]?.id], decision: "release" },
    response: flagReviewSchema,
    responseExample: flagReviewExample,
    errors: [409],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const decided = decidedOrRefused(
        await reviewFlags(
          services,
          program,
          body.flagIds,
          body.decision === "release" ? "approved" : "rejected",
          { onlyHolding: true },
        ),
      );
      return { flags: await presentFlags(services, program, decided) };
    },
  }),
];
