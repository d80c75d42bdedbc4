import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { enrollParticipant } from "../../engine/participants.ts";
import { participantProgress } from "../../engine/read-progress.ts";
import type { Services } from "../../engine/services.ts";
import { newWidgetSecret, verifyCustomerToken } from "../../engine/widget-token.ts";
import { isShownInWidget } from "../../domain/goals.ts";
import { listGoals } from "../../store/goals.ts";
import { listParticipants } from "../../store/participants.ts";
import { findProgramById, type ProgramRecord } from "../../store/programs.ts";
import { findWidgetSecret, putWidgetSecret } from "../../store/widget-secrets.ts";
import { bearerOf } from "../auth.ts";
import { ApiError, notFound, retryOnUniqueViolation } from "../errors.ts";
import {
  customerViewExample,
  milestonesExample,
  widgetSecretExample,
  widgetSecretStatusExample,
} from "../examples.ts";
import { route, type AnyRoute } from "../route.ts";
import {
  customerViewSchema,
  milestonesSchema,
  widgetSecretSchema,
  widgetSecretStatusSchema,
} from "../schemas.ts";
import { presentParticipant } from "../present.ts";
import { refused } from "./participants.ts";
import { brandingOf } from "./portal.ts";
import { loadProgram, programParams } from "./programs.ts";

/**
 * Storefronts call the widget routes from their own origins, with a customer
 * token in the Authorization header: every answer (errors too, so the widget
 * can read them) allows any origin, and the preflight allows that header.
 */
function allowAnyOrigin(reply: FastifyReply): void {
  reply.header("access-control-allow-origin", "*");
}

/** OPTIONS for a widget URL: browsers ask before sending Authorization cross-origin. */
function preflight(url: string, operationId: string): AnyRoute {
  const spec = route({
    method: "GET",
    url,
    operationId,
    summary: "CORS preflight for storefronts on other origins",
    description:
      "What a browser asks before a storefront on another origin calls this URL with an " +
      "Authorization header: any origin may, with GET and POST.",
    tag: "Widget",
    auth: "public",
    params: programParams,
    status: 204,
    response: null,
    responseHeaders: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
      "Access-Control-Allow-Headers": "authorization",
      "Access-Control-Max-Age": "600",
    },
    handler: async ({ reply }) => {
      allowAnyOrigin(reply);
      return reply
        .code(204)
        .header("access-control-allow-methods", "GET, POST, OPTIONS")
        .header("access-control-allow-headers", "authorization")
        .header("access-control-max-age", "600")
        .send();
    },
  });
  // route() types the four methods the API documents for callers; this one is for browsers.
  return { ...spec, method: "OPTIONS" } as unknown as AnyRoute;
}

const unauthorized = (message: string) => new ApiError("unauthorized", message);

/** The program and the customer its widget token names, or the 401 that says what is wrong. */
async function signedInCustomer(services: Services, programId: string, request: FastifyRequest) {
  const program = await findProgramById(services.db, programId);
  if (!program) throw notFound(`program ${programId}`);
  const token = bearerOf(request.headers.authorization);
  if (!token)
    throw unauthorized(
      "send the customer's token as `Authorization: Bearer <JWT>`, signed by the shop's server with the program's widget secret",
    );
  const secret = await findWidgetSecret(services.db, program.id);
  if (!secret)
    throw unauthorized(
      `program ${program.id} has no widget secret yet; create one with POST /v1/programs/${program.id}/widget-secret`,
    );
  const customer = await verifyCustomerToken(token, secret.secret, services.now());
  if (customer.kind === "refused") throw unauthorized(customer.message);
  return { program, customer };
}

/** What the widget shows a customer: their progress on its goals, if they are a member. */
async function customerView(services: Services, program: ProgramRecord, externalId: string) {
  const [participant] = await listParticipants(services.db, program.id, {
    externalId,
    after: null,
    limit: 1,
  });
  const items = participant
    ? await participantProgress(services, program, participant, { only: isShownInWidget })
    : [];
  return {
    programId: program.id,
    name: program.name,
    currency: program.currency,
    customer: {
      externalId,
      member: participant !== undefined,
      canJoin: participant === undefined && program.config.widget?.enrol === true,
      referralLink: participant
        ? presentParticipant(participant, services.publicUrl).referralLink
        : null,
    },
    branding: brandingOf(program),
    items,
    next: null,
  };
}

/** The token's email and name, where they are what a participant may have (else left out). */
function joiningDetails(customer: { email?: string; name?: string }) {
  const email = z.email().max(320).safeParse(customer.email);
  const name = z.string().min(1).max(200).safeParse(customer.name);
  return {
    ...(email.success ? { email: email.data } : {}),
    ...(name.success ? { name: name.data } : {}),
  };
}

export const widgetRoutes: AnyRoute[] = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/widget-secret",
    summary:
      "Create or rotate the program's widget secret (shown once; the previous one stops working)",
    operationId: "createWidgetSecret",
    description:
      "A new secret with which the shop's server signs its customers' tokens (HS256 JWTs, the " +
      "customer's id as `sub`). It is shown only here; the previous secret stops working.",
    tag: "Widget",
    auth: "admin",
    params: programParams,
    status: 201,
    response: widgetSecretSchema,
    responseExample: widgetSecretExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const stored = await putWidgetSecret(
        services.db,
        program.id,
        newWidgetSecret(),
        services.now(),
      );
      return {
        programId: program.id,
        secret: stored.secret,
        createdAt: stored.createdAt.toISOString(),
        algorithm: "HS256",
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/widget-secret",
    summary: "Whether the program has a widget secret, and since when (never the secret itself)",
    operationId: "getWidgetSecret",
    description: "Whether customer tokens can be checked yet, and since when; never the secret.",
    tag: "Widget",
    response: widgetSecretStatusSchema,
    responseExample: widgetSecretStatusExample,
    auth: "admin",
    params: programParams,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const stored = await findWidgetSecret(services.db, program.id);
      return {
        programId: program.id,
        exists: stored !== null,
        createdAt: stored?.createdAt.toISOString() ?? null,
      };
    },
  }),
  route({
    method: "GET",
    url: "/v1/widget/{programId}/me",
    summary:
      "The signed-in customer's progress on the widget's goals (Authorization: Bearer <customer JWT signed with the widget secret>)",
    operationId: "getWidgetCustomer",
    description:
      "Whether the customer the token names is a member, may join, and their progress on the " +
      "goals the widget shows. Any origin may call it.",
    tag: "Widget",
    auth: "public",
    credential: "customer",
    params: programParams,
    response: customerViewSchema,
    responseExample: customerViewExample,
    responseHeaders: { "Access-Control-Allow-Origin": "*" },
    errors: [401],
    handler: async ({ services, params, request, reply }) => {
      allowAnyOrigin(reply);
      const { program, customer } = await signedInCustomer(services, params.programId, request);
      return customerView(services, program, customer.externalId);
    },
  }),
  route({
    method: "POST",
    url: "/v1/widget/{programId}/me",
    summary:
      "The signed-in customer joins the program (when its widget.enrol allows it), with the token's sub as externalId and its email and name claims; 201 when they joined, 200 when they were a member",
    operationId: "joinFromWidget",
    description:
      "Makes the customer the token names a participant (its `sub` the externalId, its email " +
      "and name claims their contact) when the program's `widget.enrol` allows it, else 403; " +
      "answers what GET answers.",
    tag: "Widget",
    auth: "public",
    credential: "customer",
    params: programParams,
    status: 201,
    otherStatuses: [{ status: 200, description: "The customer was a member already" }],
    response: customerViewSchema,
    responseExample: { ...customerViewExample, items: [] },
    responseHeaders: { "Access-Control-Allow-Origin": "*" },
    errors: [401, 403, 409, 422],
    handler: async ({ services, params, request, reply }) => {
      allowAnyOrigin(reply);
      const { program, customer } = await signedInCustomer(services, params.programId, request);
      if (!program.config.widget?.enrol)
        throw new ApiError(
          "forbidden",
          `program ${program.id} does not let customers join from the widget; an admin can allow it with PATCH /v1/programs/${program.id} {"widget": {"enrol": true}}`,
        );
      // A member joins again as they are: the details an admin gave them (a
      // level, a sponsor, another name) are no conflict with the token's.
      const [member] = await listParticipants(services.db, program.id, {
        externalId: customer.externalId,
        after: null,
        limit: 1,
      });
      if (member) {
        reply.code(200);
        return customerView(services, program, customer.externalId);
      }
      // Two tabs joining at once: the second finds the first's membership.
      const enrolled = await retryOnUniqueViolation(() =>
        enrollParticipant(services, program, {
          externalId: customer.externalId,
          ...joiningDetails(customer),
        }),
      );
      if (!enrolled.ok) throw refused(enrolled);
      if (!enrolled.created) reply.code(200);
      return customerView(services, program, customer.externalId);
    },
  }),
  route({
    method: "GET",
    url: "/v1/widget/{programId}/milestones",
    summary: "The ladders a storefront shows (public; never inactivity goals)",
    operationId: "listWidgetMilestones",
    description:
      "The program's goals shown in the widget, with their steps and rewards, for anyone: a " +
      "storefront renders its ladders from it.",
    tag: "Widget",
    response: milestonesSchema,
    responseExample: milestonesExample,
    responseHeaders: { "Access-Control-Allow-Origin": "*" },
    auth: "public",
    params: programParams,
    handler: async ({ services, params, reply }) => {
      allowAnyOrigin(reply);
      const program = await findProgramById(services.db, params.programId);
      if (!program) throw notFound(`program ${params.programId}`);
      const goals = (await listGoals(services.db, program.id)).filter((g) =>
        isShownInWidget(g.goal),
      );
      return {
        programId: program.id,
        name: program.name,
        currency: program.currency,
        branding: brandingOf(program),
        milestones: goals.map((g) => ({
          goalId: g.id,
          name: g.goal.name,
          ...(g.goal.description === undefined ? {} : { description: g.goal.description }),
          metric: g.goal.metric,
          window: g.goal.window,
          steps: g.goal.steps.map((s, i) => ({ step: i + 1, ...s })),
        })),
      };
    },
  }),
  preflight("/v1/widget/{programId}/me", "preflightWidgetCustomer"),
  preflight("/v1/widget/{programId}/milestones", "preflightWidgetMilestones"),
];
