import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  createBroadcast,
  previewBroadcast,
  unsubscribeFromBroadcasts,
  type BroadcastRefusal,
} from "../../engine/broadcasts.ts";
import type { Services } from "../../engine/services.ts";
import { escapeHtml } from "../../mail/render.ts";
import {
  findBroadcast,
  findUnsubscribeLink,
  listBroadcasts,
  type BroadcastState,
} from "../../store/broadcasts.ts";
import { ApiError, notFound } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { collectionOf, participantStatus } from "../schemas.ts";
import { servePage } from "../web.ts";
import { loadProgram, programParams } from "./programs.ts";

const audienceSchema = z
  .strictObject({
    levels: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(100)
      .optional()
      .describe("The program's level keys to mail; absent: every level, and none"),
    status: z
      .array(participantStatus)
      .min(1)
      .max(3)
      .optional()
      .describe("Participant statuses to mail; absent: every status"),
  })
  .meta({ id: "BroadcastAudience", description: "Who a broadcast goes to" });

const broadcastInput = z
  .strictObject({
    subject: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((s) => !/[\r\n]/.test(s), "must be one line")
      .describe("The mails' subject line"),
    body: z
      .string()
      .min(1)
      .max(100_000)
      .describe("Markdown; raw HTML in it is shown as text, never as markup"),
    audience: audienceSchema.optional(),
  })
  .meta({ id: "BroadcastInput", description: "A message to a program's participants" });

const broadcastStatus = z
  .enum(["sending", "sent"])
  .describe("sending while any of its mails waits to be sent (or tried again); sent after");

const broadcastSchema = z
  .strictObject({
    id: z.string(),
    subject: z.string(),
    audience: audienceSchema,
    recipients: z.number().int().describe("Mails written: one per participant it reached"),
    sent: z.number().int().describe("Mails the SMTP server took"),
    failed: z.number().int().describe("Mails given up on after a day of retries"),
    status: broadcastStatus,
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "Broadcast", description: "A broadcast and what its mails have come to" });

const broadcastAccepted = z
  .strictObject({ id: z.string(), recipients: z.number().int(), status: broadcastStatus })
  .meta({ id: "BroadcastAccepted", description: "A broadcast written with its mails" });

const broadcastPreview = z
  .strictObject({
    recipients: z.number().int().describe("Participants it would mail now"),
    subject: z.string(),
    html: z.string().describe("The mail's HTML part, with an example unsubscribe link"),
    text: z.string().describe("The mail's text part, with an example unsubscribe link"),
  })
  .meta({ id: "BroadcastPreview", description: "A broadcast as it would be mailed; nothing sent" });

const unsubscribed = z
  .strictObject({ status: z.literal("unsubscribed") })
  .meta({ id: "Unsubscribed", description: "Broadcasts stopped; other mail still comes" });

const bodyExample = {
  subject: "New rates from June 1",
  body: "Hello! From **June 1** every sale pays **12%**.\n\nSee https://brand.example/rates",
  audience: { levels: ["gold"], status: ["active"] },
};

const broadcastExample = {
  id: "brc_01JW6P2Y1R8M4K7V9C3D5F0H2Q",
  subject: bodyExample.subject,
  audience: bodyExample.audience,
  recipients: 120,
  sent: 118,
  failed: 2,
  status: "sent" as const,
  createdAt: "2026-05-20T09:00:00.000Z",
};

function refused(refusal: BroadcastRefusal): ApiError {
  if (refusal.kind === "mail_off")
    return new ApiError(
      "conflict",
      "mail is not set up: set LAUREL_SMTP_URL and LAUREL_MAIL_FROM to send broadcasts; nothing was written",
    );
  return new ApiError(
    "unknown_level",
    `level "${refusal.level}" is not one of the program's levels (${refusal.known.join(", ") || "it defines none"})`,
    [{ path: `audience.levels.${refusal.index}`, message: "unknown level" }],
  );
}

const present = (b: BroadcastState) => ({
  id: b.id,
  subject: b.subject,
  audience: b.audience,
  recipients: b.recipients,
  sent: b.sent,
  failed: b.failed,
  status: b.pending > 0 ? ("sending" as const) : ("sent" as const),
  createdAt: b.createdAt.toISOString(),
});

const tokenParams = z.object({
  token: z.string().max(200).describe("The participant's unsubscribe token, from a broadcast"),
});

export const broadcastRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/broadcasts",
    operationId: "createBroadcast",
    summary: "Mail a message to the program's participants",
    description:
      "Writes the broadcast and one mail per participant in the audience who has an email and " +
      "has not unsubscribed from broadcasts, in one transaction. The mails go out at a steady " +
      "rate (LAUREL_BROADCAST_PER_MINUTE, 600 by default, after any broadcast still sending), " +
      "each with a one-click unsubscribe link. 409 when no SMTP server is configured (nothing " +
      "is written); 422 for a level the program does not have.",
    tag: "Broadcasts",
    auth: "admin",
    params: programParams,
    body: broadcastInput,
    bodyExample,
    status: 202,
    response: broadcastAccepted,
    responseExample: { id: broadcastExample.id, recipients: 120, status: "sending" },
    errors: [409, 422],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const result = await createBroadcast(services, program, body);
      if (!result.ok) throw refused(result.refusal);
      const { broadcast } = result;
      return {
        id: broadcast.id,
        recipients: broadcast.recipients,
        status: broadcast.recipients > 0 ? ("sending" as const) : ("sent" as const),
      };
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/broadcasts/preview",
    operationId: "previewBroadcast",
    summary: "How many a broadcast would reach, and its mail as rendered, without sending",
    description:
      "Takes the same body as creating a broadcast and answers the number of participants it " +
      "would mail now and the mail's subject, HTML and text, with an example unsubscribe link. " +
      "Writes nothing; refuses what creating would refuse.",
    tag: "Broadcasts",
    auth: "admin",
    params: programParams,
    body: broadcastInput,
    bodyExample,
    response: broadcastPreview,
    responseExample: {
      recipients: 120,
      subject: bodyExample.subject,
      html: "<!doctype html>…<p>Hello! From <strong>June 1</strong> every sale pays <strong>12%</strong>.</p>…",
      text: "Hello! From **June 1** every sale pays **12%**.…",
    },
    errors: [409, 422],
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const result = await previewBroadcast(services, program, body);
      if (!result.ok) throw refused(result.refusal);
      return {
        recipients: result.recipients,
        subject: result.subject,
        html: result.html,
        text: result.text,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/broadcasts",
    operationId: "listBroadcasts",
    summary: "The program's broadcasts, newest first",
    description: "Each broadcast with its recipients, sent and failed mails, and status.",
    tag: "Broadcasts",
    auth: "admin",
    params: programParams,
    query: pageQuery,
    response: collectionOf(broadcastSchema, "BroadcastCollection", "Broadcasts, newest first"),
    responseExample: { items: [broadcastExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listBroadcasts(services.db, program.id, {
        before: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (b) => b.id, present);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/broadcasts/{broadcastId}",
    operationId: "getBroadcast",
    summary: "A broadcast: its recipients, sent and failed mails, and status",
    description:
      "Counts come from the broadcast's mails as they stand: sent once the SMTP server took " +
      "one, failed once it was given up on after a day of retries.",
    tag: "Broadcasts",
    auth: "admin",
    params: programParams.extend({ broadcastId: z.string() }),
    response: broadcastSchema,
    responseExample: broadcastExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const broadcast = await findBroadcast(services.db, program.id, params.broadcastId);
      if (!broadcast) throw notFound(`broadcast ${params.broadcastId}`);
      return present(broadcast);
    },
  }),
  route({
    method: "POST",
    url: "/v1/unsubscribe/{token}",
    operationId: "unsubscribeFromBroadcasts",
    summary: "One-click unsubscribe from a program's broadcasts (RFC 8058)",
    description:
      "What a mail client posts, `List-Unsubscribe=One-Click` form-encoded, when its reader " +
      "unsubscribes, and what the page at the same address posts. Stops broadcasts to the " +
      "participant the token names; mail about their own sign-in links, rewards and payouts " +
      "still goes. Needs no credential but the token; 404 for a token that names no one.",
    tag: "Broadcasts",
    auth: "public",
    params: tokenParams,
    body: z.looseObject({}).describe("List-Unsubscribe=One-Click, form-encoded"),
    bodyExample: { "List-Unsubscribe": "One-Click" },
    consumes: ["application/x-www-form-urlencoded"],
    // A mail client sends the form as it is; nothing in it but the token decides anything.
    rawBody: true,
    bodyLimit: 1024,
    rateLimitPerMinute: 30,
    response: unsubscribed,
    responseExample: { status: "unsubscribed" },
    handler: async ({ services, params }) => {
      if (!(await unsubscribeFromBroadcasts(services, params.token)))
        throw notFound("this unsubscribe link");
      return { status: "unsubscribed" as const };
    },
  }),
];

/**
 * The page the unsubscribe link opens in a browser. Opening it changes
 * nothing, since mail scanners open links on their own; its button posts the
 * one-click form. With scripts it says the outcome in place, without them the
 * browser shows the API's answer.
 */
export function registerUnsubscribePage(app: FastifyInstance, services: Services): void {
  servePage(app, "/v1/unsubscribe/:token", async (request, reply) => {
    const { token } = tokenParams.parse(request.params);
    const link = await findUnsubscribeLink(services.db, token);
    reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
    if (!link)
      return reply
        .code(404)
        .send(
          unsubscribePage(reply.cspNonce, "This link is not valid", [
            "It names no one. Use the unsubscribe link of a more recent mail.",
          ]),
        );
    const program = escapeHtml(link.programName);
    if (link.unsubscribed)
      return unsubscribePage(reply.cspNonce, `You are unsubscribed from ${program}`, [
        "You no longer get its broadcasts. Mail about your own rewards, payouts and sign-in links still comes.",
      ]);
    return unsubscribePage(
      reply.cspNonce,
      `Unsubscribe from ${program}?`,
      [
        "You will no longer get its broadcasts. Mail about your own rewards, payouts and sign-in links still comes.",
      ],
      true,
    );
  });
}

// Markup and the script are fixed; the program's name is escaped by the caller.
function unsubscribePage(
  nonces: { script: string; style: string },
  title: string,
  lines: string[],
  withButton = false,
): string {
  const form = withButton
    ? `<form method="post" id="unsubscribe">
      <input type="hidden" name="List-Unsubscribe" value="One-Click" />
      <button type="submit">Unsubscribe</button>
    </form>
    <script nonce="${nonces.script}">
      document.getElementById("unsubscribe").addEventListener("submit", async (event) => {
        event.preventDefault();
        const reply = await fetch(location.pathname, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "List-Unsubscribe=One-Click",
        });
        document.querySelector("main").innerHTML = reply.ok
          ? "<h1>You are unsubscribed</h1><p>Mail about your own rewards, payouts and sign-in links still comes.</p>"
          : "<h1>That did not work</h1><p>Try again in a minute.</p>";
      });
    </script>`
    : "";
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title}</title>
    <style nonce="${nonces.style}">
      body { font-family: sans-serif; color: #0f172a; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; }
      button { font: inherit; padding: 0.5rem 1rem; background: #1d4ed8; color: white; border: 0; border-radius: 0.25rem; cursor: pointer; }
    </style>
  </head>
  <body>
    <main>
      <h1>${title}</h1>
      ${lines.map((line) => `<p>${line}</p>`).join("\n      ")}
      ${form}
    </main>
  </body>
</html>
`;
}
