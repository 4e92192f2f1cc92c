import { readdirSync, readFileSync } from 'node:fs';

// CPU time of other processes on this machine (Linux /proc), for the benches that spread one measurement over
// several processes: on a shared machine, CPU time per operation is comparable across runs where wall time is not.

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_S = 100;

/** User + system CPU milliseconds a process has used so far (0 once it has gone). */
export function cpuMs(pid: number, file = `/proc/${pid}/stat`): number {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/** The summed CPU ms of groups of processes, read now; `minus` gives what each group used between two reads. */
export type CpuGroups = Record<string, number[]>;
export const cpuOf = (groups: CpuGroups): Record<string, number> =>
  Object.fromEntries(Object.entries(groups).map(([k, pids]) => [k, pids.reduce((s, p) => s + cpuMs(p), 0)]));
export const cpuMinus = (a: Record<string, number>, b: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.keys(a).map((k) => [k, a[k] - (b[k] ?? 0)]));

/** The pid of the redis-server listening on `port` (by its command line), or null. */
export function redisPid(port: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.includes('redis-server') && (cmd.includes(String(port)) || cmd.some((a) => a.trim().endsWith(`:${port}`))))
        return Number(d);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/** CPU ms of `pids` by thread name (/proc/<pid>/task/<tid>/comm), summed over the processes. */
export function threadCpu(pids: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        out[name] = (out[name] ?? 0) + cpuMs(pid, `/proc/${pid}/task/${tid}/stat`);
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}

/** A compile's progress: playback time reached and this process's CPU ms at that step. */
export interface CpuTick {
  t: number;
  cpu: number;
}

/**
 * The slowest sliding `windowMs` of playback by CPU (playback ms per CPU ms: the publish rate a compile can keep
 * there; issue #14 asks >= 16x) and where it starts.
 */
export function slowestWindow(ticks: readonly CpuTick[], windowMs = 10_000): { factor: number; atMs: number } {
  let factor = Number.POSITIVE_INFINITY;
  let atMs = 0;
  for (let a = 0, b = 0; a < ticks.length; a++) {
    while (b < ticks.length && ticks[b].t - ticks[a].t < windowMs) b++;
    if (b >= ticks.length) break;
    const f = (ticks[b].t - ticks[a].t) / (ticks[b].cpu - ticks[a].cpu);
    if (f < factor) {
      factor = f;
      atMs = ticks[a].t;
    }
  }
  return { factor, atMs };
}
