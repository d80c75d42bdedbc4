import { runMeasurementChild } from "./child.ts";
import { measureSimulate, type SimulateChildRequest } from "./simulate.ts";

// The simulator scenario in a process of its own, started by measureSimulateInChild.
await runMeasurementChild<SimulateChildRequest, Awaited<ReturnType<typeof measureSimulate>>>(
  "BENCH_SIMULATE_REQUEST",
  "simulate",
  (db, request, phase) =>
    measureSimulate(db, {
      orders: request.orders,
      participants: request.participants,
      setupWorkers: request.setupWorkers,
      check: request.check,
      phase,
    }),
);
