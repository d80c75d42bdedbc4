import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Worker } from "node:worker_threads";

/**
 * Peak memory of one call, above what the process held just before it.
 *
 * rss: two samplers run during the call. The main thread's timer (every
 * `everyMs`) cannot fire while the call runs synchronous code or a chain of
 * promises that never yields to the event loop (PGlite answers a query
 * without I/O, so a whole createPayout can be one such chain), which is where
 * the peaks are. So a worker thread also reads the process's rss every
 * `everyMs`: rss is one figure for the whole process, and the worker's timer
 * keeps firing while the main thread is busy.
 *
 * heapUsed belongs to the main isolate and only the main thread can read it,
 * so its samples miss the same stretches, and a collection inside a stretch
 * hides what was there before it. Run with `--trace-gc` (bench/payout-child.ts
 * is), V8 prints the heap in use before every collection; `heapPeakFromTrace`
 * reads those lines for the call's window and so catches the peaks sampling
 * misses. `forcedGcAt` is when the collection before the baseline was asked
 * for: its trace line ("testing") ties V8's clock to performance.now().
 */
export interface MemoryPeak<T> {
  result: T;
  ms: number;
  /** Highest rss seen during the call, minus rss before it. */
  rssPeakDelta: number;
  /** Highest heapUsed sampled during the call, minus heapUsed before it. */
  heapPeakDelta: number;
  rssBaseline: number;
  heapBaseline: number;
  forcedGcAt: number;
  startedAt: number;
  endedAt: number;
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
let peak = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
};
const timer = setInterval(sample, workerData.everyMs);
parentPort.postMessage("ready");
parentPort.on("message", () => {
  sample();
  clearInterval(timer);
  parentPort.postMessage(peak);
  parentPort.close();
});
`;

/** A full collection, so the baseline is what is live rather than what GC has not got to yet. */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc === "function") gc();
}

export async function measureMemory<T>(
  work: () => Promise<T>,
  everyMs = 2,
): Promise<MemoryPeak<T>> {
  const worker = new Worker(WORKER, { eval: true, workerData: { everyMs } });
  const peakFromWorker = new Promise<number>((resolve, reject) => {
    worker.on("error", reject);
    worker.on("message", (m: unknown) => {
      if (typeof m === "number") resolve(m);
    });
  });
  // Handled where it is awaited; this only keeps an early failure from going unhandled.
  peakFromWorker.catch(() => undefined);
  await new Promise<void>((resolve) => worker.once("message", () => resolve()));

  const forcedGcAt = performance.now();
  collectGarbage();
  const before = process.memoryUsage();
  let rssPeak = before.rss;
  let heapPeak = before.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    rssPeak = Math.max(rssPeak, now.rss);
    heapPeak = Math.max(heapPeak, now.heapUsed);
  };
  const timer = setInterval(sample, everyMs);
  const startedAt = performance.now();
  try {
    const result = await work();
    const endedAt = performance.now();
    sample();
    worker.postMessage("stop");
    rssPeak = Math.max(rssPeak, await peakFromWorker);
    return {
      result,
      ms: endedAt - startedAt,
      rssPeakDelta: rssPeak - before.rss,
      heapPeakDelta: heapPeak - before.heapUsed,
      rssBaseline: before.rss,
      heapBaseline: before.heapUsed,
      forcedGcAt,
      startedAt,
      endedAt,
    };
  } finally {
    clearInterval(timer);
    await worker.terminate();
  }
}

interface GcLine {
  isolate: string;
  atMs: number;
  /** Heap in use before the collection, in bytes. */
  before: number;
  forced: boolean;
}

/** `[pid:isolate]   1234 ms: Scavenge 3.9 (4.0) -> 3.7 (5.0) MB, … allocation failure;` */
const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\]\s+([\d.]+) ms: [^\d]*?([\d.]+) \([\d.]+\) -> [\d.]+ \([\d.]+\) MB/;

export function parseGcTrace(text: string): GcLine[] {
  const lines: GcLine[] = [];
  for (const line of text.split("\n")) {
    const m = GC_LINE.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) continue;
    lines.push({
      isolate: m[1],
      atMs: Number(m[2]),
      // V8's "MB" is 2^20 bytes.
      before: Number(m[3]) * 2 ** 20,
      forced: line.includes("testing"),
    });
  }
  return lines;
}

/**
 * The heapUsed peak of the `index`-th measureMemory call of a process run
 * with `--trace-gc`: the larger of what was sampled and what the main
 * isolate's collections found in use during the call, minus the baseline.
 * Falls back to the sampled figure when the trace has no forced collection
 * to align the clocks with.
 */
export function heapPeakFromTrace(
  gcs: readonly GcLine[],
  index: number,
  peak: Pick<
    MemoryPeak<unknown>,
    "heapPeakDelta" | "heapBaseline" | "forcedGcAt" | "startedAt" | "endedAt"
  >,
): number {
  const forced = gcs.filter((g) => g.forced)[index];
  if (!forced) return peak.heapPeakDelta;
  const offset = forced.atMs - peak.forcedGcAt;
  const during = gcs.filter(
    (g) =>
      g.isolate === forced.isolate &&
      g.atMs >= peak.startedAt + offset &&
      g.atMs <= peak.endedAt + offset,
  );
  const traced = Math.max(0, ...during.map((g) => g.before - peak.heapBaseline));
  return Math.max(peak.heapPeakDelta, traced);
}

export const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
