import type { ParticipantRecord } from "../store/participants.ts";
import {
  countAcceptances,
  currentTerms,
  publishTerms,
  recordAcceptance,
  type TermsAcceptance,
  type TermsVersion,
} from "../store/terms.ts";
import type { Services } from "./services.ts";

/** The longest terms a program may publish, in characters: a long contract fits, a file dump does not. */
export const MAX_TERMS_LENGTH = 100_000;

/** A version as a brand reads it: with how many participants accepted it. */
export type TermsWithAcceptances = TermsVersion & { acceptedBy: number };

/**
 * Publishes `body` as the program's next version of its terms; the same body
 * as the current version publishes nothing and answers that version.
 */
export async function publishProgramTerms(
  services: Services,
  programId: string,
  body: string,
): Promise<{ terms: TermsWithAcceptances; created: boolean }> {
  const { terms, created } = await services.db.transaction((tx) =>
    publishTerms(tx, programId, body),
  );
  const acceptedBy = created ? 0 : await countAcceptances(services.db, programId, terms.version);
  return { terms: { ...terms, acceptedBy }, created };
}

/** The program's current terms with how many accepted them; null while there are none. */
export async function currentTermsWithAcceptances(
  services: Services,
  programId: string,
): Promise<TermsWithAcceptances | null> {
  const terms = await currentTerms(services.db, programId);
  if (terms === null) return null;
  return { ...terms, acceptedBy: await countAcceptances(services.db, programId, terms.version) };
}

/** What the portal needs to know of the terms for one participant. */
export interface MyTerms {
  current: TermsVersion | null;
  acceptedVersion: number | null;
  acceptedAt: Date | null;
  /** A version exists that the participant has not accepted yet. */
  mustAccept: boolean;
}

export function myTermsOf(current: TermsVersion | null, accepted: TermsAcceptance): MyTerms {
  return {
    current,
    acceptedVersion: accepted.termsVersion,
    acceptedAt: accepted.termsAcceptedAt,
    mustAccept:
      current !== null &&
      (accepted.termsVersion === null || accepted.termsVersion < current.version),
  };
}

export async function readMyTerms(
  services: Services,
  participant: ParticipantRecord,
): Promise<MyTerms> {
  return myTermsOf(await currentTerms(services.db, participant.programId), participant);
}

/** Only the current version can be accepted: an older one is not what the program asks now. */
export type AcceptRefusal = { kind: "no_terms" } | { kind: "not_current"; current: number };

/**
 * Records the participant's acceptance of `version`, which must be the
 * program's current one. Accepting it again keeps the first time.
 */
export async function acceptTerms(
  services: Services,
  participant: ParticipantRecord,
  version: number,
): Promise<{ ok: true; terms: MyTerms } | { ok: false; refusal: AcceptRefusal }> {
  const current = await currentTerms(services.db, participant.programId);
  if (current === null) return { ok: false, refusal: { kind: "no_terms" } };
  if (current.version !== version)
    return { ok: false, refusal: { kind: "not_current", current: current.version } };
  const accepted = await recordAcceptance(
    services.db,
    participant.programId,
    participant.id,
    version,
    services.now(),
  );
  if (accepted === null) throw new Error(`participant ${participant.id} vanished while accepting`);
  return { ok: true, terms: myTermsOf(current, accepted) };
}
