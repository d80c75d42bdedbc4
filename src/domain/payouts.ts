/**
 * Who a payout pays: every active participant whose available cash is at or
 * over the program's minimum (and above zero). An available balance can be
 * negative after a refund of a line already paid; it is left out and nets
 * against what the participant earns next.
 */
export interface AvailableBalance {
  readonly participantId: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly status: "applied" | "active" | "suspended";
  readonly availableMinor: number;
}

export interface PayoutLine {
  readonly lineNo: number;
  readonly participantId: string;
  readonly externalId: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly amountMinor: number;
  readonly reference: string;
}

/** What a payout made now would pay, and how many balances wait below the minimum. */
export interface DuePayout {
  readonly due: readonly AvailableBalance[];
  readonly totalMinor: number;
  readonly minimumMinor: number;
  /** Active participants with available cash above zero but under the minimum. */
  readonly belowMinimum: number;
}

const byExternalId = (a: AvailableBalance, b: AvailableBalance): number =>
  a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;

/** The one selection both the preview and the payout itself make. */
export function duePayout(balances: readonly AvailableBalance[], minimumMinor: number): DuePayout {
  const payable = balances.filter((b) => b.status === "active" && b.availableMinor > 0);
  const due = payable.filter((b) => b.availableMinor >= minimumMinor).sort(byExternalId);
  return {
    due,
    totalMinor: due.reduce((sum, b) => sum + b.availableMinor, 0),
    minimumMinor,
    belowMinimum: payable.length - due.length,
  };
}

export function planPayout(
  payoutId: string,
  balances: readonly AvailableBalance[],
  minimumMinor: number,
): PayoutLine[] {
  return linesOf(payoutId, duePayout(balances, minimumMinor));
}

export function linesOf(payoutId: string, due: DuePayout): PayoutLine[] {
  return due.due.map((b, i) => ({
    lineNo: i + 1,
    participantId: b.participantId,
    externalId: b.externalId,
    name: b.name,
    email: b.email,
    amountMinor: b.availableMinor,
    reference: `${payoutId}-${i + 1}`,
  }));
}

/**
 * What the admin saw before paying: the total and count, and optionally each
 * line, so a payout pays exactly that or nothing.
 */
export interface ExpectedPayout {
  readonly totalMinor: number;
  readonly count: number;
  readonly lines?: readonly { readonly participantId: string; readonly amountMinor: number }[];
}

/**
 * Why what is due now is not what was expected, in words an admin can act on;
 * null when it is the same.
 */
export function differenceFrom(
  due: DuePayout,
  expected: ExpectedPayout,
  formatAmount: (amountMinor: number) => string,
): string | null {
  const changes: string[] = [];
  if (due.totalMinor !== expected.totalMinor || due.due.length !== expected.count)
    changes.push(
      `${formatAmount(due.totalMinor)} to ${plural(due.due.length)} is due now, not ` +
        `${formatAmount(expected.totalMinor)} to ${plural(expected.count)}`,
    );
  if (expected.lines) {
    const now = new Map(due.due.map((b) => [b.participantId, b]));
    const seen = new Set(expected.lines.map((l) => l.participantId));
    for (const line of expected.lines) {
      const current = now.get(line.participantId);
      if (!current) changes.push(`${line.participantId} is no longer due`);
      else if (current.availableMinor !== line.amountMinor)
        changes.push(
          `${current.externalId} is due ${formatAmount(current.availableMinor)}, not ${formatAmount(line.amountMinor)}`,
        );
    }
    for (const b of due.due)
      if (!seen.has(b.participantId)) changes.push(`${b.externalId} is due as well`);
  }
  return changes.length === 0 ? null : changes.join("; ");
}

const plural = (n: number): string => `${n} participant${n === 1 ? "" : "s"}`;

/** Minor units as a decimal amount in major units: 500 USD cents is "5.00", 500 JPY is "500". */
export function formatMajor(amountMinor: number, fractionDigits: number): string {
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(fractionDigits + 1, "0");
  const whole = fractionDigits === 0 ? digits : digits.slice(0, -fractionDigits);
  const fraction = fractionDigits === 0 ? "" : `.${digits.slice(-fractionDigits)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}
