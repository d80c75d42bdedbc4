import { z } from "zod";
import { releaseHolds } from "../../engine/release-holds.ts";
import { route } from "../route.ts";
import { loadProgram } from "./programs.ts";

/**
 * The hold-release job runs by itself every minute; this runs it now for one
 * program, for an admin who does not want to wait (and for scripted setups).
 */
export const holdRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/holds/release",
    summary: "Release every commission whose hold is over, now",
    tag: "Payouts",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      return { released: await releaseHolds(services, program) };
    },
  }),
];
