import { expect, it } from "vitest";
import { requestPortalSignIn, SIGN_IN_MAILS_PER_HOUR } from "../../src/engine/portal-sign-in.ts";
import { sendDueMails } from "../../src/jobs/send-mail.ts";
import type { Database, Queryable } from "../../src/store/db.ts";
import { createMailer } from "../../src/mail/send.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  PUBLIC_URL,
  snapshot,
  useApi,
  type Api,
  type ApiOptions,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { linkIn, SMTP_USER, useSmtpInbox, tokenOf } from "./smtp-inbox.ts";

const START = new Date("2026-03-02T09:00:00Z");
const MINUTE_MS = 60_000;

/**
 * A sign-in request as a browser sends it, from an address of its own: the
 * route's per-address limit is counted per test rather than across the file.
 */
async function signIn(api: Api, programId: string, email: string, from: string) {
  const reply = await api.app.inject({
    method: "POST",
    url: `/v1/programs/${programId}/portal/sign-in`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ email }),
    remoteAddress: from,
  });
  return { status: reply.statusCode, body: reply.json<unknown>() };
}

interface OutboxRow {
  to_address: string;
  template: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  sent_at: Date | null;
}

/**
 * The database as it is, noting the text of every statement run on it or in
 * its transactions (values aside): what work a request did, to compare.
 */
function recording(inner: Database): { db: Database; statements: string[] } {
  const statements: string[] = [];
  const noted = (q: Queryable): Queryable => ({
    query: <Row>(sql: string, params?: readonly unknown[]) => {
      statements.push(sql.replace(/\s+/g, " ").trim());
      return q.query<Row>(sql, params);
    },
  });
  const db: Database = {
    kind: inner.kind,
    query: noted(inner).query,
    transaction: (work) =>
      inner.transaction((tx) => {
        statements.push("begin");
        return work(noted(tx));
      }),
    close: () => inner.close(),
  };
  return { db, statements };
}

const outboxOf = (api: Api, programId: string) =>
  api.db.query<OutboxRow>(
    `select to_address, template, status, attempts, last_error, next_attempt_at, sent_at
     from mail_outbox where program_id = $1 order by id`,
    [programId],
  );

describeEachBackend("portal sign-in by email", (backend) => {
  let clock = START;
  const options: ApiOptions = { now: () => clock };
  const smtp = useSmtpInbox(options);
  const api = useApi(backend, options);
  const sendMail = () => sendDueMails(api.services, smtp().mailer);

  it("mails a member one link, in HTML and text naming the program, that opens a portal session", async () => {
    const program = await createProgram(api, { name: "Ambassadors" });
    await createParticipant(api, program.id, {
      externalId: "ana",
      name: "Ana",
      email: "Ana@Example.com",
    });
    const { inbox } = smtp();
    const before = inbox.received.length;

    const reply = await api.call(
      "POST",
      `/v1/programs/${program.id}/portal/sign-in`,
      {
        email: "ana@example.COM",
      },
      null,
    );
    expect(reply).toMatchObject({ status: 202, body: { status: "accepted" } });
    expect(await sendMail()).toEqual({ sent: 1, retried: 0, failed: 0 });

    const mails = inbox.received.slice(before);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    if (!mail) throw new Error("no mail");
    // To the address as the member gave it (SMTP servers may lower-case its domain).
    expect(mail.to.map((to) => to.toLowerCase())).toEqual(["ana@example.com"]);
    expect(mail.user).toBe(SMTP_USER);
    expect(mail.headers.subject).toBe("Your sign-in link for Ambassadors");
    expect(mail.headers.from).toContain("rewards@brand.test");
    const link = linkIn(mail);
    expect(link.startsWith(`${PUBLIC_URL}/portal#token=`)).toBe(true);
    expect(mail.parts["text/plain"]).toContain("Hello Ana,");
    expect(mail.parts["text/plain"]).toContain("Ambassadors");
    expect(mail.parts["text/html"]).toContain("Ambassadors");
    expect(mail.parts["text/html"]).toContain(`href="${link}"`);

    const session = await api.call("POST", "/v1/sessions", undefined, tokenOf(link));
    expectStatus(session, 201);
    expect(await outboxOf(api, program.id)).toMatchObject([
      { to_address: "Ana@Example.com", template: "sign-in", status: "sent", attempts: 1 },
    ]);
  });

  it("answers an unknown email, an unknown program and a suspended member the same 202, and mails no one", async () => {
    const program = await createProgram(api, { name: "Quiet" });
    const ben = await createParticipant(api, program.id, {
      externalId: "ben",
      email: "ben@example.com",
    });
    expectStatus(
      await api.call("PATCH", `/v1/programs/${program.id}/participants/${ben.id}`, {
        status: "suspended",
      }),
      200,
    );
    const before = await snapshot(api.db);
    for (const [programId, email] of [
      [program.id, "nobody@example.com"],
      ["prg_01JUNKNOWN00000000000000000", "ben@example.com"],
      [program.id, "ben@example.com"],
    ] as const)
      expect(await signIn(api, programId, email, "198.51.100.20")).toEqual({
        status: 202,
        body: { status: "accepted" },
      });
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("answers a member and an unknown email with the same status, body and headers", async () => {
    const program = await createProgram(api, { name: "Lookalike" });
    await createParticipant(api, program.id, { externalId: "kim", email: "kim@example.com" });
    const ask = async (email: string, from: string) => {
      const reply = await api.app.inject({
        method: "POST",
        url: `/v1/programs/${program.id}/portal/sign-in`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ email }),
        remoteAddress: from,
      });
      // Every answer has an id and a date of its own; nothing else may differ.
      const { "request-id": _id, date: _date, ...headers } = reply.headers;
      return { status: reply.statusCode, body: reply.body, headers };
    };
    const member = await ask("kim@example.com", "198.51.100.140");
    const stranger = await ask("nobody-here@example.com", "198.51.100.141");
    expect(member.status).toBe(202);
    expect(stranger).toEqual(member);
    expect(await outboxOf(api, program.id)).toHaveLength(1);
    expect((await sendMail()).sent).toBe(1);
  });

  it("does the same database work for a member, an unknown email and one over the limit, and keeps only the member's link", async () => {
    const program = await createProgram(api, { name: "Same work" });
    await createParticipant(api, program.id, { externalId: "lou", email: "lou@example.com" });
    await createParticipant(api, program.id, { externalId: "max", email: "max@example.com" });
    for (let i = 0; i < SIGN_IN_MAILS_PER_HOUR; i += 1)
      expect(await requestPortalSignIn(api.services, program.id, "max@example.com")).toBe("mailed");
    const statementsOf = async (email: string) => {
      const { db, statements } = recording(api.db);
      const services = { ...api.services, db };
      const outcome = await requestPortalSignIn(services, program.id, email);
      // Keeping the savepoint or rolling it back is the one step that must differ.
      const kept = statements.map((sql) =>
        sql.replace(/^(release|rollback to) savepoint/, "end savepoint"),
      );
      return { outcome, statements: kept, last: statements.at(-1) };
    };
    const member = await statementsOf("lou@example.com");
    const stranger = await statementsOf("nobody-here@example.com");
    const limited = await statementsOf("max@example.com");
    expect([member.outcome, stranger.outcome, limited.outcome]).toEqual([
      "mailed",
      "not_a_member",
      "too_many",
    ]);
    expect(member.statements.length).toBeGreaterThan(4);
    expect(stranger.statements).toEqual(member.statements);
    expect(limited.statements).toEqual(member.statements);
    expect([member.last, stranger.last, limited.last]).toEqual([
      "release savepoint sign_in",
      "rollback to savepoint sign_in",
      "rollback to savepoint sign_in",
    ]);
    const to = (await outboxOf(api, program.id)).map((m) => m.to_address);
    expect(to.filter((a) => a === "lou@example.com")).toHaveLength(1);
    expect(to).not.toContain("nobody-here@example.com");
    expect(to.filter((a) => a === "max@example.com")).toHaveLength(SIGN_IN_MAILS_PER_HOUR);
    expect((await sendMail()).sent).toBe(SIGN_IN_MAILS_PER_HOUR + 1);
  });

  it("mails one address of a program at most 5 sign-in links an hour", async () => {
    const program = await createProgram(api, { name: "Limited" });
    await createParticipant(api, program.id, { externalId: "cy", email: "cy@example.com" });
    for (let i = 0; i < 7; i += 1)
      expect((await signIn(api, program.id, "cy@example.com", `198.51.100.${30 + i}`)).status).toBe(
        202,
      );
    expect(await outboxOf(api, program.id)).toHaveLength(5);

    clock = new Date(clock.getTime() + 61 * MINUTE_MS);
    expect((await signIn(api, program.id, "CY@example.com", "198.51.100.40")).status).toBe(202);
    expect(await outboxOf(api, program.id)).toHaveLength(6);
    // Sent, so the tests after this one find no mail of this one's waiting.
    expect((await sendMail()).sent).toBe(6);
  });

  it("counts sign-ins that arrive together one after another: 8 at once still make 5 mails", async () => {
    const program = await createProgram(api, { name: "Crowded" });
    await createParticipant(api, program.id, { externalId: "gus", email: "gus@example.com" });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        signIn(api, program.id, "gus@example.com", `198.51.100.${90 + i}`),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(await outboxOf(api, program.id)).toHaveLength(5);
    expect((await sendMail()).sent).toBe(5);
  });

  it("sends each mail once when two servers' workers run at the same time", async () => {
    const program = await createProgram(api, { name: "Two servers" });
    const { inbox } = smtp();
    const before = inbox.received.length;
    for (const name of ["hal", "ivy", "jo"]) {
      await createParticipant(api, program.id, { externalId: name, email: `${name}@example.com` });
      expect((await signIn(api, program.id, `${name}@example.com`, "198.51.100.100")).status).toBe(
        202,
      );
    }
    const other = createMailer(inbox.setting);
    try {
      const runs = await Promise.all([sendMail(), sendDueMails(api.services, other)]);
      expect(runs[0].sent + runs[1].sent).toBe(3);
    } finally {
      other.close();
    }
    const to = inbox.received
      .slice(before)
      .flatMap((m) => m.to)
      .sort();
    expect(to).toEqual(["hal@example.com", "ivy@example.com", "jo@example.com"]);
  });

  it("refuses an address that asks more than 10 times a minute with a 429", async () => {
    const program = await createProgram(api, { name: "Flooded" });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1)
      statuses.push((await signIn(api, program.id, `x${i}@example.com`, "203.0.113.50")).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
    expect(statuses[10]).toBe(429);
  });

  it("tries a mail the SMTP server refuses again 30 s later, and sends it then", async () => {
    const program = await createProgram(api, { name: "Patience" });
    await createParticipant(api, program.id, { externalId: "dee", email: "dee@example.com" });
    const { inbox } = smtp();
    inbox.refuse(1);
    const before = inbox.received.length;
    expect((await signIn(api, program.id, "dee@example.com", "198.51.100.60")).status).toBe(202);

    expect(await sendMail()).toEqual({ sent: 0, retried: 1, failed: 0 });
    const [waiting] = await outboxOf(api, program.id);
    expect(waiting).toMatchObject({ status: "pending", attempts: 1 });
    expect(waiting?.last_error).toMatch(/busy/);
    expect(waiting?.next_attempt_at?.getTime()).toBe(clock.getTime() + 30_000);
    // Not due yet: nothing is sent.
    expect(await sendMail()).toEqual({ sent: 0, retried: 0, failed: 0 });

    clock = new Date(clock.getTime() + 30_000);
    expect(await sendMail()).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(inbox.received.slice(before).map((m) => m.to)).toEqual([["dee@example.com"]]);
    expect(await outboxOf(api, program.id)).toMatchObject([
      { status: "sent", attempts: 2, last_error: null },
    ]);
  });

  it("gives a mail up once a day has passed since it was written", async () => {
    const program = await createProgram(api, { name: "Unreachable" });
    await createParticipant(api, program.id, { externalId: "eve", email: "eve@example.com" });
    const { inbox } = smtp();
    inbox.refuse(1000);
    const written = clock.getTime();
    expect((await signIn(api, program.id, "eve@example.com", "198.51.100.70")).status).toBe(202);
    let outcome = await sendMail();
    while (outcome.failed === 0) {
      const [row] = await outboxOf(api, program.id);
      if (!row?.next_attempt_at) throw new Error("a pending mail with no next attempt");
      clock = row.next_attempt_at;
      outcome = await sendMail();
    }
    inbox.refuse(0);
    const [row] = await outboxOf(api, program.id);
    expect(row).toMatchObject({ status: "failed", next_attempt_at: null, sent_at: null });
    expect(clock.getTime() - written).toBeLessThanOrEqual(24 * 60 * MINUTE_MS);
    // At 0, 30 s, 2.5 min, 12.5 min, 72.5 min, then 3 h and 6 h apart up to 22.2 h: the next would pass the day.
    expect(row?.attempts).toBe(9);
  });
});

describeEachBackend("portal sign-in without an SMTP server", (backend) => {
  const api = useApi(backend);

  it("answers 202 and writes nothing, not even a token", async () => {
    const program = await createProgram(api, { name: "No mail" });
    await createParticipant(api, program.id, { externalId: "fay", email: "fay@example.com" });
    const before = await snapshot(api.db);
    expect(await signIn(api, program.id, "fay@example.com", "198.51.100.80")).toEqual({
      status: 202,
      body: { status: "accepted" },
    });
    expect(await snapshot(api.db)).toEqual(before);
  });
});
