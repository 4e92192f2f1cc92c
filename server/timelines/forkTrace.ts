import { PerformanceObserver, performance } from 'node:perf_hooks';
import { z } from 'zod';

// Timing marks along a fork's path (main thread -> worker -> ack), for `npm run bench -- forks` only: set
// FORK_TRACE=1 (workers inherit it). Off, a mark is one boolean test. Times are epoch ms with sub-ms precision
// (timeOrigin + now), so the main thread's and the worker's marks line up on one axis.

// Read here, not in server/config.ts, because the compile worker imports this module too; validated the same way
// (a bad value stops the process at start, as config.ts does).
const traceEnv = z.enum(['0', '1']).optional().safeParse(process.env.FORK_TRACE);
if (!traceEnv.success) throw new Error(`FORK_TRACE must be 0 or 1, got ${JSON.stringify(process.env.FORK_TRACE)}`);
export const FORK_TRACE = traceEnv.data === '1';

export interface TraceMark {
  /** Epoch ms. */
  t: number;
  what: string;
  /** What it is about (a branch, a request id, a GC kind). */
  key?: string;
  /** A duration, for marks that close a span (a slice, a GC pause, a copy). */
  ms?: number;
}

const MAX_MARKS = 20_000;
const marks: TraceMark[] = [];

export function traceNow(): number {
  return performance.timeOrigin + performance.now();
}

export function mark(what: string, key?: string, ms?: number): void {
  if (!FORK_TRACE) return;
  marks.push({ t: traceNow(), what, ...(key === undefined ? {} : { key }), ...(ms === undefined ? {} : { ms }) });
  if (marks.length > MAX_MARKS) marks.splice(0, marks.length - MAX_MARKS);
}

/** The marks so far, removed from the buffer. */
export function drainTrace(): TraceMark[] {
  return marks.splice(0);
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/** Record this thread's GC pauses as marks (`gc`, key: kind, ms: pause), when tracing. */
export function traceGc(): void {
  if (!FORK_TRACE) return;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? 0;
      marks.push({ t: performance.timeOrigin + e.startTime, what: 'gc', key: GC_KINDS[kind] ?? String(kind), ms: e.duration });
    }
  });
  obs.observe({ entryTypes: ['gc'] });
}
