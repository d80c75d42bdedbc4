// The program the payout tests pay from, the balance they read and the payout they get.
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  type Api,
  type BalancesBody,
} from "./api.ts";

/** A payout as POST and GET /v1/programs/{programId}/payouts answer it. */
export interface PayoutBody {
  id: string;
  total: number;
  currency: string;
  lines: {
    participantId: string;
    externalId: string;
    name: string | null;
    email: string | null;
    amount: number;
    reference: string;
  }[];
}

/**
 * No hold, 10% to the seller and 3% to the sponsor, and `minimum` as the
 * payout minimum. Ana (sponsored by Ben) sells: each `sell` earns her 10% and
 * Ben 3% of the order, available at once.
 */
export async function setUpPayoutProgram(
  api: Api,
  { minimum = 500, names }: { minimum?: number; names?: { ana: string; ben: string } } = {},
) {
  const program = await createProgram(api, {
    commission: { rate: { percent: 10 }, upline: [{ percent: 3 }], holdDays: 0 },
    payouts: { minimum },
  });
  const ben = await createParticipant(api, program.id, {
    externalId: "ben",
    ...(names ? { name: names.ben } : {}),
    email: "ben@example.com",
  });
  const ana = await createParticipant(api, program.id, {
    externalId: "ana",
    ...(names ? { name: names.ana } : {}),
    email: "ana@example.com",
    sponsor: "ben",
  });
  const sell = async (id: string, unitAmount: number) => {
    const reply = await sendEvents(
      api,
      program.id,
      order(id, { code: ana.referralCode, items: [{ sku: "A", quantity: 1, unitAmount }] }),
    );
    expectStatus(reply, 200);
    await releaseDueHolds(api.services);
  };
  const cash = async (participantId: string) =>
    (
      await api.call<BalancesBody>(
        "GET",
        `/v1/programs/${program.id}/participants/${participantId}/balances`,
      )
    ).body.cash;
  return { program, ana, ben, sell, cash };
}
