import { z } from "zod";
import type { SimulationResult } from "../../domain/simulation.ts";
import { simulationRequestSchema } from "../../domain/simulation-request.ts";
import { simulationDraftOf } from "../../engine/simulation-draft.ts";
import { runSimulation } from "../../engine/simulation-runs.ts";
import {
  failAbandonedSimulations,
  findSimulation,
  insertSimulation,
  listSimulations,
  type SimulationRecord,
  type SimulationSummary,
} from "../../store/simulations.ts";
import { ApiError, notFound } from "../errors.ts";
import { collection, pageOf, pageQuery, route } from "../route.ts";
import { loadProgram, programParams } from "./programs.ts";

const timestamp = z.iso.datetime();
const minor = z.number().int();
const count = z.number().int().nonnegative();

const byLevel = z
  .array(z.strictObject({ level: z.number().int().positive(), amount: minor }))
  .describe("By upline level: 1 is the participant credited with the sale, 2 their sponsor, …");
const byMonth = z
  .array(z.strictObject({ month: z.string().regex(/^\d{4}-\d{2}$/), amount: minor }))
  .describe("By calendar month, in the program's time zone, of the event that booked them");
const rewards = z.strictObject({
  cash: minor.describe("cash rewards, minor units"),
  points: z.number().int(),
  products: z.number().int().describe("free product units"),
});
const rewardsOfStep = z.strictObject({
  goalId: z.string().describe("a live goal's id, or draft_<n> for a goal the draft adds"),
  goalName: z.string(),
  step: z.number().int().nonnegative(),
  grants: z.number().int(),
  cash: minor,
  points: z.number().int(),
  products: z.number().int(),
});
const earning = z.strictObject({
  participantId: z.string(),
  externalId: z.string(),
  name: z.string().nullable(),
  commissions: minor,
  cash: minor,
  points: z.number().int(),
  total: minor.describe("commissions + cash"),
});
const mover = z.strictObject({
  participantId: z.string(),
  externalId: z.string(),
  name: z.string().nullable(),
  actual: minor,
  simulated: minor,
  change: minor.describe("simulated - actual"),
});
const percentText = z.string().regex(/^-?\d+\.\d{2}$/);

const figuresSchema = z
  .strictObject({
    commissions: minor.describe("net of what the period's refunds took back, minor units"),
    commissionsByLevel: byLevel,
    commissionsByMonth: byMonth,
    rewards,
    rewardsByGoal: z.array(rewardsOfStep),
    topEarners: z.array(earning).describe("the ten who earned most, most first"),
    participantsPaid: count,
    sales: minor.describe("commissionable value of the period's orders less refunds, minor units"),
    costShare: percentText
      .nullable()
      .describe("commissions and cash rewards as a percentage of sales; null without sales"),
  })
  .meta({ id: "SimulationFigures", description: "What one side paid in the period" });

const deltaSchema = z
  .strictObject({
    commissions: minor,
    commissionsByLevel: byLevel,
    commissionsByMonth: byMonth,
    rewards,
    rewardsByGoal: z.array(rewardsOfStep),
    participantsPaid: z.number().int(),
    sales: minor,
    costShare: percentText
      .nullable()
      .describe("percentage points; null when either side has no sales"),
    gainers: z.array(mover).describe("up to ten the draft pays most more, biggest gain first"),
    losers: z.array(mover).describe("up to ten the draft pays most less, biggest loss first"),
  })
  .meta({ id: "SimulationDelta", description: "simulated - actual, figure by figure" });

const status = z
  .enum(["running", "done", "failed"])
  .describe("running (or waiting its turn), done with its figures, or failed with `error`");
const events = z
  .strictObject({ replayed: count, total: count })
  .describe("events replayed so far of those to replay, the period's and the history before it");

const summaryFields = {
  id: z.string(),
  programId: z.string(),
  status,
  from: timestamp,
  to: timestamp.describe("the period is [from, to)"),
  request: simulationRequestSchema.describe("the request as sent"),
  events,
  createdAt: timestamp,
  finishedAt: timestamp.nullable(),
  error: z.string().nullable().describe("why it failed; null unless failed"),
};

export const simulationSchema = z
  .strictObject({
    ...summaryFields,
    currency: z.string().nullable().describe("the currency of every amount; null until done"),
    actual: figuresSchema.nullable().describe("what was booked; null until done"),
    simulated: figuresSchema
      .nullable()
      .describe("what the draft would have booked; null until done"),
    delta: deltaSchema.nullable().describe("null until done"),
    notes: z
      .array(z.string())
      .nullable()
      .describe("what the replay could not reproduce, said plainly; null until done"),
  })
  .meta({
    id: "Simulation",
    description: "A draft replayed over the program's history, and what it found",
  });

const simulationSummarySchema = z
  .strictObject(summaryFields)
  .meta({ id: "SimulationSummary", description: "A simulation without its figures" });

const simulationCollection = z
  .strictObject({
    items: z.array(simulationSummarySchema),
    next: z
      .string()
      .nullable()
      .describe("Pass as `?cursor=` to read the next page; null on the last page"),
  })
  .meta({ id: "SimulationCollection", description: "Simulations, newest first" });

const simulationParams = z.object({ programId: z.string(), simulationId: z.string() });

function presentSummary(s: SimulationSummary) {
  return {
    id: s.id,
    programId: s.programId,
    status: s.status,
    from: s.from.toISOString(),
    to: s.to.toISOString(),
    request: s.request,
    events: { replayed: s.replayed, total: s.total },
    createdAt: s.createdAt.toISOString(),
    finishedAt: s.finishedAt?.toISOString() ?? null,
    error: s.error,
  };
}

export function presentSimulation(s: SimulationRecord) {
  const result: SimulationResult | null = s.result;
  return {
    ...presentSummary(s),
    currency: result?.currency ?? null,
    actual: result?.actual ?? null,
    simulated: result?.simulated ?? null,
    delta: result?.delta ?? null,
    notes: result?.notes ?? null,
  };
}

const requestExample = {
  from: "2026-08-01",
  to: "2026-11-01",
  program: { commission: { rate: { percent: 12 } } },
  goals: [
    {
      name: "Autumn sprint",
      metric: "sales_amount",
      window: { type: "monthly" },
      steps: [{ threshold: 50000, reward: { type: "cash", amount: 2500 } }],
    },
  ],
  replaceGoals: false,
};

const storedRequestExample = requestExample;

const runningExample = {
  id: "sim_01JDQ7Z3N0K2M4P6R8T0V2X4Z6",
  programId: "prg_01JDQ7Y9B4C6D8E0F2G4H6J8K0",
  status: "running",
  from: "2026-08-01T00:00:00.000Z",
  to: "2026-11-01T00:00:00.000Z",
  request: storedRequestExample,
  events: { replayed: 0, total: 0 },
  createdAt: "2026-11-20T10:00:00.000Z",
  finishedAt: null,
  error: null,
  currency: null,
  actual: null,
  simulated: null,
  delta: null,
  notes: null,
};

const ana = { participantId: "par_01JDQ7YB2C4D6E8F0G2H4J6K8M", externalId: "ana", name: "Ana" };
const actualFigures = {
  commissions: 184_000,
  commissionsByLevel: [
    { level: 1, amount: 160_000 },
    { level: 2, amount: 24_000 },
  ],
  commissionsByMonth: [
    { month: "2026-08", amount: 58_000 },
    { month: "2026-09", amount: 61_000 },
    { month: "2026-10", amount: 65_000 },
  ],
  rewards: { cash: 5_000, points: 0, products: 0 },
  rewardsByGoal: [
    {
      goalId: "gol_01JDQ7YC3D5E7F9G1H3J5K7M9N",
      goalName: "First sale",
      step: 0,
      grants: 2,
      cash: 5_000,
      points: 0,
      products: 0,
    },
  ],
  topEarners: [{ ...ana, commissions: 40_000, cash: 2_500, points: 0, total: 42_500 }],
  participantsPaid: 12,
  sales: 1_600_000,
  costShare: "11.81",
};
const simulatedFigures = {
  ...actualFigures,
  commissions: 216_000,
  commissionsByLevel: [
    { level: 1, amount: 192_000 },
    { level: 2, amount: 24_000 },
  ],
  commissionsByMonth: [
    { month: "2026-08", amount: 68_000 },
    { month: "2026-09", amount: 71_800 },
    { month: "2026-10", amount: 76_200 },
  ],
  topEarners: [{ ...ana, commissions: 48_000, cash: 2_500, points: 0, total: 50_500 }],
  costShare: "13.81",
};
const doneExample = {
  ...runningExample,
  status: "done",
  events: { replayed: 5_210, total: 5_210 },
  finishedAt: "2026-11-20T10:00:02.000Z",
  currency: "USD",
  actual: actualFigures,
  simulated: simulatedFigures,
  delta: {
    commissions: 32_000,
    commissionsByLevel: [
      { level: 1, amount: 32_000 },
      { level: 2, amount: 0 },
    ],
    commissionsByMonth: [
      { month: "2026-08", amount: 10_000 },
      { month: "2026-09", amount: 10_800 },
      { month: "2026-10", amount: 11_200 },
    ],
    rewards: { cash: 0, points: 0, products: 0 },
    rewardsByGoal: [],
    participantsPaid: 0,
    sales: 0,
    costShare: "2.00",
    gainers: [{ ...ana, actual: 42_500, simulated: 50_500, change: 8_000 }],
    losers: [],
  },
  notes: [],
};
const { currency, actual, simulated, delta, notes, ...summaryExample } = runningExample;
void [currency, actual, simulated, delta, notes];

export const simulationRoutes = [
  route({
    method: "POST",
    url: "/v1/programs/{programId}/simulations",
    operationId: "createSimulation",
    summary: "Simulate a draft program over the program's history; answers at once, runs after",
    description:
      "Replays the program's stored events in [from, to), as they were processed, through the " +
      "draft: the program as the merge patch `program` would leave it, and the goals given " +
      "(added, or in place of the live ones with replaceGoals). Nothing is written but the " +
      "simulation's own record. Answers 202 with the record at once; GET it for progress and, " +
      "when done, what was booked beside what the draft would have booked. A draft that " +
      "cannot be saved as it is (a program or goal the PATCH or POST would refuse, a currency " +
      "change, `to` not after `from`) is a 422 naming each field by its path " +
      "(`program.commission.rate`, `goals[1].steps`).",
    tag: "Simulations",
    auth: "admin",
    params: programParams,
    body: simulationRequestSchema,
    bodyExample: requestExample,
    status: 202,
    response: simulationSchema,
    responseExample: runningExample,
    handler: async ({ services, caller, params, body }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      const outcome = await simulationDraftOf(services, program, body);
      if (!outcome.ok) throw new ApiError("validation_failed", outcome.message, outcome.details);
      const record = await insertSimulation(services.db, {
        programId: program.id,
        id: services.ids.next("sim"),
        request: body,
        from: new Date(outcome.draft.fromMs),
        to: new Date(outcome.draft.toMs),
        createdAt: services.now(),
      });
      void runSimulation(services, program, record.id, outcome.draft);
      return presentSimulation(record);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/simulations",
    operationId: "listSimulations",
    summary: "The program's simulations, newest first, without their figures",
    description:
      "The program's simulations, newest first, a page at a time: each one's request, status " +
      "and progress. GET one for its figures.",
    tag: "Simulations",
    auth: "admin",
    params: programParams,
    query: pageQuery,
    response: simulationCollection,
    responseExample: { items: [summaryExample], next: null },
    handler: async ({ services, caller, params, query }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      await failAbandonedSimulations(services.db, { programId: program.id });
      const page = pageOf(query);
      const rows = await listSimulations(services.db, program.id, {
        before: page.after,
        limit: page.limit + 1,
      });
      return collection(rows, page.limit, (s) => s.id, presentSummary);
    },
  }),
  route({
    method: "GET",
    url: "/v1/programs/{programId}/simulations/{simulationId}",
    operationId: "getSimulation",
    summary: "A simulation: its progress while it runs, what it found when done",
    description:
      "While running: events replayed of the total, the figures null. Done: `actual` (what was " +
      "booked in the period), `simulated` (what the draft would have booked) and `delta` " +
      "(simulated - actual, with the biggest gainers and losers), in minor units of " +
      "`currency`. Failed: `error` says why. Another brand's simulation is a 404.",
    tag: "Simulations",
    auth: "admin",
    params: simulationParams,
    response: simulationSchema,
    responseExample: doneExample,
    handler: async ({ services, caller, params }) => {
      const program = await loadProgram(services, caller.brandId, params.programId);
      await failAbandonedSimulations(services.db, { programId: program.id });
      const found = await findSimulation(services.db, program.id, params.simulationId);
      if (!found) throw notFound(`simulation ${params.simulationId}`);
      return presentSimulation(found);
    },
  }),
];
