import { z } from "zod";
import type { Services } from "../../engine/services.ts";
import { insertKey } from "../../store/brands.ts";
import { balancesOf, listLedger, type LedgerEntryRow } from "../../store/ledger.ts";
import {
  changeParticipant,
  enrollParticipant,
  type ParticipantRefusal,
} from "../../engine/participants.ts";
import {
  countRecruits,
  findParticipant,
  listDownline,
  listParticipants,
} from "../../store/participants.ts";
import { newSecret } from "../auth.ts";
import { ApiError, notFound, retryOnUniqueViolation } from "../errors.ts";
import type { Caller } from "../auth.ts";
import {
  balancesExample,
  downlineExample,
  ledgerExample,
  participantExample,
  participantInputExample,
  participantPatchExample,
  participantTokenExample,
} from "../examples.ts";
import { presentParticipant } from "../present.ts";
import {
  balancesSchema,
  downlinePage,
  ledgerCollection,
  participantCollection,
  participantSchema,
  participantTokenSchema,
} from "../schemas.ts";
import { collection, DEFAULT_LIMIT, MAX_LIMIT, pageOf, pageQuery, route } from "../route.ts";
import { loadProgram } from "./programs.ts";

export const participantParams = z.object({ programId: z.string(), participantId: z.string() });
const status = z.enum(["applied", "active", "suspended"]);
const codeSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{3,40}$/, "must be 3 to 40 letters, digits, '-' or '_'");

const participantInput = z.strictObject({
  externalId: z.string().min(1).max(200),
  email: z.email().optional(),
  name: z.string().min(1).max(200).optional(),
  level: z.string().min(1).optional(),
  sponsor: z.string().min(1).optional(),
  referralCode: codeSchema.optional(),
  status: status.optional(),
  /** IP addresses the participant uses; kept only as hashes, to spot self-referral. */
  ips: z.array(z.string().min(1).max(100)).max(50).optional(),
});

const participantPatch = z.strictObject({
  email: z.email().nullable().optional(),
  name: z.string().min(1).max(200).nullable().optional(),
  level: z.string().min(1).nullable().optional(),
  status: status.optional(),
  sponsor: z.string().min(1).nullable().optional(),
  ips: z.array(z.string().min(1).max(100)).max(50).optional(),
});

const downlineQuery = z.object({
  depth: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe("How many levels down to list, 3 when absent; 1 lists direct recruits"),
  limit: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(`Participants per page, ${DEFAULT_LIMIT} when absent and at most ${MAX_LIMIT}`),
  cursor: z
    .string()
    .optional()
    .describe("The `next` of the previous page; the first page when absent"),
});

export async function loadParticipant(
  services: Services,
  brandId: string,
  programId: string,
  participantId: string,
) {
  const program = await loadProgram(services, brandId, programId);
  const participant = await findParticipant(services.db, program.id, participantId);
  if (!participant) throw notFound(`participant ${participantId}`);
  return { program, participant };
}

/** The program and participant an admin route's path names, in the caller's brand. */
export function loadNamedParticipant(
  services: Services,
  caller: { brandId: string },
  params: { programId: string; participantId: string },
) {
  return loadParticipant(services, caller.brandId, params.programId, params.participantId);
}

/** The token holder's program and membership, for the /v1/me routes. */
export function loadTokenHolder(
  services: Services,
  caller: Extract<Caller, { kind: "participant" }>,
) {
  return loadParticipant(services, caller.brandId, caller.programId, caller.participantId);
}

export function refused(refusal: ParticipantRefusal): ApiError {
  return new ApiError(refusal.code, refusal.message, refusal.details);
}

export const participantRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants",
    operationId: "createParticipant",
    summary: "Add a participant",
    description:
      "Adds a participant under their sponsor (another participant's externalId or referral " +
      "code). Adding the same externalId again with the same fields answers 200 with the " +
      "participant; with other fields, a 409. An unknown sponsor or level, or a sponsor cycle, is a 422.",
    tag: "Participants",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: participantInput,
    bodyExample: participantInputExample,
    status: 201,
    otherStatuses: [{ status: 200, description: "The participant existed already, the same" }],
    response: participantSchema,
    responseExample: participantExample,
    errors: [409],
    handler: async ({ services, caller, params, body, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      // Two concurrent creates of the same participant (or code) collide on a
      // unique index; tried again, the loser finds the winner's row and answers
      // as for any existing participant: 200 if the same, 409 if not.
      const result = await retryOnUniqueViolation(() => enrollParticipant(services, program, body));
      if (!result.ok) throw refused(result);
      if (!result.created) reply.code(200);
      return presentParticipant(result.participant, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants",
    operationId: "listParticipants",
    summary: "List participants, or find one by externalId",
    description:
      "The program's participants in id order, a page at a time; with `externalId`, the one " +
      "participant that has it (or none).",
    tag: "Participants",
    auth: "admin",
    response: participantCollection,
    responseExample: { items: [participantExample], next: null },
    params: z.object({ programId: z.string() }),
    query: pageQuery.extend({ externalId: z.string().optional() }),
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const page = pageOf(query);
      const rows = await listParticipants(services.db, program.id, {
        externalId: query.externalId,
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => presentParticipant(p, services.publicUrl),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}",
    operationId: "getParticipant",
    summary: "Read a participant",
    description: "One participant of the program, by Laurel's id.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    response: participantSchema,
    responseExample: participantExample,
    handler: async ({ services, caller, params }) => {
      const { participant } = await loadNamedParticipant(services, caller, params);
      return presentParticipant(participant, services.publicUrl);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}/participants/{participantId}",
    operationId: "updateParticipant",
    summary: "Change a participant's level, status, contact or sponsor",
    description:
      "Changes the fields given; null clears email, name, level or sponsor. A new sponsor moves " +
      "the participant's whole downline with them, and may not be one of their own recruits (422).",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    body: participantPatch,
    bodyExample: participantPatchExample,
    response: participantSchema,
    responseExample: { ...participantExample, level: "gold" },
    handler: async ({ services, caller, params, body }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const result = await changeParticipant(services, program, participant, body);
      if (!result.ok) throw refused(result);
      const updated = result.participant;
      if (!updated) throw notFound(`participant ${params.participantId}`);
      return presentParticipant(updated, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/downline",
    operationId: "listDownline",
    summary: "Everyone below a participant, up to `depth` levels, a page at a time",
    description:
      "The participants below one participant, down to `depth` levels (3 when absent), in id " +
      "order, each with its depth; with depth=1 also `total`, how many direct recruits there are.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    query: downlineQuery,
    response: downlinePage,
    responseExample: downlineExample,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const page = pageOf(query);
      const depth = query.depth ?? 3;
      const rows = await listDownline(services.db, program.id, participant.id, {
        depth,
        after: page.after,
        limit: page.limit + 1,
      });
      const listed = collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => ({ ...presentParticipant(p, services.publicUrl), depth: p.depth }),
      );
      // A sponsor can have thousands of direct recruits; the count lets a
      // client say how many are left without fetching them.
      if (depth !== 1) return listed;
      return { ...listed, total: await countRecruits(services.db, program.id, participant.id) };
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/balances",
    operationId: "getBalances",
    summary: "A participant's balances, summed from the ledger",
    description:
      "Points pending and available; cash pending (in its hold period), available (paid by the " +
      "next payout) and paid, in the program's currency.",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    response: balancesSchema,
    responseExample: balancesExample,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      return balancesOf(services.db, program.id, participant.id, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/ledger",
    operationId: "listLedgerEntries",
    summary: "A participant's ledger entries, oldest first",
    description:
      "Every entry on the participant's accounts, each naming its cause: the event, the goal " +
      "step, the commission level or the payout.",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    query: pageQuery,
    response: ledgerCollection,
    responseExample: ledgerExample,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      return ledgerPage(services, program.id, participant.id, query);
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/tokens",
    operationId: "createParticipantToken",
    summary: "Issue a participant token, which reads only /v1/me",
    description:
      "A new token for the participant, shown once: with it the participant (or a portal link) " +
      "reads only their own data under /v1/me.",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    status: 201,
    response: participantTokenSchema,
    responseExample: participantTokenExample,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadNamedParticipant(services, caller, params);
      const { secret, hash } = newSecret("lrl_part");
      await insertKey(services.db, {
        id: services.ids.next("tok"),
        hash,
        brandId: caller.brandId,
        kind: "participant",
        programId: program.id,
        participantId: participant.id,
      });
      return { token: secret, participantId: participant.id };
    },
  }),
];

export async function ledgerPage(
  services: Services,
  programId: string,
  participantId: string,
  query: { cursor?: string | undefined; limit?: number | undefined },
) {
  const page = pageOf(query);
  const rows = await listLedger(services.db, programId, participantId, {
    after: page.after,
    limit: page.limit + 1,
  });
  return collection(rows, page.limit, (e) => e.id, presentLedgerEntry);
}

export function presentLedgerEntry(e: LedgerEntryRow) {
  return {
    id: e.id,
    asset: e.asset,
    amount: e.amount,
    status: e.status,
    createdAt: e.createdAt.toISOString(),
    transferId: e.transferId,
    cause: {
      type: e.causeType,
      eventId: e.eventId,
      orderId: e.orderId,
      goalId: e.goalId,
      level: e.level,
      // A payout's entries name the payout (their key is payout:<id>:<participant>).
      ...(e.causeType === "payout" ? { payoutId: e.causeKey.split(":")[1] ?? null } : {}),
      ...(e.causeType === "reward"
        ? { goalVersion: e.goalVersion, step: e.step, window: rewardWindow(e.causeKey) }
        : {}),
    },
    ...(e.asset === "product" ? { product: { sku: e.sku, voucherCode: e.voucherCode } } : {}),
  };
}

/** A reward's key is reward:<goal>:<participant>:<window>:<step>; the window may hold colons. */
function rewardWindow(causeKey: string): string | null {
  const parts = causeKey.split(":");
  return parts.length >= 5 ? parts.slice(3, -1).join(":") : null;
}
