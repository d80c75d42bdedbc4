import { randomBytes } from "node:crypto";
import { z } from "zod";
import { normalizeCode } from "../../domain/events.ts";
import { checkSponsor, suggestReferralCode } from "../../domain/sponsorship.ts";
import type { Services } from "../../engine/services.ts";
import type { Queryable } from "../../store/db.ts";
import { insertKey } from "../../store/brands.ts";
import { balancesOf, listLedger, type LedgerEntryRow } from "../../store/ledger.ts";
import {
  codeTaken,
  findParticipant,
  findParticipantByRef,
  insertParticipant,
  listDownline,
  listParticipants,
  moveParticipant,
  updateParticipant,
  type ParticipantRecord,
} from "../../store/participants.ts";
import type { ProgramRecord } from "../../store/programs.ts";
import { newSecret } from "../auth.ts";
import { lockProgram } from "../../store/locks.ts";
import { hashIp } from "../../engine/ip-hash.ts";
import { ApiError, notFound, retryOnUniqueViolation } from "../errors.ts";
import { presentParticipant } from "../present.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { loadProgram } from "./programs.ts";

const participantParams = z.object({ programId: z.string(), participantId: z.string() });
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

function checkLevel(program: ProgramRecord, level: string | null | undefined): void {
  if (level === null || level === undefined) return;
  const levels = (program.config.levels ?? []).map((l) => l.key);
  if (!levels.includes(level))
    throw new ApiError(
      "unknown_level",
      `level "${level}" is not one of the program's levels (${levels.join(", ") || "it defines none"})`,
      [{ path: "level", message: "unknown level" }],
    );
}

async function resolveSponsor(
  db: Queryable,
  programId: string,
  ref: string,
): Promise<ParticipantRecord> {
  const sponsor = await findParticipantByRef(db, programId, ref, normalizeCode(ref));
  if (!sponsor)
    throw new ApiError(
      "unknown_sponsor",
      `no participant in this program has the external id or referral code "${ref}"; create the sponsor first`,
      [{ path: "sponsor", message: "unknown sponsor" }],
    );
  return sponsor;
}

async function pickReferralCode(
  db: Queryable,
  requested: string | undefined,
  seed: string,
): Promise<string> {
  if (requested !== undefined) {
    const code = normalizeCode(requested);
    if (await codeTaken(db, code))
      throw new ApiError("conflict", `the referral code ${code} is taken; choose another`, [
        { path: "referralCode", message: "taken" },
      ]);
    return code;
  }
  for (;;) {
    const code = suggestReferralCode(seed, randomBytes(3).toString("hex").toUpperCase());
    if (!(await codeTaken(db, code))) return code;
  }
}

function sameParticipant(
  existing: ParticipantRecord,
  input: z.infer<typeof participantInput>,
  sponsorId: string | null,
) {
  return (
    (input.email ?? null) === existing.email &&
    (input.name ?? null) === existing.name &&
    (input.level ?? null) === existing.level &&
    sponsorId === existing.sponsorId &&
    (input.referralCode === undefined ||
      normalizeCode(input.referralCode) === existing.referralCode)
  );
}

export const participantRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants",
    summary: "Add a participant",
    tag: "Participants",
    auth: "admin",
    params: z.object({ programId: z.string() }),
    body: participantInput,
    status: 201,
    handler: async ({ services, caller, params, body, reply }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      checkLevel(program, body.level);
      if (body.sponsor !== undefined && body.sponsor === body.externalId)
        throw new ApiError(
          "sponsor_cycle",
          `participant ${body.externalId} cannot sponsor themself`,
          [{ path: "sponsor", message: "self_sponsor" }],
        );
      // Two concurrent creates of the same participant (or code) collide on a
      // unique index; tried again, the loser finds the winner's row and answers
      // as for any existing participant: 200 if the same, 409 if not.
      return retryOnUniqueViolation(() =>
        services.db.transaction(async (tx) => {
          if (body.sponsor !== undefined) await lockProgram(tx, program.id, "sponsorTree");
          const sponsor =
            body.sponsor === undefined ? null : await resolveSponsor(tx, program.id, body.sponsor);
          const existing = (
            await listParticipants(tx, program.id, {
              externalId: body.externalId,
              after: null,
              limit: 1,
            })
          )[0];
          if (existing) {
            // Creating the same participant twice is harmless; the same external id
            // for someone else is a conflict.
            if (sameParticipant(existing, body, sponsor?.id ?? null)) {
              reply.code(200);
              return presentParticipant(existing, services.publicUrl);
            }
            throw new ApiError(
              "conflict",
              `participant ${body.externalId} already exists with other details; PATCH it to change them`,
              [{ path: "externalId", message: "already exists" }],
            );
          }
          const id = services.ids.next("par");
          const created = await insertParticipant(tx, {
            id,
            programId: program.id,
            externalId: body.externalId,
            email: body.email ?? null,
            name: body.name ?? null,
            level: body.level ?? null,
            status: body.status ?? "active",
            sponsorId: sponsor?.id ?? null,
            ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors] : [],
            ipHashes: (body.ips ?? []).map(hashIp),
            referralCode: await pickReferralCode(
              tx,
              body.referralCode,
              body.name ?? body.externalId,
            ),
          });
          return presentParticipant(created, services.publicUrl);
        }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants",
    summary: "List participants, or find one by externalId",
    tag: "Participants",
    auth: "admin",
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
    summary: "Read a participant",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    handler: async ({ services, caller, params }) => {
      const { participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
      return presentParticipant(participant, services.publicUrl);
    },
  }),
  route({
    method: "PATCH",
    url: "/v1/programs/{programId}/participants/{participantId}",
    summary: "Change a participant's level, status, contact or sponsor",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    body: participantPatch,
    handler: async ({ services, caller, params, body }) => {
      const { program, participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
      checkLevel(program, body.level);
      const updated = await services.db.transaction(async (tx) => {
        if (body.sponsor !== undefined) {
          await lockProgram(tx, program.id, "sponsorTree");
          const sponsor =
            body.sponsor === null ? null : await resolveSponsor(tx, program.id, body.sponsor);
          const check = sponsor
            ? checkSponsor(participant, sponsor)
            : { ok: true as const, ancestors: [] };
          if (!check.ok)
            throw new ApiError("sponsor_cycle", check.message, [
              { path: "sponsor", message: check.reason },
            ]);
          await moveParticipant(
            tx,
            program.id,
            participant.id,
            sponsor?.id ?? null,
            check.ancestors,
          );
        }
        return updateParticipant(tx, {
          programId: program.id,
          id: participant.id,
          level: body.level === undefined ? participant.level : body.level,
          status: body.status ?? participant.status,
          email: body.email === undefined ? participant.email : body.email,
          name: body.name === undefined ? participant.name : body.name,
          ipHashes: body.ips === undefined ? participant.ipHashes : body.ips.map(hashIp),
        });
      });
      if (!updated) throw notFound(`participant ${params.participantId}`);
      return presentParticipant(updated, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/downline",
    summary: "Everyone below a participant, up to `depth` levels",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    query: pageQuery.extend({ depth: z.coerce.number().int().min(1).max(20).optional() }),
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
      const page = pageOf(query);
      const rows = await listDownline(services.db, program.id, participant.id, {
        depth: query.depth ?? 3,
        after: page.after,
        limit: page.limit + 1,
      });
      return collection(
        rows,
        page.limit,
        (p) => p.id,
        (p) => ({ ...presentParticipant(p, services.publicUrl), depth: p.depth }),
      );
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/balances",
    summary: "A participant's balances, summed from the ledger",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
      return balancesOf(services.db, program.id, participant.id, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/participants/{participantId}/ledger",
    summary: "A participant's ledger entries, oldest first",
    tag: "Ledger",
    auth: "admin",
    params: participantParams,
    query: pageQuery,
    handler: async ({ services, caller, params, query }) => {
      const { program, participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
      return ledgerPage(services, program.id, participant.id, query);
    },
  }),
  route({
    method: "POST",
    url: "/v1/programs/{programId}/participants/{participantId}/tokens",
    summary: "Issue a participant token, which reads only /v1/me",
    tag: "Participants",
    auth: "admin",
    params: participantParams,
    status: 201,
    handler: async ({ services, caller, params }) => {
      const { program, participant } = await loadParticipant(
        services,
        caller.brandId,
        params.programId,
        params.participantId,
      );
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
    },
  };
}
