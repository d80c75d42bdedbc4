import { runMeasurementChild } from "./child.ts";
import { measurePayout, type ChildRequest } from "./payout.ts";

// The payout scenario in a process of its own, started by measurePayoutInChild.
await runMeasurementChild<ChildRequest, Awaited<ReturnType<typeof measurePayout>>>(
  "BENCH_PAYOUT_REQUEST",
  "payout",
  (db, request, phase) =>
    measurePayout(db, {
      participants: request.participants,
      setupWorkers: request.setupWorkers,
      phase,
    }),
);
