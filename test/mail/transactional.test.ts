import { expect, it } from "vitest";
import { eventSchema } from "../../src/domain/events.ts";
import { closeGoalWindows } from "../../src/engine/goal-jobs.ts";
import { applyEvents } from "../../src/engine/process-batch.ts";
import { toReceived } from "../../src/engine/received.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import { sendDueMails } from "../../src/jobs/send-mail.ts";
import { findProgramById, type ProgramRecord } from "../../src/store/programs.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  PUBLIC_URL,
  sendEvents,
  useApi,
  type Api,
  type ApiOptions,
  type ProgramBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { createGoal } from "../support/goals.ts";
import { useSmtpInbox, type ReceivedMail } from "./smtp-inbox.ts";

/** Orders are dated 2026-11-20 10:00 UTC; processing happens two hours later. */
const START = new Date("2026-11-20T12:00:00Z");

interface OutboxRow {
  to_address: string;
  template: string;
  data: Record<string, string>;
}

const mailsOf = (api: Api, programId: string) =>
  api.db.query<OutboxRow>(
    `select to_address, template, data from mail_outbox where program_id = $1 order by id`,
    [programId],
  );

const sale = (id: string, participant: string, unitAmount: number) =>
  order(id, { participant, items: [{ sku: "SHIRT", quantity: 1, unitAmount }] });

async function programRecord(api: Api, program: ProgramBody): Promise<ProgramRecord> {
  const record = await findProgramById(api.db, program.id);
  if (!record) throw new Error(`program ${program.id} is missing`);
  return record;
}

let people = 0;
/** An address no other test mails, so each test reads only its own mail from the shared server. */
const uniqueEmail = (name: string) => `${name}.${++people}@example.com`;

describeEachBackend("reward and payout mails", (backend) => {
  let clock = START;
  const options: ApiOptions = { now: () => clock };
  const smtp = useSmtpInbox(options);
  const api = useApi(backend, options);

  /** Sends every due mail and returns those that reached `to` (any case). */
  async function deliveredTo(to: string): Promise<ReceivedMail[]> {
    const { inbox, mailer } = smtp();
    await sendDueMails(api.services, mailer);
    return inbox.received.filter((m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase()));
  }

  it("a free-product reward mail carries the voucher code and the goal's name", async () => {
    clock = START;
    const program = await createProgram(api, { name: "Loyalty", commission: undefined });
    const email = uniqueEmail("ana");
    const ana = await createParticipant(api, program.id, { externalId: "ana", name: "Ana", email });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "free_product", sku: "SHIRT-M" } }],
    });

    const reply = await sendEvents(api, program.id, sale("o-1", "ana", 2000));
    expectStatus(reply, 200);
    const granted = reply.body.results[0]?.grants as { reward: { voucherCode: string } }[];
    const voucherCode = granted[0]?.reward.voucherCode ?? "";
    expect(voucherCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);

    const mails = await deliveredTo(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail?.headers.subject).toBe("You reached step 1 of First order in Loyalty");
    for (const part of [mail?.parts["text/plain"], mail?.parts["text/html"]]) {
      expect(part).toContain("Hello Ana,");
      expect(part).toContain("First order");
      expect(part).toContain(`a free SHIRT-M with voucher code ${voucherCode}`);
      expect(part).toContain(`${PUBLIC_URL}/portal?program=${program.id}`);
    }
    expect(await mailsOf(api, program.id)).toMatchObject([
      { to_address: email, template: "reward-granted" },
    ]);
    expect(ana.email).toBe(email);
  });

  it('a cash reward granted when its window closes reads in major units ("$25.00")', async () => {
    clock = START;
    const program = await createProgram(api, { name: "November sprint", commission: undefined });
    const email = uniqueEmail("ben");
    await createParticipant(api, program.id, { externalId: "ben", name: "Ben", email });
    await createGoal(api, program.id, {
      name: "Sell $100 in November",
      metric: "sales_amount",
      window: { type: "fixed", start: "2026-11-01", end: "2026-11-21" },
      evaluate: "at_window_end",
      steps: [{ threshold: 10000, reward: { type: "cash", amount: 2500 } }],
    });
    expectStatus(await sendEvents(api, program.id, sale("o-1", "ben", 12000)), 200);
    expect(await mailsOf(api, program.id)).toEqual([]);

    clock = new Date("2026-11-22T00:00:00Z");
    expect(await closeGoalWindows(api.services, await programRecord(api, program))).toBe(1);

    const [mail, ...more] = await deliveredTo(email);
    expect(more).toEqual([]);
    expect(mail?.parts["text/plain"]).toContain("You have been granted $25.00.");
    expect(mail?.parts["text/html"]).toContain("$25.00");
    expect(mail?.parts["text/plain"]).toContain("Sell $100 in November");
  });

  it("with notifications.rewardGranted false, a reward mails no one", async () => {
    clock = START;
    const program = await createProgram(api, { name: "Quiet rewards", commission: undefined });
    const patched = await api.call<ProgramBody & { notifications?: unknown }>(
      "PATCH",
      `/v1/programs/${program.id}`,
      { notifications: { rewardGranted: false } },
    );
    expectStatus(patched, 200);
    expect(patched.body.notifications).toEqual({ rewardGranted: false });
    await createParticipant(api, program.id, { externalId: "cleo", email: uniqueEmail("cleo") });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 100 } }],
    });

    const reply = await sendEvents(api, program.id, sale("o-1", "cleo", 2000));
    expect(reply.body.results[0]?.grants).toHaveLength(1);
    expect(await mailsOf(api, program.id)).toEqual([]);
  });

  it("a participant without an email is granted the reward and mailed nothing", async () => {
    clock = START;
    const program = await createProgram(api, { name: "No address", commission: undefined });
    await createParticipant(api, program.id, { externalId: "dev" });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 100 } }],
    });

    const reply = await sendEvents(api, program.id, sale("o-1", "dev", 2000));
    expect(reply.body.results[0]?.grants).toHaveLength(1);
    expect(await mailsOf(api, program.id)).toEqual([]);
  });

  it("a batch whose transaction fails writes no mail", async () => {
    clock = START;
    const program = await createProgram(api, { name: "Rolled back", commission: undefined });
    await createParticipant(api, program.id, { externalId: "eve", email: uniqueEmail("eve") });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "points", points: 100 } }],
    });
    const record = await programRecord(api, program);
    const event = toReceived(eventSchema.parse(sale("o-1", "eve", 2000)), clock.getTime());

    await expect(
      api.db.transaction(async (tx) => {
        const [outcome] = await applyEvents(tx, api.services, record, [event]);
        expect(outcome).toMatchObject({ status: "processed", grants: [{ step: 1 }] });
        // Written inside the transaction, so visible to it until it rolls back.
        const inside = await tx.query(`select 1 from mail_outbox where program_id = $1`, [
          program.id,
        ]);
        expect(inside).toHaveLength(1);
        throw new Error("the batch fails after its mail is written");
      }),
    ).rejects.toThrow("the batch fails");
    expect(await mailsOf(api, program.id)).toEqual([]);
  });

  it("a payout mails each paid participant with an email once, with their amount", async () => {
    clock = START;
    const program = await createProgram(api, {
      name: "Affiliates",
      commission: { rate: { percent: 10 }, upline: [{ percent: 3 }], holdDays: 0 },
    });
    const fay = uniqueEmail("fay");
    const gus = uniqueEmail("gus");
    await createParticipant(api, program.id, { externalId: "gus", email: gus });
    await createParticipant(api, program.id, { externalId: "fay", email: fay, sponsor: "gus" });
    await createParticipant(api, program.id, { externalId: "hal" });
    expectStatus(await sendEvents(api, program.id, sale("o-1", "fay", 25000)), 200);
    expectStatus(await sendEvents(api, program.id, sale("o-2", "hal", 5000)), 200);
    await releaseDueHolds(api.services);

    const paid = await api.call<{ id: string; lines: unknown[] }>(
      "POST",
      `/v1/programs/${program.id}/payouts`,
    );
    expectStatus(paid, 201);
    expect(paid.body.lines).toHaveLength(3);
    // Nothing is left to pay: a second payout has no lines and mails no one.
    expectStatus(await api.call("POST", `/v1/programs/${program.id}/payouts`), 201);

    expect(
      (await mailsOf(api, program.id)).map((m) => [m.to_address, m.template, m.data.amount]),
    ).toEqual(
      expect.arrayContaining([
        [fay, "payout-sent", "$25.00"],
        [gus, "payout-sent", "$7.50"],
      ]),
    );
    expect(await mailsOf(api, program.id)).toHaveLength(2);
    const [toFay, ...moreFay] = await deliveredTo(fay);
    expect(moreFay).toEqual([]);
    expect(toFay?.headers.subject).toBe("Affiliates has paid you $25.00");
    expect(toFay?.parts["text/plain"]).toContain(`${paid.body.id}-`);
    expect(toFay?.parts["text/html"]).toContain(`${PUBLIC_URL}/portal?program=${program.id}`);
    expect(await deliveredTo(gus)).toHaveLength(1);
  });

  it("with notifications.payoutSent false, a payout mails no one", async () => {
    clock = START;
    const program = await createProgram(api, {
      name: "Quiet payouts",
      commission: { rate: { percent: 10 }, holdDays: 0 },
      notifications: { payoutSent: false },
    });
    await createParticipant(api, program.id, { externalId: "ivy", email: uniqueEmail("ivy") });
    expectStatus(await sendEvents(api, program.id, sale("o-1", "ivy", 25000)), 200);
    await releaseDueHolds(api.services);
    const paid = await api.call<{ lines: unknown[] }>("POST", `/v1/programs/${program.id}/payouts`);
    expect(paid.body.lines).toHaveLength(1);
    expect(await mailsOf(api, program.id)).toEqual([]);
  });

  it("the switches are booleans of a closed list, and a null puts one back to its default", async () => {
    const program = await createProgram(api, { name: "Switches" });
    for (const notifications of [{ rewardGranted: "no" }, { rewardGranted: 0 }, { weekly: true }])
      expectError(
        await api.call("PATCH", `/v1/programs/${program.id}`, { notifications }),
        400,
        "invalid_request",
      );
    const all = { rewardGranted: false, payoutSent: false, applicationDecided: false };
    const off = await api.call<{ notifications?: unknown }>("PATCH", `/v1/programs/${program.id}`, {
      notifications: all,
    });
    expect(off.body.notifications).toEqual(all);
    const back = await api.call<{ notifications?: unknown }>(
      "PATCH",
      `/v1/programs/${program.id}`,
      { notifications: { payoutSent: null } },
    );
    expect(back.body.notifications).toEqual({ rewardGranted: false, applicationDecided: false });
  });
});

describeEachBackend("reward and payout mails without an SMTP server", (backend) => {
  const api = useApi(backend, { now: () => START });

  it("grants and pays as usual and writes no mail", async () => {
    const program = await createProgram(api, {
      name: "No SMTP",
      commission: { rate: { percent: 10 }, holdDays: 0 },
    });
    await createParticipant(api, program.id, { externalId: "jo", email: "jo@example.com" });
    await createGoal(api, program.id, {
      name: "First order",
      metric: "order_count",
      steps: [{ threshold: 1, reward: { type: "cash", amount: 500 } }],
    });
    const reply = await sendEvents(api, program.id, sale("o-1", "jo", 25000));
    expect(reply.body.results[0]?.grants).toHaveLength(1);
    await releaseDueHolds(api.services);
    const paid = await api.call<{ lines: unknown[] }>("POST", `/v1/programs/${program.id}/payouts`);
    expect(paid.body.lines).toHaveLength(1);
    expect(await mailsOf(api, program.id)).toEqual([]);
  });
});
