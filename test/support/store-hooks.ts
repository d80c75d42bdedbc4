// What the store webhook tests share: the wire shapes of integrations and
// deliveries, a program with one referral pair to pay, the connection to a
// store, its deliveries log, and the Laurel events a delivery is measured
// against. How each store signs and sends a delivery stays in its own test file.
import { expect } from "vitest";
import type { Provider } from "../../src/integrations/delivery.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  sendEvents,
  type Api,
  type BalancesBody,
  type Collection,
  type ParticipantBody,
  type ProgramBody,
} from "./api.ts";

export interface IntegrationBody {
  provider: string;
  webhookUrl: string;
  shopDomain: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryBody {
  id: string;
  receivedAt: string;
  topic: string;
  status: "processed" | "duplicate" | "ignored" | "rejected";
  eventIds: string[];
  error: { code: string; message: string } | null;
}

/** A program with Ana, sponsored by Ben, and a reader of either one's pending cash in minor units. */
export interface AnaAndBen {
  program: ProgramBody;
  ana: ParticipantBody;
  ben: ParticipantBody;
  cash(participant: ParticipantBody): Promise<number>;
}

/** The same program connected to a store, with the log of what the store delivered. */
export interface ConnectedStore extends AnaAndBen {
  log(): Promise<DeliveryBody[]>;
}

/** What Ana and Ben have pending, in minor units. */
export interface Balances {
  ana: number;
  ben: number;
}

/** A program with Ana, sponsored by Ben (10% to the seller, 3% to the sponsor); fields override. */
export async function setUpProgram(
  api: Api,
  fields: Record<string, unknown> = {},
): Promise<AnaAndBen> {
  const program = await createProgram(api, fields);
  const ben = await createParticipant(api, program.id, { externalId: "ben" });
  const ana = await createParticipant(api, program.id, { externalId: "ana", sponsor: "ben" });
  const cash = async (participant: ParticipantBody) => {
    const reply = await api.call<BalancesBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${participant.id}/balances`,
    );
    expectStatus(reply, 200);
    return reply.body.cash.pending;
  };
  return { program, ana, ben, cash };
}

/** Connects the program to the provider's store with its signing secret (and, for Shopify, its shop). */
export async function connect(
  api: Api,
  programId: string,
  provider: Provider,
  settings: { secret: string; shopDomain?: string },
): Promise<void> {
  const reply = await api.call(
    "PUT",
    `/v1/programs/${programId}/integrations/${provider}`,
    settings,
  );
  expectStatus(reply, 200);
}

/** The first page of the program's deliveries from the provider, newest first. */
export async function deliveryLog(
  api: Api,
  programId: string,
  provider: Provider,
): Promise<DeliveryBody[]> {
  const reply = await api.call<Collection<DeliveryBody>>(
    "GET",
    `/v1/programs/${programId}/integrations/${provider}/deliveries`,
  );
  expectStatus(reply, 200);
  return reply.body.items;
}

/** A program with Ana and Ben, connected to the provider's store. */
export async function setUpStore(
  api: Api,
  provider: Provider,
  settings: { secret: string; shopDomain?: string },
  fields: Record<string, unknown> = {},
): Promise<ConnectedStore> {
  const base = await setUpProgram(api, fields);
  await connect(api, base.program.id, provider, settings);
  return { ...base, log: () => deliveryLog(api, base.program.id, provider) };
}

/** What Ana and Ben have pending in the store's program. */
export async function balances(store: AnaAndBen): Promise<Balances> {
  return { ana: await store.cash(store.ana), ben: await store.cash(store.ben) };
}

/**
 * The same events sent as Laurel events to a program of their own: what the
 * deliveries must book. `events` gets Ana's referral code in that program.
 */
export async function bookedAsLaurelEvents(
  api: Api,
  events: (code: string) => unknown[],
  fields: Record<string, unknown> = {},
): Promise<Balances> {
  const pair = await setUpProgram(api, fields);
  const reply = await sendEvents(api, pair.program.id, { events: events(pair.ana.referralCode) });
  expectStatus(reply, 200);
  for (const result of reply.body.results) expect(result.status).toBe("processed");
  return balances(pair);
}
