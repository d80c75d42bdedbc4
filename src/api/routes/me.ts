import { balancesOf } from "../../store/ledger.ts";
import { presentParticipant } from "../present.ts";
import { pageQuery, route } from "../route.ts";
import { ledgerPage, loadTokenHolder } from "./participants.ts";

/** What a participant token reads: its own membership, balances and ledger. */
export const meRoutes = [
  route({
    method: "GET",
    url: "/v1/me",
    summary: "The participant the token belongs to",
    tag: "Me",
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { participant } = await loadTokenHolder(services, caller);
      return presentParticipant(participant, services.publicUrl);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/balances",
    summary: "The token holder's balances",
    tag: "Me",
    auth: "participant",
    handler: async ({ services, caller }) => {
      const { program } = await loadTokenHolder(services, caller);
      return balancesOf(services.db, program.id, caller.participantId, program.currency);
    },
  }),
  route({
    method: "GET",
    url: "/v1/me/ledger",
    summary: "The token holder's ledger entries",
    tag: "Me",
    auth: "participant",
    query: pageQuery,
    handler: async ({ services, caller, query }) =>
      ledgerPage(services, caller.programId, caller.participantId, query),
  }),
];
