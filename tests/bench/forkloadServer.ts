import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { createApp } from '../../server/app.js';
import { installProcessGuards } from '../../server/shutdown.js';
import { WorkerTimelineService } from '../../server/timelines/WorkerTimelineService.js';
import { installFinerQuantities } from './forkloadVariant.js';

// The server of the fork-load benchmark, in its own process (started by forkload.ts), so its RSS and event-loop
// lag are the server's alone, not the benchmark clients'. Speaks to the parent over the IPC channel.

const [timelineMb, checkpointMb] = process.argv.slice(2).map(Number);
installFinerQuantities(); // the main thread sees the same decision steps as the worker (its preload)
// As createApp builds it, plus the variant preloaded in the compile worker.
// Histories compiled here at the start, as the server's defaults do (HISTORY_CACHE_DIR unset). FORKLOAD_HISTORY_DIR:
// read from (and written to) that folder instead, so a probe starts in seconds; a history read from disk holds 1.4x
// the heap of one compiled here (v8.deserialize; replays/engine/branches.ts), 235 against 168 MB for Cardassia.
const historyCacheDir = process.env.FORKLOAD_HISTORY_DIR || undefined;
const timelines = new WorkerTimelineService({
  checkpointCacheMb: checkpointMb,
  compileConcurrency: 2,
  ...(historyCacheDir ? { historyCacheDir } : {}),
  preload: [new URL('./forkloadVariantPreload.ts', import.meta.url).href],
});
const app = createApp({
  logger: pino({ level: 'silent' }),
  clientDist: null,
  rateLimit: { points: 1000, durationS: 1 },
  limits: { joinsPerMin: 100_000, connectionsPerMin: 100_000, roomsPerMin: 100_000 },
  timelineCacheMb: timelineMb,
  timelines,
});
// As server/index.ts: a stray rejection is logged, not fatal. Without it, the first stats() refused by a dying compile
// worker (ERR_WORKER_OUT_OF_MEMORY) was an unhandled rejection, and Node's default ended this whole process.
installProcessGuards(pino({ level: 'error' }, pino.destination(2)), () => {});
const port = await app.listen(0, '127.0.0.1');
let peak = process.memoryUsage().rss;
setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100).unref();
// Where the memory is, sampled once a second: the process (both threads), the main thread's caches, and the
// compile worker's own accounting and heap. The sample at the largest RSS is reported.
type Parts = Record<string, number>;
let atPeak: Parts = {};
let peakSampled = 0;
// A worker that dies (or restarts) misses a sample; the bench goes on (and says what stopped its forks).
const noSample = () => {};
setInterval(() => {
  void timelines.stats().then((w) => {
    const m = process.memoryUsage();
    if (m.rss < peakSampled) return;
    peakSampled = m.rss;
    atPeak = {
      rss: m.rss,
      mainHeapUsed: m.heapUsed,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      segmentStore: app.segments.bytes,
      workerRestarts: timelines.restarts,
      workerHeapUsed: w.heapUsedBytes,
      workerHeapTotal: w.heapTotalBytes,
      workerExternal: w.externalBytes,
      workerCatalog: w.catalogBytes,
      workerStartStates: w.startStateBytes,
      workerBranches: w.branches,
      compiling: w.compiling,
      queued: w.queued,
    };
  }, noSample);
}, 1000).unref();
const lag = monitorEventLoopDelay({ resolution: 10 });
// Load-proof companion of the loop lag: the main thread's own CPU time between two ticks of a 10 ms timer, read from
// /proc (the thread's utime + stime, 10 ms clock ticks; process.cpuUsage() would count the compile worker too). A
// long task shows as a large step whatever the machine's load; a lag with no large step is time spent waiting for a
// core (a shared machine's run queue, or this process's own worker and GC threads).
const mainStat = `/proc/self/task/${process.pid}/stat`;
const mainCpuMs = (): number => {
  const f = readFileSync(mainStat, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10; // utime, stime (fields 14, 15) in 10 ms ticks
};
let cpuSteps = { on: false, last: 0, over50: 0, max: 0, ticks: 0 };
setInterval(() => {
  if (!cpuSteps.on) return;
  const now = mainCpuMs();
  const step = now - cpuSteps.last;
  cpuSteps.last = now;
  cpuSteps.ticks++;
  cpuSteps.max = Math.max(cpuSteps.max, step);
  if (step >= 50) cpuSteps.over50++;
}, 10).unref();
// FORKLOAD_TRACE=1: the memory by part and the loop lag so far every 10 s on stderr (a run that stalls still
// shows where its memory went).
if (process.env.FORKLOAD_TRACE) {
  setInterval(() => {
    void timelines.stats().then((w) => {
      const m = process.memoryUsage();
      const mb = (b: number) => (b / 1e6).toFixed(0);
      console.error(
        `[forkload server] rss ${mb(m.rss)} MB, main heap ${mb(m.heapUsed)} MB, external ${mb(m.external)} MB, segments ${mb(app.segments.bytes)} MB, timeline cache ${mb(app.rooms.timelines.bytes)} MB, worker heap ${mb(w.heapUsedBytes)} MB / ${mb(w.heapTotalBytes)} MB, external ${mb(w.externalBytes)} MB (catalog ${mb(w.catalogBytes)} MB, ${w.branches} branches, ${w.compiling} compiling, ${w.queued} queued), lag max ${(lag.max / 1e6).toFixed(0)} ms p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, timeline transfers ${timelines.timelineTransfers}, compiledFromZero ${w.compiledFromZero}`,
      );
    }, noSample);
  }, 10_000).unref();
}
process.on('message', (m: string) => {
  if (m === 'lag:start') {
    lag.enable();
    cpuSteps = { on: true, last: mainCpuMs(), over50: 0, max: 0, ticks: 0 };
  }
  if (m === 'report') {
    lag.disable();
    const cpu = process.cpuUsage();
    void timelines
      .stats()
      .then(
        (w) => w,
        () => null,
      )
      .then((w) =>
        process.send?.({
          cpuMs: (cpu.user + cpu.system) / 1000,
          mainCpuMs: mainCpuMs(),
          compiledFromZero: w?.compiledFromZero,
          rssPeak: peak,
          rss: process.memoryUsage().rss,
          lagP50: lag.percentile(50) / 1e6,
          lagP99: lag.percentile(99) / 1e6,
          lagMax: lag.max / 1e6,
          mainCpuStepMax: cpuSteps.max,
          mainCpuStepsOver50: cpuSteps.over50,
          mainCpuTicks: cpuSteps.ticks,
          atPeak,
        }),
      );
  }
  if (m === 'exit') void app.close().then(() => process.exit(0));
});
process.send?.({ port, rss: process.memoryUsage().rss });
