import type { Lookup } from "./overlay.ts";
import type { CommissionLine } from "./commissions.ts";
import { allocateProportionally } from "./money.ts";

/**
 * Budget caps on commissions, applied after maxTotalPercent, in this order:
 * per order (all lines of the order together), per participant per calendar
 * month, per program per calendar month. A cap that bites scales the lines it
 * covers in proportion (exactly, see allocateProportionally) and is recorded
 * as a cut naming the cap. Months are calendar months in the program's time
 * zone, by when the order happened; what counts against a monthly cap is the
 * commission booked for the month's orders (refunds do not give room back).
 */
export interface Caps {
  readonly perOrderMinor: number | null;
  readonly perParticipantMonthlyMinor: number | null;
  readonly programMonthlyMinor: number | null;
}

export interface Cut {
  readonly rule: "max_total_percent" | "per_order" | "per_participant_monthly" | "program_monthly";
  readonly participantId?: string;
  readonly beforeMinor: number;
  readonly afterMinor: number;
}

/** What the month's earlier orders already booked. */
export interface MonthUsage {
  readonly byParticipant: Lookup<string, number>;
  readonly programMinor: number;
}

export function applyCaps(
  lines: readonly CommissionLine[],
  caps: Caps,
  usage: MonthUsage,
): { lines: CommissionLine[]; cuts: Cut[] } {
  let current = [...lines];
  const cuts: Cut[] = [];
  const total = (ls: readonly CommissionLine[]) => ls.reduce((a, l) => a + l.amountMinor, 0);

  if (caps.perOrderMinor !== null && total(current) > caps.perOrderMinor) {
    cuts.push({ rule: "per_order", beforeMinor: total(current), afterMinor: caps.perOrderMinor });
    current = scale(current, caps.perOrderMinor);
  }

  if (caps.perParticipantMonthlyMinor !== null) {
    const cap = caps.perParticipantMonthlyMinor;
    for (const participantId of new Set(current.map((l) => l.participantId))) {
      const theirs = current.filter((l) => l.participantId === participantId);
      const room = Math.max(0, cap - (usage.byParticipant.get(participantId) ?? 0));
      if (total(theirs) <= room) continue;
      cuts.push({
        rule: "per_participant_monthly",
        participantId,
        beforeMinor: total(theirs),
        afterMinor: room,
      });
      const scaled = scale(theirs, room);
      current = [...current.filter((l) => l.participantId !== participantId), ...scaled];
    }
    current.sort((a, b) => a.level - b.level || (a.itemIndex ?? -1) - (b.itemIndex ?? -1));
  }

  if (caps.programMonthlyMinor !== null) {
    const room = Math.max(0, caps.programMonthlyMinor - usage.programMinor);
    if (total(current) > room) {
      cuts.push({ rule: "program_monthly", beforeMinor: total(current), afterMinor: room });
      current = scale(current, room);
    }
  }
  return { lines: current.filter((l) => l.amountMinor > 0), cuts };
}

function scale(lines: readonly CommissionLine[], toMinor: number): CommissionLine[] {
  const shares = allocateProportionally(
    toMinor,
    lines.map((l) => l.amountMinor),
  );
  return lines.map((l, i) => ({ ...l, amountMinor: shares[i] ?? 0 }));
}
