import type { Schema } from "../../src/client/index.ts";

/** Progress colours as the API names them: red below 90%, orange 90–99%, green at 100%. */
export type Band = NonNullable<Schema<"Progress">["band"]>;

export function bandOf(percent: number): Band {
  if (percent >= 100) return "green";
  return percent >= 90 ? "orange" : "red";
}
