// Main-thread CPU from a Chromium trace (browser.startTracing/stopTracing): on a shared machine a task's wall
// time is stretched by whatever else runs, but its thread time (`tdur`) is what the page itself spent. Frames are
// the top-level main-thread tasks that ran an animation-frame callback (script, style, paint, commit, GC inside).

export interface TraceCpu {
  frames: number;
  frameCpuMeanMs: number;
  frameCpuP50Ms: number;
  frameCpuP95Ms: number;
  frameCpuMaxMs: number;
  /** Top-level main-thread tasks (frames or not) with more than 50 ms of thread time. */
  tasksOver50Cpu: number;
  longestTaskCpuMs: number;
  /** Thread time of the page's workers (segment parsing, wedge stamping), ms. */
  workerCpuMs: number;
  /** Thread time of every top-level main-thread task (frames or not), ms. */
  mainCpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

export function mainThreadCpu(trace: string): TraceCpu {
  const parsed = JSON.parse(trace) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const threadName = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    const name = threadName.get(k);
    if (name !== 'CrRendererMain' && name !== 'DedicatedWorker thread') continue;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
  }
  const frameCpu: number[] = [];
  let over50 = 0;
  let longest = 0;
  let workerCpu = 0;
  let mainCpu = 0;
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const main = threadName.get(k) === 'CrRendererMain';
    // Top-level tasks: not inside an earlier one; a frame is one that ran an animation-frame callback.
    let top: TraceEvent | null = null;
    let end = -1;
    let isFrame = false;
    const close = () => {
      if (!top) return;
      const cpu = (top.tdur ?? 0) / 1000;
      if (!main) workerCpu += cpu;
      else {
        mainCpu += cpu;
        if (isFrame) frameCpu.push(cpu);
        if (cpu > 50) over50++;
        longest = Math.max(longest, cpu);
      }
    };
    for (const e of list) {
      if (e.ts >= end) {
        close();
        top = e;
        end = e.ts + (e.dur ?? 0);
        isFrame = false;
      }
      if (e.name === 'FireAnimationFrame') isFrame = true;
    }
    close();
  }
  const sorted = [...frameCpu].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] : 0);
  return {
    frames: sorted.length,
    frameCpuMeanMs: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    frameCpuP50Ms: at(0.5),
    frameCpuP95Ms: at(0.95),
    frameCpuMaxMs: sorted.length ? sorted[sorted.length - 1] : 0,
    tasksOver50Cpu: over50,
    longestTaskCpuMs: longest,
    workerCpuMs: workerCpu,
    mainCpuMs: mainCpu,
  };
}

/** Trace categories that carry the main thread's tasks, frames and thread times. */
export const CPU_TRACE_CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel'];
