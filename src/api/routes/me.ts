import { balancesOf } from "../../store/ledger.ts";
import { balancesExample, ledgerExample, participantExample } from "../examples.ts";
import { presentParticipant } from "../present.ts";
import { route } from "../route.ts";
import { balancesSchema, ledgerCollection, participantSchema } from "../schemas.ts";
import { ledgerPage, ledgerQuery, loadTokenHolder } from "./participants.ts";

/** What a participant token reads: its own membership, balances and ledger. */
export const meRoutes = [
  route({
    method: "GET",
    url: "/v1/me",
    operationId: "getMe",
    summary: "The participant the token belongs to",
    description: "The token holder's membership, as an admin reads it.",
    tag: "Me",
    response: participantSchema,
    responseExample: participantExample,
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { participant } = await loadTokenHolder(services, caller);
      return presentParticipant(participant, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/balances",
    operationId: "getMyBalances",
    summary: "The token holder's balances",
    description: "The token holder's points and cash, summed from the ledger.",
    tag: "Me",
    response: balancesSchema,
    responseExample: balancesExample,
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { program } = await loadTokenHolder(services, caller);
      return balancesOf(services.db, program.id, caller.participantId, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/ledger",
    operationId: "listMyLedgerEntries",
    summary: "The token holder's ledger entries",
    description:
      "The token holder's ledger entries, newest first (`order=oldest` for oldest first), a " +
      "page at a time, as an admin reads them.",
    tag: "Me",
    response: ledgerCollection,
    responseExample: ledgerExample,
    auth: "participant",
    query: ledgerQuery,
    handler: async ({ services, caller, query }) =>
      ledgerPage(services, caller.programId, caller.participantId, query),
  }),
];
