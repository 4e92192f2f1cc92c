import { performance } from 'node:perf_hooks';
import { battle } from '../../replays/battle-of-cardassia/index.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { slowestWindow } from './procCpu.js';

// Cardassia's history, CPU per 10 s of playback (process CPU, GC threads included) for every window, slowest first.
const cpuNow = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const ticks: { t: number; cpu: number }[] = [];
const c0 = cpuNow();
const w0 = performance.now();
const { timeline: tl } = compileBattle(battle, { onTick: (f) => ticks.push({ t: f.t, cpu: cpuNow() }) });
const wall = performance.now() - w0;
const cpu = cpuNow() - c0;
const wins: { at: number; ms: number }[] = [];
for (let a = 0, b = 0; a < ticks.length; a++) {
  if (ticks[a].t % 10_000 !== 0) continue;
  while (b < ticks.length && ticks[b].t - ticks[a].t < 10_000) b++;
  if (b >= ticks.length) break;
  wins.push({ at: ticks[a].t / 1000, ms: ticks[b].cpu - ticks[a].cpu });
}
const { factor: worst, atMs: worstAt } = slowestWindow(ticks);
wins.sort((x, y) => y.ms - x.ms);
console.log(`compile wall ${wall.toFixed(0)} ms, CPU ${cpu.toFixed(0)} ms, ${tl.events.length} events, eventsSha256 ${tl.eventsSha256}`);
console.log(`slowest sliding 10 s by CPU: ${worst.toFixed(1)}x at t=${(worstAt / 1000).toFixed(1)} s`);
console.log(
  `heaviest aligned 10 s windows (CPU ms): ${wins
    .slice(0, 12)
    .map((w) => `${w.at}:${w.ms.toFixed(0)}`)
    .join(' ')}`,
);
