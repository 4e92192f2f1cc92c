import { performance } from 'node:perf_hooks';
import { battle } from '../../replays/battle-of-cardassia/index.js';
import { compileBattle, startFork } from '../../replays/engine/compiler.js';
import { compressSegment, gzipFirst } from '../../server/timelines/segments/encode.js';
import { waitedOn } from '../../server/timelines/segments/Segmenter.js';
import { SegmentBuilder, viewOfCompilation } from '../../server/timelines/segments/builder.js';
import { DEFAULT_SEGMENT_MS, plannedSegmentEnd } from '../../shared/battle/segments.js';

// Where a Cardassia fork's publish time goes, segment by segment, on the path the compile worker takes
// (EngineTimelineService.progressive): simulate to the next planned boundary in 200 ms slices, cutting a part after
// each (counted with the simulation), stopping early at a decision point inside the segment; list the segments that
// became final (start state, pack, JSON, hash); gzip the fork's first (early); the compression (FAST for a compiling
// fork's segments) runs beside the next simulation. Process CPU ms per phase (GC threads included), one fork:
// `npx tsx tests/bench/publishProfile.ts [decisionId optionId [value]]` (default: founder-strategy hold-forward 1800,
// which passes the two later decision points' checkpoints).

const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const hist = compileBattle(battle);
const [decisionId = 'founder-strategy', optionId = 'hold-forward', value = '1800'] = process.argv.slice(2);
const choice = { decisionId, optionId, ...(value ? { value: Number(value) } : {}) };
let t = cpu();
const c = startFork(battle, hist, decisionId, choice, [choice]);
console.log(`resume + choice ${(cpu() - t).toFixed(0)} ms CPU`);
const b = new SegmentBuilder(DEFAULT_SEGMENT_MS, []);
// The fork's own segments from its fork point (the prefix is its parent's): as if shared, start the builder there.
b.list(viewOfCompilation(c));
const windows: { from: number; to: number; ms: number; withCompression: number }[] = [];
for (let target = c.compiledMs; ; target = plannedSegmentEnd(b.builtMs, DEFAULT_SEGMENT_MS)) {
  t = cpu();
  const w0 = performance.now();
  let more = true;
  // As the worker: slices, a part after each, and an early stop at a decision point inside the segment.
  for (;;) {
    const next = Math.min(target, c.compiledMs + 200);
    more = c.advanceTo(next);
    if (!more) break;
    const end = b.part(viewOfCompilation(c)).endMs;
    if ((end !== null && end < target) || next >= target) break;
  }
  const sim = cpu() - t;
  if (!more) break;
  t = cpu();
  const from = b.builtMs;
  const listed = b.list(viewOfCompilation(c));
  const list = cpu() - t;
  t = cpu();
  for (const s of listed) if (waitedOn(s, c.meta.fork)) gzipFirst(s);
  const early = cpu() - t;
  t = cpu();
  for (const s of listed) compressSegment(s);
  const compress = cpu() - t;
  const to = b.builtMs;
  // The publish path: simulate + list + early gzip (the compression runs beside the next simulation, off it);
  // withCompression: what it was when the worker awaited the compression before simulating on.
  const ms = sim + list + early;
  windows.push({ from, to, ms, withCompression: ms + compress });
  console.log(
    `${(from / 1000).toFixed(0).padStart(4)}-${(to / 1000).toFixed(0).padStart(4)} s: sim ${sim.toFixed(0)} list ${list.toFixed(0)} early gzip ${early.toFixed(0)} ` +
      `(${listed.length} seg, ${(listed.reduce((n, s) => n + s.json.length, 0) / 1e6).toFixed(1)} MB) = ${ms.toFixed(0)} ms CPU (compress ${compress.toFixed(0)} beside), ${((to - from) / ms).toFixed(1)}x; wall ${(performance.now() - w0).toFixed(0)}`,
  );
}
// Every 10 s of playback from the fork point: CPU on the publish path (whole windows covering it).
function rates(cost: (w: (typeof windows)[number]) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < windows.length; i++) {
    let j = i;
    let ms = 0;
    while (j < windows.length && windows[j].to - windows[i].from < 10_000) ms += cost(windows[j++]);
    if (j >= windows.length) break;
    ms += cost(windows[j]);
    out.push((windows[j].to - windows[i].from) / ms);
  }
  return out.sort((a, b) => a - b);
}
for (const [label, r] of [
  ['publish path (compression beside)', rates((w) => w.ms)],
  ['with the compression on the path', rates((w) => w.withCompression)],
] as const)
  console.log(
    `${label}: rate by CPU over 10 s windows min ${r[0]?.toFixed(1)}x, p50 ${r[r.length >> 1]?.toFixed(1)}x (${r.length} windows)`,
  );
