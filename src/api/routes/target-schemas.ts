import { z } from "zod";
import { METRICS } from "../../domain/goals.ts";
import { collectionOf } from "../schemas.ts";

/**
 * What the targets routes answer beyond the import itself: a file's preview,
 * and a goal's targets for one period. Every target and value is in the
 * goal's unit, minor units for money metrics, as everywhere in the API.
 */
const count = z.number().int().nonnegative();
const creditedProgram = z.string().optional().describe("The other program the reward credits");

const previewReward = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("points"), points: count, program: creditedProgram }),
    z.strictObject({ type: z.literal("cash"), amount: count, program: creditedProgram }),
    z.strictObject({ type: z.literal("free_product"), sku: z.string(), program: creditedProgram }),
    z.strictObject({ type: z.literal("level"), level: z.string(), program: creditedProgram }),
  ])
  .meta({
    id: "PreviewReward",
    description: "A reward as it would be granted; a free product's voucher code is made on grant",
  });

const previewRow = z.strictObject({
  line: z.number().int().positive().describe("The row's line in the file (the header is line 1)"),
  participant: z.strictObject({
    id: z.string(),
    externalId: z.string(),
    name: z.string().nullable(),
  }),
  goal: z.strictObject({
    id: z.string(),
    name: z.string(),
    metric: z.enum(METRICS),
    unit: z.enum(["money", "count", "points", "days"]),
    evaluate: z.enum(["immediately", "at_window_end"]),
    currency: z
      .string()
      .nullable()
      .describe(
        "The program's currency for money metrics, whose targets are minor units; else null",
      ),
  }),
  period: z.string().describe("YYYY-MM or YYYY-Qn"),
  target: z.number().int().positive().describe("In the goal's unit: minor units for money"),
  change: z
    .enum(["new", "replaces", "unchanged"])
    .describe("No target yet, another target replaced, or the same target again"),
  previousTarget: z.number().int().nullable().describe("The target the row replaces or repeats"),
  value: z.number().int().describe("The participant's value in the period now"),
  percent: count.describe("The value as a whole percent of the new target"),
  stepsGranted: z
    .array(z.number().int().positive())
    .describe("Steps already granted in the period"),
  grants: z
    .array(z.strictObject({ step: z.number().int().positive(), reward: previewReward }))
    .describe("Steps the import would grant at once, with their rewards"),
});

export const targetPreviewSchema = z
  .strictObject({
    rows: count,
    new: count.describe("Rows setting a first target"),
    replaced: count.describe("Rows replacing another target"),
    unchanged: count.describe("Rows repeating the target already set"),
    granting: count.describe("Rows that would grant at least one step at once"),
    items: z.array(previewRow),
  })
  .meta({ id: "TargetPreview", description: "What importing a targets file would do now" });

export const goalTargetCollection = collectionOf(
  z.strictObject({
    participantId: z.string(),
    externalId: z.string(),
    name: z.string().nullable(),
    period: z.string().describe("YYYY-MM or YYYY-Qn"),
    target: z.number().int().positive().describe("In the goal's unit: minor units for money"),
    importedAt: z.iso.datetime().describe("When the import that set this target was made"),
    value: z.number().int().describe("The participant's value in the period now"),
    percent: count.describe("The value as a whole percent of the target"),
  }),
  "GoalTargetCollection",
  "A goal's targets for one period, in participant order",
);

const GOAL = "gol_01JD2QD5E7F9G1H3J5K7M9N1P3";

export const targetPreviewExample = {
  rows: 2,
  new: 1,
  replaced: 1,
  unchanged: 0,
  granting: 1,
  items: [
    {
      line: 2,
      participant: { id: "par_01JD2QA2B4C6D8E0F2G4H6J8K0", externalId: "amb-42", name: "Ana" },
      goal: {
        id: GOAL,
        name: "November sales target",
        metric: "sales_amount",
        unit: "money",
        evaluate: "immediately",
        currency: "USD",
      },
      period: "2026-11",
      target: 500000,
      change: "new",
      previousTarget: null,
      value: 120000,
      percent: 24,
      stepsGranted: [],
      grants: [],
    },
    {
      line: 3,
      participant: { id: "par_01JD2QB3C5D7E9F1G3H5J7K9M1", externalId: "amb-43", name: "Sam" },
      goal: {
        id: GOAL,
        name: "November sales target",
        metric: "sales_amount",
        unit: "money",
        evaluate: "immediately",
        currency: "USD",
      },
      period: "2026-11",
      target: 80000,
      change: "replaces",
      previousTarget: 100000,
      value: 42000,
      percent: 52,
      stepsGranted: [],
      grants: [{ step: 1, reward: { type: "cash", amount: 2500 } }],
    },
  ],
};

export const targetTemplateExample =
  "participant,goal,period,target\r\n" +
  `amb-42,${GOAL},2026-11,500000\r\n` +
  `amb-43,${GOAL},2026-11,\r\n`;

export const goalTargetCollectionExample = {
  items: [
    {
      participantId: "par_01JD2QA2B4C6D8E0F2G4H6J8K0",
      externalId: "amb-42",
      name: "Ana",
      period: "2026-11",
      target: 500000,
      importedAt: "2026-11-01T09:30:00.000Z",
      value: 120000,
      percent: 24,
    },
  ],
  next: null,
};
