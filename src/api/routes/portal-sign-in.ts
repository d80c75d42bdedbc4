import { z } from "zod";
import { requestPortalSignIn } from "../../engine/portal-sign-in.ts";
import { route, type AnyRoute } from "../route.ts";
import { programParams } from "./programs.ts";

/** A person asks for a link a few times at most; more from one address is someone probing. */
export const SIGN_IN_REQUESTS_PER_MINUTE = 10;

const signInBody = z
  .strictObject({
    email: z.email().max(320).describe("The address the participant is known by in this program"),
  })
  .meta({ id: "PortalSignInInput", description: "Who asks for a sign-in link" });

const signInAccepted = z.strictObject({ status: z.literal("accepted") }).meta({
  id: "PortalSignInAccepted",
  description: "The same answer whoever asks, so it tells no one who is a member",
});

export const portalSignInRoutes: AnyRoute[] = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/portal/sign-in",
    operationId: "requestPortalSignIn",
    summary: "Email a member a link that signs them in to the portal",
    description:
      "Mails an active participant with this email (any case) a portal link with a new " +
      "participant token, at most 5 an hour per address and program. Always 202 with the same " +
      "body: for an unknown email or program, over the hourly limit, or with no SMTP server " +
      "configured (then nothing is written), so the answer never says who is a member; nor " +
      "does its timing, since a member and an unknown email take the same database work.",
    tag: "Me",
    auth: "public",
    rateLimitPerMinute: SIGN_IN_REQUESTS_PER_MINUTE,
    params: programParams,
    body: signInBody,
    bodyExample: { email: "ana@example.com" },
    status: 202,
    response: signInAccepted,
    responseExample: { status: "accepted" },
    handler: async ({ services, params, body }) => {
      await requestPortalSignIn(services, params.programId, body.email);
      return { status: "accepted" as const };
    },
  }),
];
