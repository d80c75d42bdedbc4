/**
 * Sponsor links form a forest: nobody may sponsor themself or anyone above
 * them. Each participant stores its ancestors (nearest first), so the check
 * and every upline read are one lookup.
 */
export type SponsorCheck =
  | { ok: true; ancestors: string[] }
  | { ok: false; reason: "self_sponsor" | "cycle"; message: string };

export function checkSponsor(
  participant: { id: string; externalId: string },
  sponsor: { id: string; externalId: string; ancestors: readonly string[] },
): SponsorCheck {
  if (sponsor.id === participant.id)
    return {
      ok: false,
      reason: "self_sponsor",
      message: `participant ${participant.externalId} cannot sponsor themself`,
    };
  if (sponsor.ancestors.includes(participant.id))
    return {
      ok: false,
      reason: "cycle",
      message: `${sponsor.externalId} is in ${participant.externalId}'s downline, so sponsoring ${participant.externalId} by them would make a cycle`,
    };
  return { ok: true, ancestors: [sponsor.id, ...sponsor.ancestors] };
}

/** A readable code from a name, plus a random suffix so codes stay unguessable and unique. */
export function suggestReferralCode(seed: string, suffix: string): string {
  const stem = seed
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]/g, "")
    .toUpperCase()
    .slice(0, 6);
  return `${stem}${suffix}`;
}
