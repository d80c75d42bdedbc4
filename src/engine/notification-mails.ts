import { currencyExponent } from "../domain/currency.ts";
import type { GrantOutcome } from "../domain/goal-grants.ts";
import type { ActiveGoal, GrantFact } from "../domain/goal-progress.ts";
import { MONEY_METRICS, type GrantedReward, type SimpleReward } from "../domain/goals.ts";
import { formatMajor, type PayoutLine } from "../domain/payouts.ts";
import { notificationOn } from "../domain/program.ts";
import type { Queryable } from "../store/db.ts";
import { enqueueMail, enqueueMails } from "../store/mail-outbox.ts";
import { loadParticipantsByIds } from "../store/participants.ts";
import { findProgramById, type ProgramRecord } from "../store/programs.ts";
import type { Services } from "./services.ts";

declare global {
  namespace Intl {
    interface NumberFormat {
      // ECMA-402 formats a decimal string exactly; the ES2022 library types predate that.
      format(value: `${number}`): string;
    }
  }
}

/** Who a mail goes to, as the participant was when it was decided. */
export interface Recipient {
  readonly email: string | null;
  readonly name: string | null;
  readonly externalId: string;
  readonly level: string | null;
}

/** A mail's address and the data its template is filled in with. */
export interface MailDraft {
  readonly to: string;
  readonly data: Record<string, string>;
}

/** What a program is mailed as: its name, its money and its levels' names. */
type MailingProgram = Pick<ProgramRecord, "id" | "name" | "currency" | "config">;

/**
 * Money as a reader expects it, "$25.00" or "¥2,500": the amount reaches Intl
 * as an exact decimal string in major units, never as a float.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  const digits = currencyExponent(currency) ?? 2;
  const major = formatMajor(amountMinor, digits) as `${number}`;
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(major);
}

const count = (n: number) => n.toLocaleString("en-US");
const points = (n: number) => `${count(n)} ${n === 1 ? "point" : "points"}`;

/** Where a participant signs in to see what they were granted or paid. */
export const portalLink = (publicUrl: string, programId: string) =>
  `${publicUrl}/portal?program=${encodeURIComponent(programId)}`;

/**
 * What a grant gave, in words: "150 points", "$25.00", "$12.50 (10% of
 * $125.00)", "a free SHIRT with voucher code LRL-7K2M", "the Gold level"; a
 * reward that credits another program says which. `configured` is the step's
 * reward as the goal sets it for the participant's level: it tells a percent
 * of the value from a fixed amount, which the granted reward no longer does.
 */
export function describeReward(
  reward: GrantedReward,
  context: {
    readonly program: MailingProgram;
    /** The program the reward credits, when it is another one. */
    readonly credited: MailingProgram | undefined;
    readonly configured: SimpleReward | undefined;
    readonly moneyMetric: boolean;
    readonly valueAchieved: number;
  },
): string {
  const owner = context.credited ?? context.program;
  const where =
    reward.program === undefined || context.credited === undefined
      ? ""
      : ` in ${context.credited.name}`;
  const value = context.moneyMetric
    ? formatMoney(context.valueAchieved, context.program.currency)
    : count(context.valueAchieved);
  const how =
    context.configured?.type === "percent_of_value"
      ? ` (${String(context.configured.percent)}% of ${value})`
      : context.configured?.type === "points_per"
        ? ` (${points(context.configured.points)} for every ${
            context.moneyMetric
              ? formatMoney(context.configured.per, context.program.currency)
              : count(context.configured.per)
          })`
        : "";
  switch (reward.type) {
    case "points":
      return `${points(reward.points)}${how}${where}`;
    case "cash":
      return `${formatMoney(reward.amount, owner.currency)}${how}${where}`;
    case "free_product":
      return `a free ${reward.sku} with voucher code ${reward.voucherCode}${where}`;
    case "level": {
      const level = owner.config.levels?.find((l) => l.key === reward.level);
      return `the ${level?.name ?? reward.level} level${where}`;
    }
  }
}

/** The step's reward as configured for a level: a byLevel reward's choice, else the reward. */
function configuredReward(
  goal: ActiveGoal | undefined,
  step: number,
  level: string | null,
): SimpleReward | undefined {
  const reward = goal?.goal.steps[step - 1]?.reward;
  if (reward === undefined || !("byLevel" in reward)) return reward;
  return (level === null ? undefined : reward.byLevel[level]) ?? reward.default;
}

const grantKey = (g: {
  goalId: string;
  participantId: string;
  step: number;
  window?: string;
  windowKey?: string;
}) => `${g.goalId}|${g.participantId}|${g.windowKey ?? g.window ?? ""}|${g.step}`;

/** The grants whose reward could not be credited: nothing was granted, so nothing is mailed. */
export function uncreditedGrants(outcomes: readonly GrantOutcome[]): Set<string> {
  return new Set(outcomes.filter((o) => o.notCredited !== undefined).map(grantKey));
}

/** One reward-granted mail per grant whose participant has an email. */
export function rewardGrantedMails(input: {
  readonly program: MailingProgram;
  readonly goals: readonly ActiveGoal[];
  readonly grants: readonly GrantFact[];
  /** By participant id. */
  readonly recipients: ReadonlyMap<string, Recipient>;
  /** By id: the programs rewards credit instead of this one. */
  readonly otherPrograms: ReadonlyMap<string, MailingProgram>;
  readonly uncredited: ReadonlySet<string>;
  readonly publicUrl: string;
}): MailDraft[] {
  const goals = new Map(input.goals.map((g) => [g.id, g]));
  return input.grants.flatMap((g) => {
    const who = input.recipients.get(g.participantId);
    if (!who?.email || input.uncredited.has(grantKey(g))) return [];
    const goal = goals.get(g.goalId);
    const reward = describeReward(g.reward, {
      program: input.program,
      credited:
        g.reward.program === undefined ? undefined : input.otherPrograms.get(g.reward.program),
      configured: configuredReward(goal, g.step, who.level),
      moneyMetric: goal !== undefined && MONEY_METRICS.has(goal.goal.metric),
      valueAchieved: g.valueAchieved,
    });
    return [
      {
        to: who.email,
        data: {
          programName: input.program.name,
          name: who.name ?? who.externalId,
          goalName: goal?.goal.name ?? g.goalId,
          step: String(g.step),
          reward,
          link: portalLink(input.publicUrl, input.program.id),
        },
      },
    ];
  });
}

/** One payout-sent mail per line whose participant has an email. */
export function payoutSentMails(
  program: MailingProgram,
  lines: readonly PayoutLine[],
  publicUrl: string,
): MailDraft[] {
  const link = portalLink(publicUrl, program.id);
  return lines.flatMap((l) =>
    l.email
      ? [
          {
            to: l.email,
            data: {
              programName: program.name,
              amount: formatMoney(l.amountMinor, program.currency),
              reference: l.reference,
              link,
            },
          },
        ]
      : [],
  );
}

/**
 * Writes the reward-granted mails of some grants in the caller's transaction,
 * so a mail is sent exactly when its grant commits. Nothing is read when mail
 * is not configured or the program turned the mail off; `known` (everyone
 * the grants were decided with) usually holds every recipient, and anyone it
 * lacks is read in one query.
 */
export async function mailRewardsGranted(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  grants: readonly GrantFact[],
  context: {
    readonly goals: readonly ActiveGoal[];
    readonly known: ReadonlyMap<string, Recipient>;
    readonly uncredited: ReadonlySet<string>;
  },
): Promise<void> {
  if (!services.mail || !notificationOn(program.config, "rewardGranted")) return;
  if (grants.length === 0) return;
  const recipients = new Map(context.known);
  const missing = [...new Set(grants.map((g) => g.participantId))].filter(
    (id) => !recipients.has(id),
  );
  if (missing.length > 0)
    for (const p of await loadParticipantsByIds(tx, program.id, missing)) recipients.set(p.id, p);
  const otherPrograms = new Map<string, ProgramRecord>();
  for (const id of new Set(grants.flatMap((g) => g.reward.program ?? []))) {
    const other = await findProgramById(tx, id);
    // A reward names a program of the same brand; any other would say too much.
    if (other && other.brandId === program.brandId) otherPrograms.set(id, other);
  }
  const drafts = rewardGrantedMails({
    program,
    goals: context.goals,
    grants,
    recipients,
    otherPrograms,
    uncredited: context.uncredited,
    publicUrl: services.publicUrl,
  });
  await enqueueDrafts(tx, services, program, "reward-granted", drafts);
}

/** Writes a payout's mails in its transaction: one statement for all of its lines. */
export async function mailPayoutSent(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  lines: readonly PayoutLine[],
): Promise<void> {
  if (!services.mail || !notificationOn(program.config, "payoutSent")) return;
  const drafts = payoutSentMails(program, lines, services.publicUrl);
  await enqueueDrafts(tx, services, program, "payout-sent", drafts);
}

async function enqueueDrafts(
  tx: Queryable,
  services: Services,
  program: Pick<ProgramRecord, "id" | "brandId">,
  template: "reward-granted" | "payout-sent",
  drafts: readonly MailDraft[],
): Promise<void> {
  if (drafts.length === 0) return;
  await enqueueMails(
    tx,
    program.id,
    drafts.map((d) => ({
      id: services.ids.next("eml"),
      brandId: program.brandId,
      to: d.to,
      template,
      data: d.data,
    })),
    services.now(),
  );
}

/**
 * Writes the applicant's decision mail in the decision's transaction, when
 * mail is set up and the program mails decisions. The approval carries a
 * portal sign-in link; a rejection does not carry the brand's reason, which
 * is its own screening note and may name other people.
 */
export async function mailApplicationDecided(
  tx: Queryable,
  services: Services,
  program: ProgramRecord,
  applicant: Pick<Recipient, "email" | "name" | "externalId">,
  decision: "approved" | "rejected",
  signInLink: string | null,
): Promise<void> {
  if (!services.mail || !notificationOn(program.config, "applicationDecided")) return;
  if (!applicant.email) return;
  const data: Record<string, string> = {
    programName: program.name,
    name: applicant.name ?? applicant.externalId,
  };
  if (decision === "approved") data.link = signInLink ?? portalLink(services.publicUrl, program.id);
  await enqueueMail(
    tx,
    {
      id: services.ids.next("eml"),
      brandId: program.brandId,
      programId: program.id,
      to: applicant.email,
      template: decision === "approved" ? "application-approved" : "application-rejected",
      data,
    },
    services.now(),
  );
}
