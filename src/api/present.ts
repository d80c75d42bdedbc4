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

export function presentParticipant(p: ParticipantRecord, publicUrl: string) {
  return {
    id: p.id,
    programId: p.programId,
    externalId: p.externalId,
    email: p.email,
    name: p.name,
    level: p.level,
    status: p.status,
    sponsorId: p.sponsorId,
    referralCode: p.referralCode,
    referralLink: `${publicUrl}/r/${encodeURIComponent(p.referralCode)}`,
    createdAt: p.createdAt.toISOString(),
  };
}
