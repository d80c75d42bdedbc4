import type { ReactNode } from "react";
import { Button } from "./ui.tsx";

/** The API takes at most this many upline levels. */
const MAX_UPLINE_LEVELS = 10;

/**
 * The upline levels' rows, level 1 first, each with its Remove and the API's
 * message under it, then Add upline level up to the API's ten. The
 * new-program form and the program's settings differ only in the inputs of a
 * row, which `inputs` draws.
 */
export function UplineRows<Row>({
  rows,
  onChange,
  blank,
  inputId,
  errorOf,
  inputs,
}: {
  rows: Row[];
  onChange: (rows: Row[]) => void;
  /** What Add upline level appends. */
  blank: Row;
  /** The id of row i's input that its message describes (`${id}-error`). */
  inputId: (i: number) => string;
  errorOf: (row: Row, i: number) => string | undefined;
  /** Row i's inputs; `message` is the API's for it, which the input names as its error. */
  inputs: (
    row: Row,
    i: number,
    setRow: (row: Row) => void,
    message: string | undefined,
  ) => ReactNode;
}) {
  return (
    <>
      <ol className="flex flex-col gap-2">
        {rows.map((row, i) => {
          const n = i + 1;
          const message = errorOf(row, i);
          const setRow = (changed: Row) => onChange(rows.map((r, j) => (j === i ? changed : r)));
          return (
            <li key={i} className="flex flex-col gap-1">
              <div className="flex items-center gap-2">
                {inputs(row, i, setRow, message)}
                <Button
                  variant="secondary"
                  className="px-2"
                  aria-label={`Remove upline level ${n}`}
                  onClick={() => onChange(rows.filter((_, j) => j !== i))}
                >
                  ×
                </Button>
              </div>
              {message && (
                <p id={`${inputId(i)}-error`} className="text-sm text-red-700">
                  {message}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      <div>
        <Button
          variant="secondary"
          disabled={rows.length >= MAX_UPLINE_LEVELS}
          onClick={() => onChange([...rows, blank])}
        >
          Add upline level
        </Button>
      </div>
    </>
  );
}
