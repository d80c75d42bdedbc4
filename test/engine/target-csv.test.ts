import { describe, expect, it } from "vitest";
import { readTargetCsv } from "../../src/engine/target-csv.ts";

const linesOf = (text: string) => {
  const read = readTargetCsv(text);
  if (!read.ok) throw new Error(JSON.stringify(read.errors));
  return read.records.map((r) => [r.line, r.fields[0]]);
};

describe("reading a targets file", () => {
  it("numbers each row by the line an editor shows, blank lines counted", () => {
    expect(linesOf("participant,goal\n\namb-1,g\n\n\namb-2,g\n")).toEqual([
      [1, "participant"],
      [3, "amb-1"],
      [6, "amb-2"],
    ]);
  });

  it("numbers a row whose quoted field spans lines by its first line, with CRLF or LF alike", () => {
    for (const end of ["\r\n", "\n", "\r"])
      expect(linesOf(["participant,goal", '"amb\n1",g', "amb-2,g", ""].join(end))).toEqual([
        [1, "participant"],
        [2, expect.stringMatching(/^amb/)],
        [4, "amb-2"],
      ]);
    expect(linesOf('participant,goal\r\n"amb\r\n1",g\r\namb-2,g\r\n').at(-1)).toEqual([4, "amb-2"]);
  });

  it("drops a spreadsheet's byte order mark", () => {
    expect(linesOf("\ufeffparticipant,goal\r\namb-1,g\r\n")).toEqual([
      [1, "participant"],
      [2, "amb-1"],
    ]);
  });
});
