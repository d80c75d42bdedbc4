import { formatMoney } from "../shared/format.ts";
import type { Program } from "./session.ts";

type Plan = Pick<Program, "currency" | "commission" | "levels">;
type Rate = NonNullable<NonNullable<Program["commission"]>["rate"]>;

/** What a save changed in how participants are paid, one plain line each. */
export interface Announcement {
  lines: string[];
}

const percentWords = (percent: number | string | undefined, none: string) =>
  percent === undefined ? none : `${percent}%`;

const rateWords = (rate: Rate | undefined, currency: string) =>
  rate === undefined
    ? "none"
    : "percent" in rate
      ? `${rate.percent}%`
      : `${formatMoney(rate.flat, currency)} per order`;

const capWords = (minor: number | undefined, currency: string) =>
  minor === undefined ? "no cap" : formatMoney(minor, currency);

/**
 * "Commission rate: 10% → 12%" for each rate or cap that differs between two
 * versions of a plan, amounts in each version's own currency; null when none
 * does. A stored "10" and 10 read the same, so they are no change.
 */
export function announcementOf(before: Plan, after: Plan): Announcement | null {
  const lines: string[] = [];
  const change = (label: string, was: string, now: string) => {
    if (was !== now) lines.push(`${label}: ${was} → ${now}`);
  };
  const b = before.commission ?? {};
  const a = after.commission ?? {};
  const rate = (label: string, was: Rate | undefined, now: Rate | undefined) =>
    change(label, rateWords(was, before.currency), rateWords(now, after.currency));

  rate("Commission rate", b.rate, a.rate);
  const levelName = (key: string) =>
    [...(after.levels ?? []), ...(before.levels ?? [])].find((l) => l.key === key)?.name ?? key;
  for (const key of keysOf(b.byLevel, a.byLevel))
    rate(`Commission rate for ${levelName(key)}`, b.byLevel?.[key], a.byLevel?.[key]);
  for (const sku of keysOf(b.bySku, a.bySku))
    rate(`Commission rate for ${sku}`, b.bySku?.[sku], a.bySku?.[sku]);
  const levels = Math.max(b.upline?.length ?? 0, a.upline?.length ?? 0);
  for (let i = 0; i < levels; i++) rate(`Upline level ${i + 1} rate`, b.upline?.[i], a.upline?.[i]);

  const cap = (label: string, was: number | undefined, now: number | undefined) =>
    change(label, capWords(was, before.currency), capWords(now, after.currency));
  cap("Cap per order", b.caps?.perOrder, a.caps?.perOrder);
  cap("Monthly cap per participant", b.caps?.perParticipantMonthly, a.caps?.perParticipantMonthly);
  cap("Monthly cap for the program", b.caps?.programMonthly, a.caps?.programMonthly);
  change(
    "Most paid on one order, seller and upline together",
    percentWords(b.maxTotalPercent, "no limit"),
    percentWords(a.maxTotalPercent, "no limit"),
  );
  return lines.length > 0 ? { lines } : null;
}

function keysOf(...records: (Record<string, unknown> | undefined)[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r ?? {})))].sort();
}

/** The broadcast composer, opened with a subject and a Markdown body that say what changed. */
export function announcementPath(announcement: Announcement, programName: string): string {
  const subject = `Changes to the ${programName} commission plan`;
  const body = [
    `The commission plan of ${programName} has changed:`,
    "",
    ...announcement.lines.map((line) => `- ${line}`),
    "",
    "The new rates and caps apply to orders recorded from now on.",
  ].join("\n");
  return `/broadcasts/new?${new URLSearchParams({ subject, body }).toString()}`;
}
