import { CsvError, parse, type Options } from "csv-parse/sync";
import type { CsvRecord, TargetError } from "../domain/targets.ts";

const options: Options<CsvRecord, string[]> = {
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  trim: true,
  on_record: (fields, context) => ({ line: context.lines, fields }),
};

/**
 * A targets file as CSV records with their line numbers. Blank lines are
 * skipped but still counted, so a line number is the one an editor shows; a
 * UTF-8 byte order mark (spreadsheets write one) is dropped.
 */
export function readTargetCsv(
  file: string | Buffer,
): { ok: true; records: CsvRecord[] } | { ok: false; errors: TargetError[] } {
  try {
    // parse's overloads type a reshaped record only for named columns.
    const records = parse(file, options as unknown as Options) as unknown as CsvRecord[];
    return { ok: true, records };
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
