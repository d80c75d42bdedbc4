import { expect, it } from "vitest";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  useApi,
  type Api,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

interface MeBody {
  id: string;
  recruitmentLink: string;
  stats: { earnings: number; signups: number; orders: number };
}

interface BalancesBody {
  points: { pending: number; available: number };
  cash: { currency: string; pending: number; available: number; paid: number };
}

async function tokenFor(api: Api, programId: string, participantId: string): Promise<string> {
  const reply = await api.call<{ token: string }>(
    "POST",
    `/v1/programs/${programId}/participants/${participantId}/tokens`,
  );
  expectStatus(reply, 201);
  return reply.body.token;
}

/**
 * Recruiting is never paid for itself: a recruit who joins through the
 * recruiter's link sits below them, and only the recruit's own sales pay the
 * recruiter, as their upline.
 */
describeEachBackend("a recruit who joins through the recruitment link", (backend) => {
  const api = useApi(backend, { now: () => new Date("2026-11-23T12:00:00Z") });

  it("pays the recruiter nothing for joining, and the upline share of the recruit's sales once they sell", async () => {
    const program = await createProgram(api, {
      enrolment: "open",
      commission: { rate: { percent: 10 }, upline: [{ percent: 5 }], holdDays: 0 },
    });
    const ana = await createParticipant(api, program.id, { externalId: "ana" });
    const token = await tokenFor(api, program.id, ana.id);
    const me = async () => {
      const reply = await api.call<MeBody>(
        "GET",
        "/v1/me?from=2026-11-01&to=2026-11-30",
        undefined,
        token,
      );
      expectStatus(reply, 200);
      return reply.body;
    };
    const balances = async () => {
      const reply = await api.call<BalancesBody>("GET", "/v1/me/balances", undefined, token);
      expectStatus(reply, 200);
      return reply.body.cash;
    };

    // The link names the program's application page and Ana's code as sponsor.
    const link = new URL((await me()).recruitmentLink);
    expect(link.pathname).toBe(`/apply/${program.id}`);
    const via = link.searchParams.get("via");
    expect(via).toBe(ana.referralCode);

    const applied = await api.call<{ id: string; sponsorId: string | null; referralCode: string }>(
      "POST",
      `/v1/programs/${program.id}/applications`,
      { email: "rui@example.com", name: "Rui", sponsor: via },
      null,
    );
    expectStatus(applied, 201);
    expect(applied.body.sponsorId).toBe(ana.id);

    // Joining paid nothing, and is no signup of Ana's.
    expect(await balances()).toMatchObject({ pending: 0, available: 0, paid: 0 });
    expect((await me()).stats).toMatchObject({ earnings: 0, signups: 0, orders: 0 });
    const ledger = await api.call<{ items: unknown[] }>("GET", "/v1/me/ledger", undefined, token);
    expectStatus(ledger, 200);
    expect(ledger.body.items).toEqual([]);

    // Rui sells $100.00: 10% to him, 5% to Ana as his sponsor.
    const sale = order("o-rui", {
      code: applied.body.referralCode,
      occurredAt: "2026-11-20T10:00:00Z",
      items: [{ sku: "SHIRT", quantity: 1, unitAmount: 10000 }],
    });
    expectStatus(await sendEvents(api, program.id, sale), 200);
    const cash = await balances();
    expect(cash.pending + cash.available).toBe(500);
    expect((await me()).stats).toMatchObject({ earnings: 500, orders: 0 });
  });
});
