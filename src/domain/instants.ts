import { z } from "zod";

/**
 * The instants Laurel takes: from 1970 to 2200. Earlier or later ones are
 * always a mistake (a year typed as 0001 or 9999), and past them the time
 * zone and period arithmetic has nothing meaningful to say.
 */
const EARLIEST_MS = Date.UTC(1970, 0, 1);
const LATEST_MS = Date.UTC(2200, 0, 1);

const RANGE_MESSAGE = "must be between 1970-01-01 and 2200-01-01";

export const isSaneMs = (ms: number): boolean => ms >= EARLIEST_MS && ms < LATEST_MS;

/** A calendar year whose months and quarters all lie in the sane range. */
export const isSaneYear = (year: number): boolean => year >= 1970 && year < 2200;

/** Whether an ISO-8601 instant or date (meaning its UTC midnight here) lies in the sane range. */
const isSaneText = (text: string): boolean =>
  isSaneMs(Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text));

/**
 * Refines a schema of ISO-8601 text (an instant, a date, or a union of both)
 * to the sane range: a value of the right form out of range is a rule broken
 * (a 422), apart from a value of the wrong form (a 400).
 */
export const withinSaneRange = <T extends z.ZodType<string>>(schema: T) =>
  schema.refine(isSaneText, RANGE_MESSAGE);

/** An ISO-8601 instant with its offset (`2026-11-20T10:00:00Z`), within the sane range. */
export const saneInstant = () => withinSaneRange(z.iso.datetime({ offset: true }));
