import { participantData } from "../domain/outbox-of-facts.ts";
import type { Screening } from "../engine/applications.ts";
import type { ParticipantRecord } from "../store/participants.ts";
import type { ProgramRecord } from "../store/programs.ts";

/** How resources look on the wire: one place per resource, used by every route. */
export function presentProgram(p: ProgramRecord) {
  return {
    ...p.config,
    id: p.id,
    name: p.name,
    currency: p.currency,
    timezone: p.timezone,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** A participant as the API presents one: the same shape its webhooks carry. */
export function presentParticipant(p: ParticipantRecord, publicUrl: string) {
  return {
    ...participantData({ ...p, createdAtMs: p.createdAt.getTime() }, publicUrl),
    termsVersion: p.termsVersion,
    termsAcceptedAt: p.termsAcceptedAt?.toISOString() ?? null,
  };
}

/** An application as the console screens it; null for a participant who never applied. */
export function presentApplication(s: Screening | undefined) {
  if (s === undefined) return null;
  const a = s.application;
  return {
    website: a.website,
    socials: [...a.socials],
    message: a.message,
    sponsor: s.sponsor,
    ipCountry: a.ipCountry,
    appliedAt: a.appliedAt.toISOString(),
    decision: a.decision,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    reason: a.reason,
    matches: s.matches.map((m) => ({ ...m, on: [...m.on] })),
  };
}
