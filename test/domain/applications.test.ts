import { describe, expect, it } from "vitest";
import {
  countryOf,
  decisionRefusal,
  matchesOf,
  statusAfter,
  websiteHostOf,
  type MatchCandidate,
} from "../../src/domain/applications.ts";

describe("the website host two applications share", () => {
  it.each([
    ["https://ana.example", "ana.example"],
    ["https://www.Ana.example/shop?x=1", "ana.example"],
    ["http://ana.example.:8080/", "ana.example"],
    ["ana.example", "ana.example"],
    ["www.ana.example/about", "ana.example"],
    ["  https://blog.ana.example  ", "blog.ana.example"],
    ["not a site", null],
    ["localhost", null],
    ["", null],
    [null, null],
    [undefined, null],
  ])("%j is %j", (website, host) => {
    expect(websiteHostOf(website)).toBe(host);
  });
});

describe("an applicant's matches", () => {
  const candidate = (
    fields: Partial<MatchCandidate> & { participantId: string },
  ): MatchCandidate => ({
    programId: "prg_a",
    programName: "A",
    externalId: fields.participantId,
    name: null,
    email: null,
    status: "active",
    websiteHost: null,
    ...fields,
  });
  const applicant = {
    participantId: "par_new",
    programId: "prg_a",
    email: "Ana@Example.com",
    websiteHost: "ana.example",
  };

  it("names who shares the email in any case, or the website host, and leaves the applicant out", () => {
    const matches = matchesOf(applicant, [
      candidate({ participantId: "par_new", email: "ana@example.com" }),
      candidate({ participantId: "par_1", email: "ANA@example.com" }),
      candidate({ participantId: "par_2", websiteHost: "ana.example" }),
      candidate({ participantId: "par_3", email: "ana@example.com", websiteHost: "ana.example" }),
      candidate({ participantId: "par_4", email: "ben@example.com", websiteHost: "ben.example" }),
    ]);
    expect(matches.map((m) => [m.participantId, m.on])).toEqual([
      ["par_1", ["email"]],
      ["par_2", ["website"]],
      ["par_3", ["email", "website"]],
    ]);
  });

  it("the same participant id in another program is someone else, and is named", () => {
    const matches = matchesOf(applicant, [
      candidate({ participantId: "par_new", programId: "prg_b", email: "ana@example.com" }),
    ]);
    expect(matches).toMatchObject([
      { participantId: "par_new", programId: "prg_b", sameProgram: false },
    ]);
  });

  it("puts blocked matches first, then this program's, then the brand's other programs'", () => {
    const matches = matchesOf(applicant, [
      candidate({ participantId: "par_1", programId: "prg_b", email: "ana@example.com" }),
      candidate({ participantId: "par_2", email: "ana@example.com" }),
      candidate({
        participantId: "par_3",
        programId: "prg_b",
        email: "ana@example.com",
        status: "rejected",
      }),
      candidate({ participantId: "par_4", email: "ana@example.com", status: "suspended" }),
    ]);
    expect(matches.map((m) => [m.participantId, m.blocked, m.sameProgram])).toEqual([
      ["par_4", true, true],
      ["par_3", true, false],
      ["par_2", false, true],
      ["par_1", false, false],
    ]);
  });

  it("an applicant with neither email nor website matches no one", () => {
    expect(
      matchesOf({ ...applicant, email: null, websiteHost: null }, [
        candidate({ participantId: "par_1" }),
      ]),
    ).toEqual([]);
  });
});

describe("deciding an application", () => {
  it.each([
    ["applied", { decision: null }, null],
    ["applied", null, "not_applied"],
    ["active", { decision: "approved" }, "already_decided"],
    ["rejected", { decision: "rejected" }, "already_decided"],
    // Made active by hand (PATCH) before anyone decided: there is nothing left to decide.
    ["active", { decision: null }, "already_decided"],
  ] as const)("a participant %s with %j: %s", (status, application, code) => {
    expect(decisionRefusal(status, application)?.code ?? null).toBe(code);
  });

  it("approval makes the applicant active, rejection rejected", () => {
    expect(statusAfter("approved")).toBe("active");
    expect(statusAfter("rejected")).toBe("rejected");
  });
});

describe("the country a trusted proxy names", () => {
  it.each([
    ["BR", "BR"],
    ["br", "BR"],
    [["PT", "ES"], "PT"],
    ["XX", null],
    ["T1", null],
    ["Brazil", null],
    [undefined, null],
  ])("%j is %j", (header, country) => {
    expect(countryOf(header)).toBe(country);
  });
});
