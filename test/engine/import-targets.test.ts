import { expect, it } from "vitest";
import { importTargets, TARGET_CHUNK_ROWS } from "../../src/engine/import-targets.ts";
import { findProgramById } from "../../src/store/programs.ts";
import { loadTargets, targetKey } from "../../src/store/targets.ts";
import { countRows, createParticipant, createProgram, useApi } from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { addGoal, perParticipantGoal, targetsCsv } from "../support/targets.ts";

describeEachBackend("importTargets", (backend) => {
  const api = useApi(backend);

  async function programWithGoal() {
    const program = await findProgramById(api.db, (await createProgram(api)).id);
    if (!program) throw new Error("the program was not stored");
    const goalId = await addGoal(api.services, program.id, perParticipantGoal("monthly"));
    return { program, goalId };
  }

  it("hashes the bytes: a Buffer and the same text are one file, and the import keeps its source and name", async () => {
    const { program, goalId } = await programWithGoal();
    const ana = await createParticipant(api, program.id, { externalId: "amb-42" });
    const text = targetsCsv(`amb-42,${goalId},2026-11,500000`);
    const first = await importTargets(api.services, program, {
      text: Buffer.from(text),
      fileName: "november.csv",
      source: "cli",
    });
    expect(first).toMatchObject({ status: "imported", rows: 1 });
    const again = await importTargets(api.services, program, { text, source: "api" });
    expect(again).toEqual({ ...first, status: "duplicate" });
    const [stored] = await api.db.query<{
      source: string;
      file_name: string;
      content_hash: string;
    }>("select source, file_name, content_hash from target_imports where program_id = $1", [
      program.id,
    ]);
    expect(stored).toMatchObject({ source: "cli", file_name: "november.csv" });
    expect(stored?.content_hash).toMatch(/^[0-9a-f]{64}$/);
    const targets = await loadTargets(api.db, program.id, [ana.id]);
    expect([...targets]).toEqual([[targetKey(goalId, ana.id, "2026-11"), 500000]]);
  });

  it("takes a spreadsheet's byte order mark, CRLF line ends and blank lines", async () => {
    const { program, goalId } = await programWithGoal();
    await createParticipant(api, program.id, { externalId: "amb-42" });
    const text = `\ufeffparticipant,goal,period,target\r\n\r\namb-42,${goalId},2026-11, 7 \r\n`;
    expect(await importTargets(api.services, program, { text, source: "api" })).toMatchObject({
      status: "imported",
      rows: 1,
    });
  });

  it("writes 100,000 rows in chunks, reporting progress after each, in one import", async () => {
    const { program } = await programWithGoal();
    const goals = await Promise.all(
      Array.from({ length: 10 }, () =>
        addGoal(api.services, program.id, perParticipantGoal("monthly")),
      ),
    );
    await api.db.query(
      `insert into participants (program_id, id, external_id, status, referral_code)
       select $1, 'par_' || $2 || lpad(n::text, 6, '0'), 'p-' || n, 'active', $2 || n
       from generate_series(1, 1000) n`,
      [program.id, program.id.slice(-8)],
    );
    const rows: string[] = [];
    for (let p = 1; p <= 1000; p++)
      for (const goal of goals)
        for (let month = 1; month <= 10; month++)
          rows.push(`p-${p},${goal},2026-${String(month).padStart(2, "0")},${p * 100 + month}`);
    const progress: [number, number][] = [];
    const result = await importTargets(
      api.services,
      program,
      { text: targetsCsv(...rows), source: "cli" },
      (written, total) => progress.push([written, total]),
    );
    expect(result).toMatchObject({ status: "imported", rows: 100_000 });
    expect(progress).toHaveLength(100_000 / TARGET_CHUNK_ROWS);
    expect(progress.at(-1)).toEqual([100_000, 100_000]);
    expect(await countRows(api.db, "participant_targets", program.id)).toBe(100_000);
    const [sample] = await api.db.query<{ target: number }>(
      `select t.target from participant_targets t
       join participants p on p.program_id = t.program_id and p.id = t.participant_id
       where t.program_id = $1 and p.external_id = 'p-737' and t.goal_id = $2 and t.period = '2026-04'`,
      [program.id, goals[3]],
    );
    expect(sample?.target).toBe(73704);
  }, 120_000);

  it("reads a limited set of goals", async () => {
    const { program, goalId } = await programWithGoal();
    const other = await addGoal(api.services, program.id, perParticipantGoal("quarterly"));
    const ana = await createParticipant(api, program.id, { externalId: "amb-42" });
    await importTargets(api.services, program, {
      text: targetsCsv(`amb-42,${goalId},2026-11,5`, `amb-42,${other},2026-Q4,9`),
      source: "api",
    });
    const targets = await loadTargets(api.db, program.id, [ana.id], [other]);
    expect([...targets]).toEqual([[targetKey(other, ana.id, "2026-Q4"), 9]]);
    expect((await loadTargets(api.db, program.id, [ana.id], [])).size).toBe(0);
  });
});
