import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { newApp } from "../../src/api/app.ts";
import { NO_RATE_LIMITS } from "../../src/api/rate-limits.ts";
import { deliverDueWebhooks } from "../../src/jobs/deliver-webhooks.ts";
import { sendDueMails } from "../../src/jobs/send-mail.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  only,
  PUBLIC_URL,
  RawBody,
  snapshot,
  useApi,
  type Api,
  type ApiOptions,
  type ParticipantBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { linkIn, tokenOf, useSmtpInbox, type ReceivedMail } from "../mail/smtp-inbox.ts";

interface Match {
  participantId: string;
  programId: string;
  programName: string;
  externalId: string;
  name: string | null;
  status: string;
  sameProgram: boolean;
  on: string[];
  blocked: boolean;
}

interface ApplicationBody {
  website: string | null;
  socials: string[];
  message: string | null;
  sponsor: { id: string; externalId: string; name: string | null } | null;
  ipCountry: string | null;
  appliedAt: string;
  decision: "approved" | "rejected" | null;
  decidedAt: string | null;
  reason: string | null;
  matches: Match[];
}

interface ApplicantBody extends ParticipantBody {
  termsVersion: number | null;
  termsAcceptedAt: string | null;
  application: ApplicationBody;
  portalUrl?: string;
  signInLink?: string | null;
}

/** The message of an error reply. */
const messageOf = (reply: { body: unknown }) =>
  (reply.body as { error: { message: string } }).error.message;

let people = 0;
/** An address no other test uses, so each test's applicant is its own. */
const uniqueEmail = (name: string) => `${name}.${++people}@example.com`;

const applicationOf = (email: string, fields: Record<string, unknown> = {}) => ({
  email,
  name: "Ana Souza",
  website: "https://ana.example",
  socials: ["https://instagram.com/ana.makes"],
  message: "I review running shoes.",
  ...fields,
});

const apply = (api: Api, programId: string, body: unknown, headers: Record<string, string> = {}) =>
  api.call<ApplicantBody>(
    "POST",
    `/v1/programs/${programId}/applications`,
    Object.keys(headers).length === 0
      ? body
      : new RawBody("application/json", JSON.stringify(body), headers),
    null,
  );

const outboxTypes = async (api: Api, programId: string) =>
  (
    await api.db.query<{ type: string }>(
      "select type from outbox_events where program_id = $1 order by id",
      [programId],
    )
  ).map((r) => r.type);

const applicationsIn = async (api: Api, programId: string) =>
  (
    await api.db.query<{ n: number }>(
      "select count(*)::int as n from applications where program_id = $1",
      [programId],
    )
  )[0]?.n;

describeEachBackend("applying to a program", (backend) => {
  const api = useApi(backend, { rateLimits: NO_RATE_LIMITS });

  /** An endpoint for the program's participant facts: without one, Laurel tells nothing. */
  async function listenTo(programId: string) {
    const reply = await api.call("POST", "/v1/webhook-endpoints", {
      url: "https://93.184.215.14/laurel/webhooks",
      events: ["participant.created", "participant.updated", "application.submitted"],
      programId,
    });
    expectStatus(reply, 201);
  }

  it("with approval enrolment, an applicant becomes an applied participant with a code and an id Laurel made", async () => {
    const program = await createProgram(api, { name: "Runners", enrolment: "approval" });
    await listenTo(program.id);
    const email = uniqueEmail("ana");
    const reply = await apply(api, program.id, applicationOf(email));
    expectStatus(reply, 201);
    expect(reply.body).toMatchObject({
      programId: program.id,
      email,
      name: "Ana Souza",
      status: "applied",
      sponsorId: null,
      portalUrl: `${PUBLIC_URL}/portal?program=${program.id}`,
      application: {
        website: "https://ana.example",
        socials: ["https://instagram.com/ana.makes"],
        message: "I review running shoes.",
        ipCountry: null,
        decision: null,
        decidedAt: null,
      },
    });
    // The screening is the brand's: the applicant is not told who else matches, nor the recruiter's name.
    expect(Object.keys(reply.body.application).sort()).toEqual([
      "appliedAt",
      "decidedAt",
      "decision",
      "ipCountry",
      "message",
      "socials",
      "website",
    ]);
    expect(reply.body.externalId).toMatch(/^app-[0-9a-f]{10}$/);
    expect(reply.body.referralCode).toMatch(/\S/);
    expect(await outboxTypes(api, program.id)).toEqual([
      "participant.created",
      "application.submitted",
    ]);
  });

  it("with open enrolment, an applicant is active at once and the application is approved as it comes", async () => {
    const program = await createProgram(api, { name: "Open house", enrolment: "open" });
    const reply = await apply(api, program.id, applicationOf(uniqueEmail("ben")));
    expectStatus(reply, 201);
    expect(reply.body.status).toBe("active");
    expect(reply.body.application.decision).toBe("approved");
    expect(reply.body.application.decidedAt).toBe(reply.body.application.appliedAt);
  });

  it("with closed enrolment (the default), applying is a 403 that says so, and writes nothing", async () => {
    const program = await createProgram(api, { name: "Invite only" });
    const before = await snapshot(api.db);
    const reply = await apply(api, program.id, applicationOf(uniqueEmail("cai")));
    expectError(reply, 403, "applications_closed");
    expect(messageOf(reply)).toContain("does not take applications");
    expect(await snapshot(api.db)).toEqual(before);
    expect(await applicationsIn(api, program.id)).toBe(0);
  });

  it("applying to a program that does not exist is a 404", async () => {
    expectError(
      await apply(api, "prg_nothing", applicationOf(uniqueEmail("dee"))),
      404,
      "not_found",
    );
  });

  it("the same email twice in one program is a 409, in any case, and names no one", async () => {
    const program = await createProgram(api, { name: "Twice", enrolment: "approval" });
    const email = uniqueEmail("eva");
    expectStatus(await apply(api, program.id, applicationOf(email, { name: "Eva First" })), 201);
    const again = await apply(
      api,
      program.id,
      applicationOf(email.toUpperCase(), { name: "Someone Else" }),
    );
    expectError(again, 409, "conflict");
    const message = messageOf(again);
    expect(message).toContain("already applied");
    expect(message).not.toContain("Eva First");
    expect(await applicationsIn(api, program.id)).toBe(1);
  });

  it("two applications with one email at once: one is taken, the other is a 409", async () => {
    const program = await createProgram(api, { name: "Rush", enrolment: "approval" });
    const email = uniqueEmail("rush");
    const replies = await Promise.all([
      apply(api, program.id, applicationOf(email)),
      apply(api, program.id, applicationOf(email.toUpperCase())),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await applicationsIn(api, program.id)).toBe(1);
  });

  it("an email the brand already added as a participant is a 409 too, whatever their status", async () => {
    const program = await createProgram(api, { name: "Known", enrolment: "approval" });
    const email = uniqueEmail("fay");
    const fay = await createParticipant(api, program.id, { externalId: "fay", email });
    expectStatus(
      await api.call("PATCH", `/v1/programs/${program.id}/participants/${fay.id}`, {
        status: "suspended",
      }),
      200,
    );
    expectError(await apply(api, program.id, applicationOf(email)), 409, "conflict");
  });

  it("the same email may apply to two programs of the brand", async () => {
    const email = uniqueEmail("gil");
    for (const name of ["One", "Two"]) {
      const program = await createProgram(api, { name, enrolment: "approval" });
      expectStatus(await apply(api, program.id, applicationOf(email)), 201);
    }
  });

  it("with terms, a missing or other version is a 422 naming the current one; the current one is recorded", async () => {
    const program = await createProgram(api, { name: "Termed", enrolment: "approval" });
    for (const body of ["# Terms\n\nBe honest.", "# Terms\n\nBe honest, always."])
      expectStatus(await api.call("PUT", `/v1/programs/${program.id}/terms`, { body }), 201);
    const email = uniqueEmail("hal");
    const before = await snapshot(api.db);

    const missing = await apply(api, program.id, applicationOf(email));
    expectError(missing, 422, "validation_failed");
    expect(missing.body).toMatchObject({
      error: { message: expect.stringContaining("2"), details: [{ path: "acceptTerms" }] },
    });
    const old = await apply(api, program.id, applicationOf(email, { acceptTerms: 1 }));
    expectError(old, 422, "validation_failed");
    expect(messageOf(old)).toContain("version 2");
    // Refused after the participant was written in its transaction: nothing of it stays.
    expect(await snapshot(api.db)).toEqual(before);
    expect(await applicationsIn(api, program.id)).toBe(0);

    const accepted = await apply(api, program.id, applicationOf(email, { acceptTerms: 2 }));
    expectStatus(accepted, 201);
    expect(accepted.body.termsVersion).toBe(2);
    expect(accepted.body.termsAcceptedAt).toBe(accepted.body.application.appliedAt);
  });

  it("a sponsor's referral code puts the applicant under the recruiter, with the recruiter's upline", async () => {
    const program = await createProgram(api, { name: "Teams", enrolment: "approval" });
    const lead = await createParticipant(api, program.id, { externalId: "lead" });
    const recruiter = await createParticipant(api, program.id, {
      externalId: "rec",
      name: "Rita",
      sponsor: "lead",
    });
    const reply = await apply(
      api,
      program.id,
      applicationOf(uniqueEmail("ivo"), { sponsor: recruiter.referralCode.toLowerCase() }),
    );
    expectStatus(reply, 201);
    expect(reply.body.sponsorId).toBe(recruiter.id);
    const listed = await api.call<{ items: ApplicantBody[] }>(
      "GET",
      `/v1/programs/${program.id}/participants?status=applied`,
    );
    expect(only(listed.body.items).application.sponsor).toEqual({
      id: recruiter.id,
      externalId: "rec",
      name: "Rita",
    });
    const downline = await api.call<{ items: { id: string; depth: number }[] }>(
      "GET",
      `/v1/programs/${program.id}/participants/${lead.id}/downline?depth=2`,
    );
    expect(downline.body.items).toContainEqual(
      expect.objectContaining({ id: reply.body.id, depth: 2 }),
    );
  });

  // The code comes from a link or a cookie the applicant cannot fix; refusing would turn them away.
  it("an unknown sponsor code, or one of another program, is ignored rather than refused", async () => {
    const program = await createProgram(api, { name: "Strays", enrolment: "approval" });
    const other = await createProgram(api, { name: "Elsewhere" });
    const outsider = await createParticipant(api, other.id, { externalId: "out" });
    for (const sponsor of ["NO-SUCH-CODE", outsider.referralCode]) {
      const reply = await apply(api, program.id, applicationOf(uniqueEmail("jon"), { sponsor }));
      expectStatus(reply, 201);
      expect(reply.body.sponsorId).toBeNull();
    }
  });

  it("without a code, the referral cookie a /r/ link set names the recruiter", async () => {
    const program = await createProgram(api, { name: "Cookies", enrolment: "approval" });
    const recruiter = await createParticipant(api, program.id, { externalId: "kim" });
    const click = await api.app.inject({ method: "GET", url: `/r/${recruiter.referralCode}` });
    expect(click.statusCode).toBe(302);
    const cookie = String(click.headers["set-cookie"]).split(";")[0] ?? "";
    expect(cookie).toMatch(/^laurel_vid=/);
    const reply = await apply(api, program.id, applicationOf(uniqueEmail("lou")), { cookie });
    expectStatus(reply, 201);
    expect(reply.body.sponsorId).toBe(recruiter.id);
  });

  it("a malformed body is a 400 and an invalid one a 422, each naming the field, and neither writes anything", async () => {
    const program = await createProgram(api, { name: "Strict", enrolment: "approval" });
    const before = await snapshot(api.db);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: "No email" }, 400, "email"],
      [applicationOf(uniqueEmail("max"), { socials: "instagram" }), 400, "socials"],
      [applicationOf(uniqueEmail("max"), { acceptTerms: "yes" }), 400, "acceptTerms"],
      [applicationOf(uniqueEmail("max"), { status: "active" }), 400, "status"],
      [applicationOf("not-an-address"), 422, "email"],
      [applicationOf(uniqueEmail("max"), { website: "not a site" }), 422, "website"],
      [applicationOf(uniqueEmail("max"), { name: " " }), 422, "name"],
    ];
    for (const [body, status, field] of cases) {
      const reply = await apply(api, program.id, body);
      expectError(reply, status, status === 400 ? "invalid_request" : "validation_failed");
      expect(reply.body).toMatchObject({
        error: { details: [expect.objectContaining({ path: field })] },
      });
    }
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("a website without https:// is taken as written", async () => {
    const program = await createProgram(api, { name: "Bare", enrolment: "approval" });
    const reply = await apply(
      api,
      program.id,
      applicationOf(uniqueEmail("ned"), { website: "www.ned.example" }),
    );
    expectStatus(reply, 201);
    expect(reply.body.application.website).toBe("www.ned.example");
  });

  async function applicant(programId: string, fields: Record<string, unknown> = {}) {
    const reply = await apply(api, programId, applicationOf(uniqueEmail("ora"), fields));
    expectStatus(reply, 201);
    return reply.body;
  }

  const decide = (programId: string, id: string, action: "approve" | "reject", body?: unknown) =>
    api.call<ApplicantBody>("POST", `/v1/programs/${programId}/participants/${id}/${action}`, body);

  it("approving makes the applicant active, tells participant.updated and answers a sign-in link", async () => {
    const program = await createProgram(api, { name: "Approvals", enrolment: "approval" });
    await listenTo(program.id);
    const ora = await applicant(program.id);
    const reply = await decide(program.id, ora.id, "approve");
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      id: ora.id,
      status: "active",
      application: { decision: "approved", reason: null },
    });
    expect(reply.body.application.decidedAt).not.toBeNull();
    expect(reply.body.signInLink).toMatch(new RegExp(`^${PUBLIC_URL}/portal#token=`));
    const session = await api.call(
      "POST",
      "/v1/sessions",
      undefined,
      tokenOf(reply.body.signInLink ?? ""),
    );
    expectStatus(session, 201);
    const updated = await api.db.query<{ data: { changes: unknown } }>(
      "select data from outbox_events where program_id = $1 and type = 'participant.updated'",
      [program.id],
    );
    expect(only(updated).data.changes).toEqual({ status: { from: "applied", to: "active" } });
  });

  it("rejecting keeps the reason and makes the applicant rejected", async () => {
    const program = await createProgram(api, { name: "Rejections", enrolment: "approval" });
    const pia = await applicant(program.id);
    const reply = await decide(program.id, pia.id, "reject", { reason: "Sells counterfeits" });
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      status: "rejected",
      signInLink: null,
      application: { decision: "rejected", reason: "Sells counterfeits" },
    });
    const listed = await api.call<{ items: ApplicantBody[] }>(
      "GET",
      `/v1/programs/${program.id}/participants?status=rejected`,
    );
    expect(only(listed.body.items).application.reason).toBe("Sells counterfeits");
  });

  it("a rejection needs a reason", async () => {
    const program = await createProgram(api, { name: "Reasons", enrolment: "approval" });
    const quin = await applicant(program.id);
    const reply = await decide(program.id, quin.id, "reject", { reason: "  " });
    expectError(reply, 422, "validation_failed");
    expect(reply.body).toMatchObject({ error: { details: [{ path: "reason" }] } });
    expectError(await decide(program.id, quin.id, "reject", {}), 400, "invalid_request");
    const still = await api.call<ApplicantBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${quin.id}`,
    );
    expect(still.body.status).toBe("applied");
  });

  it("deciding twice is a 409, and changes nothing", async () => {
    const program = await createProgram(api, { name: "Once", enrolment: "approval" });
    await listenTo(program.id);
    const rui = await applicant(program.id);
    expectStatus(await decide(program.id, rui.id, "approve"), 200);
    const events = await outboxTypes(api, program.id);
    expectError(await decide(program.id, rui.id, "approve"), 409, "conflict");
    expectError(
      await decide(program.id, rui.id, "reject", { reason: "Changed my mind" }),
      409,
      "conflict",
    );
    expect(await outboxTypes(api, program.id)).toEqual(events);
    const got = await api.call<ApplicantBody>(
      "GET",
      `/v1/programs/${program.id}/participants/${rui.id}`,
    );
    expect(got.body.status).toBe("active");
  });

  it("two decisions at once: one wins, the other is a 409", async () => {
    const program = await createProgram(api, { name: "Race", enrolment: "approval" });
    const sam = await applicant(program.id);
    const replies = await Promise.all([
      decide(program.id, sam.id, "approve"),
      decide(program.id, sam.id, "reject", { reason: "Too late" }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("deciding a participant who never applied is a 422", async () => {
    const program = await createProgram(api, { name: "Added", enrolment: "approval" });
    const tom = await createParticipant(api, program.id, { externalId: "tom", status: "applied" });
    expectError(await decide(program.id, tom.id, "approve"), 422, "validation_failed");
    expectError(
      await decide(program.id, tom.id, "reject", { reason: "no" }),
      422,
      "validation_failed",
    );
  });

  it("the waiting count is the applicants still to decide", async () => {
    const program = await createProgram(api, { name: "Queue", enrolment: "approval" });
    const first = await applicant(program.id);
    await applicant(program.id);
    expectStatus(await decide(program.id, first.id, "approve"), 200);
    const reply = await api.call("GET", `/v1/programs/${program.id}/applications/waiting`);
    expect(reply.body).toEqual({ waiting: 1 });
  });

  it("screening lists the applicant's data and who shares their email or website, blocked ones first", async () => {
    const brandKey = await api.adminKeyFor("screening-brand");
    const program = await createProgram(api, { name: "Screened", enrolment: "approval" }, brandKey);
    const sister = await createProgram(api, { name: "Sister", enrolment: "approval" }, brandKey);
    const email = uniqueEmail("uma");
    // The same person was turned away by the brand's other program.
    const earlier = await api.call<ApplicantBody>(
      "POST",
      `/v1/programs/${sister.id}/applications`,
      applicationOf(email, { website: "https://uma.example" }),
      null,
    );
    expectStatus(earlier, 201);
    expectStatus(
      await api.call(
        "POST",
        `/v1/programs/${sister.id}/participants/${earlier.body.id}/reject`,
        { reason: "Spam" },
        brandKey,
      ),
      200,
    );
    // Someone in this program already has the site, written another way.
    const sibling = await api.call<ApplicantBody>(
      "POST",
      `/v1/programs/${program.id}/applications`,
      applicationOf(uniqueEmail("vic"), { website: "uma.example/shop" }),
      null,
    );
    expectStatus(sibling, 201);
    // Another brand's participant with the same email is none of this brand's business.
    const foreign = await createProgram(api, { name: "Foreign", enrolment: "approval" });
    await createParticipant(api, foreign.id, { externalId: "uma-elsewhere", email });

    const uma = await api.call<ApplicantBody>(
      "POST",
      `/v1/programs/${program.id}/applications`,
      applicationOf(email, { website: "https://WWW.uma.example/about" }),
      null,
    );
    expectStatus(uma, 201);
    const list = await api.call<{ items: ApplicantBody[] }>(
      "GET",
      `/v1/programs/${program.id}/participants?status=applied`,
      undefined,
      brandKey,
    );
    expectStatus(list, 200);
    const listed = list.body.items.find((p) => p.id === uma.body.id);
    expect(listed?.application).toMatchObject({
      website: "https://WWW.uma.example/about",
      socials: ["https://instagram.com/ana.makes"],
      message: "I review running shoes.",
    });
    expect(listed?.application.matches).toEqual([
      {
        participantId: earlier.body.id,
        programId: sister.id,
        programName: "Sister",
        externalId: earlier.body.externalId,
        name: "Ana Souza",
        status: "rejected",
        sameProgram: false,
        on: ["email", "website"],
        blocked: true,
      },
      {
        participantId: sibling.body.id,
        programId: program.id,
        programName: "Screened",
        externalId: sibling.body.externalId,
        name: "Ana Souza",
        status: "applied",
        sameProgram: true,
        on: ["website"],
        blocked: false,
      },
    ]);
  });

  it("a participant added through the API lists with no application", async () => {
    const program = await createProgram(api, { name: "Plain" });
    await createParticipant(api, program.id, { externalId: "wes" });
    const list = await api.call<{ items: { application: unknown }[] }>(
      "GET",
      `/v1/programs/${program.id}/participants`,
    );
    expect(only(list.body.items).application).toBeNull();
  });

  it("the country comes from CF-IPCountry only behind a trusted proxy", async () => {
    const program = await createProgram(api, { name: "Countries", enrolment: "approval" });
    const direct = await apply(api, program.id, applicationOf(uniqueEmail("xia")), {
      "cf-ipcountry": "BR",
    });
    expect(direct.body.application.ipCountry).toBeNull();

    const proxied = await newApp(api.services, { trustProxy: true, rateLimits: NO_RATE_LIMITS });
    try {
      const reply = await proxied.inject({
        method: "POST",
        url: `/v1/programs/${program.id}/applications`,
        headers: { "content-type": "application/json", "cf-ipcountry": "br" },
        payload: JSON.stringify(applicationOf(uniqueEmail("yan"))),
      });
      expect(reply.statusCode).toBe(201);
      expect(reply.json<ApplicantBody>().application.ipCountry).toBe("BR");
    } finally {
      await proxied.close();
    }
  });

  it("the apply form names the program, its look, its enrolment and its current terms, safely rendered", async () => {
    const program = await createProgram(api, {
      name: "Formed",
      enrolment: "approval",
      branding: { logoUrl: "https://brand.example/logo.png", color: "#0f766e" },
    });
    expectStatus(
      await api.call("PUT", `/v1/programs/${program.id}/terms`, {
        body: "# Rules\n\n<script>alert(1)</script> Be **kind**.",
      }),
      201,
    );
    const reply = await api.call<{
      terms: { version: number; html: string };
      [field: string]: unknown;
    }>("GET", `/v1/programs/${program.id}/application-form`, undefined, null);
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      programId: program.id,
      name: "Formed",
      branding: { logoUrl: "https://brand.example/logo.png", color: "#0f766e" },
      enrolment: "approval",
      // No mail is set up here: the page must not promise one.
      decisionMailed: false,
      terms: { version: 1 },
    });
    expect(reply.body.terms.html).toContain("<strong>kind</strong>");
    expect(reply.body.terms.html).not.toContain("<script>");
    expectError(
      await api.call("GET", "/v1/programs/prg_nothing/application-form", undefined, null),
      404,
      "not_found",
    );
  });
});

describeEachBackend("applications and who may decide them", (backend) => {
  const api = useApi(backend, { rateLimits: NO_RATE_LIMITS });
  let programId = "";
  let applicantId = "";

  beforeAll(async () => {
    const program = await createProgram(api, { name: "Guarded", enrolment: "approval" });
    programId = program.id;
    const reply = await apply(api, programId, applicationOf(uniqueEmail("zed")));
    expectStatus(reply, 201);
    applicantId = reply.body.id;
  });

  it("applying needs no credentials, and an admin key changes nothing about it", async () => {
    const reply = await api.call(
      "POST",
      `/v1/programs/${programId}/applications`,
      applicationOf(uniqueEmail("abe")),
      api.otherKey,
    );
    expectStatus(reply, 201);
  });

  it("another brand's key cannot see, approve or reject the applicant: 404", async () => {
    const url = `/v1/programs/${programId}/participants/${applicantId}`;
    expectError(
      await api.call("POST", `${url}/approve`, undefined, api.otherKey),
      404,
      "not_found",
    );
    expectError(
      await api.call("POST", `${url}/reject`, { reason: "intrusion" }, api.otherKey),
      404,
      "not_found",
    );
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${programId}/participants?status=applied`,
        undefined,
        api.otherKey,
      ),
      404,
      "not_found",
    );
  });

  it("a participant token cannot approve or reject, not even its own application: 403", async () => {
    const token = await api.call<{ token: string }>(
      "POST",
      `/v1/programs/${programId}/participants/${applicantId}/tokens`,
    );
    expectStatus(token, 201);
    const url = `/v1/programs/${programId}/participants/${applicantId}`;
    expectError(
      await api.call("POST", `${url}/approve`, undefined, token.body.token),
      403,
      "forbidden",
    );
    expectError(
      await api.call("POST", `${url}/reject`, { reason: "self" }, token.body.token),
      403,
      "forbidden",
    );
  });

  it("approving or rejecting with no credentials is a 401", async () => {
    const url = `/v1/programs/${programId}/participants/${applicantId}`;
    expectError(await api.call("POST", `${url}/approve`, undefined, null), 401, "unauthorized");
    expectError(
      await api.call("POST", `${url}/reject`, { reason: "x" }, null),
      401,
      "unauthorized",
    );
    const still = await api.call<ApplicantBody>("GET", url);
    expect(still.body.status).toBe("applied");
  });
});

describeEachBackend("the public apply route's rate limit", (backend) => {
  // The app's real limits: the route's own is far below the address limit.
  const api = useApi(backend);

  it("takes 10 applications a minute from one address, then answers 429 with Retry-After", async () => {
    const program = await createProgram(api, { name: "Limited", enrolment: "approval" });
    const send = (remoteAddress: string) =>
      api.app.inject({
        method: "POST",
        url: `/v1/programs/${program.id}/applications`,
        remoteAddress,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify(applicationOf(uniqueEmail("rl"))),
      });
    for (let i = 0; i < 10; i++) expect((await send("203.0.113.7")).statusCode).toBe(201);
    const limited = await send("203.0.113.7");
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(limited.headers["retry-after"]).toBeDefined();
    // Someone else is not held back by it.
    expect((await send("203.0.113.8")).statusCode).toBe(201);
  });
});

describeEachBackend("application.submitted, delivered to a receiver", (backend) => {
  const api = useApi(backend, { allowPrivateWebhooks: true, rateLimits: NO_RATE_LIMITS });
  const hits: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string") headers[name] = value;
      hits.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
      res.end("ok");
    });
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it("sends the applicant and what they sent, signed, once the application commits", async () => {
    const { port } = server.address() as AddressInfo;
    const program = await createProgram(api, { name: "Told", enrolment: "approval" });
    const recruiter = await createParticipant(api, program.id, { externalId: "rec" });
    const endpoint = await api.call<{ secret: string }>("POST", "/v1/webhook-endpoints", {
      url: `http://127.0.0.1:${port}/hooks`,
      events: ["application.submitted"],
      programId: program.id,
    });
    expectStatus(endpoint, 201);
    const email = uniqueEmail("told");
    const reply = await apply(
      api,
      program.id,
      applicationOf(email, { sponsor: recruiter.referralCode }),
    );
    expectStatus(reply, 201);

    await deliverDueWebhooks(api.services);
    const hit = only(hits);
    const body = new Webhook(endpoint.body.secret).verify(hit.body, hit.headers) as {
      type: string;
      programId: string;
      data: { participant: { id: string; status: string; email: string }; application: unknown };
    };
    expect(body).toMatchObject({
      type: "application.submitted",
      programId: program.id,
      data: {
        participant: { id: reply.body.id, status: "applied", email },
        application: {
          website: "https://ana.example",
          socials: ["https://instagram.com/ana.makes"],
          message: "I review running shoes.",
          sponsor: { id: recruiter.id, externalId: "rec" },
          ipCountry: null,
          appliedAt: reply.body.application.appliedAt,
        },
      },
    });
  });

  it("a refused application tells nothing", async () => {
    const program = await createProgram(api, { name: "Quiet", enrolment: "approval" });
    const before = hits.length;
    expectStatus(await apply(api, program.id, { email: "bad" }), 400);
    await deliverDueWebhooks(api.services);
    expect(hits.length).toBe(before);
    expect(await outboxTypes(api, program.id)).toEqual([]);
  });
});

describeEachBackend("decision mails", (backend) => {
  const options: ApiOptions = { rateLimits: NO_RATE_LIMITS };
  const smtp = useSmtpInbox(options);
  const api = useApi(backend, options);

  async function deliveredTo(to: string): Promise<ReceivedMail[]> {
    const { inbox, mailer } = smtp();
    await sendDueMails(api.services, mailer);
    return inbox.received.filter((m) => m.to.some((r) => r.toLowerCase() === to.toLowerCase()));
  }

  async function applicantOf(programId: string, email: string) {
    const reply = await apply(api, programId, applicationOf(email, { name: "Ana" }));
    expectStatus(reply, 201);
    return reply.body;
  }

  it("an approved applicant is mailed a sign-in link that opens the portal", async () => {
    const program = await createProgram(api, { name: "Mailed", enrolment: "approval" });
    const form = await api.call(
      "GET",
      `/v1/programs/${program.id}/application-form`,
      undefined,
      null,
    );
    expect(form.body).toMatchObject({ decisionMailed: true });
    const email = uniqueEmail("ana");
    const ana = await applicantOf(program.id, email);
    expect(await deliveredTo(email)).toEqual([]);
    const approved = await api.call<ApplicantBody>(
      "POST",
      `/v1/programs/${program.id}/participants/${ana.id}/approve`,
    );
    expectStatus(approved, 200);
    const mail = only(await deliveredTo(email));
    expect(mail.headers.subject).toBe("Welcome to Mailed: your application is approved");
    expect(mail.parts["text/plain"]).toContain("Hello Ana,");
    const link = linkIn(mail);
    // The link mailed is the one answered, so the console shows the same.
    expect(link).toBe(approved.body.signInLink);
    expect(mail.parts["text/html"]).toContain(`href="${link}"`);
    const session = await api.call("POST", "/v1/sessions", undefined, tokenOf(link));
    expectStatus(session, 201);
  });

  it("a rejected applicant is mailed the decision without the brand's reason", async () => {
    const program = await createProgram(api, { name: "Picky", enrolment: "approval" });
    const email = uniqueEmail("ben");
    const ben = await applicantOf(program.id, email);
    expectStatus(
      await api.call("POST", `/v1/programs/${program.id}/participants/${ben.id}/reject`, {
        reason: "Matches a suspended account",
      }),
      200,
    );
    const mail = only(await deliveredTo(email));
    expect(mail.headers.subject).toBe("Your application to Picky");
    expect(mail.parts["text/plain"]).toContain("cannot accept it this time");
    expect(mail.parts["text/plain"]).not.toContain("suspended");
    expect(mail.parts["text/plain"]).not.toContain("#token=");
  });

  it("a program that turned decision mails off mails no one, and still answers the link", async () => {
    const program = await createProgram(api, {
      name: "Silent",
      enrolment: "approval",
      notifications: { applicationDecided: false },
    });
    const form = await api.call(
      "GET",
      `/v1/programs/${program.id}/application-form`,
      undefined,
      null,
    );
    expect(form.body).toMatchObject({ decisionMailed: false });
    const email = uniqueEmail("cy");
    const cy = await applicantOf(program.id, email);
    const approved = await api.call<ApplicantBody>(
      "POST",
      `/v1/programs/${program.id}/participants/${cy.id}/approve`,
    );
    expectStatus(approved, 200);
    expect(approved.body.signInLink).toMatch(/#token=/);
    expect(await deliveredTo(email)).toEqual([]);
  });
});
