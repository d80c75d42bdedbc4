import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progressBar } from "../../src/cli/import-targets.ts";
import { openPglite } from "../../src/store/db.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  openApi,
  order,
  sendEvents,
} from "../support/api.ts";
import { addGoal, perParticipantGoal, targetsCsv } from "../support/targets.ts";
import { laurel } from "../support/cli.ts";

describe("laurel import targets", () => {
  let dir = "";
  let dataDir = "";
  let programId = "";
  let goalId = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "laurel-import-targets-"));
    dataDir = join(dir, "data");
    const api = await openApi({ name: "pglite", open: () => openPglite(dataDir) });
    try {
      programId = (await createProgram(api)).id;
      await createParticipant(api, programId, { externalId: "amb-42" });
      await createParticipant(api, programId, { externalId: "amb-43" });
      goalId = await addGoal(api.services, programId, perParticipantGoal("monthly"));
    } finally {
      await api.close();
    }
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function targetsStored(): Promise<{ external_id: string; target: number }[]> {
    const db = await openPglite(dataDir);
    try {
      return await db.query(
        `select p.external_id, t.target from participant_targets t
         join participants p on p.program_id = t.program_id and p.id = t.participant_id
         where t.program_id = $1 order by p.external_id`,
        [programId],
      );
    } finally {
      await db.close();
    }
  }

  it("imports a file, shows progress on stderr, and says so; the same file again changes nothing", async () => {
    const file = join(dir, "november.csv");
    await writeFile(
      file,
      targetsCsv(`amb-42,${goalId},2026-11,500000`, `amb-43,${goalId},2026-11,7`),
    );
    const first = await laurel(dataDir, "import", "targets", file, "--program", programId);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/^imported 2 targets from .*november\.csv \(import tgi_\w+\)\n$/);
    expect(first.stderr).toContain("wrote 2 of 2 rows (100%)");
    expect(await targetsStored()).toEqual([
      { external_id: "amb-42", target: 500000 },
      { external_id: "amb-43", target: 7 },
    ]);

    const again = await laurel(dataDir, "import", "targets", file, "--program", programId);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/was already imported as tgi_\w+ \(2 targets\); nothing changed/);
  }, 60_000);

  it("lists every bad row by line number and exits non-zero, importing nothing", async () => {
    const file = join(dir, "bad.csv");
    await writeFile(
      file,
      targetsCsv(
        `amb-42,${goalId},2026-12,1`,
        `nobody,${goalId},2026-12,1`,
        `amb-43,${goalId},2026-Q4,1`,
      ),
    );
    const run = await laurel(dataDir, "import", "targets", file, "--program", programId);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/2 bad rows; nothing was imported/);
    expect(run.stderr).toMatch(/^line 3, participant: .*"nobody"/m);
    expect(run.stderr).toMatch(/^line 4, period: /m);
    expect((await targetsStored()).length).toBe(2);
  }, 60_000);

  it("explains a missing argument, an unknown program and an unreadable file", async () => {
    const usage = await laurel(dataDir, "import", "targets", "x.csv");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/usage: laurel import targets FILE --program ID/);
    const unknown = await laurel(dataDir, "import", "targets", "x.csv", "--program", "prg_nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no program prg_nope/);
    const missing = await laurel(
      dataDir,
      "import",
      "targets",
      join(dir, "none.csv"),
      "--program",
      programId,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*none\.csv/);
  }, 60_000);

  it("grants at once the steps a new target puts a participant past, as the API import does", async () => {
    // This month's window, on the clock the command runs by.
    const now = new Date();
    const period = now.toISOString().slice(0, 7);
    const api = await openApi({ name: "pglite", open: () => openPglite(dataDir) });
    try {
      const sale = await sendEvents(
        api,
        programId,
        order("o-cli-1", {
          participant: "amb-42",
          occurredAt: now.toISOString(),
          items: [{ sku: "SHIRT", quantity: 1, unitAmount: 30000 }],
        }),
      );
      expectStatus(sale, 200);
    } finally {
      await api.close();
    }
    const file = join(dir, "this-month.csv");
    await writeFile(file, targetsCsv(`amb-42,${goalId},${period},30000`));
    expect(await laurel(dataDir, "import", "targets", file, "--program", programId)).toMatchObject({
      code: 0,
    });
    const db = await openPglite(dataDir);
    try {
      const grants = await db.query<{ step: number; window_key: string }>(
        "select step, window_key from goal_grants where program_id = $1 and goal_id = $2",
        [programId, goalId],
      );
      expect(grants).toEqual([{ step: 1, window_key: period }]);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe("the progress bar", () => {
  const recorder = (isTTY: boolean) => {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) };
  };

  it("prints a line per tenth when stderr is not a terminal", () => {
    const out = recorder(false);
    const report = progressBar(out);
    for (let written = 5000; written <= 100_000; written += 5000) report(written, 100_000);
    expect(out.written).toHaveLength(10);
    expect(out.written[0]).toBe("wrote 10000 of 100000 rows (10%)\n");
    expect(out.written.at(-1)).toBe("wrote 100000 of 100000 rows (100%)\n");
  });

  it("redraws a bar in place on a terminal and ends the line when done", () => {
    const out = recorder(true);
    const report = progressBar(out);
    report(50, 100);
    report(100, 100);
    expect(out.written[0]).toMatch(/^\r\[#{15}\.{15}\]  50% 50\/100 rows$/);
    expect(out.written.slice(1)).toEqual([expect.stringMatching(/^\r\[#{30}\] 100%/), "\n"]);
  });
});
