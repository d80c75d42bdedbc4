/**
 * The facts Laurel tells a brand's backend, by webhook, as the contract
 * names them. Each is written to the outbox in the transaction of the fact.
 */
export const OUTBOX_EVENT_TYPES = [
  "commission.created",
  "commission.reversed",
  "reward.granted",
  "participant.created",
  "participant.updated",
  "application.submitted",
  "payout.created",
  "fraud_flag.raised",
] as const;

export type OutboxEventType = (typeof OUTBOX_EVENT_TYPES)[number];

/** One fact to tell: its type and the `data` of the webhook body. */
export interface OutboxEvent {
  readonly type: OutboxEventType;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The webhook body every delivery of an event carries, the same bytes on every attempt. */
export interface WebhookBody {
  readonly id: string;
  readonly type: OutboxEventType;
  readonly createdAt: string;
  readonly programId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}
