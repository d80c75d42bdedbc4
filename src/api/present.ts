import { participantData } from "../domain/outbox-of-facts.ts";
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
