/**
 * Who a payout pays: every active participant whose available cash is at or
 * over the program's minimum (and above zero). An available balance can be
 * negative after a refund of a line already paid; it is left out and nets
 * against what the participant earns next.
 */
export interface AvailableBalance {
  readonly participantId: string;
  readonly externalId: string;
  readonly email: string | null;
  readonly status: "applied" | "active" | "suspended";
  readonly availableMinor: number;
}

export interface PayoutLine {
  readonly lineNo: number;
  readonly participantId: string;
  readonly externalId: string;
  readonly email: string | null;
  readonly amountMinor: number;
  readonly reference: string;
}

export function planPayout(
  payoutId: string,
  balances: readonly AvailableBalance[],
  minimumMinor: number,
): PayoutLine[] {
  return balances
    .filter(
      (b) => b.status === "active" && b.availableMinor > 0 && b.availableMinor >= minimumMinor,
    )
    .sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0))
    .map((b, i) => ({
      lineNo: i + 1,
      participantId: b.participantId,
      externalId: b.externalId,
      email: b.email,
      amountMinor: b.availableMinor,
      reference: `${payoutId}-${i + 1}`,
    }));
}

/** Minor units as a decimal amount in major units: 500 USD cents is "5.00", 500 JPY is "500". */
export function formatMajor(amountMinor: number, fractionDigits: number): string {
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(fractionDigits + 1, "0");
  const whole = fractionDigits === 0 ? digits : digits.slice(0, -fractionDigits);
  const fraction = fractionDigits === 0 ? "" : `.${digits.slice(-fractionDigits)}`;
  return `${negative ? "-" : ""}${whole}${fraction}`;
}
