import { runMeasurementChild } from "./child.ts";
import { measureTargetImport, type TargetImportRequest } from "./goals.ts";

// The target import in a process of its own, started by measureTargetImportInChild.
await runMeasurementChild<TargetImportRequest, Awaited<ReturnType<typeof measureTargetImport>>>(
  "BENCH_TARGETS_REQUEST",
  "targets",
  (db, request, phase) =>
    measureTargetImport(db, { rows: request.rows, setupWorkers: request.setupWorkers, phase }),
);
