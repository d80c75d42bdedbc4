import { readFileSync } from "node:fs";
import { z } from "zod";

/** Laurel's version, as package.json gives it: what `laurel --version` prints. */
export const LAUREL_VERSION: string = z
  .object({ version: z.string().min(1) })
  .parse(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"))).version;
