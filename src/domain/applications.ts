import type { ParticipantStatus } from "./commissions.ts";

/**
 * The rules of applying to a program and deciding an application: plain
 * functions of what they are given, so the screening a console shows is the
 * same whatever reads it.
 */

/** Statuses that mean the brand turned someone away: a match with one of them is a warning. */
const BLOCKED: ReadonlySet<ParticipantStatus> = new Set(["suspended", "rejected"]);

/**
 * The host two addresses of one website share: lowercased, without a leading
 * `www.` and without a trailing dot. `https://www.Ana.example/shop` and
 * `ana.example` are the same site. Null for what is no web address.
 */
export function websiteHostOf(website: string | null | undefined): string | null {
  if (website === null || website === undefined) return null;
  const trimmed = website.trim();
  if (trimmed === "") return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let host: string;
  try {
    host = new URL(withScheme).hostname;
  } catch {
    return null;
  }
  const bare = host
    .toLowerCase()
    .replace(/\.$/, "")
    .replace(/^www\./, "");
  return bare.includes(".") ? bare : null;
}

/** Another participant who shares something with an applicant. */
export interface MatchCandidate {
  readonly participantId: string;
  readonly programId: string;
  readonly programName: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly status: ParticipantStatus;
  readonly websiteHost: string | null;
}

/** What a console shows of a match: who, where, what they share, and whether they were turned away. */
export interface ApplicationMatch {
  readonly participantId: string;
  readonly programId: string;
  readonly programName: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly status: ParticipantStatus;
  readonly sameProgram: boolean;
  readonly on: readonly ("email" | "website")[];
  /** Suspended or rejected: the applicant may be someone the brand already turned away. */
  readonly blocked: boolean;
}

/**
 * The participants an applicant shares an email address (any case) or a
 * website host with, the applicant themself left out: blocked ones first,
 * then those of the same program, then by id.
 */
export function matchesOf(
  applicant: {
    readonly participantId: string;
    readonly programId: string;
    readonly email: string | null;
    readonly websiteHost: string | null;
  },
  candidates: readonly MatchCandidate[],
): ApplicationMatch[] {
  const email = applicant.email?.toLowerCase() ?? null;
  const matches = candidates.flatMap((c): ApplicationMatch[] => {
    if (c.participantId === applicant.participantId && c.programId === applicant.programId)
      return [];
    const on: ("email" | "website")[] = [];
    if (email !== null && c.email?.toLowerCase() === email) on.push("email");
    if (applicant.websiteHost !== null && c.websiteHost === applicant.websiteHost)
      on.push("website");
    if (on.length === 0) return [];
    return [
      {
        participantId: c.participantId,
        programId: c.programId,
        programName: c.programName,
        externalId: c.externalId,
        name: c.name,
        status: c.status,
        sameProgram: c.programId === applicant.programId,
        on,
        blocked: BLOCKED.has(c.status),
      },
    ];
  });
  const rank = (m: ApplicationMatch) => (m.blocked ? 0 : 2) + (m.sameProgram ? 0 : 1);
  return matches.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      a.programId.localeCompare(b.programId) ||
      a.participantId.localeCompare(b.participantId),
  );
}

export type Decision = "approved" | "rejected";

/** Why an application cannot be decided now, or null when it can. */
export function decisionRefusal(
  status: ParticipantStatus,
  application: { readonly decision: Decision | null } | null,
): { code: "not_applied" | "already_decided"; message: string } | null {
  if (application === null)
    return {
      code: "not_applied",
      message:
        "this participant did not apply through the apply page, so there is no application to decide; change their status with PATCH instead",
    };
  if (application.decision !== null || status !== "applied")
    return {
      code: "already_decided",
      message: `this application was already decided (the participant is ${status}); change their status with PATCH instead`,
    };
  return null;
}

/** The status a decision gives the applicant. */
export const statusAfter = (decision: Decision): ParticipantStatus =>
  decision === "approved" ? "active" : "rejected";

/**
 * The country a trusted proxy says the request came from: two letters, as
 * Cloudflare's CF-IPCountry sends them. Its XX (unknown) and T1 (Tor) say
 * nothing about a country, and anything else is not a country code.
 */
export function countryOf(header: string | readonly string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== "string") return null;
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || code === "XX") return null;
  return code;
}
