import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import type { FastifyReply } from "fastify";
import { formatMajor } from "../domain/payouts.ts";

/**
 * A column of a CSV Laurel writes. With `fractionDigits`, the column holds
 * amounts: its fields are whole numbers of minor units, written in major
 * units (500 with 2 digits is `5.00`).
 */
export interface CsvColumn {
  readonly header: string;
  readonly fractionDigits?: number;
}

/** Text (null is an empty field) or, in an amount column, minor units. */
export type CsvField = string | number | null;

/**
 * Every CSV Laurel writes, as a stream of RFC 4180 text: a header row, then
 * one CRLF-ended record per row, produced as the reader consumes them, so a
 * payout of 100,000 lines is never one string in memory.
 *
 * The files are opened in spreadsheets, where a field starting with `=`, `+`,
 * `-`, `@`, a tab or a CR (or their full-width forms) runs as a formula: such
 * text fields get a leading `'` (csv-stringify's escape_formulas), so a
 * participant named `=HYPERLINK(...)` reads as that text. Numbers are left
 * alone, so a negative amount stays a number a spreadsheet adds up.
 */
export function csvStream(
  columns: readonly CsvColumn[],
  rows: Iterable<readonly CsvField[]> | AsyncIterable<readonly CsvField[]>,
): Readable {
  const stringifier = stringify({
    header: true,
    columns: columns.map((c) => c.header),
    record_delimiter: "\r\n",
    // Given a record delimiter, csv-stringify stops quoting a lone CR or LF
    // unless told to; a spreadsheet would split the record there.
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: {
      number: (value, context) => {
        const digits = columns[context.index]?.fractionDigits;
        if (digits === undefined) return String(value);
        if (!Number.isSafeInteger(value))
          throw new Error(`an amount in minor units must be a whole number, got ${value}`);
        return formatMajor(value, digits);
      },
    },
  });
  // Passing the stringifier's error on: a reader of the returned stream sees
  // a bad row as an error, not as a file that simply ends early.
  const source = Readable.from(rows, { objectMode: true });
  source.on("error", (error) => stringifier.destroy(error));
  return source.pipe(stringifier);
}

/**
 * Answers a CSV download: the content type, a file name for the browser to
 * save it under, and the records streamed as the client reads them.
 */
export function sendCsv(
  reply: FastifyReply,
  filename: string,
  columns: readonly CsvColumn[],
  rows: Iterable<readonly CsvField[]> | AsyncIterable<readonly CsvField[]>,
): Readable {
  // The name goes inside a quoted header parameter: only plain names fit there.
  if (!/^[\w.-]+$/.test(filename)) throw new Error(`not a plain file name: ${filename}`);
  reply
    .type("text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="${filename}"`);
  return csvStream(columns, rows);
}
