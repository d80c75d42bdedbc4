import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMinor, runSimulate } from "../../src/cli/simulate.ts";
import { openPglite } from "../../src/store/db.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  openApi,
  order,
  sendEvents,
  snapshot,
} from "../support/api.ts";
import { laurel } from "../support/cli.ts";

describe("laurel simulate", () => {
  let dir = "";
  let dataDir = "";
  let programId = "";

  /**
   * Ana, sponsored by Ben; 10% to the seller, 3% to the sponsor. In November
   * Ana sells two shirts at 25.00: Ana is booked 5.00 and Ben 1.50.
   */
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "laurel-simulate-"));
    dataDir = join(dir, "data");
    const api = await openApi({ name: "pglite", open: () => openPglite(dataDir) });
    try {
      programId = (await createProgram(api)).id;
      await createParticipant(api, programId, { externalId: "ben", name: "Ben" });
      const ana = await createParticipant(api, programId, {
        externalId: "ana",
        name: "Ana",
        sponsor: "ben",
      });
      const sent = await sendEvents(
        api,
        programId,
        order("nov-1", { code: ana.referralCode, occurredAt: "2026-11-05T10:00:00Z" }),
      );
      expectStatus(sent, 200);
    } finally {
      await api.close();
    }
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function draftFile(name: string, content: string): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  }

  async function rowsStored() {
    const db = await openPglite(dataDir);
    try {
      return await snapshot(db);
    } finally {
      await db.close();
    }
  }

  const november = ["--from", "2026-11-01", "--to", "2026-12-01"];

  it("prints what was booked beside what the draft would have booked, and writes nothing", async () => {
    const file = await draftFile(
      "twelve.json",
      JSON.stringify({ program: { commission: { rate: { percent: 12 } } } }),
    );
    const before = await rowsStored();
    const run = await laurel(
      dataDir,
      "simulate",
      "--program",
      programId,
      "--draft",
      file,
      ...november,
    );
    expect(run).toMatchObject({ code: 0 });
    // At 12% Ana's 50.00 of shirts pays her 6.00 instead of 5.00; Ben keeps 1.50.
    expect(run.stdout).toContain("amounts in USD");
    expect(run.stdout).toMatch(/^Commissions\s+6\.50\s+7\.50\s+\+1\.00$/m);
    expect(run.stdout).toMatch(/^Sales\s+50\.00\s+50\.00\s+0\.00$/m);
    expect(run.stdout).toMatch(/^Cost share\s+13\.00%\s+15\.00%\s+\+2\.00 pt$/m);
    expect(run.stdout).toMatch(/^2026-11\s+6\.50\s+7\.50\s+\+1\.00$/m);
    expect(run.stdout).toMatch(
      /^Gainers\nparticipant\s+actual\s+simulated\s+change\nAna \(ana\)\s+5\.00\s+6\.00\s+\+1\.00$/m,
    );
    expect(run.stdout).toContain("Losers: none");
    // Not a terminal: no bar on stdout, and the report alone there.
    expect(run.stdout).not.toContain("\r");
    expect(await rowsStored()).toEqual(before);
  }, 60_000);

  it("names what to fix in a draft it cannot simulate, and exits 2", async () => {
    const file = await draftFile(
      "bad-rate.json",
      JSON.stringify({
        program: { commission: { rate: { percent: 150 } } },
        goals: [{ name: "No steps", metric: "order_count", steps: [] }],
      }),
    );
    const run = await laurel(dataDir, "simulate", "--program", programId, "--draft", file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("the draft cannot be simulated");
    expect(run.stderr).toMatch(/bad-rate\.json: program\.commission\.rate\S*: /);
    expect(run.stdout).toBe("");
  }, 60_000);

  it("names the flag when the period is the flags'", async () => {
    const file = await draftFile("empty.json", "{}");
    const run = await laurel(
      dataDir,
      "simulate",
      "--program",
      programId,
      "--draft",
      file,
      "--from",
      "2026-12-01",
      "--to",
      "2026-11-01",
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^ {2}--to: must be after from/m);
  }, 60_000);

  it("says a file that is missing or not JSON is to fix, and exits 2", async () => {
    const missing = await laurel(
      dataDir,
      "simulate",
      "--program",
      programId,
      "--draft",
      join(dir, "nowhere.json"),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^cannot read .*nowhere\.json: /);

    const notJson = await draftFile("not-json.json", "{ program: 12% }");
    const garbled = await laurel(dataDir, "simulate", "--program", programId, "--draft", notJson);
    expect(garbled.code).toBe(2);
    expect(garbled.stderr).toMatch(/not-json\.json is not JSON/);

    const list = await draftFile("list.json", "[]");
    const notObject = await laurel(dataDir, "simulate", "--program", programId, "--draft", list);
    expect(notObject.code).toBe(2);
    expect(notObject.stderr).toMatch(/must hold a JSON object/);
  }, 60_000);

  it("needs --program and --draft, and knows no program it does not have", async () => {
    const usage = await laurel(dataDir, "simulate", "--program", programId);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--draft FILE\.json are required/);
    expect(usage.stderr).toContain("usage: laurel simulate");

    const file = await draftFile("plain.json", "{}");
    const unknown = await laurel(dataDir, "simulate", "--program", "prg_NOSUCH", "--draft", file);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no program prg_NOSUCH/);
  }, 60_000);
});

describe("laurel simulate on a terminal", () => {
  it("draws a progress bar on stdout, then the report", async () => {
    const api = await openApi({ name: "pglite", open: () => openPglite() });
    const dir = await mkdtemp(join(tmpdir(), "laurel-simulate-tty-"));
    try {
      const program = await createProgram(api);
      const ana = await createParticipant(api, program.id, { externalId: "ana" });
      expectStatus(
        await sendEvents(api, program.id, order("o-1", { code: ana.referralCode })),
        200,
      );
      const file = join(dir, "draft.json");
      await writeFile(file, "{}");
      let stdout = "";
      let stderr = "";
      const code = await runSimulate(
        api.services,
        { program: program.id, draft: file, from: "2026-11-01", to: "2026-12-01" },
        {
          stdout: { isTTY: true, write: (text: string) => (stdout += text) },
          stderr: { write: (text: string) => (stderr += text) },
        },
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      // Redrawn in place: carriage returns, and one line break once the bar is full.
      expect(stdout).toMatch(
        /^(\r\[[#.]{30}\] +\d+% \d+\/1 events)*\r\[#{30}\] 100% 1\/1 events\n/,
      );
      expect(stdout).toContain("1 event replayed");
      expect(stdout).toMatch(/^Commissions\s+5\.00\s+5\.00\s+0\.00$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await api.close();
    }
  }, 60_000);
});

describe("formatMinor", () => {
  it.each([
    [0, "USD", "0.00"],
    [5, "USD", "0.05"],
    [-5, "USD", "-0.05"],
    [123_456, "USD", "1,234.56"],
    [-170, "EUR", "-1.70"],
    [2_500, "JPY", "2,500"],
    [1_250, "KWD", "1.250"],
  ])("%i minor units of %s read %s", (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });
});
