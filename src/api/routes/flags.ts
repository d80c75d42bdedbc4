import { z } from "zod";
import { reviewFlag } from "../../engine/review-flag.ts";
import { findFlag, listFlags, type FlagRecord } from "../../store/flags.ts";
import { ApiError, notFound } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
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

const decide = (decision: "approved" | "rejected", verb: "approve" | "reject", summary: string) =>
  route({
    method: "POST",
    url: `/v1/programs/{programId}/flags/{flagId}/${verb}`,
    summary,
    tag: "Fraud",
    auth: "admin",
    params: flagParams,
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
    summary: "Fraud flags: self-referral, click flooding, refund abuse",
    tag: "Fraud",
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
  decide("approved", "approve", "Approve a flag; a held order's commissions become available"),
  decide("rejected", "reject", "Reject a flag; a held order's commissions are reversed"),
];
