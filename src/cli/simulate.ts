import { readFile } from "node:fs/promises";
import { currencyExponent } from "../domain/currency.ts";
import type {
  Earning,
  Mover,
  RewardsOfGoalStep,
  SimulationFigures,
  SimulationProgress,
  SimulationResult,
} from "../domain/simulation.ts";
import type { Services } from "../engine/services.ts";
import { simulate } from "../engine/simulate.ts";
import { readSimulationRequest, simulationDraftOf } from "../engine/simulation-draft.ts";
import { findProgramById } from "../store/programs.ts";
import type { CommandIo } from "./command-line.ts";

export interface SimulateLine {
  readonly program: string;
  readonly draft: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/**
 * `laurel simulate --program ID --draft FILE.json [--from DATE] [--to DATE]`:
 * the same replay as POST .../simulations, run here and now, printed as
 * tables. Writes nothing. Answers the exit code: 2 for a draft to fix.
 */
export async function runSimulate(
  services: Services,
  line: SimulateLine,
  io: CommandIo,
): Promise<number> {
  const complain = (text: string) => io.stderr.write(`${text}\n`);
  const program = await findProgramById(services.db, line.program);
  if (!program) {
    complain(`no program ${line.program}; list them with GET /v1/programs`);
    return 1;
  }
  let text: string;
  try {
    text = await readFile(line.draft, "utf8");
  } catch (error) {
    complain(`cannot read ${line.draft}: ${(error as Error).message}`);
    return 2;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    complain(
      `${line.draft} is not JSON (${(error as Error).message}); it holds the body POST .../simulations takes, such as {"program": {"commission": {"rate": {"percent": 12}}}}`,
    );
    return 2;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    complain(
      `${line.draft} must hold a JSON object: {"program": {...}, "goals": [...], "replaceGoals": false}`,
    );
    return 2;
  }
  const flags = {
    ...(line.from === undefined ? {} : { from: line.from }),
    ...(line.to === undefined ? {} : { to: line.to }),
  };
  // A problem with a period the flags gave is the flag's to fix, not the file's.
  const where = (path: string) =>
    (path === "from" || path === "to") && path in flags ? `--${path}` : `${line.draft}: ${path}`;
  const read = readSimulationRequest({ ...body, ...flags });
  const outcome = read.ok ? await simulationDraftOf(services, program, read.request) : read;
  if (!outcome.ok) {
    complain("the draft cannot be simulated; fix these and run it again:");
    for (const d of outcome.details) complain(`  ${where(d.path)}: ${d.message}`);
    return 2;
  }
  const { draft } = outcome;
  const progress = progressOf(io);
  let replayed: SimulationProgress = { replayed: 0, total: 0 };
  let result: SimulationResult;
  try {
    result = await simulate(services, program, draft, {
      onProgress: (p) => {
        replayed = p;
        progress.show(p);
      },
    });
  } catch (error) {
    progress.done();
    complain(
      `the simulation stopped after ${replayed.replayed} of ${replayed.total} events: ${(error as Error).message}`,
    );
    return 1;
  }
  progress.done();
  io.stdout.write(
    report(result, {
      title: `${program.name} (${program.id})`,
      from: new Date(draft.fromMs).toISOString(),
      to: new Date(draft.toMs).toISOString(),
      events: replayed.total,
    }),
  );
  return 0;
}

// ----------------------------------------------------------------- progress

const BAR_WIDTH = 30;
/** Without a terminal, a line this often at most. */
const LINE_EVERY_MS = 5_000;
/** On a terminal, the bar is redrawn this often at most, and once more at the end. */
const BAR_EVERY_MS = 100;

/**
 * A bar redrawn in place when stdout is a terminal; otherwise a plain line
 * on stderr every few seconds, so what stdout carries is the report alone.
 */
function progressOf(io: CommandIo): { show(p: SimulationProgress): void; done(): void } {
  const tty = io.stdout.isTTY === true;
  let drawn = false;
  let lastLineMs = Date.now();
  let lastBarMs = 0;
  return {
    show({ replayed, total }) {
      if (tty) {
        const nowMs = Date.now();
        if (nowMs - lastBarMs < BAR_EVERY_MS && replayed < total) return;
        lastBarMs = nowMs;
        const fraction = total === 0 ? 1 : Math.min(1, replayed / total);
        const filled = Math.round(fraction * BAR_WIDTH);
        io.stdout.write(
          `\r[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${count(replayed)}/${count(total)} events`,
        );
        drawn = true;
        return;
      }
      const nowMs = Date.now();
      if (nowMs - lastLineMs < LINE_EVERY_MS) return;
      lastLineMs = nowMs;
      io.stderr.write(`replayed ${count(replayed)} of ${count(total)} events\n`);
    },
    done() {
      if (drawn) io.stdout.write("\n");
      drawn = false;
    },
  };
}

// ------------------------------------------------------------------ report

const count = (n: number) => n.toLocaleString("en-US");
const signed = (text: string, n: number) => (n > 0 ? `+${text}` : text);

/** Minor units as major ones, exactly: 123456 USD is "1,234.56", -5 is "-0.05". */
export function formatMinor(amountMinor: number, currency: string): string {
  const digits = currencyExponent(currency) ?? 2;
  const scale = 10 ** digits;
  const abs = Math.abs(amountMinor);
  const whole = count(Math.floor(abs / scale));
  const fraction = digits === 0 ? "" : `.${String(abs % scale).padStart(digits, "0")}`;
  return `${amountMinor < 0 ? "-" : ""}${whole}${fraction}`;
}

/** Rows as columns: the first left-aligned, the rest right-aligned, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const lineOf = (r: readonly string[]) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${all.map(lineOf).join("\n")}\n`;
}

interface ReportHeading {
  readonly title: string;
  readonly from: string;
  readonly to: string;
  readonly events: number;
}

/** The report `laurel simulate` prints: every figure of both sides, their difference, who moves. */
export function report(result: SimulationResult, heading: ReportHeading): string {
  const { actual, simulated, delta, currency } = result;
  const money = (n: number) => formatMinor(n, currency);
  const moneyDelta = (n: number) => signed(money(n), n);
  const countDelta = (n: number) => signed(count(n), n);
  const percent = (share: string | null) => (share === null ? "-" : `${share}%`);
  const sections: string[] = [
    `Simulation of ${heading.title} over [${heading.from}, ${heading.to}), ${count(heading.events)} ${heading.events === 1 ? "event" : "events"} replayed; amounts in ${currency}\n`,
    table(
      ["", "actual", "simulated", "delta"],
      [
        [
          "Commissions",
          money(actual.commissions),
          money(simulated.commissions),
          moneyDelta(delta.commissions),
        ],
        [
          "Cash rewards",
          money(actual.rewards.cash),
          money(simulated.rewards.cash),
          moneyDelta(delta.rewards.cash),
        ],
        [
          "Points",
          count(actual.rewards.points),
          count(simulated.rewards.points),
          countDelta(delta.rewards.points),
        ],
        [
          "Free products",
          count(actual.rewards.products),
          count(simulated.rewards.products),
          countDelta(delta.rewards.products),
        ],
        [
          "Participants paid",
          count(actual.participantsPaid),
          count(simulated.participantsPaid),
          countDelta(delta.participantsPaid),
        ],
        ["Sales", money(actual.sales), money(simulated.sales), moneyDelta(delta.sales)],
        [
          "Cost share",
          percent(actual.costShare),
          percent(simulated.costShare),
          delta.costShare === null
            ? "-"
            : `${delta.costShare.startsWith("-") || delta.costShare === "0.00" ? "" : "+"}${delta.costShare} pt`,
        ],
      ],
    ),
    side(
      "Commissions by level",
      "level",
      keyed(actual.commissionsByLevel, simulated.commissionsByLevel, (l) => String(l.level)),
      money,
      moneyDelta,
    ),
    side(
      "Commissions by month",
      "month",
      keyed(actual.commissionsByMonth, simulated.commissionsByMonth, (m) => m.month),
      money,
      moneyDelta,
    ),
    rewardsByStep(actual.rewardsByGoal, simulated.rewardsByGoal, money),
    earners("Top earners, actual", actual.topEarners, money),
    earners("Top earners, simulated", simulated.topEarners, money),
    movers("Gainers", delta.gainers, money, moneyDelta),
    movers("Losers", delta.losers, money, moneyDelta),
  ];
  if (result.notes.length > 0)
    sections.push(`Notes\n${result.notes.map((n) => `  - ${n}`).join("\n")}\n`);
  return sections.join("\n");
}

/** Amounts of both sides by key, in the order either side first names them. */
function keyed<T extends { amount: number }>(
  actual: readonly T[],
  simulated: readonly T[],
  keyOf: (row: T) => string,
): [string, number, number][] {
  const rows = new Map<string, [string, number, number]>();
  for (const r of actual) rows.set(keyOf(r), [keyOf(r), r.amount, 0]);
  for (const r of simulated) {
    const row = rows.get(keyOf(r)) ?? [keyOf(r), 0, 0];
    row[2] = r.amount;
    rows.set(keyOf(r), row);
  }
  return [...rows.values()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function side(
  title: string,
  key: string,
  rows: readonly [string, number, number][],
  money: (n: number) => string,
  moneyDelta: (n: number) => string,
): string {
  if (rows.length === 0) return `${title}: none\n`;
  return `${title}\n${table(
    [key, "actual", "simulated", "delta"],
    rows.map(([k, a, s]) => [k, money(a), money(s), moneyDelta(s - a)]),
  )}`;
}

function rewardsByStep(
  actual: readonly RewardsOfGoalStep[],
  simulated: readonly RewardsOfGoalStep[],
  money: (n: number) => string,
): string {
  const title = "Rewards by goal step (actual -> simulated)";
  const keyOf = (r: RewardsOfGoalStep) => `${r.goalId}\u0000${String(r.step).padStart(4, "0")}`;
  const none: Omit<RewardsOfGoalStep, "goalId" | "goalName" | "step"> = {
    grants: 0,
    cash: 0,
    points: 0,
    products: 0,
  };
  const rows = new Map<string, { a: RewardsOfGoalStep | null; s: RewardsOfGoalStep | null }>();
  for (const r of actual) rows.set(keyOf(r), { a: r, s: null });
  for (const r of simulated) rows.set(keyOf(r), { a: rows.get(keyOf(r))?.a ?? null, s: r });
  if (rows.size === 0) return `${title}: none\n`;
  const pairs = [...rows.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return `${title}\n${table(
    ["goal", "step", "grants", "cash", "points", "products"],
    pairs.map(([, { a, s }]) => {
      const named = (s ?? a) as RewardsOfGoalStep;
      const was = a ?? { ...named, ...none };
      const is = s ?? { ...named, ...none };
      return [
        `${named.goalName} (${named.goalId})`,
        String(named.step),
        `${count(was.grants)} -> ${count(is.grants)}`,
        `${money(was.cash)} -> ${money(is.cash)}`,
        `${count(was.points)} -> ${count(is.points)}`,
        `${count(was.products)} -> ${count(is.products)}`,
      ];
    }),
  )}`;
}

const who = (p: { externalId: string; name: string | null }) =>
  p.name ? `${p.name} (${p.externalId})` : p.externalId;

function earners(title: string, rows: readonly Earning[], money: (n: number) => string): string {
  if (rows.length === 0) return `${title}: none\n`;
  return `${title}\n${table(
    ["participant", "commissions", "cash", "points", "total"],
    rows.map((e) => [who(e), money(e.commissions), money(e.cash), count(e.points), money(e.total)]),
  )}`;
}

function movers(
  title: string,
  rows: readonly Mover[],
  money: (n: number) => string,
  moneyDelta: (n: number) => string,
): string {
  if (rows.length === 0) return `${title}: none\n`;
  return `${title}\n${table(
    ["participant", "actual", "simulated", "change"],
    rows.map((m) => [who(m), money(m.actual), money(m.simulated), moneyDelta(m.change)]),
  )}`;
}
