import { expect, it } from "vitest";
import { sendDueMails } from "../../src/jobs/send-mail.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  PUBLIC_URL,
  RawBody,
  snapshot,
  useApi,
  type Api,
  type ApiOptions,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { useSmtpInbox, type ReceivedMail } from "./smtp-inbox.ts";

const START = new Date("2026-05-04T09:00:00Z");
const MINUTE_MS = 60_000;

interface Accepted {
  id: string;
  recipients: number;
  status: string;
}

interface Broadcast {
  id: string;
  subject: string;
  recipients: number;
  sent: number;
  failed: number;
  status: "sending" | "sent";
}

interface Preview {
  recipients: number;
  subject: string;
  html: string;
  text: string;
}

const LEVELS = [
  { key: "gold", name: "Gold" },
  { key: "silver", name: "Silver" },
];

const oneClick = new RawBody("application/x-www-form-urlencoded", "List-Unsubscribe=One-Click");

/** The unsubscribe link a broadcast mail names in its List-Unsubscribe header. */
function unsubscribeUrlOf(mail: ReceivedMail): string {
  const url = /^<(.+)>$/.exec(mail.headers["list-unsubscribe"] ?? "")?.[1];
  if (!url) throw new Error("the mail has no List-Unsubscribe header");
  return url;
}

const pathOf = (url: string) => url.slice(PUBLIC_URL.length);

const broadcastTables = (api: Api) =>
  api.db.query<{ broadcasts: number; preferences: number }>(
    `select (select count(*)::int from broadcasts) as broadcasts,
            (select count(*)::int from mail_preferences) as preferences`,
  );

describeEachBackend("broadcasts", (backend) => {
  let clock = START;
  const options: ApiOptions = { now: () => clock };
  const smtp = useSmtpInbox(options);
  const api = useApi(backend, options);
  /** Lets the clock reach every broadcast mail's turn, then sends what is due. */
  const sendAll = async () => {
    clock = new Date(clock.getTime() + 10 * MINUTE_MS);
    return sendDueMails(api.services, smtp().mailer);
  };
  /** What the SMTP server receives while `work` runs. */
  const received = async (work: () => Promise<unknown>) => {
    const before = smtp().inbox.received.length;
    await work();
    return smtp().inbox.received.slice(before);
  };
  const broadcast = (programId: string, body: unknown) =>
    api.call<Accepted>("POST", `/v1/programs/${programId}/broadcasts`, body);
  const getBroadcast = (programId: string, id: string) =>
    api.call<Broadcast>("GET", `/v1/programs/${programId}/broadcasts/${id}`);

  it("mails exactly the members the audience names by level and status, with an email, and answers their count", async () => {
    const program = await createProgram(api, { name: "Ambassadors", levels: LEVELS });
    const members = [
      { externalId: "ana", email: "ana@example.com", level: "gold", status: "active" },
      { externalId: "ben", email: "ben@example.com", level: "gold", status: "suspended" },
      { externalId: "cy", email: "cy@example.com", level: "silver", status: "active" },
      { externalId: "dee", level: "gold", status: "active" },
      { externalId: "eve", email: "eve@example.com", level: "gold", status: "applied" },
      { externalId: "fay", email: "fay@example.com", status: "active" },
    ];
    for (const member of members) await createParticipant(api, program.id, member);

    const reply = await broadcast(program.id, {
      subject: "Gold news",
      body: "Hello gold members.",
      audience: { levels: ["gold"], status: ["active", "applied"] },
    });
    expectStatus(reply, 202);
    expect(reply.body).toMatchObject({ recipients: 2, status: "sending" });
    expect(reply.body.id).toMatch(/^brc_/);
    expect(await getBroadcast(program.id, reply.body.id)).toMatchObject({
      status: 200,
      body: { subject: "Gold news", recipients: 2, sent: 0, failed: 0, status: "sending" },
    });

    const mails = await received(sendAll);
    expect(mails.flatMap((m) => m.to).sort()).toEqual(["ana@example.com", "eve@example.com"]);
    expect(mails.map((m) => m.headers.subject)).toEqual(["Gold news", "Gold news"]);
    expect(await getBroadcast(program.id, reply.body.id)).toMatchObject({
      body: { recipients: 2, sent: 2, failed: 0, status: "sent" },
    });

    const everyone = await broadcast(program.id, { subject: "All", body: "Everyone." });
    expect(everyone.body.recipients).toBe(5);
    const all = await received(sendAll);
    expect(all).toHaveLength(5);
  });

  it("spaces a broadcast's mails at 600 a minute by default, and queues a second broadcast behind the first", async () => {
    const program = await createProgram(api, { name: "Steady" });
    for (const name of ["g1", "g2", "g3"])
      await createParticipant(api, program.id, { externalId: name, email: `${name}@example.com` });
    const first = await broadcast(program.id, { subject: "One", body: "First." });
    const second = await broadcast(program.id, { subject: "Two", body: "Second." });
    const due = await api.db.query<{ broadcast_id: string; next_attempt_at: Date }>(
      `select broadcast_id, next_attempt_at from mail_outbox
       where program_id = $1 order by next_attempt_at`,
      [program.id],
    );
    expect(due.map((d) => d.broadcast_id)).toEqual([
      ...Array(3).fill(first.body.id),
      ...Array(3).fill(second.body.id),
    ]);
    expect(due.map((d) => d.next_attempt_at.getTime() - clock.getTime())).toEqual([
      0, 100, 200, 300, 400, 500,
    ]);
    // Only the mails whose turn has come go out.
    clock = new Date(clock.getTime() + 250);
    expect((await sendDueMails(api.services, smtp().mailer)).sent).toBe(3);
    expect((await sendAll()).sent).toBe(3);
  });

  it("previews the recipient count and the mail as rendered, and writes nothing", async () => {
    const program = await createProgram(api, { name: "Previewed", levels: LEVELS });
    await createParticipant(api, program.id, {
      externalId: "gil",
      email: "gil@example.com",
      level: "silver",
    });
    await createParticipant(api, program.id, { externalId: "hal", email: "hal@example.com" });
    const before = [await snapshot(api.db), await broadcastTables(api)];
    const reply = await api.call<Preview>("POST", `/v1/programs/${program.id}/broadcasts/preview`, {
      subject: "Silver sale",
      body: "Everything **half** price.",
      audience: { levels: ["silver"] },
    });
    expectStatus(reply, 200);
    expect(reply.body.recipients).toBe(1);
    expect(reply.body.subject).toBe("Silver sale");
    expect(reply.body.html).toContain("<strong>half</strong>");
    expect(reply.body.html).toContain("Previewed");
    expect(reply.body.text).toContain("Everything **half** price.");
    expect(reply.body.text).toContain(`${PUBLIC_URL}/v1/unsubscribe/`);
    expect([await snapshot(api.db), await broadcastTables(api)]).toEqual(before);
  });

  it("renders the Markdown body, with raw HTML in it escaped rather than sent as markup", async () => {
    const program = await createProgram(api, { name: "Markdown" });
    await createParticipant(api, program.id, { externalId: "ida", email: "ida@example.com" });
    const body =
      '# Big news\n\n**Bold** and <script>alert("x")</script> <b onclick="x()">tag</b>, see https://brand.test/rates';
    const mails = await received(async () => {
      expectStatus(await broadcast(program.id, { subject: "News", body }), 202);
      await sendAll();
    });
    const html = mails[0]?.parts["text/html"] ?? "";
    expect(html).toContain("<h1>Big news</h1>");
    expect(html).toContain("<strong>Bold</strong>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;b onclick=&quot;x()&quot;&gt;tag&lt;/b&gt;");
    expect(html).not.toContain("<script");
    expect(html).toContain('<a href="https://brand.test/rates">https://brand.test/rates</a>');
    // The text part is the Markdown as written (SMTP ends its lines with CRLF).
    expect(mails[0]?.parts["text/plain"]?.replace(/\r\n/g, "\n")).toContain(body);
  });

  it("gives each mail List-Unsubscribe and List-Unsubscribe-Post headers and the link in both parts", async () => {
    const program = await createProgram(api, { name: "Headers" });
    for (const name of ["jo", "kim"])
      await createParticipant(api, program.id, { externalId: name, email: `${name}@example.com` });
    const mails = await received(async () => {
      await broadcast(program.id, { subject: "Hi", body: "Hello." });
      await sendAll();
    });
    expect(mails).toHaveLength(2);
    const links = mails.map(unsubscribeUrlOf);
    for (const [i, mail] of mails.entries()) {
      expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      expect(links[i]).toMatch(new RegExp(`^${PUBLIC_URL}/v1/unsubscribe/uns_[A-Za-z0-9_-]{32}$`));
      expect(mail.parts["text/plain"]).toContain(links[i]);
      expect(mail.parts["text/html"]).toContain(`href="${links[i] ?? ""}"`);
    }
    // One unguessable link per participant.
    expect(new Set(links).size).toBe(2);
  });

  it("unsubscribes with the one-click POST: the next broadcast skips that participant while a sign-in link still reaches them", async () => {
    const program = await createProgram(api, { name: "Opt out" });
    for (const name of ["lee", "max"])
      await createParticipant(api, program.id, { externalId: name, email: `${name}@example.com` });
    const first = await received(async () => {
      await broadcast(program.id, { subject: "First", body: "One." });
      await sendAll();
    });
    const toLee = first.find((m) => m.to.includes("lee@example.com"));
    if (!toLee) throw new Error("no mail to lee");
    const link = pathOf(unsubscribeUrlOf(toLee));

    const reply = await api.call("POST", link, oneClick, null);
    expect(reply).toMatchObject({ status: 200, body: { status: "unsubscribed" } });
    // Twice is still unsubscribed.
    expect((await api.call("POST", link, oneClick, null)).status).toBe(200);

    const next = await broadcast(program.id, { subject: "Second", body: "Two." });
    expect(next.body.recipients).toBe(1);
    const second = await received(sendAll);
    expect(second.flatMap((m) => m.to)).toEqual(["max@example.com"]);

    const signIn = await received(async () => {
      expectStatus(
        await api.call(
          "POST",
          `/v1/programs/${program.id}/portal/sign-in`,
          { email: "lee@example.com" },
          null,
        ),
        202,
      );
      await sendAll();
    });
    expect(signIn.map((m) => [m.to, m.headers.subject])).toEqual([
      [["lee@example.com"], "Your sign-in link for Opt out"],
    ]);
    expect(signIn[0]?.headers["list-unsubscribe"]).toBeUndefined();
  });

  it("serves the link as a page whose button posts the one-click form, and opening it unsubscribes no one", async () => {
    const program = await createProgram(api, { name: "Page <&> Co" });
    await createParticipant(api, program.id, { externalId: "ned", email: "ned@example.com" });
    const [mail] = await received(async () => {
      await broadcast(program.id, { subject: "Hi", body: "Hello." });
      await sendAll();
    });
    if (!mail) throw new Error("no mail");
    const link = pathOf(unsubscribeUrlOf(mail));

    const page = await api.app.inject({ method: "GET", url: link });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(String(page.headers["content-security-policy"])).toContain("script-src 'self' 'nonce-");
    expect(page.body).toContain("Unsubscribe from Page &lt;&amp;&gt; Co?");
    expect(page.body).toContain('<form method="post"');
    expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');

    // Still subscribed: a second broadcast reaches ned.
    expect((await broadcast(program.id, { subject: "Again", body: "Hi." })).body.recipients).toBe(
      1,
    );
    await sendAll();

    expect((await api.call("POST", link, oneClick, null)).status).toBe(200);
    const after = await api.app.inject({ method: "GET", url: link });
    expect(after.body).toContain("You are unsubscribed from Page &lt;&amp;&gt; Co");

    const unknown = await api.app.inject({ method: "GET", url: "/v1/unsubscribe/uns_nobody" });
    expect(unknown.statusCode).toBe(404);
    expectError(
      await api.call("POST", "/v1/unsubscribe/uns_nobody", oneClick, null),
      404,
      "not_found",
    );
  });

  it("counts sent and failed mails from their states, and is sent once none is waiting", async () => {
    const program = await createProgram(api, { name: "Counted" });
    for (const name of ["ola", "pia"])
      await createParticipant(api, program.id, { externalId: name, email: `${name}@example.com` });
    const { inbox } = smtp();
    const reply = await broadcast(program.id, { subject: "Counts", body: "Count me." });
    inbox.refuse(1);
    expect(await sendAll()).toEqual({ sent: 1, retried: 1, failed: 0 });
    expect((await getBroadcast(program.id, reply.body.id)).body).toMatchObject({
      recipients: 2,
      sent: 1,
      failed: 0,
      status: "sending",
    });

    inbox.refuse(1000);
    let outcome = { failed: 0 };
    while (outcome.failed === 0) {
      const [row] = await api.db.query<{ next_attempt_at: Date }>(
        `select next_attempt_at from mail_outbox where broadcast_id = $1 and status = 'pending'`,
        [reply.body.id],
      );
      if (!row) throw new Error("no mail waiting");
      clock = row.next_attempt_at;
      outcome = await sendDueMails(api.services, smtp().mailer);
    }
    inbox.refuse(0);
    expect((await getBroadcast(program.id, reply.body.id)).body).toMatchObject({
      recipients: 2,
      sent: 1,
      failed: 1,
      status: "sent",
    });
  });

  it("lists the program's broadcasts newest first", async () => {
    const program = await createProgram(api, { name: "Listed" });
    const ids: string[] = [];
    for (const subject of ["Old", "Middle", "New"])
      ids.push((await broadcast(program.id, { subject, body: "Nobody to mail." })).body.id);
    const list = await api.call<{ items: Broadcast[]; next: string | null }>(
      "GET",
      `/v1/programs/${program.id}/broadcasts?limit=2`,
    );
    expect(list.body.items.map((b) => b.subject)).toEqual(["New", "Middle"]);
    expect(list.body.items[0]).toMatchObject({ recipients: 0, sent: 0, status: "sent" });
    const rest = await api.call<{ items: Broadcast[] }>(
      "GET",
      `/v1/programs/${program.id}/broadcasts?limit=2&cursor=${list.body.next ?? ""}`,
    );
    expect(rest.body.items.map((b) => b.id)).toEqual([ids[0]]);
  });

  it("refuses a level the program does not have with a 422 naming it, and writes nothing", async () => {
    const program = await createProgram(api, { name: "Levels", levels: LEVELS });
    const before = await broadcastTables(api);
    const reply = await broadcast(program.id, {
      subject: "Hi",
      body: "Hello.",
      audience: { levels: ["gold", "platinum"] },
    });
    expectError(reply, 422, "unknown_level");
    expect(JSON.stringify(reply.body)).toContain('level \\"platinum\\"');
    expect(JSON.stringify(reply.body)).toContain("audience.levels.1");
    expect(await broadcastTables(api)).toEqual(before);
  });
});

describeEachBackend("broadcasts without an SMTP server", (backend) => {
  const api = useApi(backend);

  it("refuses to broadcast or preview with a 409 saying mail is not set up, and writes nothing", async () => {
    const program = await createProgram(api, { name: "No mail" });
    await createParticipant(api, program.id, { externalId: "quin", email: "quin@example.com" });
    const before = [await snapshot(api.db), await broadcastTables(api)];
    for (const path of ["broadcasts", "broadcasts/preview"]) {
      const reply = await api.call("POST", `/v1/programs/${program.id}/${path}`, {
        subject: "Hi",
        body: "Hello.",
      });
      expectError(reply, 409, "conflict");
      expect(JSON.stringify(reply.body)).toMatch(/mail is not set up.*LAUREL_SMTP_URL/);
    }
    expect([await snapshot(api.db), await broadcastTables(api)]).toEqual(before);
  });
});
