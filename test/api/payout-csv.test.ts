import { text } from "node:stream/consumers";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvStream, type CsvColumn, type CsvField } from "../../src/api/csv.ts";
import { releaseDueHolds } from "../../src/jobs/release-holds.ts";
import {
  createParticipant,
  createProgram,
  expectStatus,
  order,
  sendEvents,
  useApi,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";

const TEXT: CsvColumn[] = [{ header: "name" }];

async function written(columns: readonly CsvColumn[], rows: CsvField[][]): Promise<string> {
  return text(csvStream(columns, rows));
}

/** The fields a spreadsheet (or any CSV reader) finds in the file, header row first. */
function fieldsOf(csv: string): string[][] {
  return parse(csv, { relax_column_count: false }) as string[][];
}

describe("every CSV Laurel writes", () => {
  // Each of these starts a formula in Excel, LibreOffice or Google Sheets.
  it.each([
    ["=", '=HYPERLINK("https://evil.example","Click me")'],
    ["+", "+1+cmd|' /C calc'!A0"],
    ["-", "-2+3"],
    ["@", "@SUM(1+1)*cmd|' /C calc'!A0"],
    ["a tab", "\t=1+1"],
    ["a CR", "\r=1+1"],
    ["a full-width =", "＝1+1"],
  ])(
    "writes text starting with %s with a leading ', as text and not a formula",
    async (_, value) => {
      const csv = await written(TEXT, [[value]]);
      expect(fieldsOf(csv)).toEqual([["name"], [`'${value}`]]);
    },
  );

  it("a participant named =HYPERLINK(...) is exported as text, not a formula", async () => {
    const csv = await written(TEXT, [['=HYPERLINK("https://evil.example","Click me")']]);
    expect(csv).toBe(`name\r\n"'=HYPERLINK(""https://evil.example"",""Click me"")"\r\n`);
  });

  it("leaves text that merely contains a formula character alone", async () => {
    const csv = await written(TEXT, [["ana+shop@example.com"], ["Lima-Souza"], [" =1"]]);
    expect(fieldsOf(csv)).toEqual([["name"], ["ana+shop@example.com"], ["Lima-Souza"], [" =1"]]);
  });

  it("writes a negative amount as a number a spreadsheet adds up, not as escaped text", async () => {
    const columns = [
      { header: "amount", fractionDigits: 2 },
      { header: "yen", fractionDigits: 0 },
    ];
    const csv = await written(columns, [
      [-500, -500],
      [5, 0],
    ]);
    expect(csv).toBe("amount,yen\r\n-5.00,-500\r\n0.05,0\r\n");
  });

  it("refuses an amount that is not a whole number of minor units, instead of writing a wrong figure", async () => {
    const columns = [{ header: "amount", fractionDigits: 2 }];
    await expect(written(columns, [[12.5]])).rejects.toThrow(/whole number/);
  });

  it("quotes a field holding a lone CR or LF, so the record is not split in two", async () => {
    const csv = await written(
      [{ header: "a" }, { header: "b" }],
      [
        ["line\rbreak", "x"],
        ["line\nbreak", "y"],
      ],
    );
    expect(csv).toBe('a,b\r\n"line\rbreak",x\r\n"line\nbreak",y\r\n');
    expect(fieldsOf(csv)).toEqual([
      ["a", "b"],
      ["line\rbreak", "x"],
      ["line\nbreak", "y"],
    ]);
  });

  it("reads back as the fields written, with a ' before exactly those a spreadsheet would run", async () => {
    const formulaStart = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
    const field = fc.oneof(
      fc.string(),
      fc.string({
        unit: fc.constantFrom("=", "+", "-", "@", "\t", "\r", "\n", '"', ",", "a", " "),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(field, field), { maxLength: 20 }), async (rows) => {
        const csv = await written([{ header: "a" }, { header: "b" }], rows);
        const expected = rows.map((row) =>
          row.map((value) => (formulaStart.test(value) ? `'${value}` : value)),
        );
        expect(fieldsOf(csv).slice(1)).toEqual(expected);
      }),
    );
  });

  it("streams a 100,000-line file in pieces instead of building it as one string", async () => {
    const lines = 100_000;
    const rows = function* () {
      for (let i = 1; i <= lines; i++)
        yield [`par_${i}`, `=ext-${i}`, i % 2 === 0 ? null : `p${i}@example.com`, i * 100 + 5];
    };
    const columns = [
      { header: "participant_id" },
      { header: "external_id" },
      { header: "email" },
      { header: "amount", fractionDigits: 2 },
    ];
    const chunks: string[] = [];
    for await (const chunk of csvStream(columns, rows())) chunks.push(String(chunk));
    const csv = chunks.join("");
    // Pieces of the stream's buffer size (16 KiB), not the whole 5 MiB file at the end.
    expect(chunks.length).toBeGreaterThan(100);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(csv.length / 100);
    const fields = fieldsOf(csv);
    expect(fields).toHaveLength(lines + 1);
    expect(fields[lines]).toEqual([`par_${lines}`, `'=ext-${lines}`, "", "100000.05"]);
  });
});

describeEachBackend("the payout export", (backend) => {
  const api = useApi(backend);

  it("exports a participant whose external id and email start a formula as text", async () => {
    const program = await createProgram(api, {
      commission: { rate: { percent: 10 }, holdDays: 0 },
      payouts: { minimum: 0 },
    });
    const externalId = '=HYPERLINK("https://evil.example","Click me")';
    const mallory = await createParticipant(api, program.id, {
      externalId,
      email: "-2+3@example.com",
    });
    expectStatus(
      await sendEvents(
        api,
        program.id,
        order("o-1", {
          participant: externalId,
          items: [{ sku: "A", quantity: 1, unitAmount: 5000 }],
        }),
      ),
      200,
    );
    await releaseDueHolds(api.services);
    const payout = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(payout, 201);
    const reply = await api.call(
      "GET",
      `/v1/programs/${program.id}/payouts/${payout.body.id}/export.csv`,
    );
    expectStatus(reply, 200);
    expect(String(reply.headers["content-type"])).toBe("text/csv; charset=utf-8");
    expect(reply.headers["content-disposition"]).toBe(
      `attachment; filename="${payout.body.id}.csv"`,
    );
    expect(fieldsOf(reply.text)).toEqual([
      ["participant_id", "external_id", "email", "amount", "currency", "reference"],
      [mallory.id, `'${externalId}`, "'-2+3@example.com", "5.00", "USD", `${payout.body.id}-1`],
    ]);
  });

  it("exports an empty payout as the header row alone", async () => {
    const program = await createProgram(api);
    const payout = await api.call<{ id: string }>("POST", `/v1/programs/${program.id}/payouts`);
    expectStatus(payout, 201);
    const reply = await api.call(
      "GET",
      `/v1/programs/${program.id}/payouts/${payout.body.id}/export.csv`,
    );
    expectStatus(reply, 200);
    expect(reply.text).toBe("participant_id,external_id,email,amount,currency,reference\r\n");
  });
});
