import { describe, expect, it } from "vitest";
import type { SimulationDelta, SimulationFigures } from "../../src/domain/simulation.ts";
import {
  createParticipant,
  createProgram,
  expectError,
  expectStatus,
  order,
  sendEvents,
  snapshot,
  useApi,
  type Api,
  type Collection,
  type ErrorBody,
} from "../support/api.ts";
import { describeEachBackend } from "../support/backends.ts";
import { insertSimulation, recordProgress } from "../../src/store/simulations.ts";
import { findProgramById } from "../../src/store/programs.ts";
import { readSimulationRequest, simulationDraftOf } from "../../src/engine/simulation-draft.ts";
import { runSimulation, stopSimulations } from "../../src/engine/simulation-runs.ts";

interface SimulationBody {
  id: string;
  programId: string;
  status: "running" | "done" | "failed";
  from: string;
  to: string;
  request: Record<string, unknown>;
  events: { replayed: number; total: number };
  currency: string | null;
  actual: SimulationFigures | null;
  simulated: SimulationFigures | null;
  delta: SimulationDelta | null;
  notes: string[] | null;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
}

const NOVEMBER = { from: "2026-11-01", to: "2026-12-01" };

/** A goal body as POST .../goals takes it. */
const firstSale = {
  name: "First sale",
  metric: "order_count",
  steps: [{ threshold: 1, reward: { type: "cash", amount: 500 } }],
};

describeEachBackend("simulations", (backend) => {
  const api = useApi(backend);

  /**
   * Ana, sponsored by Ben; 10% to the seller, 3% to the sponsor. In November
   * Ana sells two shirts at 25.00 (Ana 500, Ben 150) and Ben a shirt and a
   * hat, 35.00 (Ben 350): 1,000 booked on 8,500 of sales.
   */
  async function november(key?: string) {
    const program = await createProgram(api, {}, key);
    const ben = await createParticipant(api, program.id, { externalId: "ben", name: "Ben" }, key);
    const ana = await createParticipant(
      api,
      program.id,
      { externalId: "ana", name: "Ana", sponsor: "ben" },
      key,
    );
    const sent = await sendEvents(
      api,
      program.id,
      {
        events: [
          order("nov-1", { code: ana.referralCode, occurredAt: "2026-11-05T10:00:00Z" }),
          order("nov-2", {
            code: ben.referralCode,
            occurredAt: "2026-11-20T10:00:00Z",
            items: [
              { sku: "SHIRT", quantity: 1, unitAmount: 2500 },
              { sku: "HAT", quantity: 1, unitAmount: 1000 },
            ],
          }),
        ],
      },
      key,
    );
    expectStatus(sent, 200);
    expect(sent.body.results.map((r) => r.status)).toEqual(["processed", "processed"]);
    return { program, ana, benId: ben.id };
  }

  const post = (programId: string, body: unknown, key?: string) =>
    api.call<SimulationBody>("POST", `/v1/programs/${programId}/simulations`, body, key);

  /** Reads the simulation until it has ended; whatever is read while it runs has no figures yet. */
  async function ended(a: Api, programId: string, id: string): Promise<SimulationBody> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const reply = await a.call<SimulationBody>(
        "GET",
        `/v1/programs/${programId}/simulations/${id}`,
      );
      expectStatus(reply, 200);
      const body = reply.body;
      if (body.status !== "running") return body;
      expect(body).toMatchObject({ actual: null, simulated: null, delta: null, finishedAt: null });
      expect(body.events.replayed).toBeLessThanOrEqual(Math.max(body.events.total, 0));
      if (Date.now() > deadline) throw new Error(`simulation ${id} still running after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function writtenRows(a: Api) {
    const [grants] = await a.db.query<{ n: number }>("select count(*)::int as n from goal_grants");
    const [progress] = await a.db.query<{ n: number }>(
      "select count(*)::int as n from goal_progress",
    );
    return { ...(await snapshot(a.db)), goalGrants: grants?.n, goalProgress: progress?.n };
  }

  it("answers 202 with the record at once, running, and the figures when done", async () => {
    const { program } = await november();
    const reply = await post(program.id, {
      ...NOVEMBER,
      program: { commission: { rate: { percent: 12 } } },
    });
    expectStatus(reply, 202);
    expect(reply.body).toMatchObject({
      id: expect.stringMatching(/^sim_/),
      programId: program.id,
      status: "running",
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      events: { replayed: 0, total: 0 },
      actual: null,
      simulated: null,
      delta: null,
      notes: null,
      currency: null,
      finishedAt: null,
      error: null,
    });
    expect(reply.body.request).toEqual({
      ...NOVEMBER,
      program: { commission: { rate: { percent: 12 } } },
      goals: [],
      replaceGoals: false,
    });
    const done = await ended(api, program.id, reply.body.id);
    expect(done).toMatchObject({ status: "done", currency: "USD", error: null });
    expect(done.finishedAt).not.toBeNull();
    expect(done.events.total).toBeGreaterThan(0);
    expect(done.events.replayed).toBe(done.events.total);
  });

  it("shows what a higher rate would have paid beside what was booked", async () => {
    const { program, ana, benId } = await november();
    const reply = await post(program.id, {
      ...NOVEMBER,
      program: { commission: { rate: { percent: 12 } } },
    });
    expectStatus(reply, 202);
    const done = await ended(api, program.id, reply.body.id);
    expect(done.status).toBe("done");
    // Booked: Ana 10% of 5,000 = 500; Ben 3% of it = 150 and 10% of 3,500 = 350.
    expect(done.actual).toMatchObject({
      commissions: 1_000,
      commissionsByLevel: [
        { level: 1, amount: 850 },
        { level: 2, amount: 150 },
      ],
      commissionsByMonth: [{ month: "2026-11", amount: 1_000 }],
      participantsPaid: 2,
      sales: 8_500,
      costShare: "11.76",
    });
    // At 12%: Ana 600; Ben still 150 from Ana's sale, and 420 from his own.
    expect(done.simulated).toMatchObject({
      commissions: 1_170,
      commissionsByLevel: [
        { level: 1, amount: 1_020 },
        { level: 2, amount: 150 },
      ],
      commissionsByMonth: [{ month: "2026-11", amount: 1_170 }],
      participantsPaid: 2,
      sales: 8_500,
      costShare: "13.76",
    });
    const delta = done.delta;
    expect(delta).toMatchObject({
      commissions: 170,
      commissionsByMonth: [{ month: "2026-11", amount: 170 }],
      sales: 0,
      participantsPaid: 0,
      costShare: "2.00",
      losers: [],
    });
    expect(delta?.commissionsByLevel).toContainEqual({ level: 1, amount: 170 });
    expect(delta?.gainers).toEqual([
      {
        participantId: ana.id,
        externalId: "ana",
        name: "Ana",
        actual: 500,
        simulated: 600,
        change: 100,
      },
      {
        participantId: benId,
        externalId: "ben",
        name: "Ben",
        actual: 500,
        simulated: 570,
        change: 70,
      },
    ]);
  });

  it("writes nothing but its own record", async () => {
    const { program } = await november();
    const before = await writtenRows(api);
    const simulationsBefore = await api.db.query("select 1 from simulations");
    const reply = await post(program.id, {
      ...NOVEMBER,
      program: { commission: { rate: { percent: 15 } } },
      goals: [firstSale],
    });
    expectStatus(reply, 202);
    expect((await ended(api, program.id, reply.body.id)).status).toBe("done");
    expect(await writtenRows(api)).toEqual(before);
    expect(await api.db.query("select 1 from simulations")).toHaveLength(
      simulationsBefore.length + 1,
    );
  });

  it("runs a retry sent with the same Idempotency-Key once, answering the first record", async () => {
    const { program } = await november();
    const send = () =>
      api.app.inject({
        method: "POST",
        url: `/v1/programs/${program.id}/simulations`,
        headers: {
          authorization: `Bearer ${api.key}`,
          "content-type": "application/json",
          "idempotency-key": `sim-${program.id}`,
        },
        payload: JSON.stringify(NOVEMBER),
      });
    const first = await send();
    const again = await send();
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    const rows = await api.db.query("select id from simulations where program_id = $1", [
      program.id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it("lists the program's simulations newest first, without their figures", async () => {
    const { program } = await november();
    const first = await post(program.id, NOVEMBER);
    const second = await post(program.id, {
      ...NOVEMBER,
      program: { commission: { rate: { percent: 5 } } },
    });
    const list = await api.call<Collection<Record<string, unknown>>>(
      "GET",
      `/v1/programs/${program.id}/simulations?limit=1`,
    );
    expectStatus(list, 200);
    expect(list.body.items.map((s) => s.id)).toEqual([second.body.id]);
    expect(list.body.items[0]).not.toHaveProperty("actual");
    const next = await api.call<Collection<Record<string, unknown>>>(
      "GET",
      `/v1/programs/${program.id}/simulations?limit=1&cursor=${list.body.next}`,
    );
    expect(next.body.items.map((s) => s.id)).toEqual([first.body.id]);
    await ended(api, program.id, second.body.id);
  });

  it("shows a running simulation's progress, and no figures until it is done", async () => {
    const { program } = await november();
    const request = { ...NOVEMBER, program: {}, goals: [], replaceGoals: false };
    // Written as a replay of another process leaves it, half way through.
    await insertSimulation(api.db, {
      programId: program.id,
      id: "sim_HALFWAY",
      request,
      from: new Date("2026-11-01T00:00:00Z"),
      to: new Date("2026-12-01T00:00:00Z"),
      createdAt: new Date(),
    });
    await recordProgress(api.db, program.id, "sim_HALFWAY", { replayed: 4_000, total: 10_000 });
    const reply = await api.call<SimulationBody>(
      "GET",
      `/v1/programs/${program.id}/simulations/sim_HALFWAY`,
    );
    expectStatus(reply, 200);
    expect(reply.body).toEqual({
      id: "sim_HALFWAY",
      programId: program.id,
      status: "running",
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-12-01T00:00:00.000Z",
      request,
      events: { replayed: 4_000, total: 10_000 },
      currency: null,
      actual: null,
      simulated: null,
      delta: null,
      notes: null,
      createdAt: expect.any(String),
      finishedAt: null,
      error: null,
    });
  });

  it("marks what a stopping server runs or queues as failed, to be started again", async () => {
    const { program } = await november();
    const record = await findProgramById(api.db, program.id);
    const read = readSimulationRequest(NOVEMBER);
    if (!record || !read.ok) throw new Error("the program and request are set up above");
    const outcome = await simulationDraftOf(api.services, record, read.request);
    if (!outcome.ok) throw new Error(outcome.message);
    for (const id of ["sim_STOPPED1", "sim_STOPPED2"])
      await insertSimulation(api.db, {
        programId: program.id,
        id,
        request: read.request,
        from: new Date(outcome.draft.fromMs),
        to: new Date(outcome.draft.toMs),
        createdAt: new Date(),
      });
    const runs = ["sim_STOPPED1", "sim_STOPPED2"].map((id) =>
      runSimulation(api.services, record, id, outcome.draft),
    );
    await stopSimulations();
    await Promise.all(runs);
    for (const id of ["sim_STOPPED1", "sim_STOPPED2"]) {
      const reply = await api.call<SimulationBody>(
        "GET",
        `/v1/programs/${program.id}/simulations/${id}`,
      );
      expect(reply.body).toMatchObject({
        status: "failed",
        error: "the server stopped while it ran; start it again",
      });
    }
    // The next server's simulations run.
    const after = await post(program.id, NOVEMBER);
    expect((await ended(api, program.id, after.body.id)).status).toBe("done");
  });

  it("says a simulation failed when the server that ran it stopped", async () => {
    const { program } = await november();
    await api.db.query(
      `insert into simulations (program_id, id, status, request, from_at, to_at, created_at, heartbeat_at)
       values ($1, 'sim_LEFTBEHIND', 'running', $2, '2026-11-01', '2026-12-01', now(),
               now() - interval '10 minutes')`,
      [program.id, JSON.stringify({ ...NOVEMBER, program: {}, goals: [], replaceGoals: false })],
    );
    const reply = await api.call<SimulationBody>(
      "GET",
      `/v1/programs/${program.id}/simulations/sim_LEFTBEHIND`,
    );
    expectStatus(reply, 200);
    expect(reply.body).toMatchObject({
      status: "failed",
      error: "the server stopped while it ran; start it again",
      actual: null,
    });
    expect(reply.body.finishedAt).not.toBeNull();
  });

  describe("refuses a draft it cannot simulate, naming the field", () => {
    const refusal = async (body: unknown) => {
      const { program } = await november();
      const reply = await post(program.id, body);
      expectError(reply, 422, "validation_failed");
      const none = await api.db.query("select 1 from simulations where program_id = $1", [
        program.id,
      ]);
      expect(none).toHaveLength(0);
      return (reply.body as unknown as ErrorBody).error;
    };

    it("a rate the program would refuse", async () => {
      const error = await refusal({ program: { commission: { rate: { percent: 150 } } } });
      expect(error.details).toContainEqual({
        path: expect.stringMatching(/^program\.commission\.rate/),
        message: expect.any(String),
      });
    });

    it("a goal the goals route would refuse, by its place in the list", async () => {
      const error = await refusal({ goals: [firstSale, { ...firstSale, steps: [] }] });
      expect(error.details).toEqual([{ path: "goals[1].steps", message: "must not be empty" }]);
      expect(error.message).toContain("goals[1].steps");
    });

    it("a goal id that is not a live goal of the program", async () => {
      const error = await refusal({ goals: [{ ...firstSale, id: "gol_NOTAGOAL" }] });
      expect(error.details).toEqual([
        { path: "goals[0].id", message: expect.stringContaining("not a live goal") },
      ]);
    });

    it("another currency", async () => {
      const error = await refusal({ program: { currency: "EUR" } });
      expect(error.details).toEqual([
        { path: "program.currency", message: expect.stringContaining("USD") },
      ]);
    });

    it("a period that ends before it starts", async () => {
      const error = await refusal({ from: "2026-11-10", to: "2026-11-01" });
      expect(error.details).toEqual([
        { path: "to", message: expect.stringContaining("after from") },
      ]);
    });

    it("a date that is not one", async () => {
      const reply = await post((await november()).program.id, { from: "last tuesday" });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect((reply.body as unknown as ErrorBody).error.details).toContainEqual({
        path: "from",
        message: expect.any(String),
      });
    });
  });

  it("keeps a simulation to its brand: another brand's admin gets a 404", async () => {
    const { program } = await november();
    const reply = await post(program.id, NOVEMBER);
    expectStatus(reply, 202);
    const other = api.otherKey;
    expectError(
      await api.call(
        "GET",
        `/v1/programs/${program.id}/simulations/${reply.body.id}`,
        undefined,
        other,
      ),
      404,
      "not_found",
    );
    expectError(await post(program.id, NOVEMBER, other), 404, "not_found");
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/simulations`, undefined, other),
      404,
      "not_found",
    );
    expectError(
      await api.call("GET", `/v1/programs/${program.id}/simulations/sim_NOSUCH`),
      404,
      "not_found",
    );
    expectError(await post("prg_NOSUCH", NOVEMBER), 404, "not_found");
    await ended(api, program.id, reply.body.id);
  });
});
