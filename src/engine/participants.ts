import { randomBytes } from "node:crypto";
import { normalizeCode } from "../domain/events.ts";
import { checkSponsor, suggestReferralCode } from "../domain/sponsorship.ts";
import type { ParticipantStatus } from "../domain/commissions.ts";
import {
  participantCreated,
  participantUpdated,
  type ParticipantFields,
} from "../domain/outbox-of-facts.ts";
import type { Queryable } from "../store/db.ts";
import { tell } from "../store/outbox.ts";
import { availableOf, bookAdjustment } from "../store/ledger.ts";
import { MAX_AMOUNT_MINOR } from "../domain/events.ts";
import { lockParticipants, lockProgram } from "../store/locks.ts";
import {
  codeTaken,
  findParticipantByRef,
  insertParticipant,
  listParticipants,
  moveParticipant,
  updateParticipant,
  type ParticipantRecord,
} from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";
import { hashIp } from "./ip-hash.ts";
import type { Services } from "./services.ts";

/** Why a participant cannot be added or changed: an expected outcome, not an exception. */
export interface ParticipantRefusal {
  readonly ok: false;
  readonly code:
    "unknown_level" | "unknown_sponsor" | "sponsor_cycle" | "conflict" | "validation_failed";
  readonly message: string;
  readonly details: readonly { path: string; message: string }[];
}

export interface ParticipantInput {
  externalId: string;
  email?: string | undefined;
  name?: string | undefined;
  level?: string | undefined;
  sponsor?: string | undefined;
  referralCode?: string | undefined;
  status?: ParticipantStatus | undefined;
  ips?: string[] | undefined;
}

export interface ParticipantChange {
  email?: string | null | undefined;
  name?: string | null | undefined;
  level?: string | null | undefined;
  status?: ParticipantStatus | undefined;
  sponsor?: string | null | undefined;
  ips?: string[] | undefined;
}

// Thrown inside a transaction so that it rolls back, and turned into a value
// before it leaves this module.
class Refused extends Error {
  constructor(readonly refusal: ParticipantRefusal) {
    super(refusal.message);
  }
}

const refuse = (code: ParticipantRefusal["code"], message: string, path: string, why: string) =>
  new Refused({ ok: false, code, message, details: [{ path, message: why }] });

async function refusalAsValue<T>(work: () => Promise<T>): Promise<T | ParticipantRefusal> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Refused) return error.refusal;
    throw error;
  }
}

/**
 * Adds a participant under their sponsor (by external id or referral code).
 * Adding the same participant twice is harmless (`created: false`); the same
 * external id for someone else is a conflict.
 */
export async function enrollParticipant(
  services: Services,
  program: ProgramRecord,
  input: ParticipantInput,
  /**
   * Writes what belongs with a new participant (an application, its terms
   * acceptance) in the same transaction; throwing undoes the participant too.
   */
  alsoWrite?: (tx: Queryable, participant: ParticipantRecord) => Promise<void>,
): Promise<{ ok: true; participant: ParticipantRecord; created: boolean } | ParticipantRefusal> {
  return refusalAsValue(async () => {
    checkLevel(program, input.level);
    if (input.sponsor !== undefined && input.sponsor === input.externalId)
      throw refuse(
        "sponsor_cycle",
        `participant ${input.externalId} cannot sponsor themself`,
        "sponsor",
        "self_sponsor",
      );
    return services.db.transaction(async (tx) => {
      if (input.sponsor !== undefined) await lockProgram(tx, program.id, "sponsorTree");
      const sponsor =
        input.sponsor === undefined ? null : await resolveSponsor(tx, program.id, input.sponsor);
      const existing = (
        await listParticipants(tx, program.id, {
          externalId: input.externalId,
          after: null,
          limit: 1,
        })
      )[0];
      if (existing) {
        if (sameParticipant(existing, input, sponsor?.id ?? null))
          return { ok: true as const, participant: existing, created: false };
        throw refuse(
          "conflict",
          `participant ${input.externalId} already exists with other details; PATCH it to change them`,
          "externalId",
          "already exists",
        );
      }
      const participant = await insertParticipant(tx, {
        id: services.ids.next("par"),
        programId: program.id,
        externalId: input.externalId,
        email: input.email ?? null,
        name: input.name ?? null,
        level: input.level ?? null,
        status: input.status ?? "active",
        sponsorId: sponsor?.id ?? null,
        ancestors: sponsor ? [sponsor.id, ...sponsor.ancestors] : [],
        ipHashes: (input.ips ?? []).map(hashIp),
        referralCode: await pickReferralCode(
          tx,
          input.referralCode,
          input.name ?? input.externalId,
        ),
      });
      await tell(
        tx,
        program.id,
        [participantCreated(fieldsOf(participant), services.publicUrl)],
        services.ids,
        services.now(),
      );
      if (alsoWrite) await alsoWrite(tx, participant);
      return { ok: true as const, participant, created: true };
    });
  });
}

/** Changes a participant's level, status, contact, known IPs or sponsor (never into a cycle). */
export async function changeParticipant(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  change: ParticipantChange,
  /** Writes what belongs with the change (an application's decision) in its transaction. */
  alsoWrite?: (tx: Queryable, after: ParticipantRecord | null) => Promise<void>,
): Promise<{ ok: true; participant: ParticipantRecord | null } | ParticipantRefusal> {
  return refusalAsValue(async () => {
    checkLevel(program, change.level);
    const updated = await services.db.transaction(async (tx) => {
      if (change.sponsor !== undefined) {
        await lockProgram(tx, program.id, "sponsorTree");
        const sponsor =
          change.sponsor === null ? null : await resolveSponsor(tx, program.id, change.sponsor);
        const check = sponsor
          ? checkSponsor(participant, sponsor)
          : { ok: true as const, ancestors: [] };
        if (!check.ok) throw refuse("sponsor_cycle", check.message, "sponsor", check.reason);
        await moveParticipant(tx, program.id, participant.id, sponsor?.id ?? null, check.ancestors);
      }
      const after = await updateParticipant(tx, {
        programId: program.id,
        id: participant.id,
        level: change.level === undefined ? participant.level : change.level,
        status: change.status ?? participant.status,
        email: change.email === undefined ? participant.email : change.email,
        name: change.name === undefined ? participant.name : change.name,
        ipHashes: change.ips === undefined ? participant.ipHashes : change.ips.map(hashIp),
      });
      const told = after
        ? participantUpdated(fieldsOf(participant), fieldsOf(after), services.publicUrl)
        : null;
      if (told) await tell(tx, program.id, [told], services.ids, services.now());
      if (alsoWrite) await alsoWrite(tx, after);
      return after;
    });
    return { ok: true as const, participant: updated };
  });
}

function fieldsOf(p: ParticipantRecord): ParticipantFields {
  return { ...p, createdAtMs: p.createdAt.getTime() };
}

function checkLevel(program: ProgramRecord, level: string | null | undefined): void {
  if (level === null || level === undefined) return;
  const levels = (program.config.levels ?? []).map((l) => l.key);
  if (!levels.includes(level))
    throw refuse(
      "unknown_level",
      `level "${level}" is not one of the program's levels (${levels.join(", ") || "it defines none"})`,
      "level",
      "unknown level",
    );
}

async function resolveSponsor(
  db: Queryable,
  programId: string,
  ref: string,
): Promise<ParticipantRecord> {
  const sponsor = await findParticipantByRef(db, programId, ref, normalizeCode(ref));
  if (!sponsor)
    throw refuse(
      "unknown_sponsor",
      `no participant in this program has the external id or referral code "${ref}"; create the sponsor first`,
      "sponsor",
      "unknown sponsor",
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
      throw refuse(
        "conflict",
        `the referral code ${code} is taken; choose another`,
        "referralCode",
        "taken",
      );
    return code;
  }
  for (;;) {
    const code = suggestReferralCode(seed, randomBytes(3).toString("hex").toUpperCase());
    if (!(await codeTaken(db, code))) return code;
  }
}

function sameParticipant(
  existing: ParticipantRecord,
  input: ParticipantInput,
  sponsorId: string | null,
): boolean {
  return (
    (input.email ?? null) === existing.email &&
    (input.name ?? null) === existing.name &&
    (input.level ?? null) === existing.level &&
    sponsorId === existing.sponsorId &&
    (input.referralCode === undefined ||
      normalizeCode(input.referralCode) === existing.referralCode)
  );
}

export interface AdjustmentInput {
  asset: "cash" | "points";
  /** Signed, in minor units for cash. */
  amount: number;
  reason: string;
  by: string;
}

/**
 * A manual correction of a participant's available balance, booked as its
 * own transfer. Taking away more than is available is refused: the
 * payout lock and the participant's lock are held while the balance is read
 * and the transfer written, so neither a payout nor a refund can spend the
 * same money in between.
 */
export async function adjustBalance(
  services: Services,
  program: ProgramRecord,
  participant: ParticipantRecord,
  input: AdjustmentInput,
): Promise<{ ok: true; transferId: string } | ParticipantRefusal> {
  return refusalAsValue(() =>
    services.db.transaction(async (tx) => {
      await lockProgram(tx, program.id, "payouts");
      await lockParticipants(tx, program.id, [participant.id]);
      const available = await availableOf(tx, program.id, participant.id, input.asset);
      const unit = input.asset === "cash" ? `minor units of ${program.currency}` : "points";
      if (available + input.amount < 0)
        throw refuse(
          "validation_failed",
          `the adjustment takes ${-input.amount} but only ${available} is available (${unit}); take at most that`,
          "amount",
          "more than the available balance",
        );
      // A balance past this could no longer be summed and answered exactly.
      if (available + input.amount > MAX_AMOUNT_MINOR)
        throw refuse(
          "validation_failed",
          `the adjustment would make the available balance more than ${MAX_AMOUNT_MINOR} ${unit}, the most a balance can be counted exactly; add at most ${MAX_AMOUNT_MINOR - available}`,
          "amount",
          "more than a balance can hold",
        );
      const transferId = services.ids.next("trf");
      await bookAdjustment(
        tx,
        {
          programId: program.id,
          participantId: participant.id,
          asset: input.asset,
          amountMinor: input.amount,
          reason: input.reason,
          madeBy: input.by,
        },
        {
          transferId,
          participantEntryId: services.ids.next("led"),
          programEntryId: services.ids.next("led"),
        },
        services.now(),
      );
      return { ok: true as const, transferId };
    }),
  );
}
