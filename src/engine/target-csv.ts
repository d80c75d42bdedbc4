import { CsvError, parse, type Options } from "csv-parse/sync";
import { textProblem } from "../domain/safe-text.ts";
import { TARGET_HEADER, type CsvRecord, type TargetError } from "../domain/targets.ts";

const LINE_BREAK = /\r\n|\r|\n/g;
const BLANK_LINES = /^(?:\r\n|\r|\n)*/;

const breaksIn = (text: string) => text.match(LINE_BREAK)?.length ?? 0;

/**
 * Numbers each record by the line it starts on, counting the raw text itself:
 * csv-parse counts the end line, and counts a CRLF inside a quoted field twice.
 */
function optionsNumberingLines(): Options {
  let breaksBefore = 0;
  return {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    raw: true,
    // With `raw`, csv-parse hands on_record { record, raw }, which its types do not say.
    on_record: (withRaw, context) => {
      const { record } = withRaw as unknown as { record: string[] };
      const raw = context.raw ?? "";
      const line = 1 + breaksBefore + breaksIn(BLANK_LINES.exec(raw)?.[0] ?? "");
      breaksBefore += breaksIn(raw);
      return { line, fields: record } satisfies CsvRecord as unknown as string[];
    },
  };
}

/**
 * A targets file as CSV records with their line numbers. Blank lines are
 * skipped but still counted, so a line number is the one an editor shows
 * (where the record starts, if a quoted field spans lines); a UTF-8 byte
 * order mark (spreadsheets write one) is dropped.
 */
export function readTargetCsv(
  file: string | Buffer,
): { ok: true; records: CsvRecord[] } | { ok: false; errors: TargetError[] } {
  try {
    // parse's overloads type a reshaped record only for named columns.
    const records = parse(file, optionsNumberingLines()) as unknown as CsvRecord[];
    // Text no database can store is a bad row like any other, before any lookup.
    const errors: TargetError[] = records.flatMap(({ line, fields }) =>
      fields.flatMap((text, index) => {
        const problem = textProblem(text);
        return problem === null
          ? []
          : [{ line, field: TARGET_HEADER[index] ?? ("row" as const), message: problem }];
      }),
    );
    return errors.length > 0 ? { ok: false, errors } : { ok: true, records };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return {
      ok: false,
      errors: [
        {
          line: typeof error.lines === "number" ? error.lines : 1,
          field: "row",
          message: `is not valid CSV (${error.message}); quote a field that holds a comma or a quote, and double the quotes inside it`,
        },
      ],
    };
  }
}
