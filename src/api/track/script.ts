import { readFileSync } from "node:fs";

/** What the tracking script needs to know of its program: all it is given. */
export interface TrackConfig {
  programId: string;
  /** How long the shop's cookie keeps the visitor id: the program's cookie window. */
  cookieDays: number;
  /** Where the script calls the API: Laurel's public URL. */
  apiBase: string;
}

const MARKER = "/* LAUREL_TRACK_CONFIG */ {}";

/**
 * The script without its comment lines, which are for its readers here, not
 * for every page view of a shop. Only whole lines go, so no code is touched.
 */
export function withoutCommentLines(source: string): string {
  let inBlock = false;
  return source
    .split("\n")
    .filter((line) => {
      const text = line.trim();
      if (inBlock || text.startsWith("/*")) {
        inBlock = !text.endsWith("*/");
        return false;
      }
      return !text.startsWith("//");
    })
    .join("\n");
}

// Read once, when the server starts: the file changes only with a release.
const [BEFORE, AFTER, ...more] = withoutCommentLines(
  readFileSync(new URL("./track.js", import.meta.url), "utf8"),
).split(MARKER);
if (BEFORE === undefined || AFTER === undefined || more.length > 0)
  throw new Error(`track.js must hold the marker ${MARKER} exactly once`);

/** The script for one program's pages, its settings in place of the marker. */
export function trackScript(config: TrackConfig): string {
  // Spliced, not String.replace, which would read `$` in a value as a pattern.
  return `${BEFORE}${JSON.stringify(config)}${AFTER}`;
}
