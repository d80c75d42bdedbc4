import { z } from "zod";
import { releaseHolds } from "../../engine/release-holds.ts";
import { releasedCountExample } from "../examples.ts";
import { route } from "../route.ts";
import { releasedCountSchema } from "../schemas.ts";
import { loadProgram } from "./programs.ts";

/**
 * The hold-release job runs by itself every minute; this runs it now for one
 * program, for an admin who does not want to wait (and for scripted setups).
 */
export const holdRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/holds/release",
    operationId: "releaseHolds",
    summary: "Release every commission whose hold is over, now",
    description:
      "Makes available every pending commission of the program whose hold period has ended, as " +
      "the job that runs every minute does; answers how many were released.",
    tag: "Payouts",
    response: releasedCountSchema,
    responseExample: releasedCountExample,
    auth: "admin",
    params: z.object({ programId: z.string() }),
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      return { released: await releaseHolds(services, program) };
    },
  }),
];
