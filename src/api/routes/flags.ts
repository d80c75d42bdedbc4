import { z } from "zod";
import { reviewFlag } from "../../engine/review-flag.ts";
import { findFlag, listFlags, type FlagRecord } from "../../store/flags.ts";
import { ApiError, notFound } from "../errors.ts";
import { approvedFlagExample, flagCollectionExample, rejectedFlagExample } from "../examples.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { flagCollection, flagSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

const flagParams = z.object({ programId: z.string(), flagId: z.string() });

function presentFlag(f: FlagRecord) {
  return {
    id: f.id,
    rule: f.rule,
    participantId: f.participantId,
    eventId: f.eventId,
    orderId: f.orderId,
    reason: f.reason,
    status: f.status,
    createdAt: f.createdAt.toISOString(),
    decidedAt: f.decidedAt?.toISOString() ?? null,
  };
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
      "A flag on a held order releases its commissions when approved and reverses them when rejected.",
    tag: "Fraud",
    auth: "admin",
    params: flagParams,
    response: flagSchema,
    responseExample: example,
    errors: [409],
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const decided = await reviewFlag(services, program, params.flagId, decision);
      if (decided) return presentFlag(decided);
      const flag = await findFlag(services.db, program.id, params.flagId);
      if (!flag) throw notFound(`flag ${params.flagId}`);
      throw new ApiError(
        "conflict",
        `flag ${flag.id} was already ${flag.status}; a flag is decided once`,
      );
    },
  });

export const flagRoutes = [
  route({
    method: "GET",
    url: "/v1/programs/{programId}/flags",
    operationId: "listFlags",
    summary: "Fraud flags: self-referral, click flooding, refund abuse",
    description: "The program's fraud flags in id order, optionally only those of one status.",
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
      return collection(rows, page.limit, (f) => f.id, presentFlag);
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
];
