import { describe, expect, it } from "vitest";
import {
  countRows,
  createParticipant,
  createProgram,
  csvBody,
  expectError,
  expectStatus,
  RawBody,
  snapshot,
  useApi,
  type Collection,
  type ErrorBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { addGoal, fixedGoal, perParticipantGoal, targetsCsv } from "../support/targets.ts";

interface ImportBody {
  importId: string;
  rows: number;
  duplicate: boolean;
  grants: unknown[];
}

interface TargetBody {
  goalId: string;
  period: string;
  target: number;
}

interface TargetErrorBody {
  error: {
    code: string;
    message: string;
    details: { line: number; field: string; message: string }[];
  };
}

describeEachBackend("targets API", (backend) => {
  const api = useApi(backend);

  /** A program with two participants, a monthly and a quarterly per-participant goal. */
  async function setup() {
    const program = await createProgram(api);
    const ana = await createParticipant(api, program.id, { externalId: "amb-42" });
    const sam = await createParticipant(api, program.id, { externalId: "amb-43" });
    const monthly = await addGoal(api.services, program.id, perParticipantGoal("monthly"));
    const quarterly = await addGoal(api.services, program.id, perParticipantGoal("quarterly"));
    return { programId: program.id, ana, sam, monthly, quarterly };
  }

  const importUrl = (programId: string) => `/v1/programs/${programId}/targets`;

  const targetsOf = async (programId: string, participantId: string, query = "") => {
    const reply = await api.call<Collection<TargetBody>>(
      "GET",
      `/v1/programs/${programId}/participants/${participantId}/targets${query}`,
    );
    expectStatus(reply, 200);
    return reply.body;
  };

  it("imports a file: 201 with the import id and row count, and each participant reads their targets", async () => {
    const { programId, ana, sam, monthly, quarterly } = await setup();
    const reply = await api.call<ImportBody>(
      "POST",
      importUrl(programId),
      csvBody(
        targetsCsv(
          `amb-42,${monthly},2026-11,500000`,
          `amb-42,${monthly},2026-12,550000`,
          `amb-43,${quarterly},2026-Q4,120`,
        ),
      ),
    );
    expectStatus(reply, 201);
    expect(reply.body).toEqual({
      importId: expect.stringMatching(/^tgi_[0-9A-Z]{26}$/),
      rows: 3,
      duplicate: false,
      grants: [],
    });
    expect(await targetsOf(programId, ana.id)).toEqual({
      items: [
        { goalId: monthly, period: "2026-11", target: 500000 },
        { goalId: monthly, period: "2026-12", target: 550000 },
      ],
      next: null,
    });
    expect((await targetsOf(programId, sam.id)).items).toEqual([
      { goalId: quarterly, period: "2026-Q4", target: 120 },
    ]);
  });

  it("answers the same file again with 200, duplicate: true and the first import, and changes nothing", async () => {
    const { programId, monthly } = await setup();
    const file = csvBody(targetsCsv(`amb-42,${monthly},2026-11,500000`));
    const first = await api.call<ImportBody>("POST", importUrl(programId), file);
    expectStatus(first, 201);
    const before = await snapshot(api.db);
    const again = await api.call<ImportBody>("POST", importUrl(programId), file);
    expectStatus(again, 200);
    expect(again.body).toEqual({
      importId: first.body.importId,
      rows: 1,
      duplicate: true,
      grants: [],
    });
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("imports the same file sent twice at once only once", async () => {
    const { programId, monthly } = await setup();
    const file = csvBody(targetsCsv(`amb-42,${monthly},2026-11,1`, `amb-43,${monthly},2026-11,2`));
    const replies = await Promise.all([
      api.call<ImportBody>("POST", importUrl(programId), file),
      api.call<ImportBody>("POST", importUrl(programId), file),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(new Set(replies.map((r) => r.body.importId)).size).toBe(1);
    expect(await countRows(api.db, "target_imports", programId)).toBe(1);
    expect(await countRows(api.db, "participant_targets", programId)).toBe(2);
  });

  it("replaces a target a later file sets again", async () => {
    const { programId, ana, monthly } = await setup();
    for (const target of [500000, 450000]) {
      const reply = await api.call(
        "POST",
        importUrl(programId),
        csvBody(targetsCsv(`amb-42,${monthly},2026-11,${target}`)),
      );
      expectStatus(reply, 201);
    }
    expect((await targetsOf(programId, ana.id)).items).toEqual([
      { goalId: monthly, period: "2026-11", target: 450000 },
    ]);
  });

  it("refuses a file with bad rows with a 422 that names every bad row by line, and writes nothing", async () => {
    const { programId, monthly, quarterly } = await setup();
    const fixed = await addGoal(api.services, programId, fixedGoal);
    const before = await snapshot(api.db);
    const reply = await api.call<TargetErrorBody>(
      "POST",
      importUrl(programId),
      csvBody(
        targetsCsv(
          `amb-42,${monthly},2026-11,500000`,
          `nobody,${monthly},2026-11,100`,
          `amb-42,${quarterly},2026-11,100`,
          `amb-43,${fixed},2026-11,100`,
          `amb-43,${monthly},2026-11,12.50`,
          `amb-42,${monthly},2026-11,600000`,
        ),
      ),
    );
    expectError(reply, 422, "validation_failed");
    expect(reply.body.error.message).toMatch(/5 bad rows/);
    expect(reply.body.error.details.map((d) => [d.line, d.field])).toEqual([
      [3, "participant"],
      [4, "period"],
      [5, "goal"],
      [6, "target"],
      [7, "row"],
    ]);
    expect(reply.body.error.details[4]?.message).toMatch(/repeats line 2/);
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("refuses a wrong header, an empty file and a file that is not CSV", async () => {
    const { programId, monthly } = await setup();
    const header = await api.call<TargetErrorBody>(
      "POST",
      importUrl(programId),
      csvBody(`external_id,goal,period,target\namb-42,${monthly},2026-11,1\n`),
    );
    expectError(header, 422, "validation_failed");
    expect(header.body.error.details).toEqual([
      {
        line: 1,
        field: "header",
        message: expect.stringMatching(/participant,goal,period,target/),
      },
    ]);
    const empty = await api.call<TargetErrorBody>(
      "POST",
      importUrl(programId),
      csvBody(targetsCsv()),
    );
    expectError(empty, 422, "validation_failed");
    const broken = await api.call<TargetErrorBody>(
      "POST",
      importUrl(programId),
      csvBody(targetsCsv(`amb-42,${monthly},2026-11,1`, `"amb-43,${monthly},2026-11,1`)),
    );
    expectError(broken, 422, "validation_failed");
    expect(broken.body.error.details[0]).toMatchObject({ line: 3, field: "row" });
    expect(await countRows(api.db, "participant_targets", programId)).toBe(0);
  });

  it("answers 415 for a body that is not text/csv, and for no body at all", async () => {
    const { programId } = await setup();
    const json = await api.call("POST", importUrl(programId), { participant: "amb-42" });
    expectError(json, 415, "malformed_request");
    expect((json.body as ErrorBody).error.message).toMatch(/text\/csv/);
    const xml = await api.call(
      "POST",
      importUrl(programId),
      new RawBody("application/xml", "<x/>"),
    );
    expectError(xml, 415, "malformed_request");
    expect((xml.body as ErrorBody).error.message).toMatch(/text\/csv/);
    expectError(await api.call("POST", importUrl(programId)), 415, "malformed_request");
  });

  it("answers 415 for a CSV body sent to a JSON route", async () => {
    const reply = await api.call("POST", "/v1/programs", csvBody("name,currency\nx,USD\n"));
    expectError(reply, 415, "malformed_request");
    expect((reply.body as ErrorBody).error.message).toMatch(/application\/json/);
  });

  it("takes files larger than the 10 MB other routes take", async () => {
    const { programId } = await setup();
    const large = `who,what,when,how much\n${`${"x".repeat(1000)}\n`.repeat(11 * 1024)}`;
    const reply = await api.call<TargetErrorBody>("POST", importUrl(programId), csvBody(large));
    expectError(reply, 422, "validation_failed");
    expect(reply.body.error.details).toEqual([
      { line: 1, field: "header", message: expect.any(String) },
    ]);
    const elsewhere = await api.call("POST", "/v1/programs", csvBody(large));
    expectError(elsewhere, 413, "malformed_request");
    expect((elsewhere.body as ErrorBody).error.message).toMatch(/at most 10 MB/);
  });

  it("answers 404 for another brand's program and writes nothing", async () => {
    const { programId, monthly } = await setup();
    const before = await snapshot(api.db);
    const reply = await api.call(
      "POST",
      importUrl(programId),
      csvBody(targetsCsv(`amb-42,${monthly},2026-11,1`)),
      api.otherKey,
    );
    expectError(reply, 404, "not_found");
    expect(await snapshot(api.db)).toEqual(before);
  });

  it("lists a participant's targets a page at a time", async () => {
    const { programId, ana, monthly } = await setup();
    const months = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"];
    const reply = await api.call(
      "POST",
      importUrl(programId),
      csvBody(targetsCsv(...months.map((m, i) => `amb-42,${monthly},${m},${i + 1}`))),
    );
    expectStatus(reply, 201);
    const seen: string[] = [];
    let query = "?limit=2";
    for (;;) {
      const page = await targetsOf(programId, ana.id, query);
      seen.push(...page.items.map((t) => t.period));
      if (page.next === null) break;
      query = `?limit=2&cursor=${page.next}`;
    }
    expect(seen).toEqual(months);
    const unknown = await api.call(
      "GET",
      `/v1/programs/${programId}/participants/par_nobody/targets`,
    );
    expectError(unknown, 404, "not_found");
  });
});
