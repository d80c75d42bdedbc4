/**
 * Which participant an order belongs to. The engine gathers the candidates from
 * the order and the program's state; this decides between them.
 *
 * Priority: the explicit participant (a channel agent's own sale, or a loyalty
 * member's own purchase) > the code on the order > the visitor's referral click
 * within the cookie window > the customer's earlier attribution when the
 * program binds customers.
 */
export type AttributionSource = "participant" | "code" | "click" | "customer";

export interface Candidate {
  readonly participantId: string;
  readonly externalId: string;
  readonly email: string | null;
}

export interface Customer {
  readonly id: string | null;
  readonly email: string | null;
}

export type Attribution =
  | { readonly participantId: string; readonly source: AttributionSource }
  | {
      readonly participantId: null;
      readonly source: AttributionSource | null;
      readonly reason: "no_referrer" | "self_referral";
      readonly message: string;
    };

export function attributeOrder(input: {
  readonly candidates: Partial<Record<AttributionSource, Candidate>>;
  readonly customer: Customer;
  /**
   * Programs that pay commission never pay anyone for their own purchase. A
   * program without commission (loyalty) names the customer as participant,
   * so there the buyer and the participant are meant to be the same person.
   */
  readonly paysCommission: boolean;
}): Attribution {
  const order: AttributionSource[] = ["participant", "code", "click", "customer"];
  for (const source of order) {
    const candidate = input.candidates[source];
    if (!candidate) continue;
    const selfPurchase = isSamePerson(candidate, input.customer);
    if (selfPurchase && (input.paysCommission || source !== "participant")) {
      return {
        participantId: null,
        source,
        reason: "self_referral",
        message: `the customer is participant ${candidate.externalId} themself; a purchase through one's own ${describe(source)} is not attributed`,
      };
    }
    return { participantId: candidate.participantId, source };
  }
  return {
    participantId: null,
    source: null,
    reason: "no_referrer",
    message:
      "no participant, known code, referral click within the cookie window or bound customer",
  };
}

export function isSamePerson(candidate: Candidate, customer: Customer): boolean {
  if (customer.id !== null && customer.id === candidate.externalId) return true;
  return (
    customer.email !== null &&
    candidate.email !== null &&
    customer.email.trim().toLowerCase() === candidate.email.trim().toLowerCase()
  );
}

function describe(source: AttributionSource): string {
  switch (source) {
    case "participant":
      return "participant id";
    case "code":
      return "code";
    case "click":
      return "referral link";
    case "customer":
      return "referral";
  }
}

export interface Click {
  readonly participantId: string;
  readonly occurredAtMs: number;
}

/**
 * The referral click an order at `atMs` credits: among the visitor's clicks in
 * the cookie window before the order, the last (default) or the first.
 */
export function pickClick(
  clicks: readonly Click[],
  atMs: number,
  cookieDays: number,
  model: "last_click" | "first_click",
): Click | null {
  const windowStartMs = atMs - cookieDays * 86_400_000;
  const inWindow = clicks
    .filter((c) => c.occurredAtMs <= atMs && c.occurredAtMs >= windowStartMs)
    .sort((a, b) => a.occurredAtMs - b.occurredAtMs);
  return (model === "first_click" ? inWindow[0] : inWindow[inWindow.length - 1]) ?? null;
}
